// Package workdir keeps a git working copy per pull request: it fetches exactly the commit a
// command is about, reuses what terraform downloaded last time, and never puts credentials
// where other processes can read them (argv, URLs, .git/config).
package workdir

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// Git holds how to reach a repository. CloneURL comes from the webhook payload
// (https://host/owner/repo.git) or, in tests, a local path or file:// URL. Token, when set,
// authenticates http(s) fetches.
type Git struct {
	CloneURL string
	Token    string
	// Mirror, when set, is the bare repository (mirror.go) that fetches for every working copy in
	// its directory; those elsewhere fetch for themselves.
	Mirror string
}

// Env returns the environment to add to every git command for this repository: no terminal
// prompts, the token as an HTTP Authorization header scoped to the clone URL's host (http(s)
// URLs only), and SSL_CERT_FILE as a trusted CA bundle, since git's libcurl ignores that variable.
// Settings travel as GIT_CONFIG_COUNT/GIT_CONFIG_KEY_n/GIT_CONFIG_VALUE_n so that they never
// appear in argv or on disk.
func (g Git) Env() []string {
	var config [][2]string
	if prefix, ok := g.httpPrefix(); ok && g.Token != "" {
		config = append(config, [2]string{"http." + prefix + ".extraHeader", "Authorization: Basic " + g.basicCredential()})
	}
	if caFile := os.Getenv("SSL_CERT_FILE"); caFile != "" {
		config = append(config, [2]string{"http.sslCAInfo", caFile})
	}

	env := []string{"GIT_TERMINAL_PROMPT=0"}
	if len(config) == 0 {
		return env
	}
	env = append(env, "GIT_CONFIG_COUNT="+strconv.Itoa(len(config)))
	for i, kv := range config {
		n := strconv.Itoa(i)
		env = append(env, "GIT_CONFIG_KEY_"+n+"="+kv[0], "GIT_CONFIG_VALUE_"+n+"="+kv[1])
	}
	return env
}

// httpPrefix returns "scheme://host/" for http(s) clone URLs, the form git's http.<url>.*
// settings match against.
func (g Git) httpPrefix() (string, bool) {
	u, err := url.Parse(g.CloneURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return u.Scheme + "://" + u.Host + "/", true
}

// basicCredential is what GitHub expects for an installation or personal token over HTTP.
func (g Git) basicCredential() string {
	return base64.StdEncoding.EncodeToString([]byte("x-access-token:" + g.Token))
}

// mask hides the token, in either form, in text that is about to leave this package.
func (g Git) mask(s string) string {
	if g.Token == "" {
		return s
	}
	return strings.NewReplacer(g.Token, "***", g.basicCredential(), "***").Replace(s)
}

// run runs git in dir and returns its stdout; the error carries git's stderr.
func (g Git) run(ctx context.Context, dir string, args ...string) (string, error) {
	return g.runInput(ctx, dir, "", args...)
}

// runInput runs git in dir with stdin and returns its stdout; the error
// carries git's stderr.
func (g Git) runInput(ctx context.Context, dir, stdin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), g.Env()...)
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", args[0], err, g.mask(strings.TrimSpace(stderr.String())))
	}
	return stdout.String(), nil
}
