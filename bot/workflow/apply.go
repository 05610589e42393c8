package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/githubapi"
	"github.com/paved-road/paved/bot/history"
	"github.com/paved-road/paved/bot/locks"
	"github.com/paved-road/paved/bot/render"
	"github.com/paved-road/paved/bot/repocfg"
	"github.com/paved-road/paved/bot/runner"
)

// Tagger is who the deploy tags say created them.
var Tagger = githubapi.Tagger{Name: "paved-bot", Email: "paved-bot@users.noreply.github.com"}

// apply answers `paved apply`: it applies the saved plans, each exactly as
// planned, when the pull request still is where it was planned and its
// requirements hold, then tags the applied commits.
func (b *Bot) apply(ctx context.Context, log *slog.Logger, p pull, cmd *command.Command, user string) {
	started := time.Now()
	reply := func(msg string) { b.comment(ctx, log, p, "**paved apply:** "+msg) }
	plans, err := b.plansFor(p, cmd.Project, cmd.Dir, cmd.Workspace)
	if err != nil {
		reply(err.Error())
		return
	}
	if len(plans) == 0 {
		reply("nothing to apply: this pull request has no pending plan" + selection(cmd) + ". Comment `paved plan` first.")
		return
	}
	keys := make([]locks.Key, len(plans))
	for i, sp := range plans {
		keys[i] = locks.Key{Repo: p.repo, Dir: sp.Dir, Workspace: sp.Workspace}
	}
	release, err := b.claim(keys, fmt.Sprintf("an apply by @%s started at %s is running", user, time.Now().UTC().Format(time.RFC3339)))
	if err != nil {
		reply("refused: " + err.Error() + ". Wait for it to finish.")
		return
	}
	defer release()

	pr, ok := b.openPull(ctx, log, p, "**paved apply:** ")
	if !ok {
		return
	}
	// Applying changes infrastructure: only people who could push to the
	// repository may do it, whoever else can comment.
	perm, err := p.gh.Permission(ctx, p.repo, user)
	if err != nil {
		reply(err.Error())
		return
	}
	if perm != "admin" && perm != "write" {
		reply(fmt.Sprintf("refused: @%s has %s access to %s; applying needs write access.", user, perm, p.repo))
		return
	}
	if moved := headMoved(plans, pr.HeadSHA); moved != "" {
		reply(moved)
		return
	}
	approvers, err := p.gh.Approvers(ctx, p.repo, p.number, pr.Author)
	if err != nil {
		reply(err.Error())
		return
	}

	token, err := p.gh.Token(ctx)
	if err != nil {
		reply(err.Error())
		return
	}

	defer b.lockPR(p)()
	pending := make(chan struct{})
	go func() {
		defer close(pending)
		b.status(ctx, log, p, pr.HeadSHA, applyStatus, "pending", fmt.Sprintf("applying %d project(s)", len(plans)))
	}()
	results := make([]render.Result, len(plans))
	runnable := make([]int, 0, len(plans))
	for i, sp := range plans {
		results[i] = render.Result{Project: sp.Project, Dir: sp.Dir, Workspace: sp.Workspace, Add: sp.Add, Change: sp.Change, Destroy: sp.Destroy}
		if why := b.refusal(p, sp, pr, approvers, user); why != "" {
			results[i].Status, results[i].Message = render.Refused, why
			continue
		}
		runnable = append(runnable, i)
	}
	tfTime := b.applyAll(ctx, log, p, plans, runnable, results, applied{pr: pr, approvers: approvers, user: user, token: token})

	var labels []string
	for _, r := range results {
		if r.Status == render.Applied && !slices.Contains(labels, "applied:"+r.Project) {
			labels = append(labels, "applied:"+r.Project)
		}
	}
	if len(labels) > 0 {
		if err := p.gh.AddLabels(ctx, p.repo, p.number, labels); err != nil {
			log.Warn("labels failed", "err", err)
		}
	}
	footer := timing(time.Since(started), tfTime, len(runnable))
	for _, body := range render.Comments(fmt.Sprintf("### paved apply at %.7s", pr.HeadSHA), results, footer) {
		b.comment(ctx, log, p, body)
	}
	state, desc := outcome(results)
	<-pending
	b.status(ctx, log, p, pr.HeadSHA, applyStatus, state, desc)
	log.Info("apply finished", "projects", len(plans), "seconds", time.Since(started).Seconds(), "terraform_seconds", tfTime.Seconds(), "state", state)
}

func selection(cmd *command.Command) string {
	var parts []string
	for flag, v := range map[string]string{"-p": cmd.Project, "-d": cmd.Dir, "-w": cmd.Workspace} {
		if v != "" {
			parts = append(parts, flag+" "+v)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	slices.Sort(parts)
	return " matching `" + strings.Join(parts, " ") + "`"
}

// headMoved refuses plans made at another head: what would be applied is
// not what reviewers see on the pull request.
func headMoved(plans []savedPlan, head string) string {
	for _, sp := range plans {
		if sp.HeadSHA != head {
			return fmt.Sprintf("refused: the pull request head moved since the plan of `%s` (planned at %.7s, head is now %.7s). Comment `paved plan` again.",
				sp.Project, sp.HeadSHA, head)
		}
	}
	return ""
}

// refusal says why a plan may not be applied now, or "".
func (b *Bot) refusal(p pull, sp savedPlan, pr githubapi.PullRequest, approvers []string, user string) string {
	if len(sp.AllowedAppliers) > 0 && !slices.ContainsFunc(sp.AllowedAppliers, func(a string) bool { return strings.EqualFold(a, user) }) {
		return fmt.Sprintf("@%s may not apply this project; allowed: %s", user, strings.Join(sp.AllowedAppliers, ", "))
	}
	for _, req := range sp.ApplyRequirements {
		switch req {
		case repocfg.Approved:
			if len(approvers) == 0 {
				return "needs an approving review from someone other than the author (apply_requirements: approved)"
			}
		case repocfg.Mergeable:
			if pr.Mergeable == nil {
				return "GitHub has not computed whether the pull request is mergeable yet; try again in a moment (apply_requirements: mergeable)"
			}
			if !*pr.Mergeable {
				return "the pull request is not mergeable: it has conflicts or failing required checks (apply_requirements: mergeable)"
			}
		}
	}
	held, got, err := b.Locks.TryLock(locks.Lock{
		Key:     locks.Key{Repo: p.repo, Dir: sp.Dir, Workspace: sp.Workspace},
		Project: sp.Project, PR: p.number, PRURL: p.url, User: user, Time: time.Now().UTC(),
	})
	switch {
	case err != nil:
		return err.Error()
	case !got:
		return fmt.Sprintf("locked by [#%d](%s) since this plan was made; run `paved plan` again when it is released", held.PR, held.PRURL)
	}
	return ""
}

// applied is what every project of one apply shares.
type applied struct {
	pr        githubapi.PullRequest
	approvers []string
	user      string
	token     string
}

func (b *Bot) applyAll(ctx context.Context, log *slog.Logger, p pull, plans []savedPlan, runnable []int, results []render.Result, a applied) time.Duration {
	times := make([]time.Duration, len(runnable))
	dirs := make([]string, len(runnable))
	for k, i := range runnable {
		dirs[k] = plans[i].Dir
	}
	// Deploy tags are recorded while the next project applies.
	var tagging sync.WaitGroup
	b.eachByDir(dirs, func(k int) {
		i := runnable[k]
		results[i], times[k] = b.applyOne(ctx, log, p, plans[i], a)
		if results[i].Status == render.Applied {
			tagging.Go(func() { results[i].Message = b.tag(ctx, log, p, plans[i], a) })
		}
	})
	tagging.Wait()
	return sum(times)
}

func (b *Bot) applyOne(ctx context.Context, log *slog.Logger, p pull, sp savedPlan, a applied) (render.Result, time.Duration) {
	res := render.Result{Project: sp.Project, Dir: sp.Dir, Workspace: sp.Workspace, Add: sp.Add, Change: sp.Change, Destroy: sp.Destroy}
	out, err := b.Runner.Apply(ctx, runner.Job{
		Dir: filepath.Join(sp.Root, filepath.FromSlash(sp.Dir)), Workspace: sp.Workspace,
		Tool: sp.Tool, ToolVersion: sp.ToolVersion, Binary: sp.Binary, PlanFile: sp.PlanFile,
	}, sp.PlanSHA256)
	if err != nil {
		log.Warn("apply failed", "project", sp.Project, "err", err)
		res.Output = render.Mask(err.Error(), a.token)
		res.Status, res.Message = render.Failed, firstError("terraform apply failed", res.Output)
		// A failed apply may have changed state: the plan is stale either way.
		b.dropPlan(p, sp.Project, sp.Workspace)
		return res, out.TerraformTime
	}
	b.dropPlan(p, sp.Project, sp.Workspace)
	res.Status, res.Output = render.Applied, render.Mask(out.Output, a.token)
	return res, out.TerraformTime
}

// tag records an applied plan as an annotated tag on the commit it was made
// from and returns the summary note for it.
func (b *Bot) tag(ctx context.Context, log *slog.Logger, p pull, sp savedPlan, a applied) string {
	now := time.Now().UTC().Truncate(time.Millisecond)
	rec := history.Record{
		Project: sp.Project, Workspace: sp.Workspace, Dir: sp.Dir, Commit: sp.Commit,
		PR: p.number, PRURL: p.url, Author: a.pr.Author, Approvers: a.approvers, AppliedBy: a.user,
		Add: sp.Add, Change: sp.Change, Destroy: sp.Destroy, PlanSHA256: sp.PlanSHA256,
		Tool: sp.Tool, ToolVersion: sp.ToolVersion, Time: now,
	}
	tag := history.TagName(sp.Project, sp.Workspace, now)
	by := Tagger
	by.Time = now
	if _, err := p.gh.CreateTag(ctx, p.repo, tag, rec.Message(), sp.Commit, by); err != nil {
		log.Error("deploy tag failed", "project", sp.Project, "err", err)
		return "but the deploy tag could not be created: " + err.Error()
	}
	return "tagged `" + tag + "`"
}

func mkdirFor(file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(file), err)
	}
	return nil
}
