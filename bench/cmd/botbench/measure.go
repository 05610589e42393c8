package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
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
	cpu      cpuShare
	modes    []mode // serial first
	direct   []directRun
	single   botRun // a pull request touching one project: its calls
}

// measure runs everything: per run the direct baseline, then the bot in
// each mode, interleaved so that a slower stretch of the machine weighs on
// all of them alike; then a pull request of one project, for its calls.
func measure(ctx context.Context, k *kit, o options) (*results, error) {
	res := &results{kit: k, projects: o.projects, started: time.Now().UTC(), load: [2]string{loadAverage(), ""}}
	cpuBefore := readCPU()
	res.modes = []mode{{parallelism: 1}, {parallelism: o.parallelism}}
	for run := 1; run <= o.runs; run++ {
		dir := filepath.Join(k.scratch, fmt.Sprintf("run%d", run))
		progress("run %d/%d: terraform CLI directly, %d projects", run, o.runs, o.projects)
		d, err := runDirect(ctx, k, filepath.Join(dir, "direct"), o.projects)
		if err != nil {
			return nil, fmt.Errorf("direct terraform, run %d: %w", run, err)
		}
		res.direct = append(res.direct, d)
		for i := range res.modes {
			m := &res.modes[i]
			progress("run %d/%d: paved-bot --parallelism %d, %d projects", run, o.runs, m.parallelism, o.projects)
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
	progress("paved-bot on a pull request of 1 project")
	var err error
	res.single, err = botCommands(ctx, k, filepath.Join(k.scratch, "single"), 1, o.parallelism, o.keep)
	if err != nil {
		return nil, fmt.Errorf("paved-bot, 1 project: %w", err)
	}
	res.load[1] = loadAverage()
	res.cpu = readCPU().since(cpuBefore)
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

// machine describes where the figures were taken.
func machine() string {
	model := "unknown CPU"
	if raw, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.SplitSeq(string(raw), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
	}
	memory := ""
	if raw, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(raw), "MemTotal: %d kB", &kb); err == nil {
			memory = fmt.Sprintf(", %.1f GiB RAM", float64(kb)/(1<<20))
		}
	}
	kernel := ""
	if raw, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = ", Linux " + strings.TrimSpace(string(raw))
	}
	return fmt.Sprintf("%d CPUs, %s%s%s", runtime.NumCPU(), model, memory, kernel)
}

func loadAverage() string {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Fields(string(raw))[0]
}

// cpuCounters are the CPU time the whole machine has been busy and the CPU
// time of botbench with every process it started and waited for (the bots
// with their terraform, which each bot waits for).
type cpuCounters struct {
	at            time.Time
	machine, ours time.Duration
}

// cpuShare is how the machine's CPU time went during the measurements.
type cpuShare struct {
	available, ours, others time.Duration
}

func readCPU() cpuCounters {
	c := cpuCounters{at: time.Now()}
	if raw, err := os.ReadFile("/proc/stat"); err == nil {
		// cpu  user nice system idle iowait irq softirq steal ...
		fields := strings.Fields(firstLine(string(raw)))
		var busy int64
		for i, f := range fields {
			if v, err := strconv.ParseInt(f, 10, 64); err == nil && i >= 1 && i != 4 && i != 5 && i <= 8 {
				busy += v
			}
		}
		c.machine = time.Duration(busy) * time.Second / clockTicks
	}
	for _, who := range []int{syscall.RUSAGE_SELF, syscall.RUSAGE_CHILDREN} {
		var ru syscall.Rusage
		if syscall.Getrusage(who, &ru) == nil {
			c.ours += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	return c
}

// clockTicks is USER_HZ, the unit of /proc/stat: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

func (c cpuCounters) since(before cpuCounters) cpuShare {
	s := cpuShare{
		available: time.Duration(float64(c.at.Sub(before.at)) * float64(runtime.NumCPU())),
		ours:      c.ours - before.ours,
	}
	s.others = max(0, c.machine-before.machine-s.ours)
	return s
}
