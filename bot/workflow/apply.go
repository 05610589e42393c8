package workflow

import (
	"context"
	"errors"
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
	"github.com/paved-road/paved/bot/workdir"
)

// Tagger is who the deploy tags say created them.
var Tagger = workdir.Tagger{Name: "paved-bot", Email: "paved-bot@users.noreply.github.com"}

// apply answers `paved apply`: it applies the saved plans, each exactly as
// planned, when the pull request still is where it was planned and the
// gates the server's policy and the default branch set hold, then tags the
// applied commits.
//
// onMerge is the apply a merge makes under a rule's `apply: on_merge`: of
// all the saved plans, by whoever merged, of a pull request that must be
// merged rather than open; the mergeable and undiverged gates are the
// merge's own, which GitHub allowed.
func (b *Bot) apply(ctx context.Context, log *slog.Logger, p pull, j *job, onMerge bool) {
	cmd, user := j.Command, j.User
	if onMerge {
		cmd = &command.Command{Name: command.Apply}
	}
	started := time.Now()
	reply := func(msg string) { b.comment(log, p, "**paved apply:** "+msg) }
	plans, err := b.plansFor(p, cmd.Project, cmd.Dir, cmd.Workspace)
	switch {
	case err != nil:
		reply(err.Error())
		return
	case len(plans) == 0 && onMerge:
		log.Info("merged with no saved plan: nothing to apply")
		return
	case len(plans) == 0:
		reply("nothing to apply: this pull request has no pending plan" + selection(cmd) + ". Comment `paved plan` first.")
		return
	}
	pr, ok := b.pullToApply(ctx, log, p, onMerge)
	if !ok {
		return
	}
	if onMerge {
		user = pr.MergedBy // the closed event's sender, or nobody when reconciliation found the merge
	}
	// end answers an apply that stops before it starts, status included.
	end := func(state, msg string) {
		reply(msg)
		b.status(log, p, pr.HeadSHA, applyStatus, state, firstLine(msg))
	}
	// Applying changes infrastructure: only people who could push to the
	// repository may do it, whoever else can comment.
	ok, perm, err := b.canWrite(ctx, p, user)
	switch {
	case err != nil:
		end("error", err.Error())
		return
	case !ok:
		end("failure", fmt.Sprintf("refused: %s has %s access to %s; applying needs write access.", login(user), perm, p.repo))
		return
	}
	if moved := headMoved(plans, pr.HeadSHA); moved != "" {
		end("failure", moved)
		return
	}
	approvers, err := p.gh.Approvers(ctx, p.repo, p.number, pr.Author, pr.HeadSHA)
	if err != nil {
		end("error", err.Error())
		return
	}
	token, err := p.gh.Token(ctx)
	if err != nil {
		end("error", err.Error())
		return
	}
	if err := b.checkoutPlanned(ctx, p, b.gitWith(p, token), plans); err != nil {
		end("error", "nothing applied: "+err.Error())
		return
	}

	pending := make(chan struct{})
	go func() {
		defer close(pending)
		b.status(log, p, pr.HeadSHA, applyStatus, "pending", fmt.Sprintf("applying %d project(s)", len(plans)))
	}()
	a := &applied{pr: pr, approvers: approvers, user: user, token: token, b: b, p: p, merged: onMerge}
	results := make([]render.Result, len(plans))
	runnable := make([]int, 0, len(plans))
	applies := make([]applyProgress, len(plans))
	for i, sp := range plans {
		results[i] = render.Result{Project: sp.Project, Dir: sp.Dir, Workspace: sp.Workspace, Add: sp.Add, Change: sp.Change, Destroy: sp.Destroy}
		applies[i] = applyProgress{Plan: sp, Step: applyWaiting, Author: pr.Author, Approvers: approvers, AppliedBy: user, PROpened: pr.Opened}
		if why := a.refusal(ctx, sp); why != "" {
			results[i].Status, results[i].Message = render.Refused, why
			applies[i].Step = applyRefused
			continue
		}
		runnable = append(runnable, i)
	}
	b.update(log, j, func() { j.Applies = applies })
	tfTime := b.applyAll(ctx, log, p, j, runnable, results, a)

	if labels := appliedLabels(results); len(labels) > 0 {
		lctx, cancel := replyContext()
		if err := p.gh.AddLabels(lctx, p.repo, p.number, labels); err != nil {
			log.Warn("labels failed", "err", err)
		}
		cancel()
	}
	footer := planners(plans, user) + "\n\n" + timing(time.Since(started), tfTime, len(runnable))
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		footer = fmt.Sprintf("The command ran out of time (--timeout %s): an apply stopped then may have changed part of its state; "+
			"its lock stays with this pull request. Comment `paved plan` to see what is left.\n\n%s", b.Timeout, footer)
	}
	state, desc := outcome(results, ctx.Err())
	shas, tags := map[string]string{}, map[string]string{}
	for _, ap := range j.Applies {
		name := planName(ap.Plan.Project, ap.Plan.Workspace)
		shas[name], tags[name] = ap.Plan.PlanSHA256, ap.Tag
	}
	b.audited(j, results, shas, tags)
	title := fmt.Sprintf("### paved apply at %.7s", pr.HeadSHA)
	if onMerge {
		title = fmt.Sprintf("### paved apply on merge at %.7s", pr.HeadSHA)
	}
	// One comment whatever the number of projects, so apply's GitHub calls
	// stay constant; what is cut is in the job log.
	b.reply(log, p, []string{render.Comment(title, results, footer, b.jobLog(p))}, state, desc)
	<-pending
	b.statusWith(log, p, pr.HeadSHA, applyStatus, state, desc, reportOf(results, footer))
	log.Info("apply finished", "projects", len(plans), "seconds", time.Since(started).Seconds(), "terraform_seconds", tfTime.Seconds(), "state", state)
}

// pullToApply reads the pull request an apply is for: open, or on merge
// merged; it refuses, replying, otherwise.
func (b *Bot) pullToApply(ctx context.Context, log *slog.Logger, p pull, onMerge bool) (githubapi.PullRequest, bool) {
	if !onMerge {
		return b.openPull(ctx, log, p, "**paved apply:** ")
	}
	pr, err := p.gh.PullRequest(ctx, p.repo, p.number)
	switch {
	case err != nil:
		b.comment(log, p, "**paved apply:** on merge: "+err.Error())
	case !pr.Merged:
		b.comment(log, p, "**paved apply:** on merge: refused: GitHub does not report this pull request merged.")
	case pr.MergedBy == "":
		b.comment(log, p, "**paved apply:** on merge: refused: GitHub does not say who merged this pull request, whose access the apply needs.")
	case pr.Fork && !b.AllowForks:
		b.comment(log, p, forkRefusal)
	default:
		return pr, true
	}
	return pr, false
}

// maxProjectLabels bounds the labels one apply adds: GitHub takes at most
// 100 labels on an issue, and a monorepo's apply may touch more projects.
const maxProjectLabels = 10

// appliedLabels are the labels an apply adds to its pull request:
// applied:<project> for each project applied, or, past maxProjectLabels,
// the one label applied:many-projects.
func appliedLabels(results []render.Result) []string {
	var labels []string
	for _, r := range results {
		if r.Status == render.Applied && !slices.Contains(labels, "applied:"+r.Project) {
			labels = append(labels, "applied:"+r.Project)
		}
	}
	if len(labels) > maxProjectLabels {
		return []string{"applied:many-projects"}
	}
	return labels
}

// planners says who planned and who applies, which the tag records too.
func planners(plans []savedPlan, user string) string {
	var by []string
	for _, sp := range plans {
		by = append(by, fmt.Sprintf("`%s` by %s at %.7s", sp.Project, login(sp.PlannedBy), sp.Commit))
	}
	return "Planned: " + strings.Join(by, ", ") + ". Applied by " + login(user) + "."
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

// applied is what every project of one apply shares, with what GitHub
// answered for it, asked once per apply.
type applied struct {
	b         *Bot
	p         pull
	pr        githubapi.PullRequest
	approvers []string
	user      string
	token     string

	merged     bool            // applying on merge: mergeable and undiverged were the merge's
	undiverged *string         // why not, "" when it is; nil until asked
	writers    map[string]bool // planners, by login
	members    map[string]bool // teams of the applier, by team
}

// refusal says why a plan may not be applied now, or "". The gates are the
// server's rule for the repository, with what the default branch's paved.yaml
// may set, never the pull request's own.
func (a *applied) refusal(ctx context.Context, sp savedPlan) string {
	if sp.BaseError != "" {
		return "the default branch's config could not be read when this was planned, so what gates this apply is unknown: " + sp.BaseError
	}
	rule := a.b.rule(a.p)
	gates := rule.Effective(sp.Base)
	if why := a.mayApply(ctx, gates); why != "" {
		return why
	}
	for _, req := range gates.Requirements {
		if a.merged && (req == repocfg.Mergeable || req == repocfg.Undiverged) {
			continue // the merge was GitHub's to allow
		}
		switch req {
		case repocfg.Approved:
			if len(a.approvers) == 0 {
				return fmt.Sprintf("needs an approving review of the head commit %.7s from someone other than the author (apply_requirements: approved)", a.pr.HeadSHA)
			}
		case repocfg.Mergeable:
			if a.pr.Mergeable == nil {
				return "GitHub has not computed whether the pull request is mergeable yet; try again in a moment (apply_requirements: mergeable)"
			}
			if !*a.pr.Mergeable {
				return "the pull request is not mergeable: it has conflicts or failing required checks (apply_requirements: mergeable)"
			}
		case repocfg.Undiverged:
			if why := a.diverged(ctx); why != "" {
				return why
			}
		}
	}
	if why := a.b.policyRefusal(a.p, sp); why != "" {
		return why
	}
	// A plan is applied as whoever made it wanted: they need the access
	// the applier needs.
	if !strings.EqualFold(sp.PlannedBy, a.user) {
		ok, err := a.writer(ctx, sp.PlannedBy)
		switch {
		case err != nil:
			return err.Error()
		case !ok:
			return fmt.Sprintf("this plan was made by %s, who has no write access to %s; plan it again before applying", login(sp.PlannedBy), a.p.repo)
		}
	}
	held, got, err := a.b.Store.TryLock(a.p.fence(), locks.Lock{
		Key:     locks.Key{Repo: a.p.repo, Dir: sp.Dir, Workspace: sp.Workspace},
		Project: sp.Project, PR: a.p.number, PRURL: a.p.url, User: a.user, Time: time.Now().UTC(),
		Installation: a.p.installation, CloneURL: a.p.cloneURL,
	})
	switch {
	case err != nil:
		return err.Error()
	case !got:
		return fmt.Sprintf("locked by [#%d](%s) since this plan was made; run `paved plan` again when it is released", held.PR, held.PRURL)
	}
	return ""
}

// mayApply checks allowed_appliers and allowed_teams: with neither, write
// access (already checked) is enough.
func (a *applied) mayApply(ctx context.Context, g repocfg.Gates) string {
	if len(g.Appliers) == 0 && len(g.Teams) == 0 {
		return ""
	}
	if slices.ContainsFunc(g.Appliers, func(s string) bool { return strings.EqualFold(s, a.user) }) {
		return ""
	}
	for _, team := range g.Teams {
		ok, err := a.member(ctx, team)
		if err != nil {
			return err.Error()
		}
		if ok {
			return ""
		}
	}
	var who []string
	if len(g.Appliers) > 0 {
		who = append(who, "allowed_appliers: "+strings.Join(g.Appliers, ", "))
	}
	if len(g.Teams) > 0 {
		who = append(who, "allowed_teams: "+strings.Join(g.Teams, ", "))
	}
	return fmt.Sprintf("%s may not apply this project (%s)", login(a.user), strings.Join(who, "; "))
}

func (a *applied) member(ctx context.Context, team string) (bool, error) {
	if ok, asked := a.members[team]; asked {
		return ok, nil
	}
	org, slug, qualified := strings.Cut(team, "/")
	if !qualified {
		org, slug = a.p.owner(), team
	}
	ok, err := a.p.gh.TeamMember(ctx, org, slug, a.user)
	if err != nil {
		return false, err
	}
	if a.members == nil {
		a.members = map[string]bool{}
	}
	a.members[team] = ok
	return ok, nil
}

func (a *applied) writer(ctx context.Context, user string) (bool, error) {
	key := strings.ToLower(user)
	if ok, asked := a.writers[key]; asked {
		return ok, nil
	}
	ok, _, err := a.b.canWrite(ctx, a.p, user)
	if err != nil {
		return false, err
	}
	if a.writers == nil {
		a.writers = map[string]bool{}
	}
	a.writers[key] = ok
	return ok, nil
}

// diverged says why the head does not contain the default branch's latest
// commit, or "" when it does.
func (a *applied) diverged(ctx context.Context) string {
	if a.undiverged != nil {
		return *a.undiverged
	}
	why := ""
	trunk := a.pr.DefaultBranch
	cmp, err := a.p.gh.Compare(ctx, a.p.repo, trunk, a.pr.HeadSHA)
	switch {
	case err != nil:
		why = err.Error()
	case cmp.Status != "ahead" && cmp.Status != "identical":
		why = fmt.Sprintf("the pull request is %d commit(s) behind %s; merge or rebase %s into it and plan again (apply_requirements: undiverged)",
			cmp.BehindBy, trunk, trunk)
	}
	a.undiverged = &why
	return why
}

func (b *Bot) applyAll(ctx context.Context, log *slog.Logger, p pull, j *job, runnable []int, results []render.Result, a *applied) time.Duration {
	times := make([]time.Duration, len(runnable))
	dirs := make([]string, len(runnable))
	for k, i := range runnable {
		dirs[k] = j.Applies[i].Plan.Dir
	}
	step := func(i int, s, tag string) {
		b.update(log, j, func() {
			j.Applies[i].Step = s
			if tag != "" {
				j.Applies[i].Tag = tag
			}
		})
	}
	var applied []int
	var mu sync.Mutex
	b.eachByDir(dirs, func(k int) {
		i := runnable[k]
		step(i, applyRunning, "")
		results[i], times[k] = b.applyOne(ctx, log, p, j.Applies[i].Plan, a.token)
		b.progress(log, j, projectLine(results[i], times[k]))
		if results[i].Status != render.Applied {
			step(i, applyFailed, "")
			return
		}
		b.update(log, j, func() { j.Applies[i].Took = times[k] })
		step(i, applyApplied, "")
		mu.Lock()
		applied = append(applied, i)
		mu.Unlock()
	})
	// Every deploy tag of the apply goes in one push, once all have applied.
	slices.Sort(applied)
	aps := make([]applyProgress, len(applied))
	for k, i := range applied {
		aps[k] = j.Applies[i]
	}
	tags, note := b.tag(log, p, aps)
	for k, i := range applied {
		if tags[k] == "" {
			results[i].Message = note
			continue
		}
		results[i].Message = "tagged `" + tags[k] + "`"
		step(i, applyTagged, tags[k])
	}
	return sum(times)
}

func (b *Bot) applyOne(ctx context.Context, log *slog.Logger, p pull, sp savedPlan, token string) (render.Result, time.Duration) {
	res := render.Result{Project: sp.Project, Dir: sp.Dir, Workspace: sp.Workspace, Add: sp.Add, Change: sp.Change, Destroy: sp.Destroy}
	root := b.dir(p, sp.Tree)
	live := b.liveLog(log, p.job, sp.Project, token)
	out, err := b.Runner.Apply(ctx, runner.Job{
		Root: root, Dir: filepath.Join(root, filepath.FromSlash(sp.Dir)), Workspace: sp.Workspace,
		Tool: sp.Tool, ToolVersion: sp.ToolVersion, Binary: sp.Binary, PlanFile: b.planFile(p, sp.Project, sp.Workspace),
		Output: live,
	}, sp.PlanSHA256)
	_ = live.Close()
	b.observe().TerraformRan("apply", out.TerraformTime)
	// A plan applied, or whose apply failed, is stale either way.
	if derr := b.dropPlan(p, sp.Project, sp.Workspace); derr != nil {
		log.Error("dropping an applied plan failed", "project", sp.Project, "err", derr)
	}
	if err != nil {
		log.Warn("apply failed", "project", sp.Project, "err", b.mask(err.Error(), token))
		res.Output = b.mask(joinOutput(out.Output, err), token)
		res.Status, res.Message = render.Failed, failure("terraform apply failed", res.Output, err, b.Timeout)
		return res, out.TerraformTime
	}
	res.Status, res.Output = render.Applied, b.mask(out.Output, token)
	b.observe().Deployed(p.repo, sp.Project)
	return res, out.TerraformTime
}

// tag records applied plans as signed annotated tags on the commits they
// were made from, all pushed at once, and returns each one's tag, "" for
// those that could not be, and the summary note for those.
func (b *Bot) tag(log *slog.Logger, p pull, aps []applyProgress) (tags []string, note string) {
	tags = make([]string, len(aps))
	if len(aps) == 0 {
		return tags, ""
	}
	ctx, cancel := replyContext()
	defer cancel()
	git, err := b.git(ctx, p)
	if err != nil {
		log.Error("deploy tags failed", "err", err)
		return tags, "but the deploy tag could not be created: " + err.Error()
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	by := Tagger
	by.Time = now
	byTree := map[string][]int{}
	recs := make([]history.Record, len(aps))
	wanted := make([]workdir.Tag, len(aps))
	named := func(i int, name string) {
		wanted[i] = workdir.Tag{Name: name, Message: recs[i].Message(name, b.TagKey), Commit: recs[i].Commit}
	}
	for i, ap := range aps {
		sp := ap.Plan
		recs[i] = history.Record{
			Project: sp.Project, Workspace: sp.Workspace, Dir: sp.Dir, Commit: sp.Commit,
			PR: p.number, PRURL: p.url, Author: ap.Author, Approvers: ap.Approvers, AppliedBy: ap.AppliedBy, PlannedBy: sp.PlannedBy,
			Add: sp.Add, Change: sp.Change, Destroy: sp.Destroy, PlanSHA256: sp.PlanSHA256,
			Tool: sp.Tool, ToolVersion: sp.ToolVersion, Time: now,
			Team: sp.Team, PROpened: ap.PROpened, Took: ap.Took,
			Policies: policyTrailer(sp.Policies),
		}
		named(i, history.TagName(sp.Project, sp.Workspace, now))
		byTree[sp.Tree] = append(byTree[sp.Tree], i)
	}
	var failed []string
	for tree, idx := range byTree {
		err := pushTags(ctx, git, b.dir(p, tree), by, idx, wanted, func(i, n int) {
			named(i, history.Retry(history.TagName(recs[i].Project, recs[i].Workspace, now), n))
		})
		if err != nil {
			log.Error("deploy tags failed", "tags", len(idx), "err", b.mask(err.Error(), git.Token))
			failed = append(failed, b.mask(err.Error(), git.Token))
			continue
		}
		for _, i := range idx {
			tags[i] = wanted[i].Name
		}
	}
	b.tagsChanged(p.repo)
	if len(failed) > 0 {
		note = "but the deploy tag could not be created: " + strings.Join(failed, "; ")
	}
	return tags, note
}

// pushTags pushes the tags wanted[idx] from dir. A name the repository
// already has, from a deploy of the same project within the same second,
// is chosen again with rename(i, n) for its n-th try, and the push retried.
func pushTags(ctx context.Context, git workdir.Git, dir string, by workdir.Tagger, idx []int, wanted []workdir.Tag, rename func(i, n int)) error {
	const tries = 5
	for n := 2; ; n++ {
		list := make([]workdir.Tag, len(idx))
		for k, i := range idx {
			list[k] = wanted[i]
		}
		err := workdir.PushTags(ctx, git, dir, by, list)
		var exists *workdir.ExistsError
		if !errors.As(err, &exists) || n > tries {
			return err
		}
		for _, i := range idx {
			if slices.Contains(exists.Names, wanted[i].Name) {
				rename(i, n)
			}
		}
	}
}

// reportInterruptedApply answers an apply the bot was running when it
// stopped. It never applies again: Terraform may have changed part of the
// state, and only a new plan shows what is left. Projects that finished
// are tagged if they were not yet; the pull request keeps its locks.
func (b *Bot) reportInterruptedApply(log *slog.Logger, p pull, j *job) {
	var rows []string
	var interrupted []string
	for i := range j.Applies {
		ap := &j.Applies[i]
		sp := ap.Plan
		what := ""
		switch ap.Step {
		case applyTagged:
			what = "applied and tagged `" + ap.Tag + "`"
		case applyApplied:
			if tag := b.existingTag(log, p, sp); tag != "" {
				ap.Step, ap.Tag = applyTagged, tag
				what = "applied and tagged `" + tag + "`"
			} else if tags, note := b.tag(log, p, []applyProgress{*ap}); tags[0] != "" {
				ap.Step, ap.Tag = applyTagged, tags[0]
				what = "applied; tagged `" + tags[0] + "` after the restart"
			} else {
				what = "applied, " + note
			}
		case applyRunning:
			interrupted = append(interrupted, sp.Project)
			if err := b.dropPlan(p, sp.Project, sp.Workspace); err != nil {
				log.Error("dropping an interrupted plan failed", "project", sp.Project, "err", err)
			}
			what = fmt.Sprintf("**interrupted while applying**: its state may be partly changed. The lock stays with this pull request; "+
				"comment `paved plan -p %s` to see what is left, then apply that plan", sp.Project)
		case applyWaiting:
			what = fmt.Sprintf("not started: nothing changed and its plan is kept; comment `paved apply -p %s` to apply it", sp.Project)
		case applyFailed:
			what = fmt.Sprintf("failed before the restart; its plan is discarded: comment `paved plan -p %s`", sp.Project)
		case applyRefused:
			what = "refused (its gates did not hold); nothing changed"
		}
		rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", sp.Project, sp.Dir, sp.Workspace, what))
	}
	msg := "**paved apply:** interrupted: paved-bot stopped while this apply ran. It does not run an interrupted apply again by itself.\n\n"
	if len(rows) == 0 {
		msg += "It stopped before applying any project: nothing changed and the plans are kept. Comment `paved apply` again."
	} else {
		msg += "| Project | Dir | Workspace | What happened |\n| --- | --- | --- | --- |\n" + strings.Join(rows, "\n")
	}
	desc := "interrupted: paved-bot stopped while applying; nothing was changed"
	if len(interrupted) > 0 {
		desc = "interrupted while applying " + strings.Join(interrupted, ", ") + "; state may be partial"
	}
	// Posted as a reply, with the job's marker: a replica that takes the
	// command over after this one posted it only ends the statuses.
	b.reply(log, p, []string{msg}, "error", desc)
	b.endPending(log, p, j, j.Final)
}

// existingTag finds the deploy tag of an applied plan that the bot may
// have created just before it stopped, so that a restart does not tag the
// same apply twice; "" when there is none or the tags cannot be read.
func (b *Bot) existingTag(log *slog.Logger, p pull, sp savedPlan) string {
	ctx, cancel := replyContext()
	defer cancel()
	git, err := b.git(ctx, p)
	if err != nil {
		log.Warn("cannot read deploy tags", "err", err)
		return ""
	}
	mirror, err := b.deployTags(ctx, p, git)
	var records []history.Record
	if err == nil {
		records, err = history.Read(ctx, mirror, sp.Project, 0, b.TagKey)
	}
	if err != nil {
		log.Warn("cannot read deploy tags", "err", err)
		return ""
	}
	for _, r := range records {
		if r.Verified && r.Workspace == sp.Workspace && r.PlanSHA256 == sp.PlanSHA256 && r.Commit == sp.Commit {
			return r.Tag
		}
	}
	return ""
}

func mkdirFor(file string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(file), err)
	}
	return nil
}

// jobLog says where a command's full output is: its job page on the
// operator page, or the job's id when the page is off.
func (b *Bot) jobLog(p pull) string {
	if p.job == nil {
		return "the paved-bot job log"
	}
	if b.WebURL != "" {
		return b.WebURL + JobPath(p.repo, p.job.id)
	}
	return "the job log of paved-bot job " + p.job.id
}
