package main

import (
	"context"
	"os"
	"path/filepath"
	"time"

	"github.com/paved-road/paved/bench/proc"
)

// directRun is the baseline: the same projects run with the terraform CLI by
// hand, one after another, each phase timed over all projects.
type directRun struct {
	cold     time.Duration // init then plan -out, empty plugin cache, no .terraform: the bot's cold plan
	planOnly time.Duration // plan -out alone, everything in place: the bot's warm re-plan
	apply    time.Duration // apply of the saved plans
}

func runDirect(ctx context.Context, k *kit, dir string, projects int) (directRun, error) {
	state, cache := filepath.Join(dir, "state"), filepath.Join(dir, "plugin-cache")
	for _, d := range []string{state, cache} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return directRun{}, err
		}
	}
	if err := proc.WriteFiles(dir, projectFiles(projects, state, k.lockFile)); err != nil {
		return directRun{}, err
	}
	env := []string{
		"TF_CLI_CONFIG_FILE=" + k.cliConfig, "TF_PLUGIN_CACHE_DIR=" + cache,
		"CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1",
	}
	var (
		initCmd = []string{"init", "-input=false", "-no-color"}
		planCmd = []string{"plan", "-input=false", "-no-color", "-out=tfplan"}
		apply   = []string{"apply", "-input=false", "-no-color", "tfplan"}
	)
	phase := func(steps ...[]string) (time.Duration, error) {
		start := time.Now()
		for i := 1; i <= projects; i++ {
			for _, args := range steps {
				if _, err := proc.Output(ctx, filepath.Join(dir, projectName(i)), env, k.Terraform, args...); err != nil {
					return 0, err
				}
			}
		}
		return time.Since(start), nil
	}
	var r directRun
	var err error
	if r.cold, err = phase(initCmd, planCmd); err != nil {
		return r, err
	}
	if r.planOnly, err = phase(planCmd); err != nil {
		return r, err
	}
	r.apply, err = phase(apply)
	return r, err
}
