package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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
	"github.com/paved-road/paved/bench/endpoint"
	"github.com/paved-road/paved/bench/pavedbot"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/bot/drift"
	"github.com/paved-road/paved/internal/githubfake"
)

const (
	owner    = "acme"
	repoName = "infra"
	secret   = "governancebench-webhook-secret"
	token    = "ghs_governancebenchInstallationToken0000"

	// exitDrifted is `paved-bot drift`'s exit code when a project drifted.
	exitDrifted = 3
	// perProject is how many terraform_data resources each project has:
	// one reads its input file, the others are fixed.
	perProject = 5
)

// driftRepo is the repository the sweeps check and the state its projects
// were applied into.
type driftRepo struct {
	dir      string
	origin   string   // the repository's git dir; main is checked out
	state    string   // state files and input files, outside every clone
	home     string   // HOME of the hand runs
	projects []string // in paved.yaml's order
	drifted  []string // changed outside Terraform after the apply
}

func projectName(i int) string { return fmt.Sprintf("p%02d", i+1) }

// driftedIndexes spreads n drifted projects over the repository.
func driftedIndexes(projects, n int) []int {
	out := make([]int, n)
	for d := range n {
		out[d] = d*projects/n + projects/(2*n)
	}
	return out
}

// driftProject is a project's one file: a local backend whose state lies
// outside the working copy, as a remote one would, one resource that reads
// a file the benchmark changes outside Terraform, and fixed ones.
func driftProject(name, state string) string {
	return fmt.Sprintf(`terraform {
  backend "local" {
    path = %q
  }
}

resource "terraform_data" "input" {
  input = trimspace(file(%q))
}

resource "terraform_data" "fixed" {
  count = %d
  input = { project = %q, index = count.index }
}
`, filepath.Join(state, name+".tfstate"), filepath.Join(state, name+".input"), perProject-1, name)
}

// newDriftRepo makes the repository, applies every project by hand from a
// clone of its own, then changes the input of the drifted ones.
func newDriftRepo(ctx context.Context, k *kit, dir string, o options) (*driftRepo, error) {
	r := &driftRepo{
		dir:    dir,
		origin: filepath.Join(dir, "github", owner, repoName),
		state:  filepath.Join(dir, "state"),
		home:   filepath.Join(dir, "home"),
	}
	for _, d := range []string{r.origin, r.state, r.home} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	files := map[string]string{"README.md": "infra\n"}
	var yaml strings.Builder
	yaml.WriteString("version: 1\nprojects:\n")
	for i := range o.projects {
		name := projectName(i)
		r.projects = append(r.projects, name)
		fmt.Fprintf(&yaml, "  - name: %s\n    dir: %s\n", name, name)
		files[name+"/main.tf"] = driftProject(name, r.state)
		if err := os.WriteFile(filepath.Join(r.state, name+".input"), []byte("v1\n"), 0o644); err != nil {
			return nil, err
		}
	}
	files["paved.yaml"] = yaml.String()
	if err := proc.WriteFiles(r.origin, files); err != nil {
		return nil, err
	}
	for _, step := range [][]string{{"init", "-q", "-b", "main"}, {"add", "."}, {"commit", "-q", "-m", "initial"}} {
		if _, err := proc.Output(ctx, r.origin, proc.GitEnv(r.home), "git", step...); err != nil {
			return nil, err
		}
	}

	prog.Progress("applying the %d projects by hand", o.projects)
	seed := filepath.Join(dir, "seed")
	if _, err := proc.Output(ctx, dir, proc.GitEnv(r.home), "git", "clone", "-q", r.origin, seed); err != nil {
		return nil, err
	}
	// Two at a time: the machine's cores.
	work := make(chan string)
	errs := make(chan error, o.projects)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for name := range work {
				for _, args := range [][]string{{"init", "-input=false", "-no-color"}, {"apply", "-auto-approve", "-input=false", "-no-color"}} {
					if _, err := runTimed(ctx, filepath.Join(seed, name), tfEnv(r.home), k.Terraform, args...); err != nil {
						errs <- err
						break
					}
				}
			}
		})
	}
	for _, name := range r.projects {
		work <- name
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	for _, i := range driftedIndexes(o.projects, o.drifted) {
		name := r.projects[i]
		r.drifted = append(r.drifted, name)
		if err := os.WriteFile(filepath.Join(r.state, name+".input"), []byte("v2\n"), 0o644); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// handSweep is one serial loop by hand over every project.
type handSweep struct {
	wall, git, init, plan time.Duration
}

// sweepByHand runs what a person checking for drift runs: the code at the
// head of main (git clone when cold, git pull when warm), then in each
// project directory, one after another, terraform init and terraform plan
// -detailed-exitcode -lock=false. Every drifted project must exit 2 and
// every other 0.
func sweepByHand(ctx context.Context, k *kit, r *driftRepo, clone string, cold bool) (handSweep, error) {
	var s handSweep
	start := time.Now()
	var err error
	if cold {
		_, err = proc.Output(ctx, r.dir, proc.GitEnv(r.home), "git", "clone", "-q", r.origin, clone)
	} else {
		_, err = proc.Output(ctx, clone, proc.GitEnv(r.home), "git", "pull", "-q", "--ff-only")
	}
	if err != nil {
		return s, err
	}
	s.git = time.Since(start)
	env := tfEnv(r.home)
	for _, name := range r.projects {
		dir := filepath.Join(clone, name)
		init, err := runTimed(ctx, dir, env, k.Terraform, "init", "-input=false")
		if err != nil {
			return s, err
		}
		s.init += init.wall
		plan, err := runTimed(ctx, dir, env, k.Terraform, "plan", "-detailed-exitcode", "-lock=false", "-input=false")
		if err != nil && plan.exitCode != 2 { // 2: changes
			return s, err
		}
		want := 0
		if slices.Contains(r.drifted, name) {
			want = 2
		}
		if plan.exitCode != want {
			return s, fmt.Errorf("terraform plan -detailed-exitcode of %s by hand exited %d, want %d", name, plan.exitCode, want)
		}
		s.plan += plan.wall
	}
	s.wall = time.Since(start)
	return s, nil
}

// botSweep is one `paved-bot drift` over every project.
type botSweep struct {
	wall      time.Duration // the drift command, from its start to its return
	command   time.Duration // the check as the bot timed it (paved_command_duration_seconds, kind drift)
	terraform time.Duration // its terraform runs, init included (paved_terraform_duration_seconds, op drift)
	exitCode  int
	calls     map[string]int // GitHub API calls, by "METHOD endpoint"
	opened    int            // drift issues opened
	updated   int            // drift issues edited
	issues    int            // drift issues there are after it
	logIssues int            // warnings and errors in the bot's log during it
}

// driftBot is one GitHub stand-in and one paved-bot serving against it,
// with a fresh data directory.
type driftBot struct {
	*pavedbot.Bot
	k    *kit
	repo *driftRepo
	fake *githubfake.Fake
	api  *httptest.Server
	data string
}

func startDriftBot(ctx context.Context, k *kit, r *driftRepo, dir string) (b *driftBot, err error) {
	b = &driftBot{k: k, repo: r, data: filepath.Join(dir, "data")}
	defer func() {
		if err != nil {
			b.close()
			b = nil
		}
	}()
	b.fake = githubfake.New(cli.FakeReporter{}, githubfake.Options{Token: token})
	b.fake.AddRepo(owner, repoName, r.origin)
	b.api = httptest.NewServer(b.fake)
	// The state dir, with the files the projects read, stands for a remote
	// backend.
	b.Bot, err = k.Start(pavedbot.Serve{
		Name: "paved-bot", DataDir: b.data, Home: filepath.Join(dir, "home"), LogPath: filepath.Join(dir, "bot.log"),
		GitHub: b.api.URL, Owner: owner, Secret: secret, Token: token, State: r.state,
	})
	if err != nil {
		return nil, err
	}
	return b, b.WaitServing(ctx)
}

// close stops the bot, then its GitHub; it may be called more than once.
func (b *driftBot) close() {
	if b.Bot != nil {
		if err := b.Shutdown(); err != nil {
			prog.Progress("%v", err)
		}
	}
	if b.api != nil {
		b.api.Close()
	}
}

// sweep runs `paved-bot drift` once and checks what it found and did: the
// drifted projects and only they, one open issue each (opened by the cold
// sweep, updated by the warm one), exit code 3.
func (b *driftBot) sweep(ctx context.Context, cold bool) (botSweep, error) {
	var s botSweep
	callsBefore := len(b.fake.Calls())
	logBefore := b.logSize()
	before, err := b.metrics(ctx)
	if err != nil {
		return s, err
	}
	issuesBefore := b.driftIssues()
	cmd := exec.CommandContext(ctx, b.k.Binary, "drift", "--data-dir", b.data, "--repo", owner+"/"+repoName, "--json", "--wait", "10m")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.repo.home}
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	s.wall = time.Since(start)
	if cmd.ProcessState == nil {
		return s, fmt.Errorf("paved-bot drift: %w", err)
	}
	s.exitCode = cmd.ProcessState.ExitCode()
	fail := func(format string, args ...any) (botSweep, error) {
		return s, fmt.Errorf("paved-bot drift (exit %d): %s\n%s%s", s.exitCode, fmt.Sprintf(format, args...), proc.Tail(stdout.String()), proc.Tail(stderr.String()))
	}
	if s.exitCode != exitDrifted {
		return fail("want exit %d (drift found)", exitDrifted)
	}
	var results []drift.Result
	if err := json.Unmarshal([]byte(stdout.String()), &results); err != nil {
		return fail("its JSON: %v", err)
	}
	if len(results) != len(b.repo.projects) {
		return fail("%d results, want one per project (%d)", len(results), len(b.repo.projects))
	}
	var found []string
	for _, r := range results {
		switch r.State {
		case drift.Drifted:
			found = append(found, r.Project)
			if r.Issue == 0 {
				return fail("%s drifted but names no issue", r.Project)
			}
		case drift.InSync:
		default:
			return fail("%s: %s", r.Project, drift.Line(r))
		}
	}
	slices.Sort(found)
	if !slices.Equal(found, b.repo.drifted) {
		return fail("drifted: %v, want %v", found, b.repo.drifted)
	}
	after, err := b.metrics(ctx)
	if err != nil {
		return s, err
	}
	s.command = after.command - before.command
	s.terraform = after.terraform - before.terraform
	s.calls = map[string]int{}
	for _, c := range b.fake.Calls()[callsBefore:] {
		s.calls[c.Method+" "+endpoint.Of(c.Path)]++
		switch {
		case c.Method == http.MethodPost && issuesPath.MatchString(c.Path):
			s.opened++
		case c.Method == http.MethodPatch && issuePath.MatchString(c.Path):
			s.updated++
		}
	}
	issues := b.driftIssues()
	s.issues = len(issues)
	for _, is := range issues {
		if is.State != "open" {
			return fail("issue #%d is %s", is.Number, is.State)
		}
	}
	switch {
	case len(issues) != len(b.repo.drifted):
		return fail("%d drift issues, want %d (one per drifted project)", len(issues), len(b.repo.drifted))
	case cold && (s.opened != len(b.repo.drifted) || len(issuesBefore) != 0):
		return fail("the cold sweep opened %d issues (there were %d before), want %d", s.opened, len(issuesBefore), len(b.repo.drifted))
	case !cold && (s.opened != 0 || s.updated != len(b.repo.drifted)):
		return fail("the warm sweep opened %d issues and updated %d, want 0 and %d", s.opened, s.updated, len(b.repo.drifted))
	}
	s.logIssues = b.logIssuesSince(logBefore)
	return s, nil
}

var (
	issuesPath = regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues$`)
	issuePath  = regexp.MustCompile(`^/repos/[^/]+/[^/]+/issues/[0-9]+$`)
)

// driftIssues are the issues labelled paved:drift.
func (b *driftBot) driftIssues() []githubfake.Issue {
	var out []githubfake.Issue
	for _, is := range b.fake.Issues(owner, repoName) {
		if slices.Contains(is.Labels, drift.Label) {
			out = append(out, is)
		}
	}
	return out
}

func (b *driftBot) logSize() int64 {
	info, err := os.Stat(b.LogPath)
	if err != nil {
		return 0
	}
	return info.Size()
}

// logIssuesSince counts the warnings and errors the bot logged after
// offset.
func (b *driftBot) logIssuesSince(offset int64) int {
	f, err := os.Open(b.LogPath)
	if err != nil {
		return 0
	}
	defer f.Close()
	if _, err := f.Seek(offset, 0); err != nil {
		return 0
	}
	n := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e struct{ Level string }
		if json.Unmarshal(sc.Bytes(), &e) == nil && (e.Level == "WARN" || e.Level == "ERROR") {
			n++
		}
	}
	return n
}

// botTimes are the bot's own sums of the drift checks so far.
type botTimes struct{ command, terraform time.Duration }

// metrics reads them off /metrics.
func (b *driftBot) metrics(ctx context.Context) (botTimes, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.URL+"/metrics", nil)
	if err != nil {
		return botTimes{}, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return botTimes{}, fmt.Errorf("reading paved-bot's /metrics: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return botTimes{}, fmt.Errorf("paved-bot's /metrics answered %s", resp.Status)
	}
	var t botTimes
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if v, ok := sample(sc.Text(), `paved_command_duration_seconds_sum{kind="drift"}`); ok {
			t.command = v
		}
		if v, ok := sample(sc.Text(), `paved_terraform_duration_seconds_sum{op="drift"}`); ok {
			t.terraform = v
		}
	}
	return t, sc.Err()
}

// sample reads the value of series off a line of the text exposition
// format, in seconds.
func sample(line, series string) (time.Duration, bool) {
	rest, ok := strings.CutPrefix(line, series+" ")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
	if err != nil {
		return 0, false
	}
	return time.Duration(v * float64(time.Second)), true
}

// driftFigures is the drift measurement: per round, a cold then a warm
// sweep each way.
type driftFigures struct {
	handCold, handWarm []handSweep
	botCold, botWarm   []botSweep
	firstBot           []bool // whether the bot swept first in round i
}

// measureDrift runs the rounds of drift sweeps.
func measureDrift(ctx context.Context, k *kit, dir string, o options) (*driftFigures, *driftRepo, error) {
	r, err := newDriftRepo(ctx, k, dir, o)
	if err != nil {
		return nil, nil, err
	}
	f := &driftFigures{}
	for round := range o.rounds {
		roundDir := filepath.Join(dir, "round-"+strconv.Itoa(round+1))
		if err := os.MkdirAll(roundDir, 0o755); err != nil {
			return nil, nil, err
		}
		clone := filepath.Join(roundDir, "hand")
		b, err := startDriftBot(ctx, k, r, filepath.Join(roundDir, "bot"))
		if err != nil {
			return nil, nil, err
		}
		botFirst := round%2 == 1
		f.firstBot = append(f.firstBot, botFirst)
		err = func() error {
			defer b.close()
			for _, cold := range []bool{true, false} {
				what := map[bool]string{true: "cold", false: "warm"}[cold]
				hand := func() error {
					prog.Progress("round %d: %s sweep by hand", round+1, what)
					s, err := sweepByHand(ctx, k, r, clone, cold)
					if err != nil {
						return err
					}
					if cold {
						f.handCold = append(f.handCold, s)
					} else {
						f.handWarm = append(f.handWarm, s)
					}
					return nil
				}
				bot := func() error {
					prog.Progress("round %d: %s sweep by paved-bot", round+1, what)
					s, err := b.sweep(ctx, cold)
					if err != nil {
						return fmt.Errorf("%w\nthe bot's log ends:\n%s", err, b.LogTail())
					}
					if cold {
						f.botCold = append(f.botCold, s)
					} else {
						f.botWarm = append(f.botWarm, s)
					}
					return nil
				}
				order := []func() error{hand, bot}
				if botFirst {
					order = []func() error{bot, hand}
				}
				for _, step := range order {
					if err := step(); err != nil {
						return err
					}
				}
			}
			return nil
		}()
		if err != nil {
			return nil, nil, err
		}
		if ctx.Err() != nil {
			return nil, nil, cli.Stopped(ctx, "drift sweeps")
		}
	}
	return f, r, nil
}
