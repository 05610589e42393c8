package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/pavedbot"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/bot/audit"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/store"
	"github.com/paved-road/paved/internal/githubfake"
	"github.com/paved-road/paved/internal/loopback"
)

const (
	owner        = "acme"
	repoName     = "infra"
	fullName     = owner + "/" + repoName
	viewer       = "alice" // logs in to the page; comments on the running pull request
	botLogin     = "paved[bot]"
	secret       = "pagebench-webhook-secret"
	token        = "ghs_pagebenchInstallationToken000000000"
	clientID     = "Iv1.pagebench"
	clientSecret = "pagebench-oauth-client-secret-0123456789"
	installation = 1 // the stand-in's one installation
	workspace    = "default"

	// window is how far back the deploys and applies go: the page's stats
	// window.
	window = 12 * 7 * 24 * time.Hour
	// commits is how many commits of main the deploy tags point at.
	commits = 8
	// failedShare of the applies in the audit log failed, on top of the
	// deploys.
	failedShare = 0.05
	// waiters queue for locks others hold, two of them for the same one.
	waiters = 5

	// The pull request whose apply runs while the log streams are open.
	slowPR      = 900
	slowProject = "slow"
	// Lock holders are numbered from holderPR, waiters after them, the
	// deploys' pull requests from deployPR.
	holderPR = 101
	deployPR = 1001

	sampleEvery = 50 * time.Millisecond
)

// The bot's final comment of each command starts with one of these.
const (
	planMarker  = "paved autoplan at"
	applyMarker = "### paved apply at"
)

var (
	teams  = []string{"payments", "identity", "search", "platform", "data", "mobile", "growth", "edge"}
	people = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy"}
)

// project is one of the repository's projects.
type project struct {
	name, dir, team string
	deploys         int
}

// dataset counts what was prepared, for the report.
type dataset struct {
	projects, deploys, commits               int
	autoplans, applied, failed, auditEntries int
	locks, lockPRs, waiters, queues          int
}

// setupTimes are how long the preparation took.
type setupTimes struct {
	build, repo, tags, store time.Duration
}

// world is everything the measurements need: the data, the GitHub
// stand-in serving the repository, the running bot and a logged-in client.
type world struct {
	pavedbot.Kit
	o         options
	origin    string // the repository's git dir, main checked out
	cloneURL  string // as the stand-in gives it: file://…
	state     string // the projects' Terraform state, outside every clone; bound into the sandbox
	dataDir   string // the bot's --data-dir
	home      string
	now       time.Time
	projects  []project
	chosen    project // whose history page is timed
	data      dataset
	setup     setupTimes
	commitIDs []string // main's commits, oldest first
	slowHead  string

	fake   *githubfake.Fake
	gh     *httptest.Server
	bot    *botProc
	page   string       // the page's base URL, --web-url
	client *http.Client // logged in as viewer; does not follow redirects
}

func newWorld(ctx context.Context, o options) (w *world, err error) {
	w = &world{o: o, now: time.Now().UTC().Truncate(time.Second)}
	if err := w.Open(ctx, prog, o.terraform, nil); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			w.close(o.keep)
			w = nil
		}
	}()
	w.origin = filepath.Join(w.Scratch, "github", owner, repoName)
	w.state = filepath.Join(w.Scratch, "state")
	w.dataDir = filepath.Join(w.Scratch, "data")
	w.home = filepath.Join(w.Scratch, "home")
	w.cloneURL = (&url.URL{Scheme: "file", Path: w.origin}).String()
	for _, d := range []string{w.origin, w.state, w.dataDir, w.home} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	t := time.Now()
	if err := w.BuildBot(ctx); err != nil {
		return nil, err
	}
	w.setup.build = time.Since(t)

	w.planProjects()
	prog.Progress("a repository of %d projects, %d deploy tags on %d commits", o.projects, o.deploys, commits)
	t = time.Now()
	if err := w.makeRepo(ctx); err != nil {
		return nil, fmt.Errorf("the repository: %w", err)
	}
	w.setup.repo = time.Since(t)
	t = time.Now()
	deploys := w.planDeploys()
	if err := w.makeTags(ctx, deploys); err != nil {
		return nil, fmt.Errorf("the deploy tags: %w", err)
	}
	w.setup.tags = time.Since(t)
	t = time.Now()
	if err := w.fillStore(deploys); err != nil {
		return nil, fmt.Errorf("the store: %w", err)
	}
	w.setup.store = time.Since(t)

	w.fake = githubfake.New(cli.FakeReporter{}, githubfake.Options{Token: token, BotLogin: botLogin})
	w.fake.SetOAuthApp(clientID, clientSecret)
	w.fake.AddRepo(owner, repoName, w.origin)
	head := w.commitIDs[len(w.commitIDs)-1]
	for pr := holderPR; pr < holderPR+w.data.lockPRs+waiters; pr++ {
		w.fake.OpenPR(owner, repoName, githubfake.PR{Number: pr, Author: people[pr%len(people)], HeadRef: "main", HeadSHA: head, BaseRef: "main"})
	}
	w.fake.OpenPR(owner, repoName, githubfake.PR{
		Number: slowPR, Author: viewer, HeadRef: slowProject, HeadSHA: w.slowHead, BaseRef: "main", Files: []string{slowProject + "/main.tf"},
	})
	// Served on loopback, API and web host alike: the OAuth web flow is
	// on the same handler.
	w.gh = httptest.NewServer(w.fake)

	if w.bot, err = startBot(ctx, w); err != nil {
		return nil, err
	}
	w.page = w.bot.URL
	if w.client, err = login(ctx, w.page, viewer); err != nil {
		return nil, fmt.Errorf("logging in to the page: %w%s", err, w.bot.logIssuesText())
	}
	return w, nil
}

// close stops the bot and the stand-in and removes the scratch directory
// unless keep; it may be called more than once.
func (w *world) close(keep bool) {
	if w.bot != nil {
		if err := w.bot.Shutdown(); err != nil {
			prog.Progress("%v", err)
		}
	}
	if w.gh != nil {
		w.gh.Close()
	}
	w.Close(keep) // the scratch directory
}

// planProjects names the projects, each of a team, and spreads the deploys
// over them; the project whose history is timed is the first of the
// projects no pull request locks.
func (w *world) planProjects() {
	per, extra := w.o.deploys/w.o.projects, w.o.deploys%w.o.projects
	for i := range w.o.projects {
		team := teams[i%len(teams)]
		name := fmt.Sprintf("%s-%03d", team, i+1)
		p := project{name: name, dir: "stacks/" + name, team: team, deploys: per}
		if i < extra {
			p.deploys++
		}
		w.projects = append(w.projects, p)
	}
	w.chosen = w.projects[w.o.locked]
	w.data.projects, w.data.deploys, w.data.commits = w.o.projects, w.o.deploys, commits
}

// pavedYAML declares every project with its team, and the slow one.
func (w *world) pavedYAML() string {
	var b strings.Builder
	b.WriteString("version: 1\nprojects:\n")
	for _, p := range w.projects {
		fmt.Fprintf(&b, "  - name: %s\n    dir: %s\n    team: %s\n", p.name, p.dir, p.team)
	}
	fmt.Fprintf(&b, "  - name: %s\n    dir: %s\n    team: platform\n", slowProject, slowProject)
	return b.String()
}

// projectFile is a project's one file: a terraform_data resource with a
// local backend whose state lies outside the working copy, as a remote one
// would.
func (w *world) projectFile(name, body string) string {
	return fmt.Sprintf("terraform {\n  backend \"local\" {\n    path = %q\n  }\n}\n\n%s", filepath.Join(w.state, name+".tfstate"), body)
}

// slowFile is the slow project: its apply says it started, then waits
// until the benchmark releases it (at most -hold plus two minutes).
func (w *world) slowFile() string {
	tenths := int((w.o.hold + 2*time.Minute) / (100 * time.Millisecond))
	script := fmt.Sprintf("echo started > %s; i=0; while [ ! -e %s ] && [ $i -lt %d ]; do sleep 0.1; i=$((i+1)); done; echo released",
		w.startedFile(), w.releaseFile(), tenths)
	return w.projectFile(slowProject, fmt.Sprintf("resource \"terraform_data\" %q {\n  input = \"v1\"\n\n  provisioner \"local-exec\" {\n    command = %q\n  }\n}\n", slowProject, script))
}

func (w *world) startedFile() string { return filepath.Join(w.state, slowProject+".started") }
func (w *world) releaseFile() string { return filepath.Join(w.state, slowProject+".release") }

// makeRepo makes the origin: main declares every project, each with its
// directory, over a few commits; branch slow adds the slow project.
func (w *world) makeRepo(ctx context.Context) error {
	files := map[string]string{"paved.yaml": w.pavedYAML(), "README.md": "infra\n", "CHANGELOG.md": "# Changes\n"}
	for _, p := range w.projects {
		files[p.dir+"/main.tf"] = w.projectFile(p.name, fmt.Sprintf("resource \"terraform_data\" %q {\n  input = %q\n}\n", p.name, p.team))
	}
	if err := proc.WriteFiles(w.origin, files); err != nil {
		return err
	}
	if _, err := w.git(ctx, "init", "-q", "-b", "main"); err != nil {
		return err
	}
	changelog := "# Changes\n"
	for c := range commits {
		if c > 0 {
			changelog += fmt.Sprintf("- change %d\n", c)
			if err := proc.WriteFiles(w.origin, map[string]string{"CHANGELOG.md": changelog}); err != nil {
				return err
			}
		}
		if _, err := w.git(ctx, "add", "-A"); err != nil {
			return err
		}
		if _, err := w.git(ctx, "commit", "-q", "-m", "change "+strconv.Itoa(c)); err != nil {
			return err
		}
		sha, err := w.git(ctx, "rev-parse", "HEAD")
		if err != nil {
			return err
		}
		w.commitIDs = append(w.commitIDs, sha)
	}
	if _, err := w.git(ctx, "checkout", "-q", "-b", slowProject); err != nil {
		return err
	}
	if err := proc.WriteFiles(w.origin, map[string]string{slowProject + "/main.tf": w.slowFile()}); err != nil {
		return err
	}
	if _, err := w.git(ctx, "add", "-A"); err != nil {
		return err
	}
	if _, err := w.git(ctx, "commit", "-q", "-m", "a slow apply"); err != nil {
		return err
	}
	var err error
	if w.slowHead, err = w.git(ctx, "rev-parse", "HEAD"); err != nil {
		return err
	}
	_, err = w.git(ctx, "checkout", "-q", "main")
	return err
}

// git runs git in the origin and returns its trimmed output.
func (w *world) git(ctx context.Context, args ...string) (string, error) {
	out, err := proc.Output(ctx, w.origin, proc.GitEnv(w.home), "git", args...)
	return strings.TrimSpace(out), err
}

// deploy is one prepared deploy: its record and its tag's name.
type deploy struct {
	rec history.Record
	tag string
}

// planDeploys spreads each project's deploys over the window, at distinct
// seconds, on the commit of main of their time; oldest first, the pull
// requests numbered in that order.
func (w *world) planDeploys() []deploy {
	rng := rand.New(rand.NewPCG(1, 2))
	start := w.now.Add(-window)
	var out []deploy
	for _, p := range w.projects {
		seen := map[int64]bool{}
		for range p.deploys {
			var t time.Time
			for {
				// Up to an hour ago, so that the slow apply is the newest.
				t = start.Add(time.Duration(rng.Int64N(int64(window - time.Hour)))).Truncate(time.Second)
				if !seen[t.Unix()] {
					seen[t.Unix()] = true
					break
				}
			}
			idx := min(int(float64(t.Sub(start))/float64(window)*commits), commits-1)
			r := history.Record{
				Project: p.name, Workspace: workspace, Dir: p.dir, Commit: w.commitIDs[idx],
				Author: people[rng.IntN(len(people))], Approvers: []string{people[rng.IntN(len(people))]},
				PlannedBy: people[rng.IntN(len(people))], AppliedBy: people[rng.IntN(len(people))],
				Add: rng.IntN(4), Change: rng.IntN(6), Destroy: rng.IntN(2),
				Tool: "terraform", ToolVersion: w.TFVersion, Time: t, Team: p.team,
				PROpened: t.Add(-time.Duration(1+rng.IntN(96)) * time.Hour),
				Took:     time.Duration(15+rng.IntN(300)) * time.Second,
			}
			sum := sha256.Sum256([]byte(p.name + t.String()))
			r.PlanSHA256 = hex.EncodeToString(sum[:])
			out = append(out, deploy{rec: r, tag: history.TagName(p.name, workspace, t)})
		}
	}
	slices.SortFunc(out, func(a, b deploy) int { return a.rec.Time.Compare(b.rec.Time) })
	for i := range out {
		out[i].rec.PR = deployPR + i
		out[i].rec.PRURL = prURL(out[i].rec.PR)
	}
	return out
}

func prURL(pr int) string { return "https://github.com/" + fullName + "/pull/" + strconv.Itoa(pr) }

// makeTags writes one annotated tag object per deploy with git mktag, a
// few at once, its message signed as the bot signs it under the key it
// derives from the webhook secret, then creates every ref in one
// transaction.
func (w *world) makeTags(ctx context.Context, deploys []deploy) error {
	key := history.KeyFromSecret([]byte(secret))
	shas := make([]string, len(deploys))
	errs := make([]error, len(deploys))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 2 * runtime.NumCPU() {
		wg.Go(func() {
			for i := range next {
				d := deploys[i]
				object := fmt.Sprintf("object %s\ntype commit\ntag %s\ntagger %s <%s@users.noreply.github.com> %d +0000\n\n%s",
					d.rec.Commit, d.tag, botLogin, botLogin, d.rec.Time.Unix(), d.rec.Message(d.tag, key))
				cmd := exec.CommandContext(ctx, "git", "-C", w.origin, "mktag")
				cmd.Env = append(os.Environ(), proc.GitEnv(w.home)...)
				cmd.Stdin = strings.NewReader(object)
				var stdout, stderr bytes.Buffer
				cmd.Stdout, cmd.Stderr = &stdout, &stderr
				if err := cmd.Run(); err != nil {
					errs[i] = fmt.Errorf("git mktag %s: %w: %s", d.tag, err, strings.TrimSpace(stderr.String()))
					continue
				}
				shas[i] = strings.TrimSpace(stdout.String())
			}
		})
	}
	for i := range deploys {
		select {
		case next <- i:
		case <-ctx.Done():
		}
	}
	close(next)
	wg.Wait()
	if err := errors.Join(ctx.Err(), errors.Join(errs...)); err != nil {
		return err
	}
	var refs strings.Builder
	for i, d := range deploys {
		fmt.Fprintf(&refs, "create refs/tags/%s %s\n", d.tag, shas[i])
	}
	cmd := exec.CommandContext(ctx, "git", "-C", w.origin, "update-ref", "--stdin")
	cmd.Env = append(os.Environ(), proc.GitEnv(w.home)...)
	cmd.Stdin = strings.NewReader(refs.String())
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git update-ref --stdin: %w: %s", err, proc.Tail(string(out)))
	}
	return nil
}

// fillStore writes, through bot/store's API, what the bot would have
// recorded: an autoplan of every project, the apply of every deploy and
// some failed ones, the locks pull requests hold and who waits for them.
func (w *world) fillStore(deploys []deploy) (err error) {
	db, err := store.Open(filepath.Join(w.dataDir, "paved.db"))
	if err != nil {
		return err
	}
	defer func() {
		if cerr := db.Close(); err == nil {
			err = cerr
		}
	}()
	rng := rand.New(rand.NewPCG(3, 4))
	start := w.now.Add(-window)
	job := 1_000_000 // far from the ids the bot gives, which count from 1
	var entries []audit.Entry
	add := func(e audit.Entry) {
		job++
		e.Repo, e.Job, e.Replica = fullName, fmt.Sprintf("%016d", job), "pagebench"
		e.PRURL, e.CloneURL, e.Installation = prURL(e.PR), w.cloneURL, installation
		e.Time = e.Time.UTC()
		entries = append(entries, e)
	}

	// The lock holders: two projects each, taken in the last three days.
	w.data.lockPRs = w.o.locked / 2
	holderOf := map[string]int{}
	lockedAt := map[string]time.Time{}
	for i := range w.data.lockPRs * 2 {
		p := w.projects[i]
		holderOf[p.name] = holderPR + i/2
		lockedAt[p.name] = w.now.Add(-time.Duration(1+rng.IntN(72*60)) * time.Minute)
	}
	for _, p := range w.projects {
		pr, at := holderOf[p.name], lockedAt[p.name]
		if pr == 0 {
			pr, at = deployPR+rng.IntN(w.o.deploys), start.Add(time.Duration(rng.Int64N(int64(window))))
		}
		add(audit.Entry{Time: at, PR: pr, User: people[pr%len(people)], Command: "autoplan", Project: p.name, Workspace: workspace,
			Outcome: "planned", Detail: "Plan: 1 to add, 0 to change, 0 to destroy.", PlanSHA256: hexHash(p.name)})
		w.data.autoplans++
	}
	for _, d := range deploys {
		add(audit.Entry{Time: d.rec.Time, PR: d.rec.PR, User: d.rec.AppliedBy, Command: "apply", Project: d.rec.Project,
			Workspace: workspace, Outcome: "applied", PlanSHA256: d.rec.PlanSHA256, Tag: d.tag})
		w.data.applied++
	}
	// bot/web and paved-bot history --stats count the applies whose
	// outcome is "failed" (see the report).
	for i := range int(float64(w.o.deploys) * failedShare) {
		p := w.projects[rng.IntN(len(w.projects))]
		add(audit.Entry{Time: start.Add(time.Duration(rng.Int64N(int64(window)))), PR: deployPR + w.o.deploys + i, User: people[rng.IntN(len(people))],
			Command: "apply", Project: p.name, Workspace: workspace, Outcome: "failed",
			Detail: "terraform apply failed: Error: creating resource: timeout while waiting for state to become 'available'", PlanSHA256: hexHash(p.name + "failed")})
		w.data.failed++
	}
	slices.SortStableFunc(entries, func(a, b audit.Entry) int { return a.Time.Compare(b.Time) })
	for _, e := range entries {
		raw, err := json.Marshal(e)
		if err != nil {
			return err
		}
		if err := db.AppendAudit(e.Time, raw); err != nil {
			return err
		}
	}
	w.data.auditEntries = len(entries)

	for i := range w.data.lockPRs * 2 {
		p := w.projects[i]
		pr := holderOf[p.name]
		l := locks.Lock{Key: locks.Key{Repo: fullName, Dir: p.dir, Workspace: workspace}, Project: p.name, PR: pr, PRURL: prURL(pr),
			User: people[pr%len(people)], Time: lockedAt[p.name], Installation: installation, CloneURL: w.cloneURL}
		if _, held, err := db.TryLock(store.Fence{}, l); err != nil || !held {
			return fmt.Errorf("lock %s for #%d: held %v: %w", p.name, pr, held, err)
		}
		w.data.locks++
	}
	// Waiters: the first two for the first locked project, the others
	// for the next ones.
	queued := map[string]bool{}
	for i := range waiters {
		pr := holderPR + w.data.lockPRs + i
		p := w.projects[max(i-1, 0)]
		wt := locks.Waiter{PR: pr, PRURL: prURL(pr), User: people[pr%len(people)], Project: p.name, Installation: installation,
			CloneURL: w.cloneURL, Repo: fullName, Time: w.now.Add(-time.Duration(10+i) * time.Minute)}
		if _, err := db.Enqueue(store.Fence{}, locks.Key{Repo: fullName, Dir: p.dir, Workspace: workspace}, wt); err != nil {
			return err
		}
		queued[p.name] = true
		w.data.waiters++
	}
	w.data.queues = len(queued)
	return nil
}

func hexHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// botProc is the running `paved-bot serve`.
type botProc struct{ *pavedbot.Bot }

// startBot runs the bot as an operator would, with the page on and
// terraform sandboxed, and waits until it answers /healthz.
func startBot(ctx context.Context, w *world) (*botProc, error) {
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	page := "http://127.0.0.1:" + strconv.Itoa(port)
	bot, err := w.Start(pavedbot.Serve{
		Name: "paved-bot", Port: port, DataDir: w.dataDir, Home: w.home, LogPath: filepath.Join(w.Scratch, "bot.log"),
		GitHub: w.gh.URL, Owner: owner, Secret: secret, Token: token, State: w.state,
		Args: []string{"--github-oauth-client-id", clientID, "--web-url", page, "--insecure-cookies", "--github-web-url", w.gh.URL},
		Env:  []string{"PAVED_GITHUB_OAUTH_CLIENT_SECRET=" + clientSecret},
	})
	if err != nil {
		return nil, err
	}
	if err := bot.WaitServing(ctx); err != nil {
		_ = bot.Shutdown()
		return nil, err
	}
	return &botProc{bot}, nil
}

// log returns the bot's JSON log entries so far.
func (b *botProc) log() []map[string]any {
	entries, _ := b.Log()
	return entries
}

// logIssues counts the bot's WARN and ERROR entries by message:
// "WARN web page: GitHub failed (…) ×3".
func (b *botProc) logIssues() []string { return pavedbot.LogIssues(b.log()) }

// logIssuesText lists the bot's warnings and errors so far, for an error
// message.
func (b *botProc) logIssuesText() string {
	issues := b.logIssues()
	if len(issues) == 0 {
		return ""
	}
	return "\nwarnings and errors in the bot's log:\n  " + strings.Join(issues, "\n  ")
}

// login logs user in to the page through the stand-in's OAuth web flow,
// as a browser would, and returns a client holding the session cookie. It
// follows no redirect by itself, so that every step is checked.
func login(ctx context.Context, page, user string) (*http.Client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return nil, err
	}
	c := &http.Client{Jar: jar, Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	step := func(method, u string, form url.Values, want int) (string, error) {
		var body *strings.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		} else {
			body = strings.NewReader("")
		}
		req, err := http.NewRequestWithContext(ctx, method, u, body)
		if err != nil {
			return "", err
		}
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := c.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		if resp.StatusCode != want {
			return "", fmt.Errorf("%s %s: %s, want %d", method, u, resp.Status, want)
		}
		return resp.Header.Get("Location"), nil
	}
	consent, err := step(http.MethodGet, page+"/login?next=%2F", nil, http.StatusSeeOther)
	if err != nil {
		return nil, err
	}
	cu, err := url.Parse(consent)
	if err != nil || cu.Path != "/login/oauth/authorize" {
		return nil, fmt.Errorf("the login sent the browser to %q, want GitHub's consent page", consent)
	}
	q := cu.Query()
	callback, err := step(http.MethodPost, cu.Scheme+"://"+cu.Host+"/login/oauth/authorize", url.Values{
		"client_id": {q.Get("client_id")}, "redirect_uri": {q.Get("redirect_uri")}, "state": {q.Get("state")}, "login": {user}, "authorize": {"1"},
	}, http.StatusFound)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(callback, page+"/login/callback?") {
		return nil, fmt.Errorf("GitHub's consent sent the browser to %q, want %s/login/callback", callback, page)
	}
	to, err := step(http.MethodGet, callback, nil, http.StatusSeeOther)
	if err != nil {
		return nil, err
	}
	if to != "/" {
		return nil, fmt.Errorf("the login callback sent the browser to %q, want /", to)
	}
	return c, nil
}

// deliver posts one signed webhook as GitHub would.
func (w *world) deliver(ctx context.Context, event string, body []byte) error {
	return w.bot.Deliver(ctx, secret, event, "pagebench-"+strconv.FormatInt(time.Now().UnixNano(), 10), body)
}

// botReply is the bot's first comment on pull request n containing marker.
func (w *world) botReply(n int, marker string) (string, bool) {
	for _, c := range w.fake.Comments(owner, repoName, n) {
		if c.User == botLogin && strings.Contains(c.Body, marker) {
			return c.Body, true
		}
	}
	return "", false
}
