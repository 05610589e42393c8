package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/policy"
	"github.com/paved-road/paved/bot/render"
	"github.com/paved-road/paved/bot/repocfg"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/workdir"
)

const (
	planStatus  = "paved/plan"
	applyStatus = "paved/apply"
)

// planRequest is a plan to make: from a comment, or autoplan when cmd is nil.
type planRequest struct {
	head string
	// trunk is the repository's default branch. Apply gates and rollback
	// targets come from it, never from the branch the pull request
	// targets, which its author may point at a branch of their own.
	trunk   string
	user    string
	cmd     *command.Command
	retried bool // planned again after the bot restarted mid-plan
	// projects and behind are a queued plan's: the projects whose locks
	// the pull request behind released.
	projects []string
	behind   int
}

func (r planRequest) auto() bool { return r.cmd == nil }

// autoplan plans the projects a push touched.
func (b *Bot) autoplan(ctx context.Context, log *slog.Logger, p pull, j *job) {
	if j.Fork {
		b.comment(log, p, forkRefusal)
		return
	}
	b.runPlan(ctx, log, p, planRequest{head: j.Head, trunk: j.Trunk, user: j.User, retried: j.Retried})
}

// queuedPlan plans, by itself, the projects whose locks a pull request
// was queued for and now holds.
func (b *Bot) queuedPlan(ctx context.Context, log *slog.Logger, p pull, j *job) {
	pr, ok := b.openPull(ctx, log, p, "**paved plan:** ")
	if !ok {
		return
	}
	b.runPlan(ctx, log, p, planRequest{head: pr.HeadSHA, trunk: pr.DefaultBranch, user: j.User, retried: j.Retried, projects: j.Projects, behind: j.QueuedBehind})
}

// plan answers `paved plan`.
func (b *Bot) plan(ctx context.Context, log *slog.Logger, p pull, j *job) {
	pr, ok := b.openPull(ctx, log, p, "**paved plan:** ")
	if !ok {
		return
	}
	b.runPlan(ctx, log, p, planRequest{head: pr.HeadSHA, trunk: pr.DefaultBranch, user: j.User, cmd: j.Command, retried: j.Retried})
}

func (b *Bot) runPlan(ctx context.Context, log *slog.Logger, p pull, req planRequest) {
	started := time.Now()
	reply := func(msg string) { b.comment(log, p, "**paved plan:** "+msg) }
	// fail ends a plan that cannot go on: the reply says why, the status
	// that it ended.
	fail := func(state, msg string) {
		reply(msg)
		b.status(log, p, req.head, planStatus, state, firstLine(msg))
	}

	// GitHub answers in tens to hundreds of milliseconds: the file list is
	// fetched while git checks out.
	type fileList struct {
		paths []string
		err   error
	}
	files := make(chan fileList, 1)
	go func() {
		paths, err := p.gh.ChangedFiles(ctx, p.repo, p.number)
		files <- fileList{paths, err}
	}()
	git, err := b.git(ctx, p)
	if err != nil {
		fail("error", err.Error())
		return
	}
	root := b.dir(p, "repo")
	commit, err := workdir.Checkout(ctx, git, root, fmt.Sprintf("refs/pull/%d/head", p.number), req.head)
	var moved *workdir.HeadMovedError
	var tracked *workdir.TrackedTerraformError
	switch {
	case errors.As(err, &moved):
		// The newer head gets a plan of its own.
		if !req.auto() {
			reply(fmt.Sprintf("the pull request head moved to %.7s while planning %.7s; comment `paved plan` again.", moved.Got, moved.Want))
		}
		return
	case errors.As(err, &tracked):
		fail("failure", "refused: "+tracked.Error())
		return
	case err != nil:
		fail("error", "cannot check out the pull request: "+b.mask(err.Error(), git.Token))
		return
	}

	b.progress(log, p.job, fmt.Sprintf("checked out %.7s", commit))
	listed := <-files
	if listed.err != nil {
		fail("error", listed.err.Error())
		return
	}
	modified := listed.paths
	cfg, err := repocfg.Load(root, modified)
	if err != nil {
		fail("failure", fmt.Sprintf("cannot read the repository config at %.7s:\n\n```\n%s\n```", commit, err))
		return
	}
	rule := b.rule(p)
	if cfg.FromFile {
		if err := rule.Check(cfg, cfg.File); err != nil {
			fail("failure", fmt.Sprintf("the repository config at %.7s sets what the server's policy keeps for itself:\n\n```\n%s\n```", commit, err))
			return
		}
	}
	projects, err := b.selectProjects(cfg, req, modified)
	if err != nil {
		fail("failure", err.Error())
		return
	}
	if len(projects) == 0 {
		if !req.auto() && req.behind == 0 {
			reply("this pull request touches no project; name one with `-p` or `-d`. Projects: " + strings.Join(cfg.Names(), ", "))
		}
		return
	}
	if !req.auto() {
		if why := b.replacesOthers(ctx, p, projects, req.user); why != "" {
			fail("failure", why)
			return
		}
	}
	base, baseErr := b.baseConfig(ctx, git, root, req.trunk)

	tree, planCommit, rev := "repo", commit, ""
	if !req.auto() && req.cmd.Rev != "" {
		rev, tree = req.cmd.Rev, "rev"
		target, err := b.resolveRev(ctx, p, git, rev, req.trunk)
		if err != nil {
			fail("failure", fmt.Sprintf("refused `--rev %s`: %s", rev, b.mask(err.Error(), git.Token)))
			return
		}
		if planCommit, err = workdir.Checkout(ctx, git, b.dir(p, tree), target, ""); err != nil {
			fail("error", fmt.Sprintf("cannot check out `%s`: %s", rev, b.mask(err.Error(), git.Token)))
			return
		}
	}

	// The pending status goes out while Terraform starts; the final one
	// waits for it, so GitHub never sees them out of order.
	pending := make(chan struct{})
	go func() {
		defer close(pending)
		b.status(log, p, req.head, planStatus, "pending", fmt.Sprintf("planning %d project(s)", len(projects)))
	}()
	var opts command.PlanOptions
	if !req.auto() {
		opts = req.cmd.Options
	}
	b.progress(log, p.job, fmt.Sprintf("planning %d project(s): %s", len(projects), projectNames(projects)))
	results, tfTime := b.planProjects(ctx, log, p, projects, planJob{
		tree: tree, root: b.dir(p, tree), head: req.head, commit: planCommit, rev: rev, user: req.user, opts: opts, token: git.Token,
		base: base, baseErr: baseErr,
	})

	title := fmt.Sprintf("### paved plan at %.7s", planCommit)
	switch {
	case rev != "":
		title = fmt.Sprintf("### paved plan at `%s` (%.7s), rollback preview for %.7s", rev, planCommit, req.head)
	case req.behind != 0:
		title = fmt.Sprintf("### paved plan at %.7s, queued for a lock #%d released", planCommit, req.behind)
	case req.auto():
		title = fmt.Sprintf("### paved autoplan at %.7s", planCommit)
	}
	var notes []string
	if req.behind != 0 {
		notes = append(notes, fmt.Sprintf("This pull request was queued for `%s`; #%d released the lock, so it was planned by itself.",
			strings.Join(req.projects, "`, `"), req.behind))
	}
	if req.retried {
		notes = append(notes, "The paved-bot running this plan stopped before it finished (a restart, or a replica that died); it was planned again from the start.")
	}
	notes = append(notes, gateNotes(rule, cfg, base, baseErr, req.trunk, results, projects)...)
	if rule.ApplyOnMerge && slices.ContainsFunc(results, func(r render.Result) bool { return r.Status == render.Planned }) {
		notes = append(notes, "This repository applies on merge: merging the pull request applies its saved plans, its gates checked first, as whoever merges it.")
	}
	footer := planFooter(results, time.Since(started), tfTime, ctx.Err(), b.Timeout)
	if len(notes) > 0 {
		footer = strings.Join(notes, "\n\n") + "\n\n" + footer
	}
	state, desc := outcome(results, ctx.Err())
	shas := map[string]string{}
	if saved, err := b.plansFor(p, "", "", ""); err == nil {
		for _, sp := range saved {
			shas[planName(sp.Project, sp.Workspace)] = sp.PlanSHA256
		}
	}
	b.audited(p.job, results, shas, nil)
	if len(b.rule(p).PolicySets) > 0 {
		b.setPolicyStatus(log, p, req.head)
	}
	b.reply(log, p, render.Comments(title, results, footer), state, desc)
	<-pending
	b.statusWith(log, p, req.head, planStatus, state, desc, reportOf(results, footer))
	log.Info("plan finished", "projects", len(projects), "seconds", time.Since(started).Seconds(), "terraform_seconds", tfTime.Seconds(), "state", state)
}

// reply posts a command's reply, recording first the status it will end
// with and then that it was posted, so that a restart in between neither
// posts it twice nor leaves the status pending. Each part carries the job's
// marker, by which a restart finds a reply posted just before the bot
// stopped, when GitHub had created the comment but its answer was lost.
func (b *Bot) reply(log *slog.Logger, p pull, bodies []string, state, desc string) {
	j := p.job
	if j != nil {
		b.update(log, j, func() { j.Final = &statusRef{State: state, Description: desc} })
	}
	for _, body := range bodies {
		if j != nil {
			body += "\n\n" + j.marker()
		}
		b.comment(log, p, body)
	}
	if j != nil {
		b.update(log, j, func() { j.Replied = true })
	}
}

func (b *Bot) selectProjects(cfg *repocfg.Config, req planRequest, modified []string) ([]repocfg.Project, error) {
	if req.behind != 0 {
		// The config may have changed since the pull request queued: a
		// project it no longer has is not planned.
		var out []repocfg.Project
		for _, name := range req.projects {
			if found, err := cfg.Select(name, "", "", modified); err == nil {
				out = append(out, found...)
			}
		}
		return out, nil
	}
	if req.auto() {
		return cfg.Touched(modified), nil
	}
	return cfg.Select(req.cmd.Project, req.cmd.Dir, req.cmd.Workspace, modified)
}

// replacesOthers refuses a plan that would replace plans others made,
// unless the commenter has write access: a plan is what the next apply
// applies, whoever comments it.
func (b *Bot) replacesOthers(ctx context.Context, p pull, projects []repocfg.Project, user string) string {
	saved, err := b.plansFor(p, "", "", "")
	if err != nil {
		return err.Error()
	}
	var others []string
	for _, sp := range saved {
		for _, pr := range projects {
			if sp.Project == pr.Name && sp.Workspace == pr.Workspace && !strings.EqualFold(sp.PlannedBy, user) {
				others = append(others, fmt.Sprintf("`%s` (planned by %s)", sp.Project, login(sp.PlannedBy)))
			}
		}
	}
	if len(others) == 0 {
		return ""
	}
	ok, perm, err := b.canWrite(ctx, p, user)
	switch {
	case err != nil:
		return err.Error()
	case !ok:
		return fmt.Sprintf("refused: %s has %s access to %s; replacing the plans of %s needs write access.",
			login(user), perm, p.repo, strings.Join(others, ", "))
	}
	return ""
}

// baseConfig reads paved.yaml from the default branch, which decides what
// gates an apply: the pull request's own copy cannot loosen it. No file
// there gives a nil config and no error.
func (b *Bot) baseConfig(ctx context.Context, git workdir.Git, root, trunk string) (*repocfg.Config, error) {
	if trunk == "" {
		return nil, errors.New("GitHub names no default branch for the repository")
	}
	sha, name, data, err := workdir.ReadAt(ctx, git, root, "refs/heads/"+trunk, "paved.yaml", "paved.yml")
	if err != nil {
		return nil, fmt.Errorf("read the default branch %s: %s", trunk, b.mask(err.Error(), git.Token))
	}
	if name == "" {
		return nil, nil
	}
	cfg, err := repocfg.Parse(name, data)
	if err != nil {
		return nil, fmt.Errorf("%s on %s (%.7s) is invalid:\n%w", name, trunk, sha, err)
	}
	return cfg, nil
}

// gateNotes tells a pull request whose paved.yaml changes what gates an
// apply that the change counts only once merged.
func gateNotes(rule policy.Rule, head, base *repocfg.Config, baseErr error, trunk string, results []render.Result, projects []repocfg.Project) []string {
	if baseErr != nil {
		return []string{fmt.Sprintf("Applies are refused until the default branch's config is fixed: %v", baseErr)}
	}
	if !head.FromFile {
		return nil
	}
	var notes []string
	for i, pr := range projects {
		if results[i].Status != render.Planned {
			continue
		}
		now := rule.Effective(policy.BaseProject(base, pr))
		proposed := rule.Effective(&pr)
		if !reflect.DeepEqual(now, proposed) {
			notes = append(notes, fmt.Sprintf("This pull request changes what an apply of `%s` needs (to %s); that takes effect once it is merged into %s. "+
				"Until then an apply needs %s.", pr.Name, describeGates(proposed), trunk, describeGates(now)))
		}
	}
	return notes
}

// describeGates says in words what gates an apply.
func describeGates(g repocfg.Gates) string {
	var parts []string
	if len(g.Requirements) > 0 {
		reqs := make([]string, len(g.Requirements))
		for i, r := range g.Requirements {
			reqs[i] = string(r)
		}
		parts = append(parts, "apply_requirements ["+strings.Join(reqs, ", ")+"]")
	}
	if len(g.Appliers) > 0 {
		parts = append(parts, "allowed_appliers ["+strings.Join(g.Appliers, ", ")+"]")
	}
	if len(g.Teams) > 0 {
		parts = append(parts, "allowed_teams ["+strings.Join(g.Teams, ", ")+"]")
	}
	if len(parts) == 0 {
		return "only write access"
	}
	return strings.Join(parts, ", ")
}

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

// resolveRev checks what `--rev` names and returns the commit to check out:
// a commit on the default branch, or a deploy tag this bot signed. Anything
// else could plan, and let the next apply apply, code no review has seen.
func (b *Bot) resolveRev(ctx context.Context, p pull, git workdir.Git, rev, trunk string) (string, error) {
	switch {
	case fullSHA.MatchString(rev):
		cmp, err := p.gh.Compare(ctx, p.repo, rev, trunk)
		if err != nil {
			return "", err
		}
		if cmp.Status != "ahead" && cmp.Status != "identical" {
			return "", fmt.Errorf("commit %.7s is not on %s; `--rev` takes a commit of the default branch or a deploy tag (`paved history` lists them)", rev, trunk)
		}
		return rev, nil
	case strings.HasPrefix(rev, history.Prefix("")):
		mirror, err := b.deployTags(ctx, p, git)
		if err != nil {
			return "", err
		}
		rec, err := history.Verify(ctx, mirror, rev, b.TagKey)
		if err != nil {
			return "", err
		}
		return rec.Commit, nil
	}
	return "", fmt.Errorf("%s is neither a deploy tag (paved/…, see `paved history`) nor the full sha of a commit on %s", rev, trunk)
}

// planJob is what every project of one plan command shares.
type planJob struct {
	tree, root              string // the working copy's name (savedPlan.Tree) and path
	head, commit, rev, user string
	opts                    command.PlanOptions
	token                   string
	base                    *repocfg.Config
	baseErr                 error
}

// planProjects plans projects in parallel up to the bot's bound.
func (b *Bot) planProjects(ctx context.Context, log *slog.Logger, p pull, projects []repocfg.Project, job planJob) ([]render.Result, time.Duration) {
	results := make([]render.Result, len(projects))
	times := make([]time.Duration, len(projects))
	dirs := make([]string, len(projects))
	for i, pr := range projects {
		dirs[i] = pr.Dir
	}
	b.eachByDir(dirs, func(i int) {
		results[i], times[i] = b.planProject(ctx, log, p, projects[i], job)
		b.progress(log, p.job, projectLine(results[i], times[i]))
	})
	return results, sum(times)
}

// eachByDir runs fn for every index, in parallel up to the bot's bound,
// except that indexes sharing a dir run one after another: the selected
// workspace and .terraform belong to the dir.
func (b *Bot) eachByDir(dirs []string, fn func(i int)) {
	byDir := map[string][]int{}
	var order []string
	for i, d := range dirs {
		if _, ok := byDir[d]; !ok {
			order = append(order, d)
		}
		byDir[d] = append(byDir[d], i)
	}
	var g errgroup.Group
	g.SetLimit(max(1, b.Parallelism))
	for _, d := range order {
		g.Go(func() error {
			for _, i := range byDir[d] {
				fn(i)
			}
			return nil
		})
	}
	_ = g.Wait()
}

func sum(ds []time.Duration) time.Duration {
	var total time.Duration
	for _, d := range ds {
		total += d
	}
	return total
}

func (b *Bot) planProject(ctx context.Context, log *slog.Logger, p pull, pr repocfg.Project, job planJob) (render.Result, time.Duration) {
	res := render.Result{Project: pr.Name, Dir: pr.Dir, Workspace: pr.Workspace}
	fail := func(err error) (render.Result, time.Duration) {
		res.Status, res.Message = render.Failed, b.mask(err.Error(), job.token)
		return res, 0
	}
	// Paths are checked in the tree that is planned, symlinks followed.
	if err := runner.CheckPaths(job.root, filepath.Join(job.root, filepath.FromSlash(pr.Dir)), job.opts.VarFiles); err != nil {
		return fail(err)
	}
	held, got, err := b.Store.TryLock(p.fence(), locks.Lock{
		Key:     locks.Key{Repo: p.repo, Dir: pr.Dir, Workspace: pr.Workspace},
		Project: pr.Name, PR: p.number, PRURL: p.url, User: job.user, Time: time.Now().UTC(),
		Installation: p.installation, CloneURL: p.cloneURL,
	})
	if err != nil {
		return fail(err)
	}
	if !got {
		res.Status = render.Refused
		res.Message = b.queue(log, p, held.Key, pr.Name, job.user, held)
		return res, 0
	}
	toolKey, binary, err := b.Tools.Resolve(pr.Tool.Name, pr.Tool.Version)
	if err != nil {
		return fail(err)
	}
	tool, version, _ := strings.Cut(toolKey, "@")
	if err := b.dropPlan(p, pr.Name, pr.Workspace); err != nil {
		return fail(err)
	}
	planFile := b.planFile(p, pr.Name, pr.Workspace)
	sets := b.rule(p).PolicySets
	rj := runner.Job{
		Root: job.root, Dir: filepath.Join(job.root, filepath.FromSlash(pr.Dir)), Workspace: pr.Workspace,
		Tool: tool, ToolVersion: version, Binary: binary, Options: job.opts, PlanFile: planFile,
		ShowJSON: len(sets) > 0, ShowJSONLimit: b.PolicyMaxPlanJSON,
	}
	if err := mkdirFor(planFile); err != nil {
		return fail(err)
	}
	live := b.liveLog(log, p.job, pr.Name, job.token)
	rj.Output = live
	out, err := b.Runner.Plan(ctx, rj)
	_ = live.Close()
	b.observe().TerraformRan("plan", out.TerraformTime)
	if err != nil {
		log.Warn("plan failed", "project", pr.Name, "err", b.mask(err.Error(), job.token))
		res.Output = b.mask(joinOutput(out.Output, err), job.token)
		res.Status, res.Message = render.Failed, failure("terraform plan failed", res.Output, err, b.Timeout)
		return res, out.TerraformTime
	}
	res.Output = b.mask(out.Output, job.token)
	res.Add, res.Change, res.Destroy = out.Add, out.Change, out.Destroy
	if !out.Changes {
		res.Status = render.NoChanges
		_ = os.Remove(planFile)
		return res, out.TerraformTime
	}
	res.Status = render.Planned
	checks := b.checkPolicies(ctx, p, pr, sets, out.PlanJSON, out.PlanJSONError)
	res.Policies = renderPolicies(checks)
	sp := savedPlan{
		Project: pr.Name, Dir: pr.Dir, Workspace: pr.Workspace,
		HeadSHA: job.head, Commit: job.commit, Rev: job.rev, Tree: job.tree,
		PlanSHA256: out.PlanSHA256,
		Tool:       tool, ToolVersion: version, Binary: binary,
		Add: out.Add, Change: out.Change, Destroy: out.Destroy,
		Base:      policy.BaseProject(job.base, pr),
		PlannedBy: job.user,
		Team:      pr.Team,
		PlannedAt: time.Now().UTC(),
		Policies:  checks,
	}
	if job.baseErr != nil {
		sp.BaseError = job.baseErr.Error()
	}
	if err := b.savePlan(p, sp); err != nil {
		res.Status, res.Message = render.Failed, err.Error()
	}
	return res, out.TerraformTime
}

// joinOutput is what a failed run printed before its error.
func joinOutput(output string, err error) string {
	if strings.TrimSpace(output) == "" {
		return err.Error()
	}
	return strings.TrimRight(output, "\n") + "\n\n" + err.Error()
}

// failure is the summary row of a failed run: the timeout when it ran out
// of time, else Terraform's first error.
func failure(fallback, output string, err error, timeout time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("timed out after %s (paved-bot --timeout); the output so far is below", timeout)
	}
	return firstError(fallback, output)
}

func planFooter(results []render.Result, took, tfTime time.Duration, ctxErr error, timeout time.Duration) string {
	var planned []string
	for _, r := range results {
		if r.Status == render.Planned {
			planned = append(planned, r.Project)
		}
	}
	sort.Strings(planned)
	timing := timing(took, tfTime, len(results))
	if errors.Is(ctxErr, context.DeadlineExceeded) {
		timing = fmt.Sprintf("The command ran out of time (--timeout %s); projects not finished by then are marked failed.\n\n%s", timeout, timing)
	}
	if len(planned) == 0 {
		return timing
	}
	return fmt.Sprintf("To apply: `paved apply` (all planned projects) or `paved apply -p %s`. "+
		"These projects stay locked to this pull request until it is merged or closed, or `paved unlock`.\n\n%s",
		planned[0], timing)
}

// outcome is the commit status for a command's results: error when it ran
// out of time.
func outcome(results []render.Result, ctxErr error) (state, description string) {
	counts := map[render.Status]int{}
	var add, change, destroy int
	for _, r := range results {
		counts[r.Status]++
		add, change, destroy = add+r.Add, change+r.Change, destroy+r.Destroy
	}
	state = "success"
	if counts[render.Failed]+counts[render.Refused] > 0 {
		state = "failure"
	}
	var parts []string
	for _, s := range []render.Status{render.Planned, render.Applied, render.NoChanges, render.Failed, render.Refused} {
		if counts[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[s], s))
		}
	}
	description = strings.Join(parts, ", ") + ": " + render.Summary(add, change, destroy)
	if ctxErr != nil {
		state, description = "error", "timed out: "+description
	}
	return state, description
}

// timing is the footer line on how long a command took: Terraform's time is
// summed over projects, which may have run in parallel.
func timing(took, terraform time.Duration, projects int) string {
	return fmt.Sprintf("Took %.1f s; Terraform ran %.1f s over %d project(s).", took.Seconds(), terraform.Seconds(), projects)
}

// firstError is the first "Error: …" line of Terraform's output, for the
// summary row, or fallback when there is none.
func firstError(fallback, output string) string {
	for _, line := range strings.Split(output, "\n") {
		line = strings.TrimLeft(line, "│╷╵ ")
		if msg, ok := strings.CutPrefix(line, "Error: "); ok && strings.TrimSpace(msg) != "" {
			return strings.TrimSpace(msg)
		}
	}
	return fallback
}

// firstLine is the start of a reply, for a commit status.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimSuffix(line, ":")
}

func projectNames(projects []repocfg.Project) string {
	names := make([]string, len(projects))
	for i, pr := range projects {
		names[i] = pr.Name
	}
	return strings.Join(names, ", ")
}

// projectLine is a project's result in the job's log.
func projectLine(r render.Result, took time.Duration) string {
	line := fmt.Sprintf("%s (%s, %s): %s", r.Project, r.Dir, r.Workspace, r.Status)
	if r.Status == render.Planned || r.Status == render.Applied {
		line += " " + render.Summary(r.Add, r.Change, r.Destroy)
	}
	if r.Message != "" {
		line += ": " + r.Message
	}
	return line + fmt.Sprintf(" (Terraform %.1f s)", took.Seconds())
}
