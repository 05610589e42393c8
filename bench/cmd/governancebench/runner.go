package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/sandbox"
)

// botPlanner plans the policy project through bot/runner, as paved-bot's
// workflow plans a project: one Runner for the whole benchmark, as the bot
// has one for its process, sandboxed, over a working copy of its own. The
// launcher the runner starts in front of bwrap is this program's binary,
// which carries the same bot/sandbox launcher as paved-bot.
type botPlanner struct {
	r   *runner.Runner
	job runner.Job
}

// newBotPlanner copies the project's configuration into a working copy in
// dir and makes the runner; its first plan asks terraform's version and
// initialises the project.
func newBotPlanner(ctx context.Context, k *kit, dir, config, home string) (*botPlanner, error) {
	wc := filepath.Join(dir, "working-copy")
	if err := proc.WriteFiles(wc, map[string]string{"platform/main.tf": config}); err != nil {
		return nil, err
	}
	// The runner binds the working copy's .git read-only over it: the bot's own.
	if _, err := proc.Output(ctx, wc, proc.GitEnv(home), "git", "init", "-q"); err != nil {
		return nil, err
	}
	for _, d := range []string{"plans", "tmp", "plugin-cache"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return nil, err
		}
	}
	return &botPlanner{
		r: &runner.Runner{
			PluginCache: filepath.Join(dir, "plugin-cache"),
			Env:         []string{"HOME=" + home, "TF_CLI_CONFIG_FILE=/dev/null"},
			Sandbox:     &sandbox.Config{Bwrap: k.bwrap},
			ScratchDir:  filepath.Join(dir, "tmp"),
		},
		job: runner.Job{
			Root: wc, Dir: filepath.Join(wc, "platform"), Workspace: "default",
			Tool: "terraform", ToolVersion: k.TFVersion, Binary: k.Terraform,
			PlanFile: filepath.Join(dir, "plans", "platform.tfplan"),
		},
	}, nil
}

// planned is one Runner.Plan: its wall time, the time its terraform
// processes ran, and the plan's JSON when asked for.
type planned struct {
	wall, terraform time.Duration
	json            []byte
}

// plan runs Runner.Plan, with Job.ShowJSON as the bot sets it when the
// server has policy sets, and checks what it returns.
func (b *botPlanner) plan(ctx context.Context, showJSON bool, resources int) (planned, error) {
	j := b.job
	j.ShowJSON = showJSON
	start := time.Now()
	res, err := b.r.Plan(ctx, j)
	wall := time.Since(start)
	if err != nil {
		return planned{}, fmt.Errorf("bot/runner's plan: %w\n%s", err, proc.Tail(res.Output))
	}
	if !res.Changes || res.Add != resources {
		return planned{}, fmt.Errorf("bot/runner's plan: %d to add (changes: %v), want %d", res.Add, res.Changes, resources)
	}
	if showJSON {
		var shown struct {
			ResourceChanges []json.RawMessage `json:"resource_changes"`
		}
		if err := json.Unmarshal(res.PlanJSON, &shown); err != nil {
			return planned{}, fmt.Errorf("bot/runner's PlanJSON: %w", err)
		}
		if len(shown.ResourceChanges) != resources {
			return planned{}, fmt.Errorf("bot/runner's PlanJSON has %d resource changes, want %d", len(shown.ResourceChanges), resources)
		}
	} else if res.PlanJSON != nil {
		return planned{}, fmt.Errorf("bot/runner's plan returned JSON unasked")
	}
	return planned{wall: wall, terraform: res.TerraformTime, json: res.PlanJSON}, nil
}
