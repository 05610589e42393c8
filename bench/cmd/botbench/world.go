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
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/loopback"
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
	bot    *botProcess
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
	for _, step := range [][]string{{"add", "."}, {"commit", "-q", "-m", "ten projects"}} {
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

// close stops the bot and GitHub; the caller removes the directory.
func (w *world) close() {
	if w.bot != nil {
		if err := w.bot.stop(); err != nil {
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
	processes             []span   // the terraform and git processes
	calls                 []string // "METHOD /path" at GitHub, paths with placeholders
}

// overhead is the wall time during which no terraform process ran.
func (s sample) overhead() time.Duration { return s.wall - s.terraform }

// command comments body on the pull request and measures the command until
// its statusContext commit status is final and the bot is idle again.
func (w *world) command(ctx context.Context, body, statusContext, finished string) (sample, error) {
	callsBefore := len(w.fake.Calls())
	payload, _ := w.fake.IssueCommentEvent(owner, repoName, prNumber, author, body)
	w.wire.drain()
	start := time.Now()
	if err := w.bot.deliver(ctx, "issue_comment", payload); err != nil {
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
		case <-w.bot.exited:
			return sample{}, fmt.Errorf("paved-bot exited during %q:\n%s", body, w.bot.logTail())
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
	processes := within(trace, start, end)
	calls := within(w.wire.spans(), start, end)
	s := sample{
		wall:         end.Sub(start),
		botTook:      seconds(entry["seconds"]),
		botTerraform: seconds(entry["terraform_seconds"]),
		processes:    processes,
	}
	tf := covered(ofKind(processes, "terraform"))
	tfGit := covered(processes)
	all := covered(append(processes, calls...))
	s.terraform, s.git, s.github, s.rest = tf, tfGit-tf, all-tfGit, s.wall-all
	for _, c := range w.fake.Calls()[callsBefore:] {
		s.calls = append(s.calls, c.Method+" "+endpoint(c.Path))
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
		entries, err := w.bot.log()
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

// placeholders turns the paths of one call into its endpoint.
var placeholders = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`^/repos/[^/]+/[^/]+/`), "/repos/{owner}/{repo}/"},
	{regexp.MustCompile(`/statuses/[0-9a-f]{40}$`), "/statuses/{sha}"},
	{regexp.MustCompile(`/(pulls|issues)/[0-9]+`), "/$1/{number}"},
	{regexp.MustCompile(`/issues/comments/[0-9]+/`), "/issues/comments/{id}/"},
}

func endpoint(path string) string {
	for _, p := range placeholders {
		path = p.re.ReplaceAllString(path, p.with)
	}
	return path
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
	wr.calls = append(wr.calls, span{start: start, end: end, kind: "github", what: r.Method + " " + endpoint(r.URL.Path)})
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

// botProcess is a running `paved-bot serve`.
type botProcess struct {
	cmd     *exec.Cmd
	url     string
	logPath string
	exited  chan struct{}
	err     error // set when exited is closed
}

// startBot runs the bot the way an operator would, with its terraform and
// git replaced by the timing stand-ins, and waits until it serves.
func startBot(ctx context.Context, k *kit, dir, apiURL string, parallelism int) (*botProcess, error) {
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	b := &botProcess{url: "http://127.0.0.1:" + strconv.Itoa(port), logPath: filepath.Join(dir, "bot.log"), exited: make(chan struct{})}
	logFile, err := os.Create(b.logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o700); err != nil {
		return nil, err
	}
	b.cmd = exec.Command(k.Binary, "serve",
		"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--data-dir", filepath.Join(dir, "data"),
		"--repo-allowlist", "github.com/"+owner+"/*", "--github-api-url", apiURL,
		"--terraform", k.TFVersion+"="+filepath.Join(k.bin, "terraform"),
		"--parallelism", strconv.Itoa(parallelism), "--log-format", "json",
		// Terraform runs in the bot's sandbox, as in production: it sees
		// the state (the stand-in for a remote backend), the provider
		// mirror, the real CLI behind the tracer and the tracer's file.
		"--sandbox-bind", filepath.Join(dir, "state"), "--sandbox-bind", filepath.Join(k.Scratch, "mirror")+":ro",
		"--sandbox-bind", k.Terraform+":ro", "--sandbox-bind", k.trace)
	// Only what the bot needs: nothing from the caller's environment
	// configures it, and terraform installs from the mirror alone.
	b.cmd.Env = []string{
		"PATH=" + k.bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"HOME=" + home, "TMPDIR=" + os.TempDir(),
		"PAVED_WEBHOOK_SECRET=" + secret, "PAVED_GITHUB_TOKEN=" + token,
		"TF_CLI_CONFIG_FILE=" + k.cliConfig, "GIT_CONFIG_NOSYSTEM=1",
	}
	b.cmd.Stdout, b.cmd.Stderr = logFile, logFile
	// Its own process group, so stop reaches the terraform it may still
	// run; and killed if botbench dies first.
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := b.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting paved-bot: %w", err)
	}
	go func() {
		b.err = b.cmd.Wait()
		close(b.exited)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(b.url + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return b, nil
			}
		}
		select {
		case <-b.exited:
			return nil, fmt.Errorf("paved-bot exited before serving (%w):\n%s", b.err, b.logTail())
		case <-ctx.Done():
			_ = b.stop()
			return nil, cli.Stopped(ctx, "waiting for paved-bot to serve")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = b.stop()
			return nil, fmt.Errorf("paved-bot did not answer /healthz within 30 s:\n%s", b.logTail())
		}
	}
}

// stop asks the bot to finish (SIGTERM), then kills its process group.
func (b *botProcess) stop() error {
	select {
	case <-b.exited:
		return nil
	default:
	}
	_ = b.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-b.exited:
		return nil
	case <-time.After(30 * time.Second):
	}
	_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL)
	<-b.exited
	return fmt.Errorf("paved-bot did not stop within 30 s of SIGTERM; killed")
}

func (b *botProcess) deliver(ctx context.Context, event string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url+"/events", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", "botbench-"+strconv.FormatInt(time.Now().UnixNano(), 10))
	req.Header.Set("X-Hub-Signature-256", githubfake.Sign(secret, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("webhook: %w", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("webhook %s: status %d", event, resp.StatusCode)
	}
	return nil
}

// log returns the bot's JSON log entries so far.
func (b *botProcess) log() ([]map[string]any, error) {
	raw, err := os.ReadFile(b.logPath)
	if err != nil {
		return nil, err
	}
	var entries []map[string]any
	for line := range strings.SplitSeq(string(raw), "\n") {
		var e map[string]any
		if json.Unmarshal([]byte(line), &e) == nil {
			entries = append(entries, e)
		}
	}
	return entries, nil
}

func (b *botProcess) logTail() string {
	raw, _ := os.ReadFile(b.logPath)
	return proc.Tail(string(raw))
}
