package workflow

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/paved-road/paved/bot/drift"
	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/metrics"
	"github.com/paved-road/paved/bot/render"
	"github.com/paved-road/paved/bot/repocfg"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/store"
	"github.com/paved-road/paved/bot/workdir"
)

// A drift check plans every project of a repository at the head of its
// default branch, one project after another, without taking a lock or the
// state lock, and tells what it found: no changes (in sync), changes
// (drifted: the infrastructure no longer matches the default branch), or
// a plan that failed, which is not drift. Each drifted project has one
// GitHub issue, labelled paved:drift and found again by a marker in its
// body: opened, updated with every check that still finds drift, and
// closed by the first that finds none.
//
// Checks are commands in the store like any other, so that a replica that
// dies mid-check leaves it to another; they run in DriftParallelism groups
// of their own, so that a sweep over many repositories never takes more
// than that many workers from pull requests.

// DefaultDriftParallelism is how many repositories are checked at once
// across all replicas.
const DefaultDriftParallelism = 2

// driftGroup is the store group every project's latest drift result is
// kept in, by "owner/name/project@workspace".
const driftGroup = "paved-drift"

// driftJob is the command that checks one repository.
func (b *Bot) driftJob(repo githubapi.Repository, projects []string) *job {
	n := cmp.Or(b.DriftParallelism, DefaultDriftParallelism)
	h := fnv.New32a()
	_, _ = h.Write([]byte(repo.FullName))
	return &job{
		Kind: kindDrift, Repo: repo.FullName, CloneURL: repo.CloneURL, Installation: repo.Installation,
		Trunk: repo.DefaultBranch, Projects: projects, User: "paved-bot",
		Group: fmt.Sprintf("drift#%d", h.Sum32()%uint32(n)),
	}
}

// CheckDrift records a drift check of one repository now, of every
// project or only those named, and waits until it has run (or ctx ends)
// to return its results.
func (b *Bot) CheckDrift(ctx context.Context, repo string, projects []string) ([]drift.Result, error) {
	r, err := b.repository(ctx, repo)
	if err != nil {
		return nil, err
	}
	j := b.driftJob(r, projects)
	if _, err := b.record(j, []string{"drift-now:" + repo + ":" + time.Now().UTC().Format(time.RFC3339Nano)}); err != nil {
		return nil, fmt.Errorf("record the drift check of %s: %w", repo, err)
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		cmds, err := b.Store.Group(j.Group)
		if err != nil {
			return nil, err
		}
		if !slices.ContainsFunc(cmds, func(c store.Command) bool { return c.ID == j.id }) {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("the drift check of %s is still queued or running (job %s): %w", repo, j.id, ctx.Err())
		case <-tick.C:
		}
	}
	all, err := b.DriftResults()
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(r drift.Result) bool { return r.Job != j.id }), nil
}

// driftTick is how often the schedules are looked at: a cron schedule has
// minutes at best.
const driftTick = 20 * time.Second

// DriftEvery runs the server rules' drift schedules until ctx ends: when a
// rule's schedule comes due, every repository the bot can see and serves
// whose rule it is gets a drift check. Every replica looks; the check of a
// repository at one scheduled time is recorded once, under a key naming
// both. A time that passes while no replica runs is not made up for.
func (b *Bot) DriftEvery(ctx context.Context) {
	last := time.Now()
	tick := time.NewTicker(driftTick)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			b.driftDue(ctx, last, now)
			last = now
		}
	}
}

// driftDue records the checks of the rules whose schedule has a time in
// (from, to].
func (b *Bot) driftDue(ctx context.Context, from, to time.Time) {
	due := map[int]time.Time{} // by rule line: the scheduled time
	if b.Policy != nil {
		for _, r := range b.Policy.Rules {
			if r.Drift == nil {
				continue
			}
			if slot := r.Drift.Next(from); !slot.After(to) {
				due[r.Line] = slot
			}
		}
	}
	if len(due) == 0 || b.Repositories == nil {
		return
	}
	repos, err := b.Repositories(ctx)
	if err != nil {
		b.Log.Error("drift checks: cannot list the repositories", "err", err)
		return
	}
	for _, r := range repos {
		full := b.Host + "/" + r.FullName
		slot, ok := due[b.Policy.For(full).Line]
		if !ok || (b.Allowed != nil && !b.Allowed(full)) {
			continue
		}
		key := "drift:" + r.FullName + ":" + slot.UTC().Format(time.RFC3339)
		if _, err := b.record(b.driftJob(r, nil), []string{key}); err != nil {
			b.Log.Error("drift checks: cannot record one", "repo", r.FullName, "err", err)
		}
	}
}

// DriftCounts counts, per repository, the projects whose latest check
// drifted or failed, for the metrics.
func (b *Bot) DriftCounts() (map[string]metrics.DriftCounts, error) {
	results, err := b.DriftResults()
	if err != nil {
		return nil, err
	}
	counts := map[string]metrics.DriftCounts{}
	for _, r := range results {
		c := counts[r.Repo]
		switch r.State {
		case drift.Drifted:
			c.Drifted++
		case drift.Failed:
			c.Failed++
		}
		counts[r.Repo] = c
	}
	return counts, nil
}

// repository finds a repository the bot can see and its allowlist lets it
// serve.
func (b *Bot) repository(ctx context.Context, name string) (githubapi.Repository, error) {
	if b.Repositories == nil {
		return githubapi.Repository{}, fmt.Errorf("this paved-bot cannot list repositories")
	}
	if b.Allowed != nil && !b.Allowed(b.Host+"/"+name) {
		return githubapi.Repository{}, fmt.Errorf("%s/%s is not in --repo-allowlist", b.Host, name)
	}
	repos, err := b.Repositories(ctx)
	if err != nil {
		return githubapi.Repository{}, fmt.Errorf("list the repositories the bot can see: %w", err)
	}
	for _, r := range repos {
		if strings.EqualFold(r.FullName, name) {
			return r, nil
		}
	}
	return githubapi.Repository{}, fmt.Errorf("the bot cannot see %s: is its GitHub App installed there, or its token given access?", name)
}

// DriftResults lists the latest drift check of every project checked.
func (b *Bot) DriftResults() ([]drift.Result, error) {
	stored, err := b.Store.Plans(driftGroup)
	if err != nil {
		return nil, fmt.Errorf("read drift results: %w", err)
	}
	out := make([]drift.Result, 0, len(stored))
	for _, pl := range stored {
		var r drift.Result
		if err := json.Unmarshal(pl.Meta, &r); err != nil {
			return nil, fmt.Errorf("read drift result %s: %w", pl.Name, err)
		}
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, c drift.Result) int {
		return strings.Compare(a.Repo+"/"+a.Project+"@"+a.Workspace, c.Repo+"/"+c.Project+"@"+c.Workspace)
	})
	return out, nil
}

// drift runs a drift check: the job's repository at its default branch.
func (b *Bot) drift(ctx context.Context, log *slog.Logger, p pull, j *job) {
	fail := func(msg string) {
		b.progress(log, j, "drift check failed: "+msg)
		b.audited(j, []render.Result{{Status: render.Failed, Message: "drift check of " + j.Repo + " failed: " + msg}}, nil, nil)
	}
	git, err := b.git(ctx, p)
	if err != nil {
		fail(err.Error())
		return
	}
	root := b.dir(p, "drift")
	sha, _, _, err := workdir.ReadAt(ctx, git, root, "refs/heads/"+j.Trunk)
	if err == nil {
		_, err = workdir.Checkout(ctx, git, root, sha, "")
	}
	if err != nil {
		fail(fmt.Sprintf("cannot check out %s: %s", j.Trunk, b.mask(err.Error(), git.Token)))
		return
	}
	cfg, err := repocfg.Load(root, nil)
	if err != nil {
		fail(fmt.Sprintf("cannot read the repository config at %.7s: %v", sha, err))
		return
	}
	projects := cfg.Projects
	if len(j.Projects) > 0 {
		projects = slices.DeleteFunc(slices.Clone(projects), func(pr repocfg.Project) bool { return !slices.Contains(j.Projects, pr.Name) })
		if len(projects) == 0 {
			fail(fmt.Sprintf("%s has no project %s at %.7s; projects: %s", j.Repo, strings.Join(j.Projects, ", "), sha, strings.Join(cfg.Names(), ", ")))
			return
		}
	}
	issues, issuesErr := p.gh.Issues(ctx, p.repo, drift.Label, "all")
	var results []render.Result
	for _, pr := range projects {
		r, output := b.driftProject(ctx, log, p, root, sha, pr, git.Token)
		r.Branch, r.Job = j.Trunk, j.id
		if issuesErr != nil {
			log.Warn("drift issues cannot be listed", "err", issuesErr)
		} else {
			r.Issue = b.driftIssue(ctx, log, p, r, output, issues)
		}
		if err := b.saveDrift(p, r); err != nil {
			log.Error("saving a drift result failed", "project", pr.Name, "err", err)
		}
		b.progress(log, j, fmt.Sprintf("%s (%s, %s): %s", r.Project, r.Dir, r.Workspace, drift.Line(r)))
		results = append(results, render.Result{Project: r.Project, Workspace: r.Workspace, Status: render.Status(r.State), Message: drift.Line(r)})
	}
	b.audited(j, results, nil, nil)
}

// driftProject plans one project and returns its result and the plan.
func (b *Bot) driftProject(ctx context.Context, log *slog.Logger, p pull, root, sha string, pr repocfg.Project, token string) (drift.Result, string) {
	r := drift.Result{Repo: p.repo, Project: pr.Name, Dir: pr.Dir, Workspace: pr.Workspace, Commit: sha, Checked: time.Now().UTC()}
	failed := func(err error) (drift.Result, string) {
		r.State, r.Error = drift.Failed, b.mask(err.Error(), token)
		return r, ""
	}
	toolKey, binary, err := b.Tools.Resolve(pr.Tool.Name, pr.Tool.Version)
	if err != nil {
		return failed(err)
	}
	tool, version, _ := strings.Cut(toolKey, "@")
	planFile := b.dir(p, "drift-plans", planName(pr.Name, pr.Workspace)+".tfplan")
	if err := mkdirFor(planFile); err != nil {
		return failed(err)
	}
	defer func() { _ = os.Remove(planFile) }()
	live := b.liveLog(log, p.job, pr.Name, token)
	out, err := b.Runner.Plan(ctx, runner.Job{
		Root: root, Dir: filepath.Join(root, filepath.FromSlash(pr.Dir)), Workspace: pr.Workspace,
		Tool: tool, ToolVersion: version, Binary: binary, PlanFile: planFile, NoStateLock: true, Output: live,
	})
	_ = live.Close()
	b.observe().TerraformRan("drift", out.TerraformTime)
	if err != nil {
		log.Warn("drift plan failed", "project", pr.Name, "err", b.mask(err.Error(), token))
		r.Checked = time.Now().UTC()
		return failed(fmt.Errorf("%s", firstError("terraform plan failed", joinOutput(out.Output, err))))
	}
	r.Checked = time.Now().UTC()
	r.Add, r.Change, r.Destroy = out.Add, out.Change, out.Destroy
	r.State = drift.InSync
	if out.Changes {
		r.State = drift.Drifted
	}
	return r, b.mask(out.Output, token)
}

func (b *Bot) saveDrift(p pull, r drift.Result) error {
	meta, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("save drift result: %w", err)
	}
	name := path.Join(r.Repo, planName(r.Project, r.Workspace))
	return b.Store.SavePlan(p.fence(), driftGroup, store.Plan{Name: name, Meta: meta, File: []byte{}})
}

// driftIssue opens, updates, reopens or closes the project's drift issue
// and returns its number, 0 when there is none.
func (b *Bot) driftIssue(ctx context.Context, log *slog.Logger, p pull, r drift.Result, output string, issues []githubapi.Issue) int {
	marker := drift.Marker(r.Project, r.Workspace)
	var found *githubapi.Issue
	for i := range issues {
		is := &issues[i]
		if !strings.Contains(is.Body, marker) {
			continue
		}
		// The open one if there is one, else the newest closed.
		if found == nil || (is.State == "open" && found.State != "open") || (is.State == found.State && is.Number > found.Number) {
			found = is
		}
	}
	open := found != nil && found.State == "open"
	edit := func(e githubapi.IssueEdit, what string) int {
		if err := p.gh.EditIssue(ctx, p.repo, found.Number, e); err != nil {
			log.Warn("drift issue: "+what+" failed", "issue", found.Number, "err", err)
		}
		return found.Number
	}
	body := drift.IssueBody(r, output)
	switch {
	case r.State == drift.Drifted && open:
		return edit(githubapi.IssueEdit{Body: &body}, "update")
	case r.State == drift.Drifted && found != nil:
		state, reason := "open", "reopened"
		return edit(githubapi.IssueEdit{Body: &body, State: &state, StateReason: &reason}, "reopen")
	case r.State == drift.Drifted:
		title := fmt.Sprintf("Drift: %s (%s) no longer matches %s", r.Project, r.Workspace, r.Branch)
		n, err := p.gh.CreateIssue(ctx, p.repo, title, body, []string{drift.Label})
		if err != nil {
			log.Warn("drift issue: open failed", "project", r.Project, "err", err)
			return 0
		}
		return n
	case r.State == drift.InSync && open:
		state, reason := "closed", "completed"
		return edit(githubapi.IssueEdit{Body: &body, State: &state, StateReason: &reason}, "close")
	case r.State == drift.Failed && open:
		// Not drift, and not its end: the issue says the check failed.
		return edit(githubapi.IssueEdit{Body: &body}, "update")
	}
	return 0
}
