package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/store"
	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/lbproxy"
	"github.com/paved-road/paved/internal/loopback"
	"github.com/paved-road/paved/internal/prism"
	"github.com/paved-road/paved/internal/redisserver"
)

// A cluster is several paved-bot replicas sharing one real redis-server,
// each with its own data dir, behind a round-robin proxy that stands for the
// load balancer GitHub's webhooks go through.
type cluster struct {
	*env
	bin      string
	flags    []string
	redis    *redisserver.Server
	replicas []*replica
	proxy    *httptest.Server
}

// replica is one bot process; proc is nil while it is down.
type replica struct {
	botProcess
	name string
	port int
	data string
	logs *syncBuffer
}

// newCluster starts n replicas on a fresh redis-server, with main's files
// on the default branch.
func newCluster(t *testing.T, n int, main map[string]string, flags ...string) *cluster {
	t.Helper()
	toolFlag, version, tool := terraformBinary(t)
	base := t.TempDir()
	e := &env{t: t, origin: filepath.Join(base, "github", "acme", "infra"), state: filepath.Join(base, "state"), logs: &syncBuffer{}}
	if err := os.MkdirAll(e.state, 0o755); err != nil {
		t.Fatal(err)
	}
	e.git("init", "-q", "-b", "main", e.origin)
	e.commit("main", "initial", main)
	e.fake = githubfake.New(t, githubfake.Options{Token: token})
	e.fake.AddRepo("acme", "infra", e.origin)
	prism.Require(t, github)
	upstream.Set(e.fake)
	c := &cluster{env: e, bin: buildBot(t), redis: redisserver.Start(t),
		flags: append([]string{"--" + toolFlag, version + "=" + tool}, flags...)}
	for i := range n {
		port, err := loopback.FreePort()
		if err != nil {
			t.Fatal(err)
		}
		c.replicas = append(c.replicas, &replica{name: "r" + strconv.Itoa(i+1), port: port,
			data: filepath.Join(base, "data-r"+strconv.Itoa(i+1)), logs: &syncBuffer{}})
	}
	lb := &lbproxy.Proxy{}
	for _, r := range c.replicas {
		lb.Backends = append(lb.Backends, lbproxy.Backend{Name: r.name, Port: r.port})
	}
	c.proxy = httptest.NewServer(lb)
	e.bot = c.proxy.URL
	t.Cleanup(func() {
		for _, r := range c.replicas {
			r.stop(syscall.SIGTERM)
		}
		c.proxy.Close()
		upstream.Set(nil)
		if t.Failed() {
			for _, r := range c.replicas {
				t.Logf("replica %s log:\n%s", r.name, r.logs.String())
			}
		}
		if v := github.Violations(); len(v) > 0 {
			t.Errorf("requests or responses that break GitHub's OpenAPI description:\n%s", strings.Join(v, "\n"))
		}
	})
	for _, r := range c.replicas {
		if err := c.start(r); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// start runs a replica and waits for it to serve.
func (c *cluster) start(r *replica) error {
	cmd := exec.Command(c.bin, append([]string{"serve", "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port),
		"--data-dir", r.data, "--repo-allowlist", "github.com/acme/*", "--github-api-url", github.URL,
		"--log-format", "json", "--sandbox-bind", c.state, "--store", c.redis.URL()}, c.flags...)...)
	cmd.Env = append(os.Environ(), "PAVED_WEBHOOK_SECRET="+secret, "PAVED_GITHUB_TOKEN="+token)
	cmd.Stdout, cmd.Stderr = r.logs, r.logs
	exit, err := r.run(cmd)
	if err != nil {
		return err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", r.port)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		select {
		case <-exit:
			return fmt.Errorf("replica %s exited before serving:\n%s", r.name, r.logs.String())
		default:
		}
		if resp, err := http.Get(url); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("replica %s did not answer /healthz within a minute", r.name)
}

// redeliver posts a webhook as GitHub and an operator's redelivery would:
// again, with the same delivery id, until a replica records it (2xx).
func (c *cluster) redeliver(event string, body []byte) (attempts int) {
	c.t.Helper()
	delivery := "chaos-" + strconv.FormatInt(time.Now().UnixNano(), 10)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		attempts++
		req, _ := http.NewRequest(http.MethodPost, c.bot+"/events", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-GitHub-Event", event)
		req.Header.Set("X-GitHub-Delivery", delivery)
		req.Header.Set("X-Hub-Signature-256", githubfake.Sign(secret, body))
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusAccepted {
				return attempts
			}
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("webhook %s never recorded after %d attempts (last: %v %v)", event, attempts, resp, err)
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// openStore reads the replicas' store directly, as an operator's tool would.
func (c *cluster) openStore() *store.Redis {
	c.t.Helper()
	s, err := store.OpenRedis(context.Background(), c.redis.URL())
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { _ = s.Close() })
	return s
}

// chaosProjects is the config of n pull requests' two projects each: pull
// request k changes ka and kb, whose applies each append a line to
// STATE/<project>.applies. The last one changes 1a instead of its own b,
// so that it and #1 contend for a lock.
func chaosProjects(n int) (cfg string, files func(k int) map[string]string) {
	cfg = "version: 1\nprojects:\n"
	for k := 1; k <= n; k++ {
		for _, half := range []string{"a", "b"} {
			cfg += fmt.Sprintf("  - name: p%d%s\n    dir: p%d%s\n", k, half, k, half)
		}
	}
	files = func(k int) map[string]string {
		out := map[string]string{}
		projects := []string{fmt.Sprintf("p%da", k), fmt.Sprintf("p%db", k)}
		if k == n {
			projects[1] = "p1a"
		}
		for _, name := range projects {
			out[name+"/main.tf"] = backend(name) + fmt.Sprintf(`
resource "terraform_data" "%s" {
  input = "pr%d"
  provisioner "local-exec" {
    command = "echo applied >> STATE/%s.applies"
  }
}
`, name, k, name)
		}
		return out
	}
	return cfg, files
}

// TestAccBotReplicasSurviveChaos runs three replicas on one redis-server
// behind a round-robin proxy. Twenty pull requests of two projects each are
// opened at once (autoplans), then all are applied at once, while replicas
// are killed with SIGKILL at random moments and restarted, and redis-server
// is killed and restarted once. Every command a replica recorded must end
// with exactly one reply (a plan's, planned again when need be, or an
// apply's or its interrupted notice), no project may be applied twice, no
// status may stay pending, and the locks and the lock queue must be what the
// pull requests did.
func TestAccBotReplicasSurviveChaos(t *testing.T) {
	const prs = 20
	cfg, files := chaosProjects(prs)
	c := newCluster(t, 3, map[string]string{"paved.yaml": cfg}, "--lease", "4s", "--workers", "3")
	seed := uint64(time.Now().UnixNano())
	t.Logf("chaos seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	var redeliveries, kills atomic.Int64
	chaos, stopChaos := context.WithCancel(context.Background())
	var chaosDone sync.WaitGroup
	chaosDone.Go(func() {
		redisRestarted := false
		for chaos.Err() == nil {
			select {
			case <-chaos.Done():
				return
			case <-time.After(time.Duration(1500+rng.IntN(3000)) * time.Millisecond):
			}
			if !redisRestarted && kills.Load() >= 2 {
				redisRestarted = true
				c.redis.Restart(t)
				t.Log("redis-server killed and restarted")
				continue
			}
			r := c.replicas[rng.IntN(len(c.replicas))]
			if r.stop(syscall.SIGKILL) {
				kills.Add(1)
				time.Sleep(time.Duration(300+rng.IntN(1500)) * time.Millisecond)
				if err := c.start(r); err != nil {
					t.Error(err)
					return
				}
			}
		}
	})

	heads := make([]string, prs+1)
	var opening sync.WaitGroup
	for k := 1; k <= prs; k++ {
		branch := "pr-" + strconv.Itoa(k)
		heads[k] = c.commit(branch, "change "+branch, files(k))
		c.fake.OpenPR("acme", "infra", githubfake.PR{Number: k, Author: "alice", HeadRef: branch, HeadSHA: heads[k], BaseRef: "main", Files: keys(files(k))})
	}
	for k := 1; k <= prs; k++ {
		opening.Go(func() {
			redeliveries.Add(int64(c.redeliver("pull_request", c.fake.PullRequestEvent("acme", "infra", k, "opened")) - 1))
		})
	}
	opening.Wait()
	for k := 1; k <= prs; k++ {
		c.waitFor(fmt.Sprintf("the autoplan of #%d", k), func() bool { return len(botComments(c.env, k, "paved autoplan at")) > 0 })
	}
	before := make([]int, prs+1)
	for k := 1; k <= prs; k++ {
		before[k] = len(c.fake.Comments("acme", "infra", k))
		payload, _ := c.fake.IssueCommentEvent("acme", "infra", k, "alice", "paved apply")
		opening.Go(func() { redeliveries.Add(int64(c.redeliver("issue_comment", payload) - 1)) })
	}
	opening.Wait()
	applyAnswer := func(k int) []string {
		var out []string
		for _, c := range c.fake.Comments("acme", "infra", k)[before[k]:] {
			if c.User == "paved[bot]" && (strings.Contains(c.Body, "### paved apply at") || strings.Contains(c.Body, "interrupted: paved-bot stopped while this apply ran")) {
				out = append(out, c.Body)
			}
		}
		return out
	}
	for k := 1; k <= prs; k++ {
		c.waitFor(fmt.Sprintf("the apply of #%d", k), func() bool { return len(applyAnswer(k)) > 0 })
	}
	stopChaos()
	chaosDone.Wait()
	for _, r := range c.replicas {
		if r.down() {
			if err := c.start(r); err != nil {
				t.Fatal(err)
			}
		}
	}
	s := c.openStore()
	c.waitFor("every command to finish", func() bool {
		cmds, err := s.Commands()
		return err == nil && len(cmds) == 0
	})

	counts := map[string]int{"kills": int(kills.Load()), "redeliveries": int(redeliveries.Load())}
	for k := 1; k <= prs; k++ {
		plans := botComments(c.env, k, "paved autoplan at")
		if len(plans) != 1 {
			t.Errorf("#%d has %d autoplan replies, want 1:\n%s", k, len(plans), strings.Join(plans, "\n---\n"))
		}
		if len(plans) > 0 && strings.Contains(plans[0], "planned again") {
			counts["plans planned again"]++
		}
		applies := applyAnswer(k)
		switch {
		case len(applies) != 1:
			t.Errorf("#%d has %d apply answers, want 1:\n%s", k, len(applies), strings.Join(applies, "\n---\n"))
		case strings.Contains(applies[0], "interrupted"):
			counts["applies interrupted"]++
		default:
			counts["applies answered"]++
		}
		for _, ctx := range []string{"paved/plan", "paved/apply"} {
			if st := lastStatus(c.env, heads[k], ctx); st.State == "pending" {
				t.Errorf("#%d: status %s left pending: %q", k, ctx, st.Description)
			}
		}
	}
	for k := 1; k <= prs; k++ {
		for _, half := range []string{"a", "b"} {
			name := fmt.Sprintf("p%d%s", k, half)
			raw, err := os.ReadFile(filepath.Join(c.state, name+".applies"))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if n := strings.Count(string(raw), "applied"); n > 1 {
				t.Errorf("%s was applied %d times", name, n)
			}
			counts["projects applied"]++
		}
	}
	checkChaosLocks(t, s, prs)
	counts["commands run to the end"] = checkOneAtATimePerPR(t, c.replicas)
	t.Logf("chaos: %v", counts)
}

// checkOneAtATimePerPR reads every replica's log and checks that no two
// commands of one pull request ran at once, whichever replicas ran them,
// and that they ran in the order they were accepted; it returns how many
// ran from start to end in one replica process (those a kill cut short
// have no end).
func checkOneAtATimePerPR(t *testing.T, replicas []*replica) int {
	type span struct {
		job        string
		start, end time.Time
	}
	byPR := map[string][]span{}
	for _, r := range replicas {
		started := map[string]time.Time{}
		for _, line := range strings.Split(r.logs.String(), "\n") {
			var e struct {
				Time time.Time `json:"time"`
				Msg  string    `json:"msg"`
				PR   string    `json:"pr"`
				Job  string    `json:"job"`
			}
			if json.Unmarshal([]byte(line), &e) != nil {
				continue
			}
			switch e.Msg {
			case "paved-bot starting":
				started = map[string]time.Time{} // what the killed process had started never ends
			case "command started":
				started[e.Job] = e.Time
			case "command finished":
				if at, ok := started[e.Job]; ok {
					byPR[e.PR] = append(byPR[e.PR], span{e.Job, at, e.Time})
				}
			}
		}
	}
	n := 0
	for pr, spans := range byPR {
		slices.SortFunc(spans, func(a, b span) int { return a.start.Compare(b.start) })
		for i := 1; i < len(spans); i++ {
			if spans[i].start.Before(spans[i-1].end) {
				t.Errorf("%s: job %s started at %s while job %s ran until %s", pr, spans[i].job, spans[i].start, spans[i-1].job, spans[i-1].end)
			}
			if spans[i].job < spans[i-1].job {
				t.Errorf("%s: job %s ran after job %s, accepted later", pr, spans[i].job, spans[i-1].job)
			}
		}
		n += len(spans)
	}
	return n
}

// checkChaosLocks checks that each pull request holds its own projects, and
// that #1 and the last one share p1a: one holds it, the other waits for it.
func checkChaosLocks(t *testing.T, s *store.Redis, prs int) {
	held, err := s.Locks()
	if err != nil {
		t.Fatal(err)
	}
	queues, err := s.Queues()
	if err != nil {
		t.Fatal(err)
	}
	holder := map[string]int{}
	for _, l := range held {
		holder[l.Project] = l.PR
	}
	for k := 1; k <= prs; k++ {
		own := []string{fmt.Sprintf("p%da", k)}
		if k != prs {
			own = append(own, fmt.Sprintf("p%db", k))
		}
		for _, name := range own {
			if k == 1 && name == "p1a" {
				continue
			}
			if holder[name] != k {
				t.Errorf("%s is held by #%d, want #%d", name, holder[name], k)
			}
		}
	}
	shared := holder["p1a"]
	if shared != 1 && shared != prs {
		t.Fatalf("p1a is held by #%d, want #1 or #%d", shared, prs)
	}
	waiter := 1 + prs - shared
	var waiting []int
	for _, q := range queues {
		if q.Key == (locks.Key{Repo: "acme/infra", Dir: "p1a", Workspace: "default"}) {
			for _, w := range q.Waiters {
				waiting = append(waiting, w.PR)
			}
		} else {
			t.Errorf("unexpected lock queue for %s: %v", q.Key, q.Waiters)
		}
	}
	if len(waiting) != 1 || waiting[0] != waiter {
		t.Errorf("the queue for p1a is %v, want [#%d] behind #%d", waiting, waiter, shared)
	}
	if len(held) != 2*prs-1 {
		t.Errorf("%d locks held, want %d", len(held), 2*prs-1)
	}
}

// botComments are the bot's comments on pull request n that contain what.
func botComments(e *env, n int, what string) []string {
	var out []string
	for _, c := range e.fake.Comments("acme", "infra", n) {
		if c.User == "paved[bot]" && strings.Contains(c.Body, what) {
			out = append(out, c.Body)
		}
	}
	return out
}

// TestAccBotReplicasRollingRestartAndLockQueue: #2 queues behind #1 for a
// project; then the three replicas are restarted one after the other with
// SIGTERM while six more pull requests are planned and #1 is merged. The
// queued #2 is planned by itself and told, every command is answered once,
// and none is interrupted: a replica stopping gracefully finishes what it
// runs and leaves what waits to the others.
func TestAccBotReplicasRollingRestartAndLockQueue(t *testing.T) {
	cfg := "version: 1\nprojects:\n  - name: app\n    dir: app\n"
	for k := 3; k <= 8; k++ {
		cfg += fmt.Sprintf("  - name: w%d\n    dir: w%d\n", k, k)
	}
	c := newCluster(t, 3, map[string]string{"paved.yaml": cfg}, "--lease", "4s")
	c.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	c.waitFor("#1's plan", func() bool { return len(botComments(c.env, 1, "paved autoplan at")) == 1 })
	c.openPR(2, "carol", map[string]string{"app/main.tf": project("app", "v2")})
	c.waitFor("#2 to be queued", func() bool { return len(botComments(c.env, 2, "paved autoplan at")) == 1 })
	mustContain(t, "#2 queued", botComments(c.env, 2, "paved autoplan at")[0], "locked by [#1]", "queued 1st in line")

	for i, r := range c.replicas {
		if i == 0 {
			for k := 3; k <= 8; k++ {
				name := "w" + strconv.Itoa(k)
				c.openPR(k, "dave", map[string]string{name + "/main.tf": project(name, "v1")})
			}
		}
		if i == 1 {
			c.merge(1)
		}
		if !r.stop(syscall.SIGTERM) {
			t.Fatalf("replica %s was not running", r.name)
		}
		if err := c.start(r); err != nil {
			t.Fatal(err)
		}
	}
	c.waitFor("#2's plan once #1 released app", func() bool { return len(botComments(c.env, 2, "queued for a lock #1 released")) == 1 })
	mustContain(t, "queued plan", botComments(c.env, 2, "queued for a lock #1 released")[0], "#1 released the lock, so it was planned by itself", `"v2"`)
	for k := 3; k <= 8; k++ {
		c.waitFor(fmt.Sprintf("#%d's plan", k), func() bool { return len(botComments(c.env, k, "paved autoplan at")) > 0 })
	}
	s := c.openStore()
	c.waitFor("every command to finish", func() bool {
		cmds, err := s.Commands()
		return err == nil && len(cmds) == 0
	})
	for k := 1; k <= 8; k++ {
		if n := len(botComments(c.env, k, "paved autoplan at")); n != 1 {
			t.Errorf("#%d has %d autoplan replies, want 1", k, n)
		}
		for _, body := range botComments(c.env, k, "") {
			if strings.Contains(body, "interrupted") || strings.Contains(body, "planned again") {
				t.Errorf("a rolling restart interrupted a command of #%d:\n%s", k, body)
			}
		}
	}
	held, err := s.Locks()
	if err != nil {
		t.Fatal(err)
	}
	holder := map[string]int{}
	for _, l := range held {
		holder[l.Project] = l.PR
	}
	if holder["app"] != 2 || len(held) != 7 {
		t.Errorf("locks %v, want app with #2 and w3 to w8 with their pull requests", holder)
	}
	if q, err := s.Queues(); err != nil || len(q) != 0 {
		t.Errorf("lock queues left: %v %v", q, err)
	}
	// Each finished command's log, what the bot said for it, stays in the store.
	if log, ok, err := s.Log("0000000000000001"); err != nil || !ok || !strings.Contains(string(log), "### paved autoplan at") {
		t.Errorf("the log of #1's autoplan: %q %v %v", log, ok, err)
	}
}

// TestAccBotReplicasRedisLostMidCommand: redis-server dies while a plan
// runs and comes back three seconds later. The plan fails where it needed
// the store, answers once Redis is back, says why, and leaves nothing half
// written: no lock, no command left; the next plan works.
func TestAccBotReplicasRedisLostMidCommand(t *testing.T) {
	c := newCluster(t, 1, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"})
	var lost, back atomic.Int64 // Unix ns
	var answeredAt atomic.Int64
	c.fake.OnCall(func(call githubfake.Call) {
		switch {
		case strings.HasSuffix(call.Path, "/pulls/1/files") && lost.Load() == 0:
			// The bot has the pull request and fetches its files while it
			// checks out; the lock comes next.
			c.redis.Crash(t)
			lost.Store(time.Now().UnixNano())
			go func() {
				time.Sleep(3 * time.Second)
				c.redis.Revive(t)
				back.Store(time.Now().UnixNano())
			}()
		case call.Method == http.MethodPost && strings.HasSuffix(call.Path, "/issues/1/comments") && answeredAt.Load() == 0:
			answeredAt.Store(time.Now().UnixNano())
		}
	})
	c.openPR(1, "alice", map[string]string{"app/main.tf": project("app", "v1")})
	c.waitFor("the plan's answer", func() bool { return len(botComments(c.env, 1, "paved autoplan at")) == 1 })
	if back.Load() == 0 || answeredAt.Load() < back.Load() {
		t.Errorf("the plan answered before redis-server was back (answered %d, back %d)", answeredAt.Load(), back.Load())
	}
	mustContain(t, "the failed plan", botComments(c.env, 1, "paved autoplan at")[0], "error: lock acme/infra", "connection refused")
	s := c.openStore()
	c.waitFor("the command to finish", func() bool {
		cmds, err := s.Commands()
		return err == nil && len(cmds) == 0
	})
	if held, err := s.Locks(); err != nil || len(held) != 0 {
		t.Errorf("locks after the failed plan: %v %v", held, err)
	}
	c.fake.OnCall(nil)
	replies := c.say(1, "alice", "paved plan")
	mustContain(t, "the next plan", replies[0], "### paved plan at", "+1 ~0 -0")
	if held, err := s.Locks(); err != nil || len(held) != 1 || held[0].PR != 1 {
		t.Errorf("locks after the next plan: %v %v", held, err)
	}
}

// TestAccBotReplicasApplyAPlanAnotherMade: the replica that planned is
// stopped; another, which never saw the pull request, applies the plan from
// the store: it checks the planned commit out, initialises from the lock
// file and applies exactly the stored plan.
func TestAccBotReplicasApplyAPlanAnotherMade(t *testing.T) {
	c := newCluster(t, 2, map[string]string{"paved.yaml": "version: 1\nprojects:\n  - name: app\n    dir: app\n"})
	c.openPR(1, "alice", map[string]string{"app/main.tf": faultFiles("0")["p1/main.tf"]})
	c.waitFor("#1's plan", func() bool { return len(botComments(c.env, 1, "paved autoplan at")) == 1 })
	var planner, other *replica
	c.waitFor("a replica to log the plan", func() bool {
		for i, r := range c.replicas {
			if strings.Contains(r.logs.String(), `"msg":"plan finished"`) {
				planner, other = r, c.replicas[1-i]
				return true
			}
		}
		return false
	})
	if !planner.stop(syscall.SIGTERM) {
		t.Fatal("the planner was not running")
	}
	if _, err := os.Stat(filepath.Join(other.data, "work", "acme", "infra", "1")); err == nil {
		t.Fatal("the other replica has a working copy of #1 already")
	}
	replies := c.say(1, "alice", "paved apply")
	mustContain(t, "apply on the other replica", replies[0], "### paved apply at", "applied `+1 ~0 -0`")
	c.waitFor("the replica that did not plan to log the apply", func() bool {
		return strings.Contains(other.logs.String(), `"msg":"apply finished"`)
	})
	raw, err := os.ReadFile(filepath.Join(c.state, "p1.applies"))
	if err != nil || strings.Count(string(raw), "applied") != 1 {
		t.Fatalf("applies: %q %v", raw, err)
	}
}
