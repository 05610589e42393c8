package main

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/loopback"
)

// TestAccBotEnterpriseServerWithPrivateCA runs the built bot against a
// GitHub Enterprise Server stand-in: the API under https://HOST/api/v3 with a
// certificate from a CA only SSL_CERT_FILE names. The bot is its own process
// because Go reads SSL_CERT_FILE once per process. Prism is not in front:
// its description is github.com's, not GHES's.
func TestAccBotEnterpriseServerWithPrivateCA(t *testing.T) {
	toolFlag, version, path := terraformBinary(t)
	base := t.TempDir()
	e := &env{t: t, origin: filepath.Join(base, "github", "acme", "infra"), state: filepath.Join(base, "state")}
	if err := os.MkdirAll(e.state, 0o755); err != nil {
		t.Fatal(err)
	}
	e.git("init", "-q", "-b", "main", e.origin)
	e.commit("main", "initial", map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"})
	e.fake = githubfake.New(t, githubfake.Options{Token: token})
	e.fake.AddRepo("acme", "infra", e.origin)

	ghes := httptest.NewUnstartedServer(http.StripPrefix("/api/v3", e.fake))
	ghes.StartTLS()
	defer ghes.Close()
	caFile := filepath.Join(base, "ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ghes.Certificate().Raw})
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(ghes.URL, "https://")

	bin := buildBot(t)
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	bot := exec.CommandContext(ctx, bin, "serve", "--bind", "127.0.0.1", "--port", strconv.Itoa(port),
		"--data-dir", filepath.Join(base, "data"), "--github-hostname", host,
		"--repo-allowlist", "127.0.0.1:*/acme/*", "--"+toolFlag, version+"="+path, "--log-format", "json")
	bot.Env = append(os.Environ(), "SSL_CERT_FILE="+caFile, "PAVED_WEBHOOK_SECRET="+secret, "PAVED_GITHUB_TOKEN="+token)
	logs := &syncBuffer{}
	bot.Stdout, bot.Stderr = logs, logs
	if err := bot.Start(); err != nil {
		t.Fatal(err)
	}
	e.logs = logs
	defer func() {
		cancel()
		_ = bot.Wait()
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	}()
	e.bot = "http://127.0.0.1:" + strconv.Itoa(port)
	e.waitFor("the bot to answer /healthz", func() bool {
		resp, err := http.Get(e.bot + "/healthz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})

	e.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	mustContain(t, "autoplan through GHES", e.replies(1, 0)[0], "+1 ~0 -0")
	for _, c := range e.fake.Calls() {
		if c.Status == http.StatusUnauthorized || c.Status == http.StatusNotFound {
			t.Fatalf("unexpected call: %+v", c)
		}
	}
	if strings.Contains(logs.String(), "certificate signed by unknown authority") {
		t.Fatal("the bot did not trust the CA in SSL_CERT_FILE")
	}
}
