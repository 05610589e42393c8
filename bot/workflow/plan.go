package workflow

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/locks"
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
	user string
	cmd  *command.Command
}

func (r planRequest) auto() bool { return r.cmd == nil }

// autoplan plans the projects a push touched.
func (b *Bot) autoplan(ctx context.Context, log *slog.Logger, p pull, head, user string) {
	b.runPlan(ctx, log, p, planRequest{head: head, user: user})
}

// plan answers `paved plan`.
func (b *Bot) plan(ctx context.Context, log *slog.Logger, p pull, cmd *command.Command, user string) {
	pr, ok := b.openPull(ctx, log, p, "**paved plan:** ")
	if !ok {
		return
	}
	b.runPlan(ctx, log, p, planRequest{head: pr.HeadSHA, user: user, cmd: cmd})
}

func (b *Bot) runPlan(ctx context.Context, log *slog.Logger, p pull, req planRequest) {
	defer b.lockPR(p)()
	started := time.Now()
	reply := func(msg string) { b.comment(ctx, log, p, "**paved plan:** "+msg) }

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
		reply(err.Error())
		return
	}
	root := b.dir(p, "repo")
	commit, err := workdir.Checkout(ctx, git, root, fmt.Sprintf("refs/pull/%d/head", p.number), req.head)
	var moved *workdir.HeadMovedError
	if errors.As(err, &moved) {
		if !req.auto() {
			reply(fmt.Sprintf("the pull request head moved to %.7s while planning %.7s; comment `paved plan` again.", moved.Got, moved.Want))
		}
		return
	}
	if err != nil {
		reply("cannot check out the pull request: " + render.Mask(err.Error(), git.Token))
		return
	}

	listed := <-files
	if listed.err != nil {
		reply(listed.err.Error())
		return
	}
	modified := listed.paths
	cfg, err := repocfg.Load(root, modified)
	if err != nil {
		b.status(ctx, log, p, req.head, planStatus, "failure", "paved.yaml is invalid")
		reply(fmt.Sprintf("cannot read the repository config at %.7s:\n\n```\n%s\n```", commit, err))
		return
	}
	projects, err := b.selectProjects(cfg, req, modified)
	if err != nil {
		reply(err.Error())
		return
	}
	if len(projects) == 0 {
		if !req.auto() {
			reply("this pull request touches no project; name one with `-p` or `-d`. Projects: " + strings.Join(cfg.Names(), ", "))
		}
		return
	}

	planRoot, planCommit, rev := root, commit, ""
	if !req.auto() && req.cmd.Rev != "" {
		rev = req.cmd.Rev
		planRoot = b.dir(p, "rev")
		planCommit, err = workdir.Checkout(ctx, git, planRoot, revRef(rev), "")
		if err != nil {
			reply(fmt.Sprintf("cannot check out `%s`: %s", rev, render.Mask(err.Error(), git.Token)))
			return
		}
	}

	// The pending status goes out while Terraform starts; the final one
	// waits for it, so GitHub never sees them out of order.
	pending := make(chan struct{})
	go func() {
		defer close(pending)
		b.status(ctx, log, p, req.head, planStatus, "pending", fmt.Sprintf("planning %d project(s)", len(projects)))
	}()
	var opts command.PlanOptions
	if !req.auto() {
		opts = req.cmd.Options
	}
	results, tfTime := b.planProjects(ctx, log, p, projects, planJob{
		root: planRoot, head: req.head, commit: planCommit, rev: rev, user: req.user, opts: opts, token: git.Token,
	})

	title := fmt.Sprintf("### paved plan at %.7s", planCommit)
	if rev != "" {
		title = fmt.Sprintf("### paved plan at `%s` (%.7s), rollback preview for %.7s", rev, planCommit, req.head)
	} else if req.auto() {
		title = fmt.Sprintf("### paved autoplan at %.7s", planCommit)
	}
	footer := planFooter(results, time.Since(started), tfTime)
	for _, body := range render.Comments(title, results, footer) {
		b.comment(ctx, log, p, body)
	}
	state, desc := outcome(results)
	<-pending
	b.status(ctx, log, p, req.head, planStatus, state, desc)
	log.Info("plan finished", "projects", len(projects), "seconds", time.Since(started).Seconds(), "terraform_seconds", tfTime.Seconds(), "state", state)
}

func (b *Bot) selectProjects(cfg *repocfg.Config, req planRequest, modified []string) ([]repocfg.Project, error) {
	if req.auto() {
		return cfg.Touched(modified), nil
	}
	projects, err := cfg.Select(req.cmd.Project, req.cmd.Dir, req.cmd.Workspace, modified)
	if err != nil {
		return nil, err
	}
	for _, pr := range projects {
		if err := req.cmd.Options.CheckVarFiles(pr.Dir); err != nil {
			return nil, fmt.Errorf("project %s: %w", pr.Name, err)
		}
	}
	return projects, nil
}

var fullSHA = regexp.MustCompile(`^[0-9a-f]{40}$`)

func revRef(rev string) string {
	if fullSHA.MatchString(rev) {
		return rev
	}
	return "refs/tags/" + rev
}

// planJob is what every project of one plan command shares.
type planJob struct {
	root, head, commit, rev, user string
	opts                          command.PlanOptions
	token                         string
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
	held, got, err := b.Locks.TryLock(locks.Lock{
		Key:     locks.Key{Repo: p.repo, Dir: pr.Dir, Workspace: pr.Workspace},
		Project: pr.Name, PR: p.number, PRURL: p.url, User: job.user, Time: time.Now().UTC(),
	})
	if err != nil {
		res.Status, res.Message = render.Failed, err.Error()
		return res, 0
	}
	if !got {
		res.Status = render.Refused
		res.Message = fmt.Sprintf("locked by [#%d](%s) (@%s, since %s); it is released when that pull request is merged or closed, or by `paved unlock` there",
			held.PR, held.PRURL, held.User, held.Time.Format(time.RFC3339))
		return res, 0
	}
	toolKey, binary, err := b.Tools.Resolve(pr.Tool.Name, pr.Tool.Version)
	if err != nil {
		res.Status, res.Message = render.Failed, err.Error()
		return res, 0
	}
	tool, version, _ := strings.Cut(toolKey, "@")
	b.dropPlan(p, pr.Name, pr.Workspace)
	planFile := filepath.Join(b.dir(p, "plans"), planName(pr.Name, pr.Workspace)+".tfplan")
	rj := runner.Job{
		Dir: filepath.Join(job.root, filepath.FromSlash(pr.Dir)), Workspace: pr.Workspace,
		Tool: tool, ToolVersion: version, Binary: binary, Options: job.opts, PlanFile: planFile,
	}
	if err := mkdirFor(planFile); err != nil {
		res.Status, res.Message = render.Failed, err.Error()
		return res, 0
	}
	out, err := b.Runner.Plan(ctx, rj)
	if err != nil {
		log.Warn("plan failed", "project", pr.Name, "err", err)
		res.Output = render.Mask(err.Error(), job.token)
		res.Status, res.Message = render.Failed, firstError("terraform plan failed", res.Output)
		return res, out.TerraformTime
	}
	res.Output = render.Mask(out.Output, job.token)
	res.Add, res.Change, res.Destroy = out.Add, out.Change, out.Destroy
	if !out.Changes {
		res.Status = render.NoChanges
		b.dropPlan(p, pr.Name, pr.Workspace)
		return res, out.TerraformTime
	}
	res.Status = render.Planned
	err = b.savePlan(p, savedPlan{
		Project: pr.Name, Dir: pr.Dir, Workspace: pr.Workspace,
		HeadSHA: job.head, Commit: job.commit, Rev: job.rev, Root: job.root,
		PlanFile: planFile, PlanSHA256: out.PlanSHA256,
		Tool: tool, ToolVersion: version, Binary: binary,
		Add: out.Add, Change: out.Change, Destroy: out.Destroy,
		ApplyRequirements: pr.ApplyRequirements, AllowedAppliers: pr.AllowedAppliers,
		PlannedBy: job.user,
	})
	if err != nil {
		res.Status, res.Message = render.Failed, err.Error()
	}
	return res, out.TerraformTime
}

func planFooter(results []render.Result, took, tfTime time.Duration) string {
	var planned []string
	for _, r := range results {
		if r.Status == render.Planned {
			planned = append(planned, r.Project)
		}
	}
	sort.Strings(planned)
	timing := timing(took, tfTime, len(results))
	if len(planned) == 0 {
		return timing
	}
	return fmt.Sprintf("To apply: `paved apply` (all planned projects) or `paved apply -p %s`. "+
		"These projects stay locked to this pull request until it is merged or closed, or `paved unlock`.\n\n%s",
		planned[0], timing)
}

// outcome is the commit status for a command's results.
func outcome(results []render.Result) (state, description string) {
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
	return state, strings.Join(parts, ", ") + ": " + render.Summary(add, change, destroy)
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
