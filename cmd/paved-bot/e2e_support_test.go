package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/loopback"
	"github.com/paved-road/paved/internal/prism"
	"github.com/paved-road/paved/internal/redisserver"
)

// The end-to-end tests run the real `paved-bot serve` against "GitHub":
// Prism validating every exchange against GitHub's REST description,
// forwarding to a stateful stand-in (internal/githubfake) backed by real git
// repositories. Prism takes ~15 s to load the description, so one instance
// serves the package and each test plugs its own stand-in behind it.
var (
	github   *prism.Server
	upstream prism.Switch
)

const (
	secret = "e2e-webhook-secret"
	token  = "ghs_e2eInstallationToken000000000000000"
)

func TestMain(m *testing.M) {
	os.Exit(prism.Main(m, &upstream, &github))
}

// terraformBinary is the CLI the bot runs: the one the acceptance tests use.
func terraformBinary(t *testing.T) (flagName, version, path string) {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("end-to-end bot test: set TF_ACC=1 (make testacc) to run it")
	}
	path = os.Getenv("TF_ACC_TERRAFORM_PATH")
	if path == "" {
		t.Fatal("TF_ACC_TERRAFORM_PATH must name the terraform or tofu binary")
	}
	out, err := exec.Command(path, "version").Output()
	if err != nil {
		t.Fatalf("%s version: %v", path, err)
	}
	first := strings.Fields(strings.SplitN(string(out), "\n", 2)[0]) // "Terraform v1.8.5" / "OpenTofu v1.12.6"
	version = strings.TrimPrefix(first[len(first)-1], "v")
	flagName = "terraform"
	if strings.HasPrefix(first[0], "OpenTofu") {
		flagName = "tofu"
	}
	return flagName, version, path
}

// env is one test's world: a repository acme/infra, its GitHub, and a bot.
type env struct {
	t      *testing.T
	fake   *githubfake.Fake
	origin string // the repository's git dir (non-bare; the default branch is main)
	state  string // where the projects keep their Terraform state, outside any clone
	data   string // the bot's --data-dir
	bot    string // http://127.0.0.1:PORT
	logs   *syncBuffer
	tool   string
}

type syncBuffer struct {
	mu sync.Mutex
	bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.Buffer.String()
}

// newEnv starts a bot with extra flags in front of a fresh stand-in holding
// the files of main.
func newEnv(t *testing.T, main map[string]string, flags ...string) *env {
	t.Helper()
	t.Setenv("PAVED_GITHUB_TOKEN", token)
	return newEnvWith(t, githubfake.Options{Token: token}, main, flags...)
}

// newEnvWith is newEnv with the stand-in's auth options; the bot's
// credentials come from flags or the environment.
func newEnvWith(t *testing.T, auth githubfake.Options, main map[string]string, flags ...string) *env {
	t.Helper()
	toolFlag, version, path := terraformBinary(t)
	base := t.TempDir()
	e := &env{t: t, origin: filepath.Join(base, "github", "acme", "infra"), state: filepath.Join(base, "state"), data: filepath.Join(base, "data"), tool: toolFlag}
	if err := os.MkdirAll(e.state, 0o755); err != nil {
		t.Fatal(err)
	}
	e.git("init", "-q", "-b", "main", e.origin)
	e.commit("main", "initial", main)

	e.fake = githubfake.New(t, auth)
	e.fake.AddRepo("acme", "infra", e.origin)
	prism.Require(t, github)
	upstream.Set(e.fake)

	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	args := append([]string{"serve",
		"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--data-dir", e.data,
		"--repo-allowlist", "github.com/acme/*", "--github-api-url", github.URL,
		"--" + toolFlag, version + "=" + path, "--log-format", "json",
		// The state, outside every clone, stands for a remote backend.
		"--sandbox-bind", e.state,
	}, flags...)
	// PAVED_E2E_STORE=redis runs the suite on the Redis store (make testacc-redis).
	storeURL := ""
	if os.Getenv("PAVED_E2E_STORE") == "redis" {
		storeURL = redisserver.Start(t).URL()
		args = append(args, "--store", storeURL)
	}
	t.Setenv("PAVED_WEBHOOK_SECRET", secret)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	e.logs = logs
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, io.Discard, logs) }()
	e.bot = "http://127.0.0.1:" + strconv.Itoa(port)
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("paved-bot serve exited %d:\n%s", code, logs.String())
		}
		e.checkAudited(storeURL)
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
		if v := github.Violations(); len(v) > 0 {
			t.Errorf("requests or responses that break GitHub's OpenAPI description:\n%s", strings.Join(v, "\n"))
		}
		upstream.Set(nil)
	})
	e.waitFor("the bot to answer /healthz", func() bool {
		select {
		case code := <-done:
			done <- code
			t.Fatalf("paved-bot serve exited %d before serving:\n%s", code, logs.String())
		default:
		}
		resp, err := http.Get(e.bot + "/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return e
}

func (e *env) git(args ...string) string {
	e.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "HOME="+filepath.Dir(e.origin),
		"GIT_AUTHOR_NAME=dev", "GIT_AUTHOR_EMAIL=dev@example.com", "GIT_COMMITTER_NAME=dev", "GIT_COMMITTER_EMAIL=dev@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		e.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// symlinkTo starts the content of a file that commit makes a symlink.
const symlinkTo = "symlink:"

// commit writes files on branch (created from main when new; "" content
// deletes; symlinkTo+target makes a symlink) and returns the commit.
func (e *env) commit(branch, message string, files map[string]string) string {
	e.t.Helper()
	// The origin stays on main between commits.
	if branch != "main" {
		if e.git("-C", e.origin, "branch", "--list", branch) == "" {
			e.git("-C", e.origin, "branch", branch, "main")
		}
		e.git("-C", e.origin, "checkout", "-q", branch)
		defer e.git("-C", e.origin, "checkout", "-q", "main")
	}
	for name, content := range files {
		p := filepath.Join(e.origin, filepath.FromSlash(name))
		if content == "" {
			e.git("-C", e.origin, "rm", "-q", name)
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			e.t.Fatal(err)
		}
		if target, ok := strings.CutPrefix(content, symlinkTo); ok {
			_ = os.Remove(p)
			if err := os.Symlink(target, p); err != nil {
				e.t.Fatal(err)
			}
		} else if err := os.WriteFile(p, []byte(strings.ReplaceAll(content, "STATE", e.state)), 0o644); err != nil {
			e.t.Fatal(err)
		}
		e.git("-C", e.origin, "add", name)
	}
	e.git("-C", e.origin, "commit", "-q", "--allow-empty", "-m", message)
	return e.git("-C", e.origin, "rev-parse", "HEAD")
}

func keys(files map[string]string) []string {
	var out []string
	for k := range files {
		out = append(out, k)
	}
	return out
}

// openPR commits files on a branch, opens pull request n and delivers the
// "opened" webhook.
func (e *env) openPR(n int, author string, files map[string]string) string {
	e.t.Helper()
	branch := "pr-" + strconv.Itoa(n)
	sha := e.commit(branch, "change "+branch, files)
	e.fake.OpenPR("acme", "infra", githubfake.PR{Number: n, Author: author, HeadRef: branch, HeadSHA: sha, BaseRef: "main", Files: keys(files)})
	e.deliver("pull_request", e.fake.PullRequestEvent("acme", "infra", n, "opened"))
	return sha
}

// push adds a commit to pull request n and delivers "synchronize".
func (e *env) push(n int, files map[string]string) string {
	e.t.Helper()
	sha := e.commit("pr-"+strconv.Itoa(n), "update", files)
	e.fake.Push("acme", "infra", n, sha, keys(files))
	e.deliver("pull_request", e.fake.PullRequestEvent("acme", "infra", n, "synchronize"))
	return sha
}

// merge merges pull request n into main in git and on GitHub, then delivers "closed".
func (e *env) merge(n int) {
	e.t.Helper()
	e.git("-C", e.origin, "merge", "-q", "--no-ff", "-m", "merge", "pr-"+strconv.Itoa(n))
	e.fake.Merge("acme", "infra", n, "maintainer")
	e.deliver("pull_request", e.fake.PullRequestEvent("acme", "infra", n, "closed"))
}

// deliver posts a signed webhook and expects 202.
func (e *env) deliver(event string, body []byte) {
	e.t.Helper()
	if code := e.post(event, body, githubfake.Sign(secret, body)); code != http.StatusAccepted {
		e.t.Fatalf("webhook %s: status %d", event, code)
	}
}

func (e *env) post(event string, body []byte, signature string) int {
	e.t.Helper()
	return e.postDelivery(event, "e2e-"+strconv.FormatInt(time.Now().UnixNano(), 10), body, signature)
}

// postDelivery posts a webhook with the given X-GitHub-Delivery id.
func (e *env) postDelivery(event, delivery string, body []byte, signature string) int {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.bot+"/events", bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// say comments on pull request n as user and returns the bot's replies to it.
func (e *env) say(n int, user, body string) []string {
	e.t.Helper()
	before := len(e.fake.Comments("acme", "infra", n))
	payload, _ := e.fake.IssueCommentEvent("acme", "infra", n, user, body)
	e.deliver("issue_comment", payload)
	return e.replies(n, before+1)
}

// replies waits until the bot has answered after the first `after`
// comments of pull request n (its command is done once the commit status or
// reply is in) and returns the bot's comments since.
func (e *env) replies(n, after int) []string {
	e.t.Helper()
	var got []string
	e.waitFor(fmt.Sprintf("a reply on #%d", n), func() bool {
		got = got[:0]
		for _, c := range e.fake.Comments("acme", "infra", n)[after:] {
			if c.User != "paved[bot]" {
				continue
			}
			got = append(got, c.Body)
		}
		return len(got) > 0 && e.idle()
	})
	return got
}

// idle reports whether the bot has finished every command: its log says so.
func (e *env) idle() bool {
	logs := e.logs.String()
	return strings.Count(logs, `"msg":"command recorded"`) == strings.Count(logs, `"msg":"command finished"`)
}

// waitFor polls cond for up to two minutes: the bot works in the background.
func (e *env) waitFor(what string, cond func() bool) {
	e.t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			e.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// checkAudited checks, once the bot has stopped, that every command it
// finished is in the audit log: `paved-bot audit --json` lists it.
func (e *env) checkAudited(storeURL string) {
	e.t.Helper()
	args := []string{"audit", "--json", "--since", "24h", "--data-dir", e.data}
	if storeURL != "" {
		args = append(args, "--store", storeURL)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), args, &out, &errOut); code != 0 {
		e.t.Errorf("paved-bot audit after the test: exit %d: %s", code, errOut.String())
		return
	}
	var entries []struct {
		Job string `json:"job"`
	}
	if err := json.Unmarshal(out.Bytes(), &entries); err != nil {
		e.t.Errorf("paved-bot audit --json: %v", err)
		return
	}
	audited := map[string]bool{}
	for _, en := range entries {
		audited[en.Job] = true
	}
	for _, line := range strings.Split(e.logs.String(), "\n") {
		var l struct {
			Msg string `json:"msg"`
			Job string `json:"job"`
		}
		if json.Unmarshal([]byte(line), &l) == nil && l.Msg == "command finished" && !audited[l.Job] {
			e.t.Errorf("command %s finished but is not in the audit log", l.Job)
		}
	}
}
