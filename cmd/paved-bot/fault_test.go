package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/store"
	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/loopback"
	"github.com/paved-road/paved/internal/prism"
)

// TestAccBotSurvivesSIGKILL kills the built bot with SIGKILL at 20 points of
// the plan and the apply of a five-project pull request, restarts it on the
// same data dir, and checks what the hardening promises: every accepted
// command ends with exactly one reply (a plan's, planned again when need
// be) or one interrupted notice (an apply's), no status is left pending, no
// project is applied twice, no terraform outlives the bot, and the pull
// request keeps its locks.
func TestAccBotSurvivesSIGKILL(t *testing.T) {
	toolFlag, version, tool := terraformBinary(t)
	bin := buildBot(t)
	cache := t.TempDir()
	run := func(t *testing.T, k killPoint) faultOutcome {
		f := newFaultWorld(t, bin, "--"+toolFlag, version+"="+tool, "--plugin-cache", cache)
		return f.scenario(k)
	}
	// A run without a kill counts the GitHub calls the scenario makes; the
	// 11 kills at calls below need as many calls to fall on different ones.
	calls := run(t, killPoint{}).calls
	if calls < 11 {
		t.Fatalf("the scenario made only %d GitHub calls", calls)
	}
	var points []killPoint
	for _, after := range []time.Duration{400 * time.Millisecond, 900 * time.Millisecond, 1500 * time.Millisecond, 2500 * time.Millisecond} {
		points = append(points, killPoint{afterOpen: after})
	}
	for i := 1; i <= 5; i++ {
		points = append(points, killPoint{applying: i})
	}
	for i := range 11 {
		points = append(points, killPoint{call: 1 + i*(calls-1)/10})
	}
	counts := map[string]int{}
	for _, k := range points {
		t.Run(k.String(), func(t *testing.T) {
			o := run(t, k)
			if !o.killed {
				t.Fatalf("the bot was never killed at %s", k)
			}
			counts["plan replied after a restart"] += o.replannedNote
			counts["apply answered"] += o.applyReplies
			counts["apply interrupted notices"] += o.interrupted
			counts["projects applied"] += o.applied
		})
	}
	t.Logf("20 kills: %v", counts)
}

// faultFiles are the projects p1 to p5, each of whose apply appends a line
// to STATE/pN.applies, then sleeps for seconds.
func faultFiles(seconds string) map[string]string {
	files := map[string]string{}
	for i := 1; i <= faultProjects; i++ {
		name := "p" + strconv.Itoa(i)
		files[name+"/main.tf"] = backend(name) + `
resource "terraform_data" "` + name + `" {
  input = "v1"
  provisioner "local-exec" {
    command = "echo applied >> STATE/` + name + `.applies && sleep ` + seconds + `"
  }
}
`
	}
	return files
}

// killPoint says when to kill the bot: at the call-th GitHub call, once
// project applying has run its provisioner, or afterOpen after the pull
// request's webhook was accepted.
type killPoint struct {
	call      int
	applying  int
	afterOpen time.Duration
}

func (k killPoint) String() string {
	switch {
	case k.call > 0:
		return fmt.Sprintf("call_%02d", k.call)
	case k.applying > 0:
		return fmt.Sprintf("applying_p%d", k.applying)
	case k.afterOpen > 0:
		return "plan_after_" + k.afterOpen.String()
	}
	return "none"
}

type faultWorld struct {
	*env
	botProcess
	bin   string
	flags []string
	port  int
}

const faultProjects = 5

func newFaultWorld(t *testing.T, bin string, flags ...string) *faultWorld {
	base := t.TempDir()
	e := &env{t: t, origin: filepath.Join(base, "github", "acme", "infra"), state: filepath.Join(base, "state"), data: filepath.Join(base, "data"), logs: &syncBuffer{}}
	if err := os.MkdirAll(e.state, 0o755); err != nil {
		t.Fatal(err)
	}
	e.git("init", "-q", "-b", "main", e.origin)
	cfg := "version: 1\nprojects:\n"
	for i := 1; i <= faultProjects; i++ {
		cfg += fmt.Sprintf("  - name: p%d\n    dir: p%d\n", i, i)
	}
	e.commit("main", "initial", map[string]string{"paved.yaml": cfg})
	e.fake = githubfake.New(t, githubfake.Options{Token: token})
	e.fake.AddRepo("acme", "infra", e.origin)
	prism.Require(t, github)
	upstream.Set(e.fake)
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	e.bot = "http://127.0.0.1:" + strconv.Itoa(port)
	f := &faultWorld{env: e, bin: bin, flags: flags, port: port}
	t.Cleanup(func() {
		f.stop(syscall.SIGTERM)
		upstream.Set(nil)
		if t.Failed() {
			t.Logf("bot log:\n%s", e.logs.String())
		}
		if v := github.Violations(); len(v) > 0 {
			t.Errorf("requests or responses that break GitHub's OpenAPI description:\n%s", strings.Join(v, "\n"))
		}
	})
	f.start()
	return f
}

// start runs the bot and waits for it to serve.
func (f *faultWorld) start() {
	f.t.Helper()
	cmd := exec.Command(f.bin, append([]string{"serve", "--bind", "127.0.0.1", "--port", strconv.Itoa(f.port),
		"--data-dir", f.data, "--repo-allowlist", "github.com/acme/*", "--github-api-url", github.URL,
		"--log-format", "json", "--sandbox-bind", f.state}, f.flags...)...)
	cmd.Env = append(os.Environ(), "PAVED_WEBHOOK_SECRET="+secret, "PAVED_GITHUB_TOKEN="+token)
	cmd.Stdout, cmd.Stderr = f.logs, f.logs
	if _, err := f.run(cmd); err != nil {
		f.t.Fatal(err)
	}
	f.waitFor("the bot to answer /healthz", func() bool {
		resp, err := http.Get(f.bot + "/healthz")
		if err != nil {
			return false
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
}

// terraformLeft lists the processes still running a terraform of this
// world: those whose working directory is under its data dir.
func (f *faultWorld) terraformLeft() []string {
	var left []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd"))
		if err == nil && strings.HasPrefix(cwd, f.data+string(filepath.Separator)) {
			cmdline, _ := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
			left = append(left, e.Name()+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return left
}

type faultOutcome struct {
	killed                    bool
	calls                     int
	replannedNote             int
	applyReplies, interrupted int
	applied                   int
}

// scenario opens a pull request touching every project, waits for its
// plan, comments `paved apply` and waits for the answer, killing the bot at
// k and starting it again; then it checks the outcome.
func (f *faultWorld) scenario(k killPoint) faultOutcome {
	t := f.t
	var o faultOutcome
	var calls atomic.Int64
	var killed atomic.Bool
	kill := func() {
		if killed.CompareAndSwap(false, true) {
			f.stop(syscall.SIGKILL)
		}
	}
	f.fake.OnCall(func(githubfake.Call) {
		if n := calls.Add(1); k.call > 0 && int(n) == k.call {
			kill()
		}
	})
	files := faultFiles("0.5")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if k.applying > 0 {
		go func() {
			path := filepath.Join(f.state, "p"+strconv.Itoa(k.applying)+".applies")
			for ctx.Err() == nil {
				if _, err := os.Stat(path); err == nil {
					kill()
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	head := f.openPR(1, "alice", files)
	if k.afterOpen > 0 {
		time.Sleep(k.afterOpen)
		kill()
	}
	// restart brings the bot back once killed and waits until it is idle.
	restart := func() {
		if !killed.Load() {
			return
		}
		if !f.down() {
			return
		}
		o.killed = true
		if left := f.waitNoTerraform(); len(left) > 0 {
			t.Fatalf("terraform outlived the killed bot:\n%s", strings.Join(left, "\n"))
		}
		f.start()
	}
	planReply := f.awaitReply(1, "paved autoplan at", restart)
	if strings.Contains(planReply, "planned again") {
		o.replannedNote++
	}
	before := len(f.fake.Comments("acme", "infra", 1))
	payload, _ := f.fake.IssueCommentEvent("acme", "infra", 1, "alice", "paved apply")
	f.deliver("issue_comment", payload)
	applyReply := f.awaitReplyAfter(1, before, restart)
	switch {
	case strings.Contains(applyReply, "### paved apply at"):
		o.applyReplies++
	case strings.Contains(applyReply, "interrupted: paved-bot stopped while this apply ran"):
		o.interrupted++
	default:
		t.Fatalf("the apply was answered with neither its reply nor an interrupted notice:\n%s", applyReply)
	}
	// Let whatever still runs finish, then stop the bot and look.
	time.Sleep(500 * time.Millisecond)
	restart()
	f.waitFor("the bot to be idle", func() bool { return f.quiet() })
	f.fake.OnCall(nil)
	o.calls = int(calls.Load())
	if !f.stop(syscall.SIGTERM) {
		t.Fatal("the bot was not running at the end")
	}

	// Exactly one reply per command.
	var plans, applies int
	for _, c := range f.fake.Comments("acme", "infra", 1) {
		switch {
		case c.User != "paved[bot]":
		case strings.Contains(c.Body, "paved autoplan at"):
			plans++
		case strings.Contains(c.Body, "### paved apply at"), strings.Contains(c.Body, "interrupted: paved-bot stopped while this apply ran"):
			applies++
		}
	}
	if plans != 1 || applies != 1 {
		t.Fatalf("want one plan reply and one apply answer, got %d and %d:\n%s", plans, applies, strings.Join(commentBodies(f.fake.Comments("acme", "infra", 1)), "\n---\n"))
	}
	// No status pending.
	for _, c := range []string{"paved/plan", "paved/apply"} {
		if s := lastStatus(f.env, head, c); s.State == "pending" {
			t.Errorf("%s left pending: %+v", c, s)
		}
	}
	// No project applied twice.
	for i := 1; i <= faultProjects; i++ {
		raw, err := os.ReadFile(filepath.Join(f.state, "p"+strconv.Itoa(i)+".applies"))
		if n := strings.Count(string(raw), "applied"); err == nil && n > 1 {
			t.Errorf("p%d was applied %d times", i, n)
		} else if n == 1 {
			o.applied++
		}
	}
	// The pull request still holds its locks.
	db, err := store.Open(filepath.Join(f.data, "paved.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	held, err := db.Locks()
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != faultProjects {
		t.Errorf("want %d locks held by #1, got %+v", faultProjects, held)
	}
	if left, err := db.Commands(); err != nil || len(left) != 0 {
		t.Errorf("commands left unfinished: %d %v", len(left), err)
	}
	return o
}

// waitNoTerraform waits a few seconds for every terraform of the world to
// be gone and returns those that are not.
func (f *faultWorld) waitNoTerraform() []string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		left := f.terraformLeft()
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// quiet reports whether the bot runs nothing: since it last started, its
// log shows as many commands finished as started, and at least as many
// started as recorded.
func (f *faultWorld) quiet() bool {
	logs := f.logs.String()
	if i := strings.LastIndex(logs, `"msg":"paved-bot starting"`); i >= 0 {
		logs = logs[i:]
	}
	started := strings.Count(logs, `"msg":"command started"`)
	return started == strings.Count(logs, `"msg":"command finished"`) && started >= strings.Count(logs, `"msg":"command recorded"`)
}

// awaitReply waits for a bot comment containing what, restarting the bot
// whenever it was killed.
func (f *faultWorld) awaitReply(n int, what string, restart func()) string {
	f.t.Helper()
	var found string
	f.waitFor("a reply containing "+what, func() bool {
		restart()
		for _, c := range f.fake.Comments("acme", "infra", n) {
			if c.User == "paved[bot]" && strings.Contains(c.Body, what) {
				found = c.Body
				return f.quiet()
			}
		}
		return false
	})
	return found
}

// awaitReplyAfter waits for the first bot comment after the first after.
func (f *faultWorld) awaitReplyAfter(n, after int, restart func()) string {
	f.t.Helper()
	var found string
	f.waitFor("an answer to paved apply", func() bool {
		restart()
		for _, c := range f.fake.Comments("acme", "infra", n)[after:] {
			if c.User == "paved[bot]" && !strings.Contains(c.Body, "paved autoplan at") {
				found = c.Body
				return f.quiet()
			}
		}
		return false
	})
	return found
}

func commentBodies(cs []githubfake.Comment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.User + ": " + c.Body
	}
	return out
}

// TestAccBotGracefulRestart sends SIGTERM while an apply runs and another
// command waits behind it: the apply finishes and is answered, the waiting
// command is kept and runs once the bot is back, and nothing is reported
// interrupted.
func TestAccBotGracefulRestart(t *testing.T) {
	toolFlag, version, tool := terraformBinary(t)
	bin := buildBot(t)
	f := newFaultWorld(t, bin, "--"+toolFlag, version+"="+tool)
	files := faultFiles("1")
	head := f.openPR(1, "alice", files)
	f.replies(1, 0)
	before := len(f.fake.Comments("acme", "infra", 1))
	apply, _ := f.fake.IssueCommentEvent("acme", "infra", 1, "alice", "paved apply")
	f.deliver("issue_comment", apply)
	f.waitFor("the apply to run", func() bool {
		_, err := os.Stat(filepath.Join(f.state, "p1.applies"))
		return err == nil
	})
	plan, _ := f.fake.IssueCommentEvent("acme", "infra", 1, "alice", "paved plan -p p1")
	f.deliver("issue_comment", plan)
	if !f.stop(syscall.SIGTERM) {
		t.Fatal("the bot was not running")
	}
	var answers []string
	for _, c := range f.fake.Comments("acme", "infra", 1)[before:] {
		if c.User == "paved[bot]" {
			answers = append(answers, c.Body)
		}
	}
	if len(answers) != 1 || !strings.Contains(answers[0], "### paved apply at") || strings.Count(answers[0], "applied `+1 ~0 -0`") != faultProjects {
		t.Fatalf("before the restart, want the apply's reply alone with %d projects applied, got:\n%s", faultProjects, strings.Join(answers, "\n---\n"))
	}
	f.start()
	f.waitFor("the kept plan to be answered", func() bool {
		n := 0
		for _, c := range f.fake.Comments("acme", "infra", 1)[before:] {
			if c.User == "paved[bot]" && strings.Contains(c.Body, "### paved plan at") {
				n++
			}
		}
		return n == 1 && f.quiet()
	})
	for _, c := range f.fake.Comments("acme", "infra", 1) {
		if strings.Contains(c.Body, "interrupted") {
			t.Fatalf("a graceful restart interrupted a command:\n%s", c.Body)
		}
	}
	for _, c := range []string{"paved/plan", "paved/apply"} {
		if s := lastStatus(f.env, head, c); s.State == "pending" {
			t.Errorf("%s left pending: %+v", c, s)
		}
	}
}

// TestAccBotPolicyApprovalSurvivesSIGKILL kills the bot as it sets
// paved/policy, before it replies, once in the policy-blocked plan and once
// after it saved an owner's `paved approve-policies`: started again, the
// plan is planned again and approving it works, and an approval it saved
// is answered as given (not "nothing to approve"); paved/policy ends
// success and the plan can be applied.
func TestAccBotPolicyApprovalSurvivesSIGKILL(t *testing.T) {
	toolFlag, version, tool := terraformBinary(t)
	bin := buildBot(t)
	config := writePolicyConfig(t, "", map[string]string{"versions": versionPolicy})
	for _, during := range []string{"plan", "approval"} {
		t.Run(during, func(t *testing.T) {
			f := newFaultWorld(t, bin, "--"+toolFlag, version+"="+tool, "--config", config)
			var killed, armed atomic.Bool
			armed.Store(during == "plan")
			f.fake.OnCall(func(c githubfake.Call) {
				if armed.Load() && c.Method == http.MethodPost && strings.Contains(c.Path, "/statuses/") &&
					strings.Contains(string(c.Body), "paved/policy") && killed.CompareAndSwap(false, true) {
					f.stop(syscall.SIGKILL)
				}
			})
			restart := func() {
				if killed.Load() && f.down() {
					f.start()
				}
			}
			head := f.openPR(1, "alice", map[string]string{"p1/main.tf": project("p1", "forbidden")})
			mustContain(t, "plan", f.awaitReply(1, "paved autoplan at", restart), "policy failed: versions")

			before := len(f.fake.Comments("acme", "infra", 1))
			armed.Store(true)
			payload, _ := f.fake.IssueCommentEvent("acme", "infra", 1, "carol", "paved approve-policies")
			f.deliver("issue_comment", payload)
			answer := f.awaitReplyAfter(1, before, restart)
			if !killed.Load() {
				t.Fatalf("the bot was never killed during the %s", during)
			}
			mustContain(t, "the approval", answer, "| p1 | default | versions | approved |", "may now be applied")
			if s := lastStatus(f.env, head, "paved/policy"); s.State != "success" || !strings.Contains(s.Description, "approved by carol") {
				t.Fatalf("paved/policy after the approval: %+v", s)
			}
			before = len(f.fake.Comments("acme", "infra", 1))
			payload, _ = f.fake.IssueCommentEvent("acme", "infra", 1, "maintainer", "paved apply")
			f.deliver("issue_comment", payload)
			mustContain(t, "apply after the approval", f.awaitReplyAfter(1, before, restart), "| p1 | p1 | default | applied `+1 ~0 -0`")
		})
	}
}
