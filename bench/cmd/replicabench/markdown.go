package main

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"

	"github.com/paved-road/paved/bench/report"
	"github.com/paved-road/paved/bench/stats"
)

func (r *results) markdown(command string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	one, many := r.configs[0], r.configs[1]
	n := many.replicas
	k := r.kit

	p("## paved-bot on one replica and on %d sharing Redis\n\n", n)
	b.WriteString(report.Run{Program: "replicabench", Command: command, Took: r.took, Started: r.started, Load: r.load[:], CPU: r.cpu}.Opening())
	p("| Terraform | %s |\n| redis-server | %s |\n| Go | %s |\n", k.TFVersion, k.redisVersion, runtime.Version())
	p("| paved-bot | built from commit %s |\n", k.Commit)
	p("| load | %d pull requests of 2 projects each: %d autoplans at once, then %d `paved apply` at once |\n", r.opts.prs, r.opts.prs, r.opts.prs)
	p("| every replica | `--workers %d`, the default `--lease` (%s) and `--parallelism` (%s), terraform sandboxed (bubblewrap) |\n\n",
		r.opts.workers, orUnknown(k.defaults["lease"]), orUnknown(k.defaults["parallelism"]))

	p("Each configuration starts on fresh state: a new redis-server (append-only file fsynced on every write, as " +
		"`internal/redisserver` runs it for the tests), a new GitHub stand-in (`internal/githubfake`, without Prism) and " +
		"repository, and the replicas, each `paved-bot serve --store redis://…` with its own data directory and port, " +
		"behind a round-robin proxy in the benchmark that stands for the load balancer (it skips a replica that refuses " +
		"the connection). The 1-replica run goes through the same proxy and the same kind of Redis, and is the baseline " +
		"the ratios divide by. Pull request *k* adds two projects of its own, `p<k>a` and `p<k>b`, each one " +
		"`terraform_data` (built into Terraform: nothing to download) with a local backend whose state lies outside the " +
		"working copy (`--sandbox-bind`), and a `local-exec` provisioner that appends a line to a file beside the state " +
		"when it is applied.\n\n")
	p("Phase 1 posts the %d `pull_request` `opened` webhooks at once; each autoplans its 2 projects. Once every plan "+
		"has answered and every command has finished, phase 2 posts a `paved apply` comment on all %d at once. Each "+
		"command is timed from its webhook POST to the moment the stand-in stored the bot's final comment for it (the "+
		"one containing `%s`, or `%s`); a phase's throughput is its %d commands over the time from its first POST "+
		"to its last final comment. GitHub API calls are counted at the stand-in from a phase's first POST until every "+
		"command has finished. *Redis round trips* are what the replicas' store counts (`store_round_trips`, logged "+
		"by each replica as it stops after SIGTERM, summed over the replicas) over each replica's whole life: its start, "+
		"%s of idling before phase 1 and its shutdown included. redis-server's own `total_commands_processed` (INFO "+
		"stats, read before and after each phase) is the cross-check; it counts commands rather than round trips "+
		"(a pipeline or a `MULTI` … `EXEC` is one round trip of several commands). RSS is each replica's `VmRSS`, "+
		"sampled from `/proc/<pid>/status` every 50 ms (the higher of that and `VmHWM` for the peak): the bot's own "+
		"process, not the terraform and git it runs.\n\n",
		r.opts.prs, r.opts.prs, planMarker, applyMarker, r.opts.prs, idleWindow)
	p("The run checks what it measures: every pull request got exactly one plan reply and one apply reply, both commit " +
		"statuses ended in success, every project's apply ran exactly once (one line in its file), and the replicas " +
		"recorded and finished exactly one command per webhook; otherwise it fails.\n\n")

	p("### One replica against %d\n\n", n)
	p("%s", report.TableHeader("", []string{"1 replica", fmt.Sprintf("%d replicas", n), fmt.Sprintf("%d / 1", n)}))
	row := func(name, format string, a, b float64) {
		p("| %s | %s | %s | %s |\n", name, fmt.Sprintf(format, a), fmt.Sprintf(format, b), report.Ratio(b, a))
	}
	row("plans per minute", "%.1f", one.plan.perMinute(), many.plan.perMinute())
	row("applies per minute", "%.1f", one.apply.perMinute(), many.apply.perMinute())
	row("commands per minute, both phases", "%.1f", one.perMinute(), many.perMinute())
	for _, ph := range []struct {
		name      string
		one, many phase
	}{{"plan", one.plan, many.plan}, {"apply", one.apply, many.apply}} {
		for _, q := range []float64{50, 95} {
			row(fmt.Sprintf("%s: p%.0f time to the final comment", ph.name, q), "%.1f s",
				stats.Percentile(ph.one.latencies, q).Seconds(), stats.Percentile(ph.many.latencies, q).Seconds())
		}
	}
	p("| machine's CPUs busy: plans, applies | %.0f%%, %.0f%% | %.0f%%, %.0f%% | |\n", 100*one.plan.cpuBusy, 100*one.apply.cpuBusy, 100*many.plan.cpuBusy, 100*many.apply.cpuBusy)
	row("GitHub API calls per plan", "%.2f", one.plan.callsPerCommand(), many.plan.callsPerCommand())
	row("GitHub API calls per apply", "%.2f", one.apply.callsPerCommand(), many.apply.callsPerCommand())
	row("Redis round trips per command (`store_round_trips`)", "%.1f", one.roundTripsPerCommand(), many.roundTripsPerCommand())
	row("redis-server commands per command, during the phases", "%.1f", one.redisPerCommand(), many.redisPerCommand())
	row("redis-server commands a second, every replica idle", "%.1f", one.idlePerSecond, many.idlePerSecond)
	p("| replica peak RSS, highest | %s | %s | %s |\n", report.MiB(one.maxPeak()), report.MiB(many.maxPeak()), report.Ratio(float64(many.maxPeak()), float64(one.maxPeak())))
	p("| replicas' RSS at the end, summed | %s | %s | %s |\n", report.MiB(one.endSum()), report.MiB(many.endSum()), report.Ratio(float64(many.endSum()), float64(one.endSum())))
	p("| redis-server peak RSS | %s | %s | %s |\n\n", report.MiB(one.redisPeak), report.MiB(many.redisPeak), report.Ratio(float64(many.redisPeak), float64(one.redisPeak)))
	p("Throughput and latency: higher commands per minute is better, lower times are; a ratio above 1 means the %d "+
		"replicas had more of it. Wall time of the phases: plans %.1f s and %.1f s, applies %.1f s and %.1f s.\n\n",
		n, one.plan.wall.Seconds(), many.plan.wall.Seconds(), one.apply.wall.Seconds(), many.apply.wall.Seconds())

	p("### Each replica\n\n")
	p("%s", report.TableHeader("configuration", []string{"replica", "webhooks recorded", "commands run", "store round trips", "peak RSS", "RSS at the end"}))
	for _, c := range r.configs {
		for _, s := range c.reps {
			p("| %s | %s | %d | %d | %d | %s | %s |\n", c.name(), s.name, s.accepted, s.ran, s.roundTrips, report.MiB(s.peak), report.MiB(s.end))
		}
		p("| %s | redis-server | | | | %s | %s |\n", c.name(), report.MiB(c.redisPeak), report.MiB(c.redisEnd))
	}
	p("\n*Webhooks recorded* counts the commands a replica accepted from the proxy; *commands run*, those it took from " +
		"the shared queue and ran, whichever replica accepted them.\n\n")

	p("### GitHub API calls per command, by endpoint\n\n")
	p("Counted at the stand-in, divided by the %d commands of the phase.\n\n", r.opts.prs)
	cols := []string{"plan, 1 replica", fmt.Sprintf("plan, %d replicas", n), "apply, 1 replica", fmt.Sprintf("apply, %d replicas", n)}
	phases := []phase{one.plan, many.plan, one.apply, many.apply}
	p("%s", report.TableHeader("endpoint", cols))
	endpoints := map[string]bool{}
	for _, ph := range phases {
		for e := range ph.calls {
			endpoints[e] = true
		}
	}
	for _, e := range slices.Sorted(maps.Keys(endpoints)) {
		cells := make([]string, len(phases))
		for i, ph := range phases {
			if c := ph.calls[e]; c > 0 {
				cells[i] = fmt.Sprintf("%.2f", float64(c)/float64(len(ph.latencies)))
			}
		}
		p("| `%s` | %s |\n", e, strings.Join(cells, " | "))
	}
	totals := make([]string, len(phases))
	for i, ph := range phases {
		totals[i] = fmt.Sprintf("**%.2f**", ph.callsPerCommand())
	}
	p("| **total** | %s |\n\n", strings.Join(totals, " | "))

	p("### Reading\n\n")
	p("- **Cores**: this machine has %d CPUs, and the %d replicas share them, with the terraform processes they run "+
		"(up to `--workers` × `--parallelism` at once per replica). Throughput is not expected to grow %d-fold here: "+
		"replicas add capacity when they run on machines of their own. What this run shows is whether sharing the work "+
		"through Redis loses anything, whether it costs GitHub or Redis more per command, and what each replica costs.\n", runtime.NumCPU(), n, n)
	p("- **Throughput**: %s plans per minute (%s× one replica's %s), %s applies per minute (%s× %s). "+
		"The %d replicas run up to %d commands at once against %d for one (`--workers %d` each); the CPUs were "+
		"%.0f%% busy during one replica's plans against %.0f%% with %d, and %.0f%% against %.0f%% during the applies.%s\n",
		f1(many.plan.perMinute()), report.Ratio(many.plan.perMinute(), one.plan.perMinute()), f1(one.plan.perMinute()),
		f1(many.apply.perMinute()), report.Ratio(many.apply.perMinute(), one.apply.perMinute()), f1(one.apply.perMinute()),
		n, n*r.opts.workers, r.opts.workers, r.opts.workers, 100*one.plan.cpuBusy, 100*many.plan.cpuBusy, n,
		100*one.apply.cpuBusy, 100*many.apply.cpuBusy, initLockText(one, many))
	p("- **Nothing lost**: on both configurations all %d pull requests got exactly one plan reply and one apply reply, "+
		"and all %d projects were applied exactly once. %s\n", r.opts.prs, 2*r.opts.prs, rerunText(r.configs))
	p("- **GitHub API calls per command**: %s\n", callsVerdict(one, many))
	p("- **Redis**: %s round trips per command with one replica, %s with %d (%s×); idle, the replicas together make "+
		"%s redis-server commands a second against %s for one, which a longer run adds to the per-command figure.\n",
		f1(one.roundTripsPerCommand()), f1(many.roundTripsPerCommand()), n, report.Ratio(many.roundTripsPerCommand(), one.roundTripsPerCommand()),
		f1(many.idlePerSecond), f1(one.idlePerSecond))
	p("- **Cost per replica**: each replica's peak RSS was at most %s (one replica alone: %s); together the %d "+
		"ended at %s against %s.\n", report.MiB(many.maxPeak()), report.MiB(one.maxPeak()), n, report.MiB(many.endSum()), report.MiB(one.endSum()))
	p("- **Applies on another replica**: %s\n", placementText(many))
	p("- **Replica logs**: %s\n", issuesText(r.configs))
	return b.String()
}

func (c config) name() string {
	if c.replicas == 1 {
		return "1 replica"
	}
	return fmt.Sprintf("%d replicas", c.replicas)
}

// perMinute is both phases' commands over both phases' wall time.
func (c config) perMinute() float64 {
	wall := c.plan.wall + c.apply.wall
	if wall <= 0 {
		return 0
	}
	return float64(c.commands()) / wall.Minutes()
}

func (c config) roundTripsPerCommand() float64 {
	return float64(c.roundTrips) / float64(max(c.commands(), 1))
}

func (c config) redisPerCommand() float64 {
	return float64(c.plan.redisCmds+c.apply.redisCmds) / float64(max(c.commands(), 1))
}

func (c config) maxPeak() int64 {
	var m int64
	for _, s := range c.reps {
		m = max(m, s.peak)
	}
	return m
}

func (c config) endSum() int64 {
	var sum int64
	for _, s := range c.reps {
		sum += s.end
	}
	return sum
}

func (p phase) callsPerCommand() float64 {
	return float64(p.callTotal()) / float64(max(len(p.latencies), 1))
}

// callsVerdict compares the calls per command of the two configurations.
func callsVerdict(one, many config) string {
	var grew []string
	for _, ph := range []struct {
		name      string
		one, many phase
	}{{"plan", one.plan, many.plan}, {"apply", one.apply, many.apply}} {
		a, b := ph.one.callsPerCommand(), ph.many.callsPerCommand()
		if b > a+1e-9 {
			grew = append(grew, fmt.Sprintf("per %s %.2f against %.2f", ph.name, b, a))
		}
	}
	if len(grew) == 0 {
		return fmt.Sprintf("did not grow with the number of replicas: %.2f per plan and %.2f per apply with one replica, %.2f and %.2f with %d.",
			one.plan.callsPerCommand(), one.apply.callsPerCommand(), many.plan.callsPerCommand(), many.apply.callsPerCommand(), many.replicas)
	}
	return "**grew** with the number of replicas: " + strings.Join(grew, ", ") + " (see the endpoints above)."
}

// initLockText points at what makes more replicas plan faster on the same
// cores, when they did.
func initLockText(one, many config) string {
	if many.plan.perMinute() <= one.plan.perMinute() {
		return ""
	}
	inits := 2 * len(one.plan.latencies)
	return fmt.Sprintf(" Within one process `bot/runner` lets a `terraform init` run only while no other init, plan or apply "+
		"runs (they share the replica's plugin cache), and every project's autoplan here starts with an init: one replica "+
		"takes the %d inits one at a time, %d replicas, with a plugin cache each, %d at a time.", inits, many.replicas, many.replicas)
}

// placementText compares the applies that ran where their plan was made
// with those that did not, by what the bot's log says they took.
func placementText(c config) string {
	pl := c.placement
	total := len(pl.same) + len(pl.moved)
	text := fmt.Sprintf("with %d replicas, %d of the %d applies ran on a replica other than the one that had planned "+
		"the pull request (the plan itself comes from the store)", c.replicas, len(pl.moved), total)
	if len(pl.same) == 0 || len(pl.moved) == 0 {
		return text + "."
	}
	sameTook, sameTF := medians(pl.same)
	movedTook, movedTF := medians(pl.moved)
	return text + fmt.Sprintf(". By the bot's own log, the median apply took %.2f s there (Terraform %.2f s, summed over "+
		"the 2 projects) against %.2f s (Terraform %.2f s) on the replica that planned, whose working copy and "+
		"initialised projects were already in its data directory.", movedTook.Seconds(), movedTF.Seconds(), sameTook.Seconds(), sameTF.Seconds())
}

func rerunText(configs []config) string {
	var parts []string
	for _, c := range configs {
		if c.rerun > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d command(s) started more than once", c.name(), c.rerun))
		}
	}
	if len(parts) == 0 {
		return "No command was started twice."
	}
	return strings.Join(parts, "; ") + "."
}

func issuesText(configs []config) string {
	var parts []string
	for _, c := range configs {
		for _, issue := range c.logIssues {
			parts = append(parts, fmt.Sprintf("%s, `%s`", c.name(), strings.ReplaceAll(issue, "`", "'")))
		}
	}
	if len(parts) == 0 {
		return "no warning and no error in any replica's log."
	}
	return "warnings and errors: " + strings.Join(parts, "; ") + "."
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

func f1(v float64) string { return fmt.Sprintf("%.1f", v) }
