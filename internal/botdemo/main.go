// Command botdemo is the paved-bot half of `make demo`: it runs the real
// paved-bot against a local stand-in for GitHub (internal/githubfake, backed
// by a real git repository) and walks one pull request through autoplan,
// a refused apply, an approval, the apply, the deploy tags and the merge,
// then reads the history back from the tags.
//
// scripts/demo.sh runs it with the provider mirror, the emulator and the
// hub credentials in the environment, which the bot hands to Terraform.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/loopback"
)

const (
	secret = "demo-webhook-secret"
	token  = "ghs_demoInstallationToken0000000000000"
)

type fatal struct{}

func (fatal) Helper()                           {}
func (fatal) Fatalf(format string, args ...any) { log.Fatalf(format, args...) }

type demo struct {
	work, origin, bot string
	repo              string // files of the demo repository
	mirror            string // provider mirror; "" for none
	fake              *githubfake.Fake
}

func main() {
	terraform := flag.String("terraform", "", "terraform binary the bot runs (VERSION is read from it)")
	repo := flag.String("repo", "examples/bot/demo-repo", "files of the demo repository")
	mirror := flag.String("mirror", "", "the provider mirror Terraform installs from, which its sandbox must see")
	flag.Parse()
	log.SetFlags(0)
	work, err := os.MkdirTemp("", "paved-botdemo-")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(work) }()
	d := &demo{work: work, origin: filepath.Join(work, "github", "acme", "infra"), repo: *repo, mirror: *mirror}
	stop := d.start(*terraform)
	defer stop()
	d.walk()
}

func step(format string, args ...any) {
	fmt.Printf("\n\033[1m==> %s\033[0m\n", fmt.Sprintf(format, args...))
}

// start makes the repository (main holds paved.yaml and the standards; the
// pull request adds the environments), GitHub and the bot.
func (d *demo) start(terraform string) func() {
	step("A repository acme/infra, a local GitHub stand-in and paved-bot serve")
	must(os.MkdirAll(d.origin, 0o755))
	d.git("init", "-q", "-b", "main")
	d.copy(d.repo, "paved.yaml", "standards.yaml")
	d.git("add", "-A")
	d.git("commit", "-q", "-m", "paved.yaml and the company standards")

	d.fake = githubfake.New(fatal{}, githubfake.Options{Token: token})
	d.fake.AddRepo("acme", "infra", d.origin)
	gh := httptest.NewServer(d.fake)

	// paved-bot and, beside it as a release installs it, its sandbox launcher.
	bin := filepath.Join(d.work, "paved-bot")
	build := exec.Command("go", "build", "-o", d.work+string(filepath.Separator), "./cmd/paved-bot", "./cmd/paved-sandbox")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	must(build.Run())
	out, err := exec.Command(terraform, "version").Output()
	must(err)
	version := strings.TrimPrefix(strings.Fields(string(out))[1], "v")

	free, err := loopback.FreePort()
	must(err)
	port := strconv.Itoa(free)
	logFile, err := os.Create(filepath.Join(d.work, "bot.log"))
	must(err)
	// Terraform runs in the bot's sandbox, which sees the state (the demo's
	// stand-in for a remote backend) and the provider mirror only when told.
	state := filepath.Join(d.work, "state")
	must(os.MkdirAll(state, 0o755))
	args := []string{"serve", "--bind", "127.0.0.1", "--port", port,
		"--data-dir", filepath.Join(d.work, "data"), "--repo-allowlist", "github.com/acme/*",
		"--github-api-url", gh.URL, "--terraform", version + "=" + terraform, "--sandbox-bind", state}
	if d.mirror != "" {
		args = append(args, "--sandbox-bind", d.mirror+":ro")
	}
	serve := exec.Command(bin, args...)
	serve.Env = append(os.Environ(), "PAVED_WEBHOOK_SECRET="+secret, "PAVED_GITHUB_TOKEN="+token)
	serve.Stdout, serve.Stderr = logFile, logFile
	// The bot goes down with the demo, however the demo ends.
	serve.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	must(serve.Start())
	d.bot = "http://127.0.0.1:" + port
	d.wait("the bot", func() bool {
		resp, err := http.Get(d.bot + "/healthz")
		if err == nil {
			_ = resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	})
	fmt.Printf("GitHub stand-in at %s, paved-bot at %s (terraform %s), repository %s\n", gh.URL, d.bot, version, d.origin)
	return func() {
		_ = serve.Process.Signal(os.Interrupt)
		_ = serve.Wait()
		gh.Close()
		_ = logFile.Close()
	}
}

func (d *demo) walk() {
	step("alice opens pull request #1: an SRE login role in dev and in prod")
	must(os.MkdirAll(filepath.Join(d.origin, "envs"), 0o755))
	d.git("checkout", "-q", "-b", "sre-login")
	state := filepath.Join(d.work, "state")
	d.copy(d.repo, filepath.Join("modules", "sre-login", "main.tf"))
	for _, env := range []string{"dev", "prod"} {
		d.copy(d.repo, filepath.Join("envs", env, "main.tf"))
		// The demo's stand-in for a remote backend: state outside every clone.
		override := fmt.Sprintf("terraform {\n  backend \"local\" {\n    path = %q\n  }\n}\n", filepath.Join(state, env+".tfstate"))
		must(os.WriteFile(filepath.Join(d.origin, "envs", env, "backend_override.tf"), []byte(override), 0o644))
	}
	d.git("add", "-A")
	d.git("commit", "-q", "-m", "SRE login roles")
	head := d.git("rev-parse", "HEAD")
	d.git("checkout", "-q", "main")
	d.fake.OpenPR("acme", "infra", githubfake.PR{Number: 1, Author: "alice", HeadRef: "sre-login", HeadSHA: head, BaseRef: "main",
		Files: []string{"modules/sre-login/main.tf", "envs/dev/main.tf", "envs/dev/backend_override.tf", "envs/prod/main.tf", "envs/prod/backend_override.tf"}})
	d.deliver("pull_request", d.fake.PullRequestEvent("acme", "infra", 1, "opened"))
	d.show(d.reply(0))
	d.statuses(head)
	d.expect(head, "paved/plan", "success")

	step("alice comments `paved apply`: prod needs an approval first")
	d.show(d.say("alice", "paved apply"))

	step("bob approves; alice comments `paved apply` again")
	d.fake.Approve("acme", "infra", 1, "bob")
	d.show(d.say("alice", "paved apply"))
	d.statuses(head)
	d.expect(head, "paved/apply", "success")
	fmt.Printf("labels on #1: %s\n", strings.Join(d.fake.Labels("acme", "infra", 1), ", "))

	step("The deploy tags are annotated git tags in the repository")
	tags := d.git("for-each-ref", "--format=%(refname:short)", "refs/tags/paved/")
	fmt.Println(tags)
	fmt.Println()
	fmt.Println(d.git("cat-file", "-p", strings.Split(tags, "\n")[0]))

	step("The pull request is merged: its locks are released")
	d.git("merge", "-q", "--no-ff", "-m", "Merge #1", "sre-login")
	d.fake.Merge("acme", "infra", 1, "bob")
	seen := len(d.fake.Comments("acme", "infra", 1))
	d.deliver("pull_request", d.fake.PullRequestEvent("acme", "infra", 1, "closed"))
	d.show(d.reply(seen))

	step("paved-bot history --repo acme/infra (read from the tags)")
	hist := exec.Command(filepath.Join(d.work, "paved-bot"), "history", "--repo", "acme/infra",
		"--git-url", d.origin, "--data-dir", filepath.Join(d.work, "history"))
	// The webhook secret gives the key the bot signed the tags with.
	hist.Env = append(os.Environ(), "PAVED_WEBHOOK_SECRET="+secret)
	hist.Stdout, hist.Stderr = os.Stdout, os.Stderr
	must(hist.Run())
}

// say comments on #1 and returns the bot's reply.
func (d *demo) say(user, body string) string {
	seen := len(d.fake.Comments("acme", "infra", 1))
	payload, _ := d.fake.IssueCommentEvent("acme", "infra", 1, user, body)
	d.deliver("issue_comment", payload)
	return d.reply(seen + 1)
}

// reply waits for the bot's next comment after the first `after` comments.
func (d *demo) reply(after int) string {
	var body string
	d.wait("the bot's reply", func() bool {
		for _, c := range d.fake.Comments("acme", "infra", 1)[after:] {
			if c.User == "paved[bot]" {
				body = c.Body
				return true
			}
		}
		return false
	})
	return body
}

// show prints a comment without its collapsed Terraform output.
func (d *demo) show(comment string) {
	summary, _, _ := strings.Cut(comment, "<details>")
	fmt.Println(strings.TrimSpace(summary))
}

func (d *demo) statuses(sha string) {
	// The status follows the comment: wait until every context's newest
	// status has ended.
	d.wait("the commit status", func() bool {
		newest := map[string]string{}
		for _, s := range d.fake.Statuses("acme", "infra", sha) {
			newest[s.Context] = s.State
		}
		for _, state := range newest {
			if state == "pending" {
				return false
			}
		}
		return len(newest) > 0
	})
	for _, s := range d.fake.Statuses("acme", "infra", sha) {
		fmt.Printf("status %-12s %-8s %s\n", s.Context, s.State, s.Description)
	}
}

// expect stops the demo when the last status of a context is not state.
func (d *demo) expect(sha, context, state string) {
	var last string
	for _, s := range d.fake.Statuses("acme", "infra", sha) {
		if s.Context == context {
			last = s.State
		}
	}
	if last != state {
		logs, _ := os.ReadFile(filepath.Join(d.work, "bot.log"))
		log.Fatalf("%s is %q, want %q; bot log:\n%s", context, last, state, logs)
	}
}

func (d *demo) deliver(event string, body []byte) {
	req, err := http.NewRequest(http.MethodPost, d.bot+"/events", bytes.NewReader(body))
	must(err)
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-Hub-Signature-256", githubfake.Sign(secret, body))
	resp, err := http.DefaultClient.Do(req)
	must(err)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		log.Fatalf("webhook %s: %s", event, resp.Status)
	}
}

func (d *demo) copy(from string, names ...string) {
	for _, name := range names {
		raw, err := os.ReadFile(filepath.Join(from, name))
		must(err)
		dst := filepath.Join(d.origin, name)
		must(os.MkdirAll(filepath.Dir(dst), 0o755))
		must(os.WriteFile(dst, raw, 0o644))
	}
}

func (d *demo) git(args ...string) string {
	cmd := exec.Command("git", append([]string{"-C", d.origin}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_NAME=alice", "GIT_AUTHOR_EMAIL=alice@example.com",
		"GIT_COMMITTER_NAME=alice", "GIT_COMMITTER_EMAIL=alice@example.com")
	out, err := cmd.CombinedOutput()
	if err != nil {
		log.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (d *demo) wait(what string, cond func() bool) {
	deadline := time.Now().Add(3 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			logs, _ := os.ReadFile(filepath.Join(d.work, "bot.log"))
			log.Fatalf("timed out waiting for %s; bot log:\n%s", what, logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
