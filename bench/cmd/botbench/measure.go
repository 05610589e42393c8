package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/paved-road/paved/bench/machine"
)

// botRun is the three commands of one pull request, in order, and the bot's
// peak resident set over them.
type botRun struct {
	cold, warm, apply sample
	peakRSS           int64 // VmHWM before the bot stopped, bytes
}

// size is everything measured on pull requests of one number of projects.
type size struct {
	projects int
	direct   []directRun
	bot      []botRun // at --parallelism o.parallelism
	serial   []botRun // at --parallelism 1, when this is o.serial
	took     time.Duration
}

type results struct {
	kit     *kit
	started time.Time
	took    time.Duration
	load    []string // load average at the start, after each size, at the end
	cpu     machine.Share
	sizes   []size // ascending
}

// measure runs every size, smallest first; within a size, each run is the
// baseline by hand, then the bot, then (at -serial) the bot one project at
// a time, each in a directory of its own, so that a slower stretch of the
// machine weighs on all of them alike.
func measure(ctx context.Context, k *kit, o options) (*results, error) {
	res := &results{kit: k, started: time.Now().UTC(), load: []string{machine.LoadAverage()}}
	before := machine.ReadCounters()
	for i, n := range o.projects {
		sz := size{projects: n}
		start := time.Now()
		for run := 1; run <= o.runs[i]; run++ {
			dir := filepath.Join(k.Scratch, fmt.Sprintf("n%d-run%d", n, run))
			prog.Progress("%d projects, run %d/%d: terraform by hand", n, run, o.runs[i])
			d, err := runDirect(ctx, k, filepath.Join(dir, "direct"), n, n == o.serial)
			if err != nil {
				return nil, fmt.Errorf("terraform by hand, %d projects, run %d: %w", n, run, err)
			}
			sz.direct = append(sz.direct, d)
			modes := []int{o.parallelism}
			if n == o.serial {
				modes = append(modes, 1)
			}
			for _, p := range modes {
				prog.Progress("%d projects, run %d/%d: paved-bot --parallelism %d", n, run, o.runs[i], p)
				r, err := botCommands(ctx, k, filepath.Join(dir, fmt.Sprintf("bot-p%d", p)), n, p, o.keep)
				if err != nil {
					return nil, fmt.Errorf("paved-bot --parallelism %d, %d projects, run %d: %w", p, n, run, err)
				}
				if p == 1 {
					sz.serial = append(sz.serial, r)
				} else {
					sz.bot = append(sz.bot, r)
				}
			}
			if !o.keep {
				_ = os.RemoveAll(dir)
			}
		}
		sz.took = time.Since(start)
		prog.Progress("%d projects took %s", n, sz.took.Round(time.Second))
		res.sizes = append(res.sizes, sz)
		res.load = append(res.load, machine.LoadAverage())
	}
	res.cpu = machine.ReadCounters().Since(before)
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
	r.peakRSS, err = w.peakRSS()
	return r, err
}
