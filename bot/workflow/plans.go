package workflow

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/paved-road/paved/bot/repocfg"
	"github.com/paved-road/paved/bot/store"
	"github.com/paved-road/paved/bot/workdir"
)

// Plans live in the store, beside what apply needs to know about them, so
// that any replica can apply a plan another one made: it checks the planned
// commit out into its own working copy, and Terraform re-initialises from
// the lock file before applying the plan, whose SHA-256 is checked.

// savedPlan is what apply needs to know about a plan.
type savedPlan struct {
	Project   string `json:"project"`
	Dir       string `json:"dir"`
	Workspace string `json:"workspace"`
	HeadSHA   string `json:"head_sha"` // the pull request head when planned
	Commit    string `json:"commit"`   // what was planned: the head, or the --rev commit
	Rev       string `json:"rev,omitempty"`
	// Tree is the working copy the plan was made in, under the pull
	// request's dir: "repo" for its head, "rev" for a --rev commit.
	Tree        string `json:"tree"`
	PlanSHA256  string `json:"plan_sha256"`
	Tool        string `json:"tool"`
	ToolVersion string `json:"tool_version"`
	Binary      string `json:"binary"`
	Add         int    `json:"add"`
	Change      int    `json:"change"`
	Destroy     int    `json:"destroy"`
	// Base is the default branch's version of the project, whose gates
	// count as far as the server's policy lets them (nil when the default
	// branch has no such project); BaseError why its config could not be
	// read, which refuses every apply.
	Base      *repocfg.Project `json:"base,omitempty"`
	BaseError string           `json:"base_error,omitempty"`
	PlannedBy string           `json:"planned_by"`
	Team      string           `json:"team,omitempty"` // the project's, for deploy stats
	// PlannedAt is when the plan was saved; Policies the policy sets'
	// verdicts on it, with their approvals.
	PlannedAt time.Time     `json:"planned_at,omitzero"`
	Policies  []policyCheck `json:"policies,omitempty"`
}

func planName(project, workspace string) string { return project + "@" + workspace }

// planFile is where this replica writes a plan file for Terraform: beside
// the working copies, outside every tree a sandbox sees.
func (b *Bot) planFile(p pull, project, workspace string) string {
	return b.dir(p, "plans", planName(project, workspace)+".tfplan")
}

// savePlan stores a plan made into its plan file; the file is then
// removed, since apply writes it again from the store.
func (b *Bot) savePlan(p pull, sp savedPlan) error {
	path := b.planFile(p, sp.Project, sp.Workspace)
	file, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := b.storePlan(p, sp, file); err != nil {
		return err
	}
	_ = os.Remove(path)
	return nil
}

// storePlan writes a plan's metadata and file to the store.
func (b *Bot) storePlan(p pull, sp savedPlan, file []byte) error {
	meta, err := json.Marshal(sp)
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return b.Store.SavePlan(p.fence(), p.String(), store.Plan{Name: planName(sp.Project, sp.Workspace), Meta: meta, File: file})
}

// dropPlan forgets a plan that was applied or superseded.
func (b *Bot) dropPlan(p pull, project, workspace string) error {
	_ = os.Remove(b.planFile(p, project, workspace))
	return b.Store.DropPlans(p.fence(), p.String(), []string{planName(project, workspace)})
}

// plansFor lists the pull request's saved plans matching the comment's
// -p/-d/-w (all when none is given), ordered by project.
func (b *Bot) plansFor(p pull, project, dir, workspace string) ([]savedPlan, error) {
	stored, err := b.Store.Plans(p.String())
	if err != nil {
		return nil, fmt.Errorf("read plans: %w", err)
	}
	var out []savedPlan
	for _, pl := range stored {
		var sp savedPlan
		if err := json.Unmarshal(pl.Meta, &sp); err != nil {
			return nil, fmt.Errorf("read plan %s of %s: %w", pl.Name, p, err)
		}
		if (project == "" || sp.Project == project) && (dir == "" || sp.Dir == dir) && (workspace == "" || sp.Workspace == workspace) {
			out = append(out, sp)
		}
	}
	return out, nil
}

// checkoutPlanned makes this replica's working copies of the pull request
// hold the commits its plans were made at, and writes their plan files.
// On the replica that planned, the trees are already there.
func (b *Bot) checkoutPlanned(ctx context.Context, p pull, git workdir.Git, plans []savedPlan) error {
	done := map[string]bool{}
	for _, sp := range plans {
		root := b.dir(p, sp.Tree)
		if !done[sp.Tree] {
			if head, err := workdir.Head(ctx, root); err != nil || head != sp.Commit {
				if _, err := workdir.Checkout(ctx, git, root, sp.Commit, ""); err != nil {
					return fmt.Errorf("check out %.7s, where `%s` was planned: %s", sp.Commit, sp.Project, b.mask(err.Error(), git.Token))
				}
			}
			done[sp.Tree] = true
		}
		file, err := b.Store.PlanFile(p.String(), planName(sp.Project, sp.Workspace))
		if err != nil {
			return err
		}
		path := b.planFile(p, sp.Project, sp.Workspace)
		if err := mkdirFor(path); err != nil {
			return err
		}
		if err := os.WriteFile(path, file, 0o600); err != nil {
			return fmt.Errorf("write the plan file of `%s`: %w", sp.Project, err)
		}
	}
	return nil
}
