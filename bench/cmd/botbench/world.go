package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/endpoint"
	"github.com/paved-road/paved/bench/pavedbot"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/internal/githubfake"
)

const (
	owner    = "acme"
	repoName = "infra"
	prNumber = 1
	author   = "alice"
	secret   = "botbench-webhook-secret"
	token    = "ghs_botbenchInstallationToken00000000000"
)

// world is one pull request and everything around it: its git repository,
// GitHub (the stand-in, behind a recorder, on loopback) and a bot with a
// fresh data directory, so its first plan is cold.
type world struct {
	dir    string
	fake   *githubfake.Fake
	wire   *wire
	api    *httptest.Server
	bot    *pavedbot.Bot
	kit    *kit
	counts map[string]int // log messages seen so far
}

func newWorld(ctx context.Context, k *kit, dir string, projects, parallelism int) (w *world, err error) {
	w = &world{dir: dir, kit: k}
	defer func() {
		if err != nil {
			w.close()
			w = nil
		}
	}()
	// The trace starts anew with each bot; the file stays the one the
	// sandbox binds.
	if err := os.Truncate(k.trace, 0); err != nil {
		return nil, err
	}
	origin := filepath.Join(dir, "github", owner, repoName)
	state := filepath.Join(dir, "state")
	if err := os.MkdirAll(state, 0o755); err != nil {
		return nil, err
	}
	gitIn := func(args ...string) (string, error) {
		out, err := proc.Output(ctx, origin, proc.GitEnv(dir), "git", args...)
		return strings.TrimSpace(out), err
	}
	if err := os.MkdirAll(origin, 0o755); err != nil {
		return nil, err
	}
	if err := proc.WriteFiles(origin, map[string]string{"paved.yaml": pavedYAML(projects), "README.md": "infra\n"}); err != nil {
		return nil, err
	}
	files := projectFiles(projects, state, k.lockFile)
	changed := make([]string, 0, len(files))
	for name := range files {
		changed = append(changed, name)
	}
	sort.Strings(changed)
	for _, step := range [][]string{
		{"init", "-q", "-b", "main"}, {"add", "."}, {"commit", "-q", "-m", "initial"}, {"checkout", "-q", "-b", "pr-1"},
	} {
		if _, err := gitIn(step...); err != nil {
			return nil, err
		}
	}
	if err := proc.WriteFiles(origin, files); err != nil {
		return nil, err
	}
	for _, step := range [][]string{{"add", "."}, {"commit", "-q", "-m", "the projects"}} {
		if _, err := gitIn(step...); err != nil {
			return nil, err
		}
	}
	head, err := gitIn("rev-parse", "HEAD")
	if err != nil {
		return nil, err
	}
	if _, err := gitIn("checkout", "-q", "main"); err != nil {
		return nil, err
	}

	w.fake = githubfake.New(cli.FakeReporter{}, githubfake.Options{Token: token})
	w.fake.AddRepo(owner, repoName, origin)
	w.fake.OpenPR(owner, repoName, githubfake.PR{Number: prNumber, Author: author, HeadRef: "pr-1", HeadSHA: head, BaseRef: "main", Files: changed})
	w.wire = &wire{next: w.fake, finals: make(chan final, 16)}
	w.api = httptest.NewServer(w.wire)
	w.bot, err = startBot(ctx, k, dir, w.api.URL, parallelism)
	if err != nil {
		return nil, err
	}
	w.counts = map[string]int{}
	return w, nil
}

// peakRSS is the bot's peak resident set so far, VmHWM, in bytes.
func (w *world) peakRSS() (int64, error) {
	hwm, ok := proc.Status(w.bot.PID(), "VmHWM")
	if !ok {
		return 0, fmt.Errorf("cannot read VmHWM of paved-bot (pid %d)", w.bot.PID())
	}
	return hwm, nil
}

// close stops the bot and GitHub; the caller removes the directory.
func (w *world) close() {
	if w.bot != nil {
		if err := w.bot.Shutdown(); err != nil {
			prog.Progress("%v", err)
		}
	}
	if w.api != nil {
		w.api.Close()
	}
}

// sample is one command, timed from the webhook POST to its final commit
// status.
type sample struct {
	wall time.Duration
	// Within the wall time: while terraform ran; else while git ran; else
	// while a GitHub call was in flight; and the rest, the bot on its own.
	terraform, git, github, rest time.Duration
	// What the bot's log says ("plan finished"): its own time from starting
	// the command, and the sum of the terraform time of its projects.
	botTook, botTerraform time.Duration
	processes             []span   // the terraform and git processes, cut to the wall time
	calls                 []string // "METHOD /path" at GitHub, paths with placeholders
	// From the webhook until the bot is idle again: every terraform and
	// git process it started (the stand-ins' trace), and how many times it
	// started paved-bot as the sandbox launcher (-1: not counted, without
	// fanotify).
	started   []span
	launchers int
	// CPU time (user and system) from the webhook until the bot is idle
	// again: the bot's process itself, and every process it started and
	// waited for (terraform, providers, git, launchers, bwrap, the
	// stand-ins).
	cpuBot, cpuChildren time.Duration
}

// command comments body on the pull request and measures the command until
// its statusContext commit status is final and the bot is idle again.
func (w *world) command(ctx context.Context, body, statusContext, finished string) (sample, error) {
	callsBefore := len(w.fake.Calls())
	payload, _ := w.fake.IssueCommentEvent(owner, repoName, prNumber, author, body)
	w.wire.drain()
	ownBefore, childrenBefore, ok := proc.CPUTimes(w.bot.PID())
	if !ok {
		return sample{}, fmt.Errorf("cannot read the CPU time of paved-bot (pid %d)", w.bot.PID())
	}
	start := time.Now()
	delivery := "botbench-" + strconv.FormatInt(time.Now().UnixNano(), 10)
	if err := w.bot.Deliver(ctx, secret, "issue_comment", delivery, payload); err != nil {
		return sample{}, err
	}
	var end time.Time
	for end.IsZero() {
		select {
		case f := <-w.wire.finals:
			if f.context != statusContext {
				continue
			}
			if f.state != "success" {
				return sample{}, fmt.Errorf("%q ended in %s; the bot said:\n%s", body, f.state, w.lastReply())
			}
			end = f.at
		case <-w.bot.Exited:
			return sample{}, fmt.Errorf("paved-bot exited during %q (%s):\n%s", body, w.bot.ExitStatus(), w.bot.LogTail())
		case <-ctx.Done():
			return sample{}, cli.Stopped(ctx, fmt.Sprintf("waiting for %q", body))
		}
	}
	entry, err := w.waitIdle(ctx, finished)
	if err != nil {
		return sample{}, err
	}
	trace, err := readTrace(w.kit.trace)
	if err != nil {
		return sample{}, err
	}
	idle := time.Now()
	own, children, ok := proc.CPUTimes(w.bot.PID())
	if !ok {
		return sample{}, fmt.Errorf("cannot read the CPU time of paved-bot (pid %d)", w.bot.PID())
	}
	processes := within(trace, start, end)
	calls := within(w.wire.spans(), start, end)
	s := sample{
		wall:         end.Sub(start),
		botTook:      seconds(entry["seconds"]),
		botTerraform: seconds(entry["terraform_seconds"]),
		processes:    processes,
		started:      startedWithin(trace, start, idle),
		launchers:    -1,
		cpuBot:       own - ownBefore,
		cpuChildren:  children - childrenBefore,
	}
	if w.kit.launches != nil {
		s.launchers = w.kit.launches.between(start, idle)
	}
	tf := covered(ofKind(processes, "terraform"))
	tfGit := covered(processes)
	all := covered(append(processes, calls...))
	s.terraform, s.git, s.github, s.rest = tf, tfGit-tf, all-tfGit, s.wall-all
	for _, c := range w.fake.Calls()[callsBefore:] {
		s.calls = append(s.calls, c.Method+" "+endpoint.Of(c.Path))
	}
	return s, nil
}

func (w *world) lastReply() string {
	comments := w.fake.Comments(owner, repoName, prNumber)
	if len(comments) == 0 {
		return "(nothing)"
	}
	return proc.Tail(comments[len(comments)-1].Body)
}

// waitIdle waits until the bot has logged finished once more and has
// finished every command it recorded, and returns that log entry.
func (w *world) waitIdle(ctx context.Context, finished string) (map[string]any, error) {
	for {
		entries, err := w.bot.Log()
		if err != nil {
			return nil, err
		}
		counts := map[string]int{}
		var last map[string]any
		for _, e := range entries {
			msg, _ := e["msg"].(string)
			counts[msg]++
			if msg == finished {
				last = e
			}
		}
		if counts[finished] > w.counts[finished] && counts["command recorded"] == counts["command finished"] {
			w.counts = counts
			return last, nil
		}
		select {
		case <-ctx.Done():
			return nil, cli.Stopped(ctx, "waiting for the bot to log "+strconv.Quote(finished))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func seconds(v any) time.Duration {
	f, _ := v.(float64)
	return time.Duration(f * float64(time.Second))
}

// wire records when each GitHub call was in flight and passes on the final
// commit statuses, the moment a command is over for whoever waits on GitHub.
type wire struct {
	next   http.Handler
	finals chan final

	mu    sync.Mutex
	calls []span
}

type final struct {
	context, state string
	at             time.Time
}

func (wr *wire) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	start := time.Now()
	wr.next.ServeHTTP(w, r)
	end := time.Now()
	wr.mu.Lock()
	wr.calls = append(wr.calls, span{start: start, end: end, kind: "github", what: r.Method + " " + endpoint.Of(r.URL.Path)})
	wr.mu.Unlock()
	if r.Method != http.MethodPost || !strings.Contains(r.URL.Path, "/statuses/") {
		return
	}
	var status struct{ State, Context string }
	if json.Unmarshal(body, &status) == nil && status.State != "pending" {
		select {
		case wr.finals <- final{context: status.Context, state: status.State, at: end}:
		default:
		}
	}
}

func (wr *wire) spans() []span {
	wr.mu.Lock()
	defer wr.mu.Unlock()
	return append([]span(nil), wr.calls...)
}

// drain forgets final statuses of earlier commands.
func (wr *wire) drain() {
	for {
		select {
		case <-wr.finals:
		default:
			return
		}
	}
}

// startBot runs the bot the way an operator would, with its terraform and
// git replaced by the timing stand-ins, and waits until it serves.
func startBot(ctx context.Context, k *kit, dir, apiURL string, parallelism int) (*pavedbot.Bot, error) {
	traced := k.Kit
	traced.Terraform = filepath.Join(k.bin, "terraform")
	b, err := traced.Start(pavedbot.Serve{
		Name: "paved-bot", DataDir: filepath.Join(dir, "data"), Home: filepath.Join(dir, "home"), LogPath: filepath.Join(dir, "bot.log"),
		GitHub: apiURL, Owner: owner, Secret: secret, Token: token, State: filepath.Join(dir, "state"),
		// Terraform runs in the bot's sandbox, as in production: it sees
		// the state (the stand-in for a remote backend), the provider
		// mirror, the real CLI behind the tracer and the tracer's file.
		Args: []string{"--parallelism", strconv.Itoa(parallelism),
			"--sandbox-bind", filepath.Join(k.Scratch, "mirror") + ":ro", "--sandbox-bind", k.Terraform + ":ro", "--sandbox-bind", k.trace},
		// git is the tracer too, and terraform installs from the mirror
		// alone.
		Env: []string{"PATH=" + k.bin + string(os.PathListSeparator) + os.Getenv("PATH"), "TF_CLI_CONFIG_FILE=" + k.cliConfig},
	})
	if err != nil {
		return nil, err
	}
	if err := b.WaitServing(ctx); err != nil {
		_ = b.Shutdown()
		return nil, err
	}
	return b, nil
}
