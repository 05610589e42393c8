package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/bot/runner"
)

// directRun is the baseline: the same projects run with the terraform CLI by
// hand, one after another, each phase timed over all projects.
type directRun struct {
	cold     phaseTime // init then plan -out, empty plugin cache, no .terraform: the bot's cold plan
	planOnly phaseTime // plan -out alone, everything in place: the bot's warm re-plan
	apply    phaseTime // apply of the saved plans
	// tuned is plan -out alone again with the settings paved-bot runs terraform with, when
	// measured: how much of the bot's lead they make.
	tuned phaseTime
}

// phaseTime is one phase by hand: its wall time, and the CPU time terraform
// and the providers it started used meanwhile, which bounds how much faster
// any scheduler could run the same processes on this machine's CPUs.
type phaseTime struct {
	wall, cpu time.Duration
}

// childrenCPU is the user and system time of every waited-for descendant so
// far: terraform waits for its providers, so theirs is in it too.
func childrenCPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &u); err != nil {
		return 0
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// botSettings are what paved-bot sets in terraform's environment that a user by hand would not:
// its default --terraform-gogc and, as its sandbox does, no TLS between terraform and its
// providers.
var botSettings = []string{"GOGC=" + strconv.Itoa(runner.DefaultGOGC), "TF_DISABLE_PLUGIN_TLS=1"}

func runDirect(ctx context.Context, k *kit, dir string, projects int, tuned bool) (directRun, error) {
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
	phase := func(env []string, steps ...[]string) (phaseTime, error) {
		start, cpu := time.Now(), childrenCPU()
		for i := 1; i <= projects; i++ {
			for _, args := range steps {
				if _, err := proc.Output(ctx, filepath.Join(dir, projectName(i)), env, k.Terraform, args...); err != nil {
					return phaseTime{}, err
				}
			}
		}
		return phaseTime{wall: time.Since(start), cpu: childrenCPU() - cpu}, nil
	}
	var r directRun
	var err error
	if r.cold, err = phase(env, initCmd, planCmd); err != nil {
		return r, err
	}
	if r.planOnly, err = phase(env, planCmd); err != nil {
		return r, err
	}
	if tuned {
		// The plans it writes are those it replaces: the state is the same.
		if r.tuned, err = phase(append(slices.Clone(env), botSettings...), planCmd); err != nil {
			return r, err
		}
	}
	r.apply, err = phase(env, apply)
	return r, err
}
