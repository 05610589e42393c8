package main

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/machine"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/bench/stats"
)

const (
	// settleWindow is how long the bot is left alone before an idle
	// reading; its median is the reading.
	settleWindow = 2 * time.Second
	// afterWindow is how long after the streams close "RSS after" is read.
	afterWindow = 3 * time.Second
	// openTimeout bounds the wait for a stream's first event.
	openTimeout = 30 * time.Second
)

// timing is one page or CLI command, run n times after a warm-up.
type timing struct {
	name  string          // the request or the command line
	durs  []time.Duration // wall time of each timed run
	bytes int             // the size of the last answer or output
	// cpu is the CPU time of the timed runs: the bot's (with the git it
	// ran) for a page; the command's own (with its children) plus the
	// bot's meanwhile for a CLI command.
	cpu time.Duration
}

func (t timing) median() time.Duration { return stats.Percentile(t.durs, 50) }
func (t timing) p95() time.Duration    { return stats.Percentile(t.durs, 95) }
func (t timing) cpuPerRun() time.Duration {
	return t.cpu / time.Duration(max(len(t.durs), 1))
}

// streamsResult is what the bot's resident set did around the streams.
type streamsResult struct {
	job              string
	idle             int64         // median VmRSS over settleWindow, the apply running, no stream
	peak             int64         // highest VmRSS from the first stream opening until they all closed
	openPeak         int64         // highest VmRSS while they opened, until the last first event
	hold             int64         // median VmRSS over the hold, every stream open
	after            int64         // median VmRSS over the last second of afterWindow
	hwm              int64         // VmHWM at the end: the bot's peak over its whole life
	opened           time.Duration // from opening the first to the last first event
	firstEvent       []time.Duration
	events           int // log events received, over every stream
	idleCPU, holdCPU float64
	idleFDs, holdFDs int
	idleThreads      int
	holdThreads      int
	// From the bot's /metrics (the Go runtime's): goroutines and heap in
	// use idle, in the middle of the hold and after; GC cycles over the
	// idle window and over the hold.
	idleGo, holdGo, afterGo runtimeStats
	idleGCs, holdGCs        float64
	samples                 int // VmRSS readings during the hold
	heldFor                 time.Duration
	applyWall               time.Duration // from the apply comment to its reply
}

type results struct {
	w          *world
	o          options
	started    time.Time
	took       time.Duration
	load       [3]string // load average at the start, before the streams and at the end
	loginRSS   int64     // median VmRSS over settleWindow after the login
	timingPeak int64     // highest VmRSS during the page timings
	pages      []timing  // the repository list, the repository, a project's history, the stats
	clis       []timing  // locks list, audit, history --stats, history --project
	fetch      timing    // the git fetch of the deploy tags alone
	streams    streamsResult
	issues     []string // the bot's warnings and errors
	cpu        machine.Share
}

// pageChecks say what each timed page must show of the prepared data, so
// that a fast answer missing it is an error rather than a figure.
type pageCheck struct {
	path  string
	check func(body string) error
}

func (w *world) pageChecks() []pageCheck {
	d := w.data
	count := strings.Count
	return []pageCheck{
		{"/", func(body string) error {
			if !strings.Contains(body, `<td data-label="Projects">`+strconv.Itoa(d.projects)+`</td>`) ||
				!strings.Contains(body, `<td data-label="Locks held">`+strconv.Itoa(d.locks)+`</td>`) ||
				!strings.Contains(body, `<td data-label="Waiting">`+strconv.Itoa(d.waiters)+`</td>`) {
				return fmt.Errorf("the repository list does not show %s with %d projects, %d locks and %d waiting", fullName, d.projects, d.locks, d.waiters)
			}
			return nil
		}},
		{"/repos/" + fullName, func(body string) error {
			// The page shows the newest 30 audit entries.
			rows, locked, recent := count(body, `<tr data-project="`), count(body, `badge locked`), count(body, `<td data-label="When">`)
			if want := min(30, d.auditEntries); rows != d.projects || locked != d.locks || recent != want {
				return fmt.Errorf("the repository page has %d project rows, %d locked and %d recent commands, want %d, %d and %d",
					rows, locked, recent, d.projects, d.locks, want)
			}
			return nil
		}},
		{"/repos/" + fullName + "/history?" + url.Values{"project": {w.chosen.name}}.Encode(), func(body string) error {
			if n := count(body, "<code>paved/"+w.chosen.name+"/"); n != w.chosen.deploys {
				return fmt.Errorf("the history of %s lists %d verified deploys, want %d", w.chosen.name, n, w.chosen.deploys)
			}
			return nil
		}},
		{"/repos/" + fullName + "/stats", func(body string) error {
			// Both tables, by team and by project, count every deploy.
			rows, sum := 0, 0
			for _, m := range deploysCell.FindAllStringSubmatch(body, -1) {
				n, _ := strconv.Atoi(m[1])
				rows++
				sum += n
			}
			if rows != d.projects+len(teams) || sum != 2*d.deploys {
				return fmt.Errorf("the stats page has %d rows counting %d deploys, want %d rows (projects and teams) counting %d (twice %d)",
					rows, sum, d.projects+len(teams), 2*d.deploys, d.deploys)
			}
			return nil
		}},
	}
}

// fetchCheck is the fetch every history and stats view (and every
// paved-bot history) starts with, as history.Sync runs it, into a mirror of
// its own: the first run, the warm-up, fetches every tag; the timed ones
// find nothing new, as the page's do.
func (w *world) fetchCheck(ctx context.Context) (cliCheck, error) {
	mirror := filepath.Join(w.Scratch, "fetch-mirror.git")
	if _, err := proc.Output(ctx, "", proc.GitEnv(w.home), "git", "init", "--bare", "--quiet", mirror); err != nil {
		return cliCheck{}, err
	}
	refspec := "+refs/tags/paved/*:refs/tags/paved/*"
	return cliCheck{
		name: "git fetch --quiet --prune --no-tags -- ORIGIN '" + refspec + "'",
		bin:  "git",
		args: []string{"-C", mirror, "fetch", "--quiet", "--prune", "--no-tags", "--", w.cloneURL, refspec},
		check: func(string) error {
			out, err := proc.Output(ctx, "", proc.GitEnv(w.home), "git", "-C", mirror, "for-each-ref", "refs/tags/paved/")
			if err != nil {
				return err
			}
			if n := strings.Count(out, "\n"); n != w.data.deploys {
				return fmt.Errorf("the mirror holds %d deploy tags, want %d", n, w.data.deploys)
			}
			return nil
		},
	}, nil
}

var deploysCell = regexp.MustCompile(`<td data-label="Deploys">([0-9]+)</td>`)

// cliChecks are the CLI commands an operator would run instead of each
// page, with what their output must show.
type cliCheck struct {
	name  string // as the report shows it; "" for paved-bot with args
	bin   string // "" for paved-bot
	args  []string
	check func(out string) error
}

func (w *world) cliChecks() []cliCheck {
	d := w.data
	lines := func(out, sub string) int {
		n := 0
		for line := range strings.SplitSeq(out, "\n") {
			if strings.Contains(line, sub) {
				n++
			}
		}
		return n
	}
	historyArgs := []string{"history", "--repo", fullName, "--git-url", w.cloneURL, "--data-dir", w.dataDir, "--webhook-secret", secret}
	return []cliCheck{
		{args: []string{"locks", "list", "--data-dir", w.dataDir}, check: func(out string) error {
			if n := lines(out, fullName); n < d.locks {
				return fmt.Errorf("locks list shows %d lines of %s, want at least the %d locks", n, fullName, d.locks)
			}
			return nil
		}},
		{args: []string{"audit", "--data-dir", w.dataDir, "--repo", fullName, "--since", "2160h"}, check: func(out string) error {
			if n := lines(out, fullName); n != d.auditEntries {
				return fmt.Errorf("audit prints %d entries of %s, want %d", n, fullName, d.auditEntries)
			}
			return nil
		}},
		{args: append(slices.Clone(historyArgs), "--stats"), check: func(out string) error {
			n := 0
			for _, p := range w.projects {
				if strings.Contains(out, p.name) {
					n++
				}
			}
			if n != d.projects {
				return fmt.Errorf("history --stats names %d of the %d projects", n, d.projects)
			}
			return nil
		}},
		{args: append(slices.Clone(historyArgs), "--project", w.chosen.name), check: func(out string) error {
			if n := strings.Count(out, "paved/"+w.chosen.name+"/"); n != w.chosen.deploys {
				return fmt.Errorf("history --project %s lists %d deploys, want %d", w.chosen.name, n, w.chosen.deploys)
			}
			return nil
		}},
	}
}

func measure(ctx context.Context, w *world, o options) (*results, error) {
	res := &results{w: w, o: o, started: time.Now().UTC()}
	res.load[0] = machine.LoadAverage()
	before := machine.ReadCounters()
	rss := proc.StartSampler(w.bot.PID(), sampleEvery)
	defer rss.Finish()
	fail := func(err error) (*results, error) {
		return nil, fmt.Errorf("%w%s", err, w.bot.logIssuesText())
	}

	if err := cli.Sleep(ctx, settleWindow); err != nil {
		return fail(err)
	}
	res.loginRSS = medianRSS(rss.Between(time.Now().Add(-settleWindow), time.Now()))

	prog.Progress("timing the page's views, %d requests each after a warm-up", o.n)
	from := time.Now()
	for _, pc := range w.pageChecks() {
		t, err := w.timePage(ctx, pc, o.n)
		if err != nil {
			return fail(err)
		}
		res.pages = append(res.pages, t)
	}
	res.timingPeak = maxRSS(rss.Between(from, time.Now()))

	prog.Progress("timing the CLI commands, %d runs each after a warm-up", o.n)
	for _, cc := range w.cliChecks() {
		t, err := w.timeCLI(ctx, cc, o.n)
		if err != nil {
			return fail(err)
		}
		res.clis = append(res.clis, t)
	}
	fc, err := w.fetchCheck(ctx)
	if err != nil {
		return fail(err)
	}
	if res.fetch, err = w.timeCLI(ctx, fc, o.n); err != nil {
		return fail(err)
	}

	res.load[1] = machine.LoadAverage()
	s, err := w.streams(ctx, o, rss)
	if err != nil {
		return fail(err)
	}
	res.streams = s
	res.cpu = machine.ReadCounters().Since(before)
	res.load[2] = machine.LoadAverage()
	res.issues = w.bot.logIssues()
	if share := res.cpu.OthersShare(); share > 0.05 {
		prog.Progress("warning: other processes used %.0f%% of the machine's CPU time during the measurements; the figures are disturbed", 100*share)
	}
	return res, nil
}

// timePage requests pc.path once to warm up, then n times, checking every
// answer.
func (w *world) timePage(ctx context.Context, pc pageCheck, n int) (timing, error) {
	t := timing{name: "GET " + pc.path}
	get := func() (time.Duration, int, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.page+pc.path, nil)
		if err != nil {
			return 0, 0, err
		}
		start := time.Now()
		resp, err := w.client.Do(req)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", t.name, err)
		}
		body, err := io.ReadAll(resp.Body)
		took := time.Since(start)
		resp.Body.Close()
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", t.name, err)
		}
		if resp.StatusCode != http.StatusOK {
			return 0, 0, fmt.Errorf("%s: %s (to %q):\n%s", t.name, resp.Status, resp.Header.Get("Location"), proc.Tail(string(body)))
		}
		if err := pc.check(string(body)); err != nil {
			return 0, 0, fmt.Errorf("%s: %w", t.name, err)
		}
		return took, len(body), nil
	}
	if _, _, err := get(); err != nil {
		return t, err
	}
	cpuBefore, _ := proc.CPU(w.bot.PID())
	for range n {
		took, size, err := get()
		if err != nil {
			return t, err
		}
		t.durs = append(t.durs, took)
		t.bytes = size
	}
	cpuAfter, _ := proc.CPU(w.bot.PID())
	t.cpu = cpuAfter - cpuBefore
	return t, nil
}

// timeCLI runs paved-bot with cc.args once to warm up, then n times.
func (w *world) timeCLI(ctx context.Context, cc cliCheck, n int) (timing, error) {
	t := timing{name: cmp.Or(cc.name, "paved-bot "+strings.Join(redact(cc.args), " "))}
	runOnce := func() (time.Duration, time.Duration, int, error) {
		cmd := exec.CommandContext(ctx, cmp.Or(cc.bin, w.Binary), cc.args...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + w.home, "TMPDIR=" + os.TempDir(), "GIT_CONFIG_NOSYSTEM=1", "GIT_TERMINAL_PROMPT=0"}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		botBefore, _ := proc.CPU(w.bot.PID())
		start := time.Now()
		err := cmd.Run()
		took := time.Since(start)
		botAfter, _ := proc.CPU(w.bot.PID())
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%s: %w\n%s", t.name, err, proc.Tail(stderr.String()))
		}
		if err := cc.check(stdout.String()); err != nil {
			return 0, 0, 0, fmt.Errorf("%s: %w", t.name, err)
		}
		cpu := botAfter - botBefore
		if ps := cmd.ProcessState; ps != nil {
			cpu += ps.UserTime() + ps.SystemTime()
		}
		return took, cpu, stdout.Len(), nil
	}
	if _, _, _, err := runOnce(); err != nil {
		return t, err
	}
	for range n {
		took, cpu, size, err := runOnce()
		if err != nil {
			return t, err
		}
		t.durs = append(t.durs, took)
		t.cpu += cpu
		t.bytes = size
	}
	return t, nil
}

// redact hides the webhook secret in a command line shown in the report.
func redact(args []string) []string {
	out := slices.Clone(args)
	for i := range out {
		switch {
		case out[i] == secret:
			out[i] = "…"
		case strings.HasPrefix(out[i], "file://"):
			out[i] = "ORIGIN"
		case strings.HasPrefix(out[i], "/"):
			out[i] = "DATA_DIR"
		}
	}
	return out
}

// streams makes the slow pull request's apply run, opens o.streams log
// streams of it at once, holds them, closes them, and reads the bot's
// resident set all along.
func (w *world) streams(ctx context.Context, o options, rss *proc.Sampler) (streamsResult, error) {
	var s streamsResult
	prog.Progress("making a command run: #%d autoplans %s, then its apply waits until released", slowPR, slowProject)
	applyAt, err := w.startSlowApply(ctx, &s)
	if err != nil {
		return s, err
	}
	// Released whatever happens below, so that the bot can stop.
	released := false
	release := func() {
		if !released {
			released = true
			_ = os.WriteFile(w.releaseFile(), []byte("go\n"), 0o644)
		}
	}
	defer release()

	gc0, err := w.runtimeStats(ctx)
	if err != nil {
		return s, err
	}
	idleFrom := time.Now()
	cpu0, _ := proc.CPU(w.bot.PID())
	if err := cli.Sleep(ctx, settleWindow); err != nil {
		return s, err
	}
	cpu1, _ := proc.CPU(w.bot.PID())
	s.idle = medianRSS(rss.Between(idleFrom, time.Now()))
	s.idleCPU = float64(cpu1-cpu0) / float64(time.Since(idleFrom))
	s.idleFDs, s.idleThreads = proc.OpenFiles(w.bot.PID()), proc.Threads(w.bot.PID())
	if s.idleGo, err = w.runtimeStats(ctx); err != nil {
		return s, err
	}
	s.idleGCs = s.idleGo.gcs - gc0.gcs

	prog.Progress("opening %d log streams of job %s at once, holding them %s", o.streams, s.job, o.hold)
	streamCtx, closeStreams := context.WithCancel(ctx)
	defer closeStreams()
	client := &http.Client{
		Jar:       w.client.Jar,
		Transport: &http.Transport{MaxIdleConnsPerHost: o.streams, DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("redirected: the session was not accepted")
		},
	}
	defer client.CloseIdleConnections()
	u := w.page + "/repos/" + fullName + "/jobs/" + url.PathEscape(s.job) + "/events"
	streams := make([]*stream, o.streams)
	openFrom := time.Now()
	var opening sync.WaitGroup
	for i := range streams {
		streams[i] = &stream{first: make(chan struct{})}
		opening.Go(func() { streams[i].run(streamCtx, client, u) })
	}
	deadline := time.After(openTimeout)
	for i, st := range streams {
		select {
		case <-st.first:
		case <-deadline:
			closeStreams()
			opening.Wait()
			if err := st.failure(); err != nil {
				return s, fmt.Errorf("stream %d of %d did not open within %s: %w", i+1, len(streams), openTimeout, err)
			}
			return s, fmt.Errorf("stream %d of %d did not deliver its first event within %s", i+1, len(streams), openTimeout)
		case <-ctx.Done():
			return s, cli.Stopped(ctx, "opening the streams")
		}
		if err := st.failure(); err != nil {
			closeStreams()
			opening.Wait()
			return s, fmt.Errorf("stream %d of %d: %w", i+1, len(streams), err)
		}
		s.firstEvent = append(s.firstEvent, st.firstAt.Sub(openFrom))
	}
	s.opened = slices.Max(s.firstEvent)

	gc1, err := w.runtimeStats(ctx)
	if err != nil {
		return s, err
	}
	holdFrom := time.Now()
	cpu2, _ := proc.CPU(w.bot.PID())
	if err := cli.Sleep(ctx, o.hold/2); err != nil {
		return s, err
	}
	s.holdFDs, s.holdThreads = proc.OpenFiles(w.bot.PID()), proc.Threads(w.bot.PID())
	if s.holdGo, err = w.runtimeStats(ctx); err != nil {
		return s, err
	}
	if err := cli.Sleep(ctx, o.hold-o.hold/2); err != nil {
		return s, err
	}
	cpu3, _ := proc.CPU(w.bot.PID())
	gc2, err := w.runtimeStats(ctx)
	if err != nil {
		return s, err
	}
	s.holdGCs = gc2.gcs - gc1.gcs
	holdTo := time.Now()
	s.heldFor = holdTo.Sub(holdFrom)
	s.holdCPU = float64(cpu3-cpu2) / float64(s.heldFor)
	for i, st := range streams {
		if err := st.failure(); err != nil {
			return s, fmt.Errorf("stream %d of %d ended while held: %w", i+1, len(streams), err)
		}
	}
	closeStreams()
	opening.Wait()
	closedAt := time.Now()
	held := rss.Between(holdFrom, holdTo)
	s.hold, s.samples = medianRSS(held), len(held)
	s.peak = maxRSS(rss.Between(openFrom, closedAt))
	s.openPeak = maxRSS(rss.Between(openFrom, holdFrom))
	for _, st := range streams {
		s.events += st.events
	}

	if err := cli.Sleep(ctx, afterWindow); err != nil {
		return s, err
	}
	s.after = medianRSS(rss.Between(time.Now().Add(-time.Second), time.Now()))
	s.hwm, _ = proc.Status(w.bot.PID(), "VmHWM")
	// The kernel updates VmHWM lazily: a reading may be above it.
	s.hwm = max(s.hwm, maxRSS(rss.Between(time.Time{}, time.Now())))
	if s.afterGo, err = w.runtimeStats(ctx); err != nil {
		return s, err
	}

	prog.Progress("releasing the apply")
	release()
	if err := w.waitReply(ctx, slowPR, applyMarker, "paved/apply"); err != nil {
		return s, err
	}
	s.applyWall = time.Since(applyAt)
	return s, nil
}

// startSlowApply opens the slow pull request (its autoplan must succeed),
// comments `paved apply` and waits until the apply runs Terraform's
// provisioner, which waits for the release file; it returns when the
// comment was delivered.
func (w *world) startSlowApply(ctx context.Context, s *streamsResult) (time.Time, error) {
	if err := w.deliver(ctx, "pull_request", w.fake.PullRequestEvent(owner, repoName, slowPR, "opened")); err != nil {
		return time.Time{}, err
	}
	if err := w.waitReply(ctx, slowPR, planMarker, "paved/plan"); err != nil {
		return time.Time{}, err
	}
	payload, _ := w.fake.IssueCommentEvent(owner, repoName, slowPR, viewer, "paved apply")
	at := time.Now()
	if err := w.deliver(ctx, "issue_comment", payload); err != nil {
		return at, err
	}
	for {
		if s.job == "" {
			for _, e := range w.bot.log() {
				msg, _ := e["msg"].(string)
				pr, _ := e["pr"].(string)
				command, _ := e["command"].(string)
				if msg == "command started" && command == "apply" && strings.HasSuffix(pr, "#"+strconv.Itoa(slowPR)) {
					s.job, _ = e["job"].(string)
				}
			}
		}
		if _, err := os.Stat(w.startedFile()); err == nil && s.job != "" {
			return at, nil
		}
		if _, done := w.botReply(slowPR, applyMarker); done {
			body, _ := w.botReply(slowPR, applyMarker)
			return at, fmt.Errorf("the apply of #%d ended before its provisioner started:\n%s", slowPR, proc.Tail(body))
		}
		if !w.bot.Running() {
			return at, fmt.Errorf("paved-bot exited (%s):\n%s", w.bot.ExitStatus(), w.bot.LogTail())
		}
		select {
		case <-ctx.Done():
			return at, cli.Stopped(ctx, "waiting for the apply of #"+strconv.Itoa(slowPR)+" to run")
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitReply waits for the bot's reply containing marker on pull request
// n, then for the commit status context to end in success.
func (w *world) waitReply(ctx context.Context, n int, marker, statusContext string) error {
	for {
		if body, ok := w.botReply(n, marker); ok {
			st, found := w.lastStatus(statusContext)
			if found && st.State == "success" {
				return nil
			}
			if found && st.State != "pending" {
				return fmt.Errorf("#%d: %s is %s (%q); the bot said:\n%s", n, statusContext, st.State, st.Description, proc.Tail(body))
			}
		}
		if !w.bot.Running() {
			return fmt.Errorf("paved-bot exited (%s):\n%s", w.bot.ExitStatus(), w.bot.LogTail())
		}
		select {
		case <-ctx.Done():
			return cli.Stopped(ctx, fmt.Sprintf("waiting for a reply containing %q on #%d", marker, n))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

type status struct{ State, Description string }

// lastStatus is the newest commit status of context on the slow pull
// request's head.
func (w *world) lastStatus(context string) (status, bool) {
	var last status
	found := false
	for _, s := range w.fake.Statuses(owner, repoName, w.slowHead) {
		if s.Context == context {
			last, found = status{s.State, s.Description}, true
		}
	}
	return last, found
}

// runtimeStats are what the bot's /metrics says of its Go runtime.
type runtimeStats struct {
	goroutines, heapInuse, heapAlloc, gcs float64
}

// runtimeStats scrapes the bot's /metrics (unauthenticated, on its port)
// for the Go runtime's figures.
func (w *world) runtimeStats(ctx context.Context) (runtimeStats, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, w.bot.URL+"/metrics", nil)
	if err != nil {
		return runtimeStats{}, err
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		return runtimeStats{}, fmt.Errorf("GET /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return runtimeStats{}, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	values := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 2 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if v, err := strconv.ParseFloat(f[1], 64); err == nil {
			values[f[0]] = v
		}
	}
	if err := sc.Err(); err != nil {
		return runtimeStats{}, fmt.Errorf("GET /metrics: %w", err)
	}
	st := runtimeStats{
		goroutines: values["go_goroutines"], heapInuse: values["go_memstats_heap_inuse_bytes"],
		heapAlloc: values["go_memstats_heap_alloc_bytes"], gcs: values["go_gc_duration_seconds_count"],
	}
	if st.goroutines == 0 || st.heapInuse == 0 {
		return st, errors.New("GET /metrics: no go_goroutines or go_memstats_heap_inuse_bytes")
	}
	return st, nil
}

// stream is one open server-sent-event stream of a job's log.
type stream struct {
	first   chan struct{} // closed at the first event, or when the stream fails first
	once    sync.Once
	firstAt time.Time
	events  int

	mu  sync.Mutex
	err error // why it failed or ended; nil while it is open
}

func (st *stream) failure() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}

func (st *stream) fail(err error) {
	st.mu.Lock()
	if st.err == nil {
		st.err = err
	}
	st.mu.Unlock()
	st.once.Do(func() { close(st.first) })
}

// run opens the stream and reads it until ctx ends; any other end is a
// failure.
func (st *stream) run(ctx context.Context, c *http.Client, u string) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		st.fail(err)
		return
	}
	resp, err := c.Do(req)
	if err != nil {
		st.fail(err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		st.fail(fmt.Errorf("%s, %s:\n%s", resp.Status, resp.Header.Get("Content-Type"), proc.Tail(string(body))))
		return
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		switch sc.Text() {
		case "event: log":
			st.events++
			st.once.Do(func() {
				st.firstAt = time.Now()
				close(st.first)
			})
		case "event: end":
			st.fail(errors.New("the bot ended the stream: the command finished"))
			return
		}
	}
	if ctx.Err() == nil {
		if err := sc.Err(); err != nil {
			st.fail(fmt.Errorf("the stream broke: %w", err))
		} else {
			st.fail(errors.New("the bot closed the stream without an end event"))
		}
	}
}

func medianRSS(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func maxRSS(v []int64) int64 {
	if len(v) == 0 {
		return 0
	}
	return slices.Max(v)
}
