package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/endpoint"
	"github.com/paved-road/paved/bench/machine"
	"github.com/paved-road/paved/bench/pavedbot"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/bench/stats"
	"github.com/paved-road/paved/internal/githubfake"
)

// idleWindow is how long the replicas are left alone before the first
// phase, to count the store traffic they make while idle.
const idleWindow = 3 * time.Second

// phase is one burst of commands, one per pull request.
type phase struct {
	latencies []time.Duration // POST to final comment, pull request k at k-1
	wall      time.Duration   // first POST to last final comment
	calls     map[string]int  // GitHub calls by "METHOD endpoint"
	redisCmds int64           // commands redis-server processed, from the first POST until idle
	cpuBusy   float64         // share of the machine's CPU time busy over the wall time
}

func (p phase) callTotal() int {
	n := 0
	for _, c := range p.calls {
		n += c
	}
	return n
}

// perMinute is the phase's commands over its wall time.
func (p phase) perMinute() float64 {
	if p.wall <= 0 {
		return 0
	}
	return float64(len(p.latencies)) / p.wall.Minutes()
}

// replicaStats is what one replica did and cost.
type replicaStats struct {
	name       string
	accepted   int   // webhooks it recorded as commands
	ran        int   // commands it started
	peak, end  int64 // VmRSS: the highest seen, and at the end before SIGTERM
	roundTrips uint64
}

// config is one configuration's figures.
type config struct {
	replicas      int
	plan, apply   phase
	idlePerSecond float64 // redis-server commands a second, all replicas idle
	roundTrips    uint64  // store_round_trips summed over the replicas
	reps          []replicaStats
	redisPeak     int64
	redisEnd      int64
	logIssues     []string // the replicas' warnings and errors, "r2: WARN message ×3"
	rerun         int      // commands started more than once
	placement     placement
}

// placement is where the applies ran, against where their plans had.
type placement struct {
	same, moved []applyTime // applies on the replica that planned, and on another
}

// applyTime is what the bot's log says an apply took ("apply finished").
type applyTime struct {
	took, terraform time.Duration
}

// placeApplies pairs each apply in the replicas' logs with the replica
// whose log has its pull request's plan.
func placeApplies(logs [][]map[string]any) placement {
	plannedOn := map[string]int{}
	for i, entries := range logs {
		for _, e := range entries {
			if msg, _ := e["msg"].(string); msg == "plan finished" {
				pr, _ := e["pr"].(string)
				plannedOn[pr] = i
			}
		}
	}
	var out placement
	for i, entries := range logs {
		for _, e := range entries {
			if msg, _ := e["msg"].(string); msg != "apply finished" {
				continue
			}
			pr, _ := e["pr"].(string)
			t := applyTime{took: seconds(e["seconds"]), terraform: seconds(e["terraform_seconds"])}
			if on, ok := plannedOn[pr]; ok && on == i {
				out.same = append(out.same, t)
			} else {
				out.moved = append(out.moved, t)
			}
		}
	}
	return out
}

func seconds(v any) time.Duration {
	f, _ := v.(float64)
	return time.Duration(f * float64(time.Second))
}

// medians are the median time and Terraform time of applies.
func medians(ts []applyTime) (took, terraform time.Duration) {
	var a, b []time.Duration
	for _, t := range ts {
		a, b = append(a, t.took), append(b, t.terraform)
	}
	return stats.Percentile(a, 50), stats.Percentile(b, 50)
}

// commands is the number of commands of both phases.
func (c config) commands() int { return len(c.plan.latencies) + len(c.apply.latencies) }

type results struct {
	kit     *kit
	opts    options
	started time.Time
	took    time.Duration
	load    [2]string // load average at the start and at the end
	cpu     machine.Share
	configs []config // one replica, then several
}

// measure runs both configurations, one after the other, each on fresh
// state.
func measure(ctx context.Context, k *kit, o options) (*results, error) {
	res := &results{kit: k, opts: o, started: time.Now().UTC(), load: [2]string{machine.LoadAverage(), ""}}
	before := machine.ReadCounters()
	for _, n := range []int{1, o.replicas} {
		dir := filepath.Join(k.Scratch, fmt.Sprintf("replicas-%d", n))
		prog.Progress("%d replica(s), %d pull requests of 2 projects, --workers %d", n, o.prs, o.workers)
		c, err := runConfig(ctx, k, dir, n, o)
		if err != nil {
			return nil, fmt.Errorf("%d replica(s): %w", n, err)
		}
		res.configs = append(res.configs, c)
	}
	res.load[1] = machine.LoadAverage()
	res.cpu = machine.ReadCounters().Since(before)
	if share := res.cpu.OthersShare(); share > 0.05 {
		prog.Progress("warning: other processes used %.0f%% of the machine's CPU time during the measurements; the figures are disturbed", 100*share)
	}
	return res, nil
}

func runConfig(ctx context.Context, k *kit, dir string, n int, o options) (config, error) {
	res := config{replicas: n}
	gh, err := newGitHub(ctx, dir, o.prs)
	if err != nil {
		return res, err
	}
	defer gh.close()
	c, err := newCluster(ctx, k, dir, gh, n, o.workers)
	if err != nil {
		return res, err
	}
	defer c.close()
	fail := func(err error) (config, error) {
		return res, fmt.Errorf("%w%s", err, c.logIssuesText())
	}

	before, err := c.redisCommands()
	if err != nil {
		return fail(err)
	}
	if err := cli.Sleep(ctx, idleWindow); err != nil {
		return fail(err)
	}
	after, err := c.redisCommands()
	if err != nil {
		return fail(err)
	}
	res.idlePerSecond = float64(after-before-1) / idleWindow.Seconds()

	prog.Progress("%d replica(s): opening %d pull requests at once (autoplans)", n, o.prs)
	res.plan, err = c.burst(ctx, o.prs, planMarker, "paved/plan", func(k int) (string, []byte) {
		return "pull_request", gh.fake.PullRequestEvent(owner, repoName, k, "opened")
	})
	if err != nil {
		return fail(fmt.Errorf("plans: %w", err))
	}
	prog.Progress("%d replica(s): commenting `paved apply` on %d pull requests at once", n, o.prs)
	res.apply, err = c.burst(ctx, o.prs, applyMarker, "paved/apply", func(k int) (string, []byte) {
		payload, _ := gh.fake.IssueCommentEvent(owner, repoName, k, author, "paved apply")
		return "issue_comment", payload
	})
	if err != nil {
		return fail(fmt.Errorf("applies: %w", err))
	}

	res.redisEnd, res.redisPeak = c.redisRSS.Now()
	for _, r := range c.replicas {
		s := replicaStats{name: r.name}
		s.end, s.peak = r.rss.Now()
		res.reps = append(res.reps, s)
	}
	// Each replica logs its store round trips as it stops.
	for i, r := range c.replicas {
		if err := r.stop(); err != nil {
			return fail(err)
		}
		entries, err := r.Log()
		if err != nil {
			return fail(err)
		}
		trips, ok := lastValue(entries, "paved-bot stopped", "store_round_trips")
		if !ok {
			return fail(fmt.Errorf("replica %s did not log %q with store_round_trips on SIGTERM (%s):\n%s",
				r.name, "paved-bot stopped", r.ExitStatus(), r.LogTail()))
		}
		res.reps[i].roundTrips = uint64(trips)
		res.roundTrips += uint64(trips)
		res.reps[i].accepted = countMsg(entries, "command recorded")
		res.reps[i].ran = countMsg(entries, "command started")
	}
	logs, err := c.logs()
	if err != nil {
		return fail(err)
	}
	res.logIssues = logIssues(c.replicas, logs)
	res.rerun = rerunCommands(logs)
	res.placement = placeApplies(logs)
	if err := c.check(o.prs, logs); err != nil {
		return fail(err)
	}
	return res, nil
}

// burst posts one webhook per pull request at once, through the proxy, and
// waits for each pull request's reply containing marker, then for the bot
// to finish every command it recorded.
func (c *cluster) burst(ctx context.Context, prs int, marker, statusContext string, event func(k int) (string, []byte)) (phase, error) {
	p := phase{latencies: make([]time.Duration, prs)}
	callsBefore := len(c.gh.fake.Calls())
	redisBefore, err := c.redisCommands()
	if err != nil {
		return p, err
	}
	type delivery struct {
		event   string
		payload []byte
	}
	deliveries := make([]delivery, prs+1)
	for k := 1; k <= prs; k++ {
		deliveries[k].event, deliveries[k].payload = event(k)
	}
	starts := make([]time.Time, prs+1)
	errs := make([]error, prs+1)
	var wg sync.WaitGroup
	gate := make(chan struct{})
	for k := 1; k <= prs; k++ {
		wg.Go(func() {
			<-gate
			starts[k] = time.Now()
			errs[k] = c.deliver(ctx, deliveries[k].event, deliveries[k].payload, fmt.Sprintf("%s-%d-%d", statusContext, k, starts[k].UnixNano()))
		})
	}
	cpuBefore := machine.ReadTicks()
	close(gate)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return p, err
	}
	first := slices.MinFunc(starts[1:], func(a, b time.Time) int { return a.Compare(b) })

	var last time.Time
	pending := map[int]bool{}
	for k := 1; k <= prs; k++ {
		pending[k] = true
	}
	for len(pending) > 0 {
		for k := range pending {
			if at, ok := c.gh.wire.firstReply(k, marker, starts[k]); ok {
				p.latencies[k-1] = at.Sub(starts[k])
				if at.After(last) {
					last = at
				}
				delete(pending, k)
				continue
			}
			// The final status follows the final comment: one that is
			// final but not a success, with no such comment, is a failure.
			if st, ok := c.gh.lastStatus(k, statusContext); ok && st.State != "pending" && st.State != "success" {
				return p, fmt.Errorf("#%d: %s is %s (%q) without a reply containing %q; the bot said:\n%s",
					k, statusContext, st.State, st.Description, marker, c.gh.lastReply(k))
			}
		}
		if err := c.alive(); err != nil {
			return p, err
		}
		if len(pending) == 0 {
			break
		}
		select {
		case <-ctx.Done():
			return p, cli.Stopped(ctx, fmt.Sprintf("waiting for %d replies containing %q (%s)", len(pending), marker, c.gh.lastReplies(pending)))
		case <-time.After(20 * time.Millisecond):
		}
	}
	p.wall = last.Sub(first)
	p.cpuBusy = machine.ReadTicks().BusySince(cpuBefore)
	if err := c.waitIdle(ctx); err != nil {
		return p, err
	}
	redisAfter, err := c.redisCommands()
	if err != nil {
		return p, err
	}
	p.redisCmds = redisAfter - redisBefore - 1
	p.calls = map[string]int{}
	for _, call := range c.gh.fake.Calls()[callsBefore:] {
		p.calls[call.Method+" "+endpoint.Of(call.Path)]++
	}
	return p, nil
}

// deliver posts one signed webhook as GitHub would, to the proxy.
func (c *cluster) deliver(ctx context.Context, event string, body []byte, id string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.proxy.URL+"/events", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", "replicabench-"+id)
	req.Header.Set("X-Hub-Signature-256", githubfake.Sign(secret, body))
	resp, err := c.client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s: %w", event, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("webhook %s: status %d from %s", event, resp.StatusCode, resp.Header.Get("X-Replica"))
	}
	return nil
}

// alive fails when a replica has exited.
func (c *cluster) alive() error {
	for _, r := range c.replicas {
		if !r.running() {
			return fmt.Errorf("replica %s exited (%s):\n%s", r.name, r.ExitStatus(), r.LogTail())
		}
	}
	return nil
}

// logs are the entries of every replica's log, by replica.
func (c *cluster) logs() ([][]map[string]any, error) {
	out := make([][]map[string]any, len(c.replicas))
	for i, r := range c.replicas {
		entries, err := r.Log()
		if err != nil {
			return nil, err
		}
		out[i] = entries
	}
	return out, nil
}

// waitIdle waits until every command a replica recorded has finished, on
// whichever replica ran it.
func (c *cluster) waitIdle(ctx context.Context) error {
	for {
		logs, err := c.logs()
		if err != nil {
			return err
		}
		recorded, finished := 0, 0
		for _, entries := range logs {
			recorded += countMsg(entries, "command recorded")
			finished += countMsg(entries, "command finished")
		}
		if recorded == finished {
			return nil
		}
		if err := c.alive(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return cli.Stopped(ctx, fmt.Sprintf("waiting for the replicas to finish their commands (%d recorded, %d finished)", recorded, finished))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// check fails unless every pull request got exactly one plan reply and one
// apply reply, both successful, every project was applied exactly once,
// and the replicas recorded and finished one command per webhook.
func (c *cluster) check(prs int, logs [][]map[string]any) error {
	var problems []error
	for k := 1; k <= prs; k++ {
		for _, want := range []struct{ marker, context string }{{planMarker, "paved/plan"}, {applyMarker, "paved/apply"}} {
			if got := c.gh.botReplies(k, want.marker); len(got) != 1 {
				problems = append(problems, fmt.Errorf("#%d has %d replies containing %q, want 1:\n%s", k, len(got), want.marker, strings.Join(got, "\n---\n")))
			}
			if st, ok := c.gh.lastStatus(k, want.context); !ok || st.State != "success" {
				problems = append(problems, fmt.Errorf("#%d: commit status %s is %q (%q), want success; the bot said:\n%s", k, want.context, st.State, st.Description, c.gh.lastReply(k)))
			}
		}
		for _, name := range projectNames(k) {
			raw, err := os.ReadFile(filepath.Join(c.gh.state, name+".applies"))
			switch n := strings.Count(string(raw), "applied"); {
			case errors.Is(err, os.ErrNotExist):
				problems = append(problems, fmt.Errorf("%s (#%d) was never applied, want once", name, k))
			case err != nil:
				problems = append(problems, err)
			case n != 1:
				problems = append(problems, fmt.Errorf("%s (#%d) was applied %d times, want once", name, k, n))
			}
		}
	}
	recorded, finished := 0, 0
	for _, entries := range logs {
		recorded += countMsg(entries, "command recorded")
		finished += countMsg(entries, "command finished")
	}
	if recorded != 2*prs || finished != 2*prs {
		problems = append(problems, fmt.Errorf("the replicas recorded %d commands and finished %d, want %d each (one per webhook)", recorded, finished, 2*prs))
	}
	return errors.Join(problems...)
}

// lastReply is the end of the bot's latest comment on pull request k, for
// errors.
func (g *github) lastReply(k int) string {
	if body, ok := g.lastComment(k); ok {
		return proc.Tail(body)
	}
	return "(nothing)"
}

// lastTitle is the first line of the bot's latest comment on pull request
// k, or "(no reply)".
func (g *github) lastTitle(k int) string {
	if body, ok := g.lastComment(k); ok {
		return proc.FirstLine(strings.TrimSpace(body))
	}
	return "(no reply)"
}

func (g *github) lastComment(k int) (string, bool) {
	comments := g.fake.Comments(owner, repoName, k)
	for i := len(comments) - 1; i >= 0; i-- {
		if comments[i].User == botLogin {
			return comments[i].Body, true
		}
	}
	return "", false
}

// lastReplies summarises what the first pull requests still waited on have
// been told, for a timeout.
func (g *github) lastReplies(pending map[int]bool) string {
	ks := make([]int, 0, len(pending))
	for k := range pending {
		ks = append(ks, k)
	}
	sort.Ints(ks)
	var parts []string
	for _, k := range ks[:min(len(ks), 5)] {
		parts = append(parts, fmt.Sprintf("#%d: %s", k, g.lastTitle(k)))
	}
	return strings.Join(parts, "; ")
}

// logIssuesText lists the replicas' warnings and errors so far, for an
// error message.
func (c *cluster) logIssuesText() string {
	logs, err := c.logs()
	if err != nil {
		return ""
	}
	issues := logIssues(c.replicas, logs)
	if len(issues) == 0 {
		return ""
	}
	return "\nwarnings and errors in the replicas' logs:\n  " + strings.Join(issues, "\n  ")
}

// logIssues counts the WARN and ERROR entries of each replica's log by
// message: "r2: WARN renewing the command's lease failed; retrying ×3".
func logIssues(replicas []*replica, logs [][]map[string]any) []string {
	var out []string
	for i, entries := range logs {
		for _, issue := range pavedbot.LogIssues(entries) {
			out = append(out, replicas[i].name+": "+issue)
		}
	}
	return out
}

// rerunCommands counts the commands some replica started more than once.
func rerunCommands(logs [][]map[string]any) int {
	starts := map[string]int{}
	for _, entries := range logs {
		for _, e := range entries {
			if msg, _ := e["msg"].(string); msg == "command started" {
				job, _ := e["job"].(string)
				starts[job]++
			}
		}
	}
	n := 0
	for _, s := range starts {
		if s > 1 {
			n++
		}
	}
	return n
}

func countMsg(entries []map[string]any, msg string) int {
	n := 0
	for _, e := range entries {
		if m, _ := e["msg"].(string); m == msg {
			n++
		}
	}
	return n
}

// lastValue is the number field of the last entry with message msg.
func lastValue(entries []map[string]any, msg, field string) (float64, bool) {
	for i := len(entries) - 1; i >= 0; i-- {
		if m, _ := entries[i]["msg"].(string); m == msg {
			v, ok := entries[i][field].(float64)
			return v, ok
		}
	}
	return 0, false
}
