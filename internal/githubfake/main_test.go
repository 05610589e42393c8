package githubfake_test

import (
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-github/v60/github"

	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/prism"
)

// Every test talks to its own fake through one Prism for the package (it
// takes seconds to load GitHub's description), so each exchange is checked
// against GitHub's schema.
var (
	gateway  *prism.Server
	upstream prism.Switch
)

const (
	owner = "acme"
	name  = "infra"
	token = "ghp_test"
)

func TestMain(m *testing.M) {
	os.Exit(prism.Main(m, &upstream, &gateway))
}

// setup gives a test a fresh fake behind Prism with one repository, and a
// go-github client authenticated with the static token. At the end of the
// test every violation Prism saw fails it. Without the npm packages the test
// is skipped, unless TF_ACC=1 asks for the whole test stack.
func setup(t *testing.T, opts githubfake.Options) (*githubfake.Fake, *github.Client, gitRepo) {
	t.Helper()
	prism.Require(t, gateway)
	opts.Token = token
	f := githubfake.New(t, opts)
	repo := newGitRepo(t)
	f.AddRepo(owner, name, repo.dir)
	upstream.Set(f)
	t.Cleanup(func() {
		for _, v := range gateway.Violations() {
			t.Errorf("GitHub schema violation: %s", v)
		}
	})
	return f, newClient(t, http.DefaultClient).WithAuthToken(token), repo
}

func newClient(t *testing.T, hc *http.Client) *github.Client {
	t.Helper()
	c := github.NewClient(hc)
	base, err := url.Parse(gateway.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	c.BaseURL = base
	return c
}

// expectViolation takes the violations so far, which must be exactly one
// containing text, out of the test's account: for answers GitHub really
// gives that its description does not document.
func expectViolation(t *testing.T, text string) {
	t.Helper()
	v := gateway.Violations()
	if len(v) != 1 || !strings.Contains(v[0], text) {
		t.Errorf("violations %q, want one containing %q", v, text)
	}
	gateway.Reset()
}

// gitRepo is a real repository: main has envs/dev/main.tf and README.md;
// branch feature changes envs/dev/main.tf, adds envs/prod/main.tf and removes
// README.md.
type gitRepo struct {
	dir        string
	base, head string // the tips of main and feature
}

func newGitRepo(t *testing.T) gitRepo {
	t.Helper()
	dir := t.TempDir()
	run := func(args ...string) string {
		t.Helper()
		return gitOut(t, dir, args...)
	}
	write := func(path, content string) {
		t.Helper()
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	run("init", "--quiet", "--initial-branch=main")
	write("envs/dev/main.tf", "locals {\n  env = \"dev\"\n}\n")
	write("README.md", "infra\n")
	run("add", "-A")
	run("commit", "--quiet", "-m", "base")
	base := run("rev-parse", "HEAD")
	run("checkout", "--quiet", "-b", "feature")
	write("envs/dev/main.tf", "locals {\n  env  = \"dev\"\n  size = 2\n}\n")
	write("envs/prod/main.tf", "locals {\n  env = \"prod\"\n}\n")
	run("rm", "--quiet", "README.md")
	run("add", "-A")
	run("commit", "--quiet", "-m", "feature")
	head := run("rev-parse", "HEAD")
	run("checkout", "--quiet", "main")
	return gitRepo{dir: dir, base: base, head: head}
}

// commit adds a commit with files on top of parent, on no branch, and
// returns it.
func (g gitRepo) commit(t *testing.T, parent string, files map[string]string) string {
	t.Helper()
	gitOut(t, g.dir, "checkout", "--quiet", "--detach", parent)
	for path, content := range files {
		p := filepath.Join(g.dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gitOut(t, g.dir, "add", "-A")
	gitOut(t, g.dir, "commit", "--quiet", "-m", "more")
	sha := gitOut(t, g.dir, "rev-parse", "HEAD")
	gitOut(t, g.dir, "checkout", "--quiet", "main")
	return sha
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME=Test", "GIT_AUTHOR_EMAIL=test@example.com",
		"GIT_COMMITTER_NAME=Test", "GIT_COMMITTER_EMAIL=test@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// openFeature opens pull request 7 from feature into main, by alice.
func openFeature(f *githubfake.Fake, repo gitRepo) {
	f.OpenPR(owner, name, githubfake.PR{
		Number: 7, Author: "alice", Title: "Grow dev", HeadRef: "feature", HeadSHA: repo.head, BaseRef: "main",
		Files: []string{"envs/dev/main.tf", "envs/prod/main.tf", "README.md"},
	})
}
