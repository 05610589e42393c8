package workflow

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/paved-road/paved/bot/repocfg"
)

// savedPlan is what apply needs to know about a plan, kept beside the plan
// file so a restarted bot can still apply it.
type savedPlan struct {
	Project     string `json:"project"`
	Dir         string `json:"dir"`
	Workspace   string `json:"workspace"`
	HeadSHA     string `json:"head_sha"` // the pull request head when planned
	Commit      string `json:"commit"`   // what was planned: the head, or the --rev commit
	Rev         string `json:"rev,omitempty"`
	Root        string `json:"root"` // working copy the plan was made in
	PlanFile    string `json:"plan_file"`
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
}

func planName(project, workspace string) string { return project + "@" + workspace }

func (b *Bot) savePlan(p pull, sp savedPlan) error {
	dir := b.dir(p, "plans")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	raw, err := json.MarshalIndent(sp, "", "  ")
	if err != nil {
		return err
	}
	path := filepath.Join(dir, planName(sp.Project, sp.Workspace)+".json")
	if err := os.WriteFile(path+".tmp", raw, 0o600); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return os.Rename(path+".tmp", path)
}

// dropPlan forgets a plan that was applied or superseded.
func (b *Bot) dropPlan(p pull, project, workspace string) {
	base := filepath.Join(b.dir(p, "plans"), planName(project, workspace))
	_ = os.Remove(base + ".json")
	_ = os.Remove(base + ".tfplan")
}

// plansFor lists the pull request's saved plans matching the comment's
// -p/-d/-w (all when none is given), ordered by project.
func (b *Bot) plansFor(p pull, project, dir, workspace string) ([]savedPlan, error) {
	entries, err := os.ReadDir(b.dir(p, "plans"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read plans: %w", err)
	}
	var out []savedPlan
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		raw, err := os.ReadFile(filepath.Join(b.dir(p, "plans"), e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read plan %s: %w", e.Name(), err)
		}
		var sp savedPlan
		if err := json.Unmarshal(raw, &sp); err != nil {
			return nil, fmt.Errorf("read plan %s: %w", e.Name(), err)
		}
		if (project == "" || sp.Project == project) && (dir == "" || sp.Dir == dir) && (workspace == "" || sp.Workspace == workspace) {
			out = append(out, sp)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		return planName(out[i].Project, out[i].Workspace) < planName(out[j].Project, out[j].Workspace)
	})
	return out, nil
}
