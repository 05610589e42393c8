package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/paved-road/paved/bench/machine"
)

// botRun is the three commands of one pull request, in order.
type botRun struct {
	cold, warm, apply sample
}

// mode is the bot at one --parallelism.
type mode struct {
	parallelism int
	runs        []botRun
}

type results struct {
	kit      *kit
	projects int
	started  time.Time
	took     time.Duration
	load     [2]string // load average at the start and at the end
	cpu      machine.Share
	modes    []mode // serial first
	direct   []directRun
	single   botRun // a pull request touching one project: its calls
}

// measure runs everything: per run the direct baseline, then the bot in
// each mode, interleaved so that a slower stretch of the machine weighs on
// all of them alike; then a pull request of one project, for its calls.
func measure(ctx context.Context, k *kit, o options) (*results, error) {
	res := &results{kit: k, projects: o.projects, started: time.Now().UTC(), load: [2]string{machine.LoadAverage(), ""}}
	cpuBefore := machine.ReadCounters()
	res.modes = []mode{{parallelism: 1}, {parallelism: o.parallelism}}
	for run := 1; run <= o.runs; run++ {
		dir := filepath.Join(k.Scratch, fmt.Sprintf("run%d", run))
		prog.Progress("run %d/%d: terraform CLI directly, %d projects", run, o.runs, o.projects)
		d, err := runDirect(ctx, k, filepath.Join(dir, "direct"), o.projects)
		if err != nil {
			return nil, fmt.Errorf("direct terraform, run %d: %w", run, err)
		}
		res.direct = append(res.direct, d)
		for i := range res.modes {
			m := &res.modes[i]
			prog.Progress("run %d/%d: paved-bot --parallelism %d, %d projects", run, o.runs, m.parallelism, o.projects)
			r, err := botCommands(ctx, k, filepath.Join(dir, fmt.Sprintf("bot-p%d", m.parallelism)), o.projects, m.parallelism, o.keep)
			if err != nil {
				return nil, fmt.Errorf("paved-bot --parallelism %d, run %d: %w", m.parallelism, run, err)
			}
			m.runs = append(m.runs, r)
		}
		if !o.keep {
			_ = os.RemoveAll(dir)
		}
	}
	prog.Progress("paved-bot on a pull request of 1 project")
	var err error
	res.single, err = botCommands(ctx, k, filepath.Join(k.Scratch, "single"), 1, o.parallelism, o.keep)
	if err != nil {
		return nil, fmt.Errorf("paved-bot, 1 project: %w", err)
	}
	res.load[1] = machine.LoadAverage()
	cpuAfter := machine.ReadCounters()
	res.cpu = cpuAfter.Since(cpuBefore)
	// botbench counts the machine's steal time as other processes' time.
	res.cpu.Others = max(0, cpuAfter.Machine+cpuAfter.Steal-cpuBefore.Machine-cpuBefore.Steal-res.cpu.Ours)
	return res, nil
}

// botCommands plans a fresh pull request cold, plans it again warm, and
// applies it.
func botCommands(ctx context.Context, k *kit, dir string, projects, parallelism int, keep bool) (r botRun, err error) {
	w, err := newWorld(ctx, k, dir, projects, parallelism)
	if err != nil {
		return r, err
	}
	defer func() {
		w.close()
		if !keep {
			_ = os.RemoveAll(dir)
		}
	}()
	if r.cold, err = w.command(ctx, "paved plan", "paved/plan", "plan finished"); err != nil {
		return r, fmt.Errorf("cold plan: %w", err)
	}
	if r.warm, err = w.command(ctx, "paved plan", "paved/plan", "plan finished"); err != nil {
		return r, fmt.Errorf("warm plan: %w", err)
	}
	if r.apply, err = w.command(ctx, "paved apply", "paved/apply", "apply finished"); err != nil {
		return r, fmt.Errorf("apply: %w", err)
	}
	return r, nil
}
