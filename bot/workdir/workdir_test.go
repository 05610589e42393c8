package workdir_test

import (
	"context"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/paved-road/paved/bot/workdir"
)

// git runs git in dir for test set-up and returns its trimmed stdout.
func git(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com",
		"GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// origin is a repository standing in for GitHub, with a pull request ref like GitHub's.
type origin struct {
	t   *testing.T
	dir string
}

func newOrigin(t *testing.T) *origin {
	t.Helper()
	o := &origin{t: t, dir: t.TempDir()}
	git(t, o.dir, "init", "--quiet", "--initial-branch=main")
	return o
}

// commit writes files (path → content; "" deletes) and commits them, returning the sha.
func (o *origin) commit(files map[string]string) string {
	o.t.Helper()
	for name, content := range files {
		path := filepath.Join(o.dir, name)
		if content == "" {
			if err := os.Remove(path); err != nil {
				o.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			o.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			o.t.Fatal(err)
		}
	}
	git(o.t, o.dir, "add", "--all")
	git(o.t, o.dir, "commit", "--quiet", "-m", "change")
	return git(o.t, o.dir, "rev-parse", "HEAD")
}

func (o *origin) setPullHead(n, sha string) {
	o.t.Helper()
	git(o.t, o.dir, "update-ref", "refs/pull/"+n+"/head", sha)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestCheckoutPullRequestReusesWorkingCopy(t *testing.T) {
	ctx := context.Background()
	o := newOrigin(t)
	first := o.commit(map[string]string{"app/main.tf": "# one\n", "README.md": "hi\n"})
	o.setPullHead("1", first)
	g := workdir.Git{CloneURL: "file://" + o.dir}
	wc := filepath.Join(t.TempDir(), "pr-1")

	got, err := workdir.Checkout(ctx, g, wc, "refs/pull/1/head", first)
	if err != nil {
		t.Fatal(err)
	}
	if got != first {
		t.Fatalf("Checkout returned %s, want %s", got, first)
	}
	if s := readFile(t, filepath.Join(wc, "app/main.tf")); s != "# one\n" {
		t.Fatalf("app/main.tf = %q", s)
	}

	// What a previous run leaves behind: terraform's downloads, a lock file, stray output, an edit.
	for name, content := range map[string]string{
		"app/.terraform/providers/marker": "cached",
		"app/.terraform.lock.hcl":         "# lock\n",
		"app/plan.out":                    "stale",
		"README.md":                       "edited\n",
	} {
		path := filepath.Join(wc, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	second := o.commit(map[string]string{"app/main.tf": "# two\n"})
	o.setPullHead("1", second)

	_, err = workdir.Checkout(ctx, g, wc, "refs/pull/1/head", first)
	var moved *workdir.HeadMovedError
	if !errors.As(err, &moved) {
		t.Fatalf("Checkout with the old head: err = %v, want *HeadMovedError", err)
	}
	if moved.Want != first || moved.Got != second {
		t.Fatalf("HeadMovedError = %+v, want Want=%s Got=%s", moved, first, second)
	}
	if s := readFile(t, filepath.Join(wc, "app/main.tf")); s != "# one\n" {
		t.Fatalf("a refused checkout changed app/main.tf to %q", s)
	}

	got, err = workdir.Checkout(ctx, g, wc, "refs/pull/1/head", second)
	if err != nil {
		t.Fatal(err)
	}
	if got != second {
		t.Fatalf("Checkout returned %s, want %s", got, second)
	}
	if s := readFile(t, filepath.Join(wc, "app/main.tf")); s != "# two\n" {
		t.Fatalf("app/main.tf = %q after moving the head", s)
	}
	if s := readFile(t, filepath.Join(wc, "README.md")); s != "hi\n" {
		t.Fatalf("local edit survived: README.md = %q", s)
	}
	if exists(filepath.Join(wc, "app/plan.out")) {
		t.Fatal("untracked app/plan.out survived the checkout")
	}
	if !exists(filepath.Join(wc, "app/.terraform/providers/marker")) {
		t.Fatal("app/.terraform/ was removed; init could not be reused")
	}
	if !exists(filepath.Join(wc, "app/.terraform.lock.hcl")) {
		t.Fatal("app/.terraform.lock.hcl was removed")
	}
}

func TestCheckoutTagAndCommit(t *testing.T) {
	ctx := context.Background()
	o := newOrigin(t)
	first := o.commit(map[string]string{"main.tf": "# one\n"})
	git(t, o.dir, "tag", "--annotate", "-m", "applied", "paved/app/default/1", first)
	second := o.commit(map[string]string{"main.tf": "# two\n"})
	g := workdir.Git{CloneURL: o.dir}
	wc := t.TempDir()

	got, err := workdir.Checkout(ctx, g, wc, "refs/tags/paved/app/default/1", "")
	if err != nil {
		t.Fatal(err)
	}
	if got != first {
		t.Fatalf("annotated tag resolved to %s, want the tagged commit %s", got, first)
	}
	if s := readFile(t, filepath.Join(wc, "main.tf")); s != "# one\n" {
		t.Fatalf("main.tf = %q at the tag", s)
	}

	got, err = workdir.Checkout(ctx, g, wc, second, "")
	if err != nil {
		t.Fatal(err)
	}
	if got != second {
		t.Fatalf("sha checkout returned %s, want %s", got, second)
	}
	if s := readFile(t, filepath.Join(wc, "main.tf")); s != "# two\n" {
		t.Fatalf("main.tf = %q at %s", s, second)
	}
}

func TestCheckoutRefusesOtherRefs(t *testing.T) {
	g := workdir.Git{CloneURL: newOrigin(t).dir}
	for _, ref := range []string{"main", "refs/heads/main", "--upload-pack=touch /tmp/x", "refs/pull/1/head:refs/heads/x", "abc123"} {
		wc := filepath.Join(t.TempDir(), "wc")
		if _, err := workdir.Checkout(context.Background(), g, wc, ref, ""); err == nil {
			t.Errorf("Checkout(%q) succeeded, want an error", ref)
		}
		if exists(wc) {
			t.Errorf("Checkout(%q) created the working copy before refusing", ref)
		}
	}
}

func TestEnv(t *testing.T) {
	credential := base64.StdEncoding.EncodeToString([]byte("x-access-token:ghs_secret"))
	tests := []struct {
		name   string
		git    workdir.Git
		caFile string
		want   []string
	}{
		{
			name: "token over https",
			git:  workdir.Git{CloneURL: "https://ghe.example.com/org/repo.git", Token: "ghs_secret"},
			want: []string{
				"GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_COUNT=1",
				"GIT_CONFIG_KEY_0=http.https://ghe.example.com/.extraHeader",
				"GIT_CONFIG_VALUE_0=Authorization: Basic " + credential,
			},
		},
		{
			name:   "token and private CA",
			git:    workdir.Git{CloneURL: "https://ghe.example.com:8443/org/repo.git", Token: "ghs_secret"},
			caFile: "/etc/paved/ca.pem",
			want: []string{
				"GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_COUNT=2",
				"GIT_CONFIG_KEY_0=http.https://ghe.example.com:8443/.extraHeader",
				"GIT_CONFIG_VALUE_0=Authorization: Basic " + credential,
				"GIT_CONFIG_KEY_1=http.sslCAInfo", "GIT_CONFIG_VALUE_1=/etc/paved/ca.pem",
			},
		},
		{
			name: "token is never sent to a local repository",
			git:  workdir.Git{CloneURL: "file:///srv/repo.git", Token: "ghs_secret"},
			want: []string{"GIT_TERMINAL_PROMPT=0"},
		},
		{
			name: "no token",
			git:  workdir.Git{CloneURL: "https://github.com/org/repo.git"},
			want: []string{"GIT_TERMINAL_PROMPT=0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("SSL_CERT_FILE", tt.caFile)
			got := tt.git.Env()
			if !slices.Equal(got, tt.want) {
				t.Fatalf("Env() =\n%q\nwant\n%q", got, tt.want)
			}
		})
	}
}

// TestCheckoutOverHTTPSWithToken serves the origin through git's own smart HTTP backend behind a
// TLS server with a self-signed certificate, accepting only the expected token.
func TestCheckoutOverHTTPSWithToken(t *testing.T) {
	const token = "ghs_0123456789abcdef"
	o := newOrigin(t)
	head := o.commit(map[string]string{"main.tf": "# over https\n"})
	o.setPullHead("7", head)
	root := t.TempDir()
	git(t, root, "clone", "--quiet", "--mirror", o.dir, "org/repo.git")

	execPath := git(t, root, "--exec-path")
	backend := &cgi.Handler{
		Path: filepath.Join(execPath, "git-http-backend"),
		Env:  []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"},
	}
	wantAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+token))
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != wantAuth {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		backend.ServeHTTP(w, r)
	}))
	defer srv.Close()

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	caPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, caPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SSL_CERT_FILE", caFile)
	// GIT_SSL_CAINFO would override the setting under test.
	t.Setenv("GIT_SSL_CAINFO", "")
	if err := os.Unsetenv("GIT_SSL_CAINFO"); err != nil {
		t.Fatal(err)
	}

	cloneURL := srv.URL + "/org/repo.git"
	wc := t.TempDir()
	if _, err := workdir.Checkout(context.Background(), workdir.Git{CloneURL: cloneURL, Token: "wrong"}, wc, "refs/pull/7/head", ""); err == nil {
		t.Fatal("checkout with a wrong token succeeded; the server is not checking the header")
	}

	g := workdir.Git{CloneURL: cloneURL, Token: token}
	got, err := workdir.Checkout(context.Background(), g, wc, "refs/pull/7/head", head)
	if err != nil {
		t.Fatal(err)
	}
	if got != head {
		t.Fatalf("Checkout returned %s, want %s", got, head)
	}
	if g.CloneURL != cloneURL {
		t.Fatalf("CloneURL changed to %q", g.CloneURL)
	}
	err = filepath.WalkDir(filepath.Join(wc, ".git"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.Contains(readFile(t, path), token) {
			t.Errorf("%s contains the token", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
