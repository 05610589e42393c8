package workflow

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/paved-road/paved/bot/planpolicy"
	"github.com/paved-road/paved/bot/render"
	"github.com/paved-road/paved/bot/repocfg"
)

const policyStatus = "paved/policy"

// DefaultPolicyTimeout bounds one policy set's evaluation of one plan.
const DefaultPolicyTimeout = 10 * time.Second

// policyCheck is one policy set's verdict on a saved plan and, when it
// failed, the owner who let the plan be applied anyway.
type policyCheck struct {
	planpolicy.Result
	ApprovedBy string    `json:"approved_by,omitempty"`
	ApprovedAt time.Time `json:"approved_at,omitzero"`
	// ApprovedJob is the command that approved it: run again after a
	// restart, that command answers with the approval it saved.
	ApprovedJob string `json:"approved_job,omitempty"`
}

// approvedBy says whether job j approved the failure.
func (c policyCheck) approvedBy(j *job) bool { return c.ApprovedBy != "" && c.ApprovedJob == j.id }

// blocks says whether the verdict stops an apply.
func (c policyCheck) blocks() bool { return !c.OK() && c.ApprovedBy == "" }

// checkPolicies evaluates the policy sets the server's rule names against
// a project's plan, one after another: each is bounded by the policy
// timeout, and a set that cannot be evaluated is a verdict that blocks.
// A plan whose JSON could not be read (planErr) fails every set.
func (b *Bot) checkPolicies(ctx context.Context, p pull, pr repocfg.Project, sets []string, planJSON []byte, planErr error) []policyCheck {
	in := planpolicy.Input{Plan: planJSON, Project: planpolicy.Project{
		Repo: p.repo, Name: pr.Name, Dir: pr.Dir, Workspace: pr.Workspace, Team: pr.Team,
	}}
	timeout := b.PolicyTimeout
	if timeout <= 0 {
		timeout = DefaultPolicyTimeout
	}
	checks := make([]policyCheck, len(sets))
	for i, name := range sets {
		if planErr != nil {
			checks[i].Result = planpolicy.Result{Set: name, Error: fmt.Sprintf("the plan of project %s was not checked: %v", pr.Name, planErr)}
			continue
		}
		set, ok := b.policySet(name)
		if !ok {
			checks[i].Result = planpolicy.Result{Set: name, Error: "this paved-bot has no policy set of that name loaded"}
			continue
		}
		checks[i].Result = set.Eval(ctx, in, timeout)
	}
	return checks
}

func (b *Bot) policySet(name string) (*planpolicy.Compiled, bool) {
	if b.Policies == nil {
		return nil, false
	}
	return b.Policies.Set(name)
}

// renderPolicies is the reply's view of a plan's verdicts.
func renderPolicies(checks []policyCheck) []render.Policy {
	var out []render.Policy
	for _, c := range checks {
		out = append(out, render.Policy{Set: c.Set, Failures: c.Failures, Warnings: c.Warnings, Passed: c.Passed, Error: c.Error, ApprovedBy: c.ApprovedBy})
	}
	return out
}

// policyOutcome is the paved/policy status for a pull request's saved
// plans; ok is false when no plan was checked against any set.
func policyOutcome(plans []savedPlan) (state, desc string, ok bool) {
	checked, blocked, approved := 0, map[string]bool{}, map[string]bool{}
	for _, sp := range plans {
		if len(sp.Policies) == 0 {
			continue
		}
		checked++
		for _, c := range sp.Policies {
			switch {
			case c.blocks():
				blocked[c.Set] = true
			case !c.OK():
				approved[c.ApprovedBy] = true
			}
		}
	}
	switch {
	case checked == 0:
		return "", "", false
	case len(blocked) > 0:
		return "failure", fmt.Sprintf("%s failed: apply needs `paved approve-policies` by an owner", strings.Join(sortedKeys(blocked), ", ")), true
	case len(approved) > 0:
		return "success", "policy failures approved by " + strings.Join(sortedKeys(approved), ", "), true
	}
	return "success", fmt.Sprintf("%d project(s) passed every policy set", checked), true
}

func sortedKeys(m map[string]bool) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// setPolicyStatus sets paved/policy on the head from the saved plans,
// and returns it.
func (b *Bot) setPolicyStatus(log *slog.Logger, p pull, head string) (state, desc string) {
	plans, err := b.plansFor(p, "", "", "")
	if err != nil {
		log.Warn("policy status: cannot read the plans", "err", err)
		return "error", "cannot read the saved plans"
	}
	var atHead []savedPlan
	for _, sp := range plans {
		if sp.HeadSHA == head {
			atHead = append(atHead, sp)
		}
	}
	state, desc, ok := policyOutcome(atHead)
	if ok {
		var results []render.Result
		for _, sp := range atHead {
			results = append(results, render.Result{Project: sp.Project, Dir: sp.Dir, Workspace: sp.Workspace, Status: render.Planned,
				Add: sp.Add, Change: sp.Change, Destroy: sp.Destroy, Policies: renderPolicies(sp.Policies)})
		}
		b.statusWith(log, p, head, policyStatus, state, desc, reportOf(results, ""))
	}
	return state, desc
}

// policyRefusal says why a plan's policy verdicts stop its apply, or "".
// A set the server's rule names now that did not check the plan stops it
// too: the plan predates the rule.
func (b *Bot) policyRefusal(p pull, sp savedPlan) string {
	var blocked []string
	for _, name := range b.rule(p).PolicySets {
		i := slices.IndexFunc(sp.Policies, func(c policyCheck) bool { return c.Set == name })
		if i < 0 {
			return fmt.Sprintf("policy set %s was not checked when this was planned; plan it again", name)
		}
		if sp.Policies[i].blocks() {
			blocked = append(blocked, name)
		}
	}
	if len(blocked) == 0 {
		return ""
	}
	return fmt.Sprintf("failed policy set %s; applying needs `paved approve-policies` from an owner of the set (%s)",
		strings.Join(blocked, ", "), b.ownersOf(blocked))
}

// ownersOf lists who may approve failures of the sets.
func (b *Bot) ownersOf(sets []string) string {
	var parts []string
	for _, name := range sets {
		if set, ok := b.policySet(name); ok {
			parts = append(parts, name+": "+strings.Join(set.Owners(), ", "))
		}
	}
	return "owners: " + strings.Join(parts, "; ")
}

// approvePolicies answers `paved approve-policies`: the commenter, if an
// owner of the sets a saved plan failed, lets that plan be applied. Only
// plans at the pull request's head that were saved before the comment was
// written count, so that an approval never covers a plan its author could
// not have read; the author of the pull request cannot approve it.
func (b *Bot) approvePolicies(ctx context.Context, log *slog.Logger, p pull, j *job) {
	const prefix = "**paved approve-policies:** "
	reply := func(msg string) { b.comment(log, p, prefix+msg) }
	pr, ok := b.openPull(ctx, log, p, prefix)
	if !ok {
		return
	}
	cmd := j.Command
	plans, err := b.plansFor(p, cmd.Project, cmd.Dir, cmd.Workspace)
	if err != nil {
		reply(err.Error())
		return
	}
	// A plan this command approved before the bot was stopped counts: run
	// again, the command answers as it would have.
	plans = slices.DeleteFunc(plans, func(sp savedPlan) bool {
		return !slices.ContainsFunc(sp.Policies, func(c policyCheck) bool { return c.blocks() || c.approvedBy(j) })
	})
	switch {
	case len(plans) == 0:
		reply("nothing to approve: no saved plan" + selection(cmd) + " of this pull request has a policy failure that is not approved yet.")
		return
	case strings.EqualFold(j.User, pr.Author):
		reply(fmt.Sprintf("refused: %s opened this pull request; its policy failures need an owner of the set other than its author.", login(j.User)))
		return
	}
	if moved := headMoved(plans, pr.HeadSHA); moved != "" {
		reply(moved)
		return
	}
	a := &applied{b: b, p: p, pr: pr, user: j.User}
	var rows []string
	// approved are the plans this run approves; kept those it approved
	// before a restart, saved already.
	var approved, kept []savedPlan
	now := time.Now().UTC()
	for _, sp := range plans {
		changed, resumed := false, false
		for i := range sp.Policies {
			c := &sp.Policies[i]
			if c.approvedBy(j) {
				resumed = true
				rows = append(rows, fmt.Sprintf("| %s | %s | %s | approved |", sp.Project, sp.Workspace, c.Set))
				continue
			}
			if !c.blocks() {
				continue
			}
			what, err := b.approval(ctx, a, j, sp, c.Set)
			if err != nil {
				what = "not approved: " + err.Error()
			} else if what == "" {
				c.ApprovedBy, c.ApprovedAt, c.ApprovedJob, changed = j.User, now, j.id, true
				what = "approved"
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s |", sp.Project, sp.Workspace, c.Set, what))
		}
		if changed {
			approved = append(approved, sp)
		} else if resumed {
			kept = append(kept, sp)
		}
	}
	for _, sp := range approved {
		if err := b.savePlanMeta(p, sp); err != nil {
			reply("the approval could not be saved: " + err.Error())
			return
		}
	}
	approved = append(approved, kept...)
	b.auditApprovals(j, approved)
	msg := fmt.Sprintf("%s at %.7s\n\n| Project | Workspace | Policy set | Result |\n| --- | --- | --- | --- |\n%s",
		login(j.User), pr.HeadSHA, strings.Join(rows, "\n"))
	if len(approved) > 0 {
		msg += "\n\nThe approved plans may now be applied with `paved apply`; their deploy tags record the approval."
	}
	state, desc := b.setPolicyStatus(log, p, pr.HeadSHA)
	b.reply(log, p, []string{prefix + msg}, state, desc)
}

// approval says why the commenter may not approve the failure of one
// set on one plan, or "" when they may.
func (b *Bot) approval(ctx context.Context, a *applied, j *job, sp savedPlan, name string) (string, error) {
	set, ok := b.policySet(name)
	if !ok {
		return "not approved: this paved-bot has no policy set of that name loaded, so it has no owners", nil
	}
	// GitHub gives the comment's time to the second: a plan saved within
	// its second counts as before it.
	if !j.CommentedAt.IsZero() && sp.PlannedAt.Truncate(time.Second).After(j.CommentedAt) {
		return fmt.Sprintf("not approved: planned again at %s, after this comment was written; review the new plan and approve again", sp.PlannedAt.Format(time.RFC3339)), nil
	}
	for _, owner := range set.Owners() {
		if !strings.Contains(owner, "/") {
			if strings.EqualFold(owner, j.User) {
				return "", nil
			}
			continue
		}
		member, err := a.member(ctx, owner)
		if err != nil {
			return "", err
		}
		if member {
			return "", nil
		}
	}
	return fmt.Sprintf("refused: %s is not an owner of %s (owners: %s)", login(j.User), name, strings.Join(set.Owners(), ", ")), nil
}

// auditApprovals records, per plan, the sets the commenter approved.
func (b *Bot) auditApprovals(j *job, plans []savedPlan) {
	var results []render.Result
	shas := map[string]string{}
	for _, sp := range plans {
		var sets []string
		for _, c := range sp.Policies {
			if c.ApprovedBy == j.User && !c.OK() {
				sets = append(sets, c.Set)
			}
		}
		results = append(results, render.Result{Project: sp.Project, Workspace: sp.Workspace, Status: policyApproved,
			Message: fmt.Sprintf("approved the failure of policy set %s at %.7s", strings.Join(sets, ", "), sp.HeadSHA)})
		shas[planName(sp.Project, sp.Workspace)] = sp.PlanSHA256
	}
	b.audited(j, results, shas, nil)
}

// policyApproved is an approval's outcome in the audit log.
const policyApproved render.Status = "approved"

// policyTrailer is what a deploy tag records of the policy sets' verdicts:
// "prod-safety passed, team-tag failed, approved by alice".
func policyTrailer(checks []policyCheck) string {
	var parts []string
	for _, c := range checks {
		switch {
		case c.OK():
			parts = append(parts, c.Set+" passed")
		case c.ApprovedBy != "":
			parts = append(parts, c.Set+" failed, approved by "+c.ApprovedBy)
		default:
			parts = append(parts, c.Set+" failed")
		}
	}
	return strings.Join(parts, "; ")
}

// savePlanMeta stores what is known of a saved plan again, its file
// unchanged.
func (b *Bot) savePlanMeta(p pull, sp savedPlan) error {
	file, err := b.Store.PlanFile(p.String(), planName(sp.Project, sp.Workspace))
	if err != nil {
		return err
	}
	return b.storePlan(p, sp, file)
}
