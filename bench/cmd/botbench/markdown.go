package main

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/paved-road/paved/bench/report"
	"github.com/paved-road/paved/bot/runner"
)

// command is one of the three commands of a run.
type command struct {
	name   string
	pick   func(botRun) sample
	direct func(directRun) phaseTime // what the CLI needs for the same result
	plain  string                    // that, in words
	expect []string                  // the terraform processes by hand, one each per project
	aim    float64                   // the highest bot / by hand ratio aimed at, from aimFrom projects
}

var commands = []command{
	{"cold `paved plan`", func(r botRun) sample { return r.cold }, func(d directRun) phaseTime { return d.cold },
		"`init` then `plan -out`, empty plugin cache", []string{"init", "plan"}, 1.0},
	{"warm `paved plan`", func(r botRun) sample { return r.warm }, func(d directRun) phaseTime { return d.planOnly },
		"`plan -out` alone", []string{"plan"}, 0.4},
	{"`paved apply`", func(r botRun) sample { return r.apply }, func(d directRun) phaseTime { return d.apply },
		"`apply` of the saved plans", []string{"apply"}, 0.6},
}

// The ratio aims hold from aimFrom to aimTo projects; the memory aim is at
// the largest size, in bytes per project.
const (
	aimFrom, aimTo = 10, 200
	aimRSS         = 1 << 20
)

func (r *results) markdown(o options, commandLine string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("## paved-bot against terraform by hand, on pull requests of %s projects\n\n", sizeList(r.sizes))
	b.WriteString(report.Run{Program: "botbench", Command: commandLine, Took: r.took, Started: r.started, Load: r.load, CPU: r.cpu}.Opening())
	p("| Terraform | %s |\n| Go | %s |\n| git | %s |\n", r.kit.TFVersion, runtime.Version(), r.kit.gitVersion)
	p("| paved-bot and provider | built from commit %s |\n", r.kit.Commit)
	p("| runs | %s; figures are medians over the runs, ratios per run and then the median (min – max) |\n", r.runsText())
	var took []string
	for _, sz := range r.sizes {
		took = append(took, fmt.Sprintf("%s %s", projectsText(sz.projects), sz.took.Round(time.Second)))
	}
	p("| time per size | %s (the load average above is read after each) |\n\n", strings.Join(took, ", "))
	if !slices.Equal(o.projects, defaultProjects) {
		p("**This run covered %s projects**, not the default %s (`-projects`).\n\n", sizeList(r.sizes), defaultProjectsFlag)
	}

	p("Each pull request adds N projects (`p01` …, declared in `paved.yaml`). Each requires this repository's provider, " +
		"installed by `terraform init` from a local filesystem mirror and checked against a committed `.terraform.lock.hcl`; " +
		"it has four `terraform_data` resources and an output, and a local backend whose state lies outside the working copy. " +
		"Terraform starts the provider at every plan and apply to read its schema.\n\n")
	p("The real `paved-bot serve` runs as its own process (`--parallelism %d`, the default; the machine has %d CPUs), "+
		"sandboxed as in production, against `internal/githubfake`, the stateful GitHub stand-in, served on loopback and "+
		"authenticated with a token (Prism, which the end-to-end tests put in front of the stand-in, is left out: its "+
		"latency is not the bot's). For each run a bot starts with an empty data directory, and three signed "+
		"`issue_comment` webhooks are timed, each from the POST to the command's final commit status (`paved/plan` or "+
		"`paved/apply`, posted after the last comment):\n\n", o.parallelism, runtime.NumCPU())
	p("1. **cold `paved plan`**: no plugin cache, no working copy: clone, init, plan. The provider comes from a local " +
		"mirror and the files are in the OS's cache: a registry download would make a cold plan slower, by hand and by the bot;\n")
	p("2. **warm `paved plan`**: the same pull request again, nothing changed: the working copy, `.terraform` and the plugin cache are reused;\n")
	p("3. **`paved apply`** of those plans, with a signed deploy tag per project, all pushed with one `git push`.\n\n")
	p("The baseline, in the same run and just before the bot, is the terraform CLI by hand on the same projects, one " +
		"after another, with the same binary and the plugin cache in the state the bot's command finds it in: `terraform " +
		"init` then `terraform plan -out` with an empty plugin cache (against the cold plan), `terraform plan -out` alone " +
		"(against the warm re-plan) and `terraform apply` of the saved plans (against the apply).\n\n")
	p("The bot's terraform and git are stand-ins (`bench/cmd/botbench/proctrace`) that run the real binaries and record "+
		"each process; every start of `paved-sandbox`, the sandbox launcher the bot runs from beside it, is seen through "+
		"fanotify (`FAN_OPEN_EXEC`) on the binary. *Terraform running* is the wall time during which at least one terraform process ran. "+
		"The stand-in adds %.1f ms to each process it starts (measured at the start of the run), which the bot's figures "+
		"carry and the baseline does not. The launcher in front of each sandboxed process, `paved-sandbox`, takes %s of "+
		"wall time and %s of CPU time to start (answering `version -json` from a spec, median of 21); `paved-bot`'s own "+
		"binary, the launcher when `paved-sandbox` is not installed beside it, takes %s and %s.\n\n",
		float64(r.kit.tracerCost.Microseconds())/1000, ms(r.kit.launcher.wall), ms(r.kit.launcher.cpu),
		ms(r.kit.selfLauncher.wall), ms(r.kit.selfLauncher.cpu))

	p("### Against terraform by hand\n\n")
	p("Wall time of the bot at `--parallelism %d` divided by the time by hand for the same result. The aims hold from "+
		"%d to %d projects. Other processes took %.0f%% of the machine's CPU time during the run (see above), and the "+
		"largest sizes have fewer runs: read the ratios with that noise in mind.\n\n", o.parallelism, aimFrom, aimTo, 100*r.cpu.OthersShare())
	p("*Floor here* is the lowest ratio any scheduler could reach on this machine running the same terraform processes "+
		"as by hand, as a user runs them (Go's default GOGC, plugin TLS on), with no cost of its own: the CPU time terraform and its providers used by hand (user and system, "+
		"from `getrusage`) spread perfectly over the %d CPUs, divided by the time by hand. By hand, one process at a "+
		"time, terraform already keeps more than one CPU busy (the *CPUs busy by hand* column).\n\n", runtime.NumCPU())
	p("| projects | command | by hand | time by hand | CPUs busy by hand | paved-bot | bot / by hand | floor here | aim |\n" +
		"| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, sz := range r.sizes {
		for _, c := range commands {
			ratios := sz.ratios(c)
			aim := "–"
			if inAimRange(sz.projects) {
				aim = fmt.Sprintf("≤ %.1f: %s", c.aim, verdict(summarize(ratios).median <= c.aim))
			}
			p("| %d | %s | %s | %s | %.2f | %s | %s | %.2f | %s |\n", sz.projects, c.name, c.plain,
				seconds2(summarize(each(sz.direct, func(d directRun) float64 { return c.direct(d).wall.Seconds() })).median),
				sz.busyByHand(c), seconds2(summarize(wallOf(sz.bot, c)).median), ratioStat(ratios), sz.floor(c), aim)
		}
	}
	p("\n")
	if g, ok := r.tuned(); ok {
		p("The bot runs terraform and its providers with `GOGC=%d` (`--terraform-gogc`, its default; Go's is 100) and, "+
			"in its sandbox, without go-plugin's TLS between them (`TF_DISABLE_PLUGIN_TLS=1`), which the floor leaves out: "+
			"by hand, in the same runs at %d projects, `terraform plan -out` alone used %s of CPU time as a user runs it "+
			"and %s with those settings: %s of it (median, and the range over the runs). With them the floor is about "+
			"%.2f of what it is above.\n\n", runner.DefaultGOGC, g.projects, seconds2(g.atDefault), seconds2(g.atBot),
			ratioStat(g.shares), g.share)
	}

	p("### Where the bot's time goes\n\n")
	p("Within the wall time: while a terraform process ran; else while git ran; else while a call to the GitHub " +
		"stand-in was in flight; and the rest, the bot's process on its own (webhook intake, store, locks, rendering, " +
		"starting processes, the stand-ins' own start). The stand-in answers in milliseconds; GitHub takes tens to " +
		"hundreds per call. The last column is the bot's own comment footer (\"Took X s\"). Medians.\n\n")
	p("| projects | command | wall time | Terraform running | git | GitHub calls | bot alone | bot's footer |\n")
	p("| --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, sz := range r.sizes {
		for _, c := range commands {
			fig := func(f func(sample) time.Duration) string {
				return seconds2(summarize(each(sz.bot, func(run botRun) float64 { return f(c.pick(run)).Seconds() })).median)
			}
			p("| %d | %s | %s | %s | %s | %s | %s | %s |\n", sz.projects, c.name,
				fig(func(x sample) time.Duration { return x.wall }), fig(func(x sample) time.Duration { return x.terraform }),
				fig(func(x sample) time.Duration { return x.git }), fig(func(x sample) time.Duration { return x.github }),
				fig(func(x sample) time.Duration { return x.rest }), fig(func(x sample) time.Duration { return x.botTook }))
		}
	}
	p("\n")
	r.cpuTable(p)
	r.parallelNote(p, o)

	p("### Processes the bot started\n\n")
	p("Every process a command started, from its webhook until the bot was idle again, by name and subcommand, in the "+
		"first run at each size (`--parallelism %d`). By hand the same result takes `init` and `plan` per project (cold), "+
		"`plan` alone (warm) and `apply` (apply). The launcher rows count starts of `paved-sandbox`: one in front of "+
		"every sandboxed terraform process, and those that answered terraform-exec's `terraform version -json` from "+
		"the sandbox spec without starting a sandbox (launcher starts minus sandboxed terraform processes).\n\n", o.parallelism)
	r.processTable(p)
	r.processVerdicts(p)

	p("### GitHub API calls\n\n")
	p("Counted at the stand-in, from the webhook until the bot was idle again, in the first run at each size.\n\n")
	r.callTable(p, "`paved apply`", func(run botRun) sample { return run.apply })
	r.callTable(p, "cold `paved plan`", func(run botRun) sample { return run.cold })
	p("%s %s\n\n", r.callsStableText(), growingCallsText(r.sizes))

	p("### The bot's memory\n\n")
	p("Peak resident set of the `paved-bot serve` process (`VmHWM` in `/proc/PID/status`, read after the apply, before " +
		"it stops; its terraform and git processes are not in it), over the cold plan, the warm plan and the apply of " +
		"one pull request. Median of the runs.\n\n")
	p("%s", report.TableHeader("projects", []string{"peak RSS of paved-bot"}))
	for _, sz := range r.sizes {
		p("| %d | %s |\n", sz.projects, report.MiB(sz.peakRSS()))
	}
	p("\n")

	p("### Against the aims\n\n")
	r.aims(p)
	return b.String()
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "missed"
}

func inAimRange(n int) bool { return n >= aimFrom && n <= aimTo }

// sizeList is "1, 10, 50, 100 and 200".
func sizeList(sizes []size) string {
	var s []string
	for _, sz := range sizes {
		s = append(s, fmt.Sprint(sz.projects))
	}
	if len(s) == 1 {
		return s[0]
	}
	return strings.Join(s[:len(s)-1], ", ") + " and " + s[len(s)-1]
}

// runsText is "3 at 1 and 10 projects, 2 at 50, 1 at 100 and 200".
func (r *results) runsText() string {
	var parts []string
	for i := 0; i < len(r.sizes); {
		j := i
		for j < len(r.sizes) && len(r.sizes[j].bot) == len(r.sizes[i].bot) {
			j++
		}
		parts = append(parts, fmt.Sprintf("%d at %s", len(r.sizes[i].bot), sizeList(r.sizes[i:j])))
		i = j
	}
	return strings.Join(parts, ", ") + " projects"
}

// busyByHand is how many CPUs terraform kept busy by hand on average: its
// CPU time over the wall time, median of the runs.
func (sz size) busyByHand(c command) float64 {
	return summarize(each(sz.direct, func(d directRun) float64 {
		t := c.direct(d)
		return t.cpu.Seconds() / t.wall.Seconds()
	})).median
}

// floor is the lowest bot / by hand ratio this machine allows for the same
// processes: by hand's CPU time spread over every CPU, over by hand's wall
// time.
func (sz size) floor(c command) float64 {
	return sz.busyByHand(c) / float64(runtime.NumCPU())
}

// ratios are the bot's wall time over the time by hand, run by run.
func (sz size) ratios(c command) []float64 {
	return divide(wallOf(sz.bot, c), each(sz.direct, func(d directRun) float64 { return c.direct(d).wall.Seconds() }))
}

func wallOf(runs []botRun, c command) []float64 {
	return each(runs, func(run botRun) float64 { return c.pick(run).wall.Seconds() })
}

// peakRSS is the median of the runs' peaks.
func (sz size) peakRSS() int64 {
	return int64(summarize(each(sz.bot, func(run botRun) float64 { return float64(run.peakRSS) })).median)
}

// parallelNote says how the processes of the largest size overlapped, and
// compares the bot one project at a time with the bot in parallel.
func (r *results) parallelNote(p func(string, ...any), o options) {
	largest := r.sizes[len(r.sizes)-1]
	// busy is the median total time of a command's terraform processes
	// doing op and the wall time they covered.
	busy := func(runs []botRun, c command, op string) (sum, wall float64) {
		var sums, walls []float64
		for _, run := range runs {
			var matching []span
			var total time.Duration
			for _, s := range c.pick(run).processes {
				if s.kind == "terraform" && s.what == op {
					matching = append(matching, s)
					total += s.end.Sub(s.start)
				}
			}
			sums, walls = append(sums, total.Seconds()), append(walls, covered(matching).Seconds())
		}
		return summarize(sums).median, summarize(walls).median
	}
	initSum, initWall := busy(largest.bot, commands[0], "init")
	planSum, planWall := busy(largest.bot, commands[1], "plan")
	p("At %d projects, with `--parallelism %d` on %d CPUs, the cold plan's `terraform init` processes add up to %s "+
		"within %s of wall time (inits that only link from the plugin cache run in parallel; one that installs into it runs "+
		"alone), and the warm plan's `terraform plan` processes to %s within %s: on this machine's CPUs they slow each "+
		"other down.\n\n",
		largest.projects, o.parallelism, runtime.NumCPU(), seconds2(initSum), seconds2(initWall), seconds2(planSum), seconds2(planWall))
	for _, sz := range r.sizes {
		if len(sz.serial) == 0 {
			continue
		}
		p("At %d projects the bot also ran with `--parallelism 1`, in the same runs:\n\n", sz.projects)
		p("| command | by hand | `--parallelism 1` | bot / by hand | `--parallelism %d` | bot / by hand |\n| --- | --- | --- | --- | --- | --- |\n", o.parallelism)
		for _, c := range commands {
			direct := each(sz.direct, func(d directRun) float64 { return c.direct(d).wall.Seconds() })
			one, many := wallOf(sz.serial, c), wallOf(sz.bot, c)
			p("| %s | %s | %s | %s | %s | %s |\n", c.name, seconds2(summarize(direct).median), seconds2(summarize(one).median),
				ratioStat(divide(one, direct)), seconds2(summarize(many).median), ratioStat(divide(many, direct)))
		}
		p("\n")
	}
}

// launcherRow and answerRow name the rows of the launcher's starts.
const (
	launcherRow = "`paved-sandbox`, the sandbox launcher"
	answerRow   = "of which answering `terraform version -json` from the spec"
)

// counts is how many processes of each kind a command started: "terraform
// init", "git fetch", and the launcher rows.
func counts(s sample) map[string]int {
	m := map[string]int{}
	sandboxed := 0
	for _, x := range s.started {
		m[x.kind+" "+x.what]++
		if x.kind == "terraform" {
			sandboxed++
		}
	}
	if s.launchers >= 0 {
		m[launcherRow] = s.launchers
		m[answerRow] = s.launchers - sandboxed
	}
	return m
}

// processNames orders the rows: terraform, then git, then the launcher's.
func processNames(seen map[string]bool) []string {
	names := slices.Collect(maps.Keys(seen))
	rank := func(s string) int {
		switch {
		case strings.HasPrefix(s, "terraform "):
			return 0
		case strings.HasPrefix(s, "git "):
			return 1
		case s == launcherRow:
			return 2
		default:
			return 3
		}
	}
	slices.SortFunc(names, func(a, b string) int {
		if ra, rb := rank(a), rank(b); ra != rb {
			return ra - rb
		}
		return strings.Compare(a, b)
	})
	return names
}

func (r *results) processTable(p func(string, ...any)) {
	largest := r.sizes[len(r.sizes)-1]
	columns := []string{"process"}
	for _, sz := range r.sizes {
		columns = append(columns, fmt.Sprintf("N = %d", sz.projects))
	}
	columns = append(columns, fmt.Sprintf("per project at N = %d", largest.projects))
	p("%s", report.TableHeader("command", columns))
	for _, c := range commands {
		byN := make([]map[string]int, len(r.sizes))
		seen := map[string]bool{}
		for i, sz := range r.sizes {
			byN[i] = counts(c.pick(sz.bot[0]))
			for k, v := range byN[i] {
				if v != 0 {
					seen[k] = true
				}
			}
		}
		for _, name := range processNames(seen) {
			label := name
			if name != launcherRow && name != answerRow {
				label = "`" + name + "`"
			}
			p("| %s | %s |", c.name, label)
			for i := range r.sizes {
				p(" %d |", byN[i][name])
			}
			p(" %.2f |\n", float64(byN[len(byN)-1][name])/float64(largest.projects))
		}
	}
	p("\n")
	if largest.bot[0].cold.launchers < 0 {
		p("**The launcher's starts were not counted**: fanotify, which sees them, needs CAP_SYS_ADMIN (run botbench as root).\n\n")
	}
}

// processVerdicts says, per command, which terraform processes the bot
// started besides those by hand, and how its processes grow with N.
func (r *results) processVerdicts(p func(string, ...any)) {
	largest, smallest := r.sizes[len(r.sizes)-1], r.sizes[0]
	for _, c := range commands {
		big, small := counts(c.pick(largest.bot[0])), counts(c.pick(smallest.bot[0]))
		var extra, perProject, constant []string
		for _, name := range processNames(keysOf(big, small)) {
			op, isTerraform := strings.CutPrefix(name, "terraform ")
			if isTerraform && slices.Contains(c.expect, op) {
				if big[name] != largest.projects {
					extra = append(extra, fmt.Sprintf("`%s` %d times for %d projects", name, big[name], largest.projects))
				}
				continue
			}
			if name == launcherRow {
				continue
			}
			text := fmt.Sprintf("`%s` %d at %s and %d at %d", name, small[name], projectsText(smallest.projects), big[name], largest.projects)
			if name == answerRow {
				text = fmt.Sprintf("%d launcher answers to `version -json` at %s and %d at %d", small[name], projectsText(smallest.projects), big[name], largest.projects)
			}
			if isTerraform {
				extra = append(extra, text)
				continue
			}
			if big[name] == small[name] {
				constant = append(constant, text)
			} else {
				perProject = append(perProject, text)
			}
		}
		line := fmt.Sprintf("- **%s**: ", c.name)
		if len(extra) == 0 {
			line += fmt.Sprintf("terraform processes: exactly %s, one per project, as by hand.", backticked(c.expect))
		} else {
			line += fmt.Sprintf("terraform processes besides %s once per project: %s.", backticked(c.expect), strings.Join(extra, "; "))
		}
		if len(perProject) > 0 {
			line += " Growing with the projects: " + strings.Join(perProject, "; ") + "."
		}
		if len(constant) > 0 {
			line += " The same at every size: " + strings.Join(constant, "; ") + "."
		}
		p("%s\n", line)
	}
	p("\n")
}

func keysOf(ms ...map[string]int) map[string]bool {
	out := map[string]bool{}
	for _, m := range ms {
		for k, v := range m {
			if v != 0 {
				out[k] = true
			}
		}
	}
	return out
}

func backticked(ops []string) string {
	out := make([]string, len(ops))
	for i, op := range ops {
		out[i] = "`terraform " + op + "`"
	}
	return strings.Join(out, " and ")
}

// callTable is the calls of one command by size.
func (r *results) callTable(p func(string, ...any), name string, pick func(botRun) sample) {
	endpoints := map[string]bool{}
	var columns []string
	for _, sz := range r.sizes {
		for _, call := range pick(sz.bot[0]).calls {
			endpoints[call] = true
		}
		columns = append(columns, fmt.Sprintf("N = %d", sz.projects))
	}
	p("%s", report.TableHeader(name+", endpoint", columns))
	for _, e := range slices.Sorted(maps.Keys(endpoints)) {
		p("| `%s` |", e)
		for _, sz := range r.sizes {
			if k := count(pick(sz.bot[0]).calls, e); k > 0 {
				p(" %d |", k)
			} else {
				p(" |")
			}
		}
		p("\n")
	}
	p("| **total** |")
	for _, sz := range r.sizes {
		p(" **%d** |", len(pick(sz.bot[0]).calls))
	}
	p("\n\n")
}

// callsStableText says whether every run made the first run's calls, and
// the warm plan the cold one's.
func (r *results) callsStableText() string {
	same := func(a, b []string) bool {
		return slices.Equal(slices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(b)))
	}
	var differ []string
	for _, sz := range r.sizes {
		first := sz.bot[0]
		if !same(first.warm.calls, first.cold.calls) {
			differ = append(differ, fmt.Sprintf("at %d projects the warm plan's calls differ from the cold plan's (%d against %d)",
				sz.projects, len(first.warm.calls), len(first.cold.calls)))
		}
		for i, run := range append(sz.bot[1:], sz.serial...) {
			if !same(run.cold.calls, first.cold.calls) || !same(run.warm.calls, first.warm.calls) || !same(run.apply.calls, first.apply.calls) {
				differ = append(differ, fmt.Sprintf("at %d projects run %d's calls differ from the first run's", sz.projects, i+2))
			}
		}
	}
	if len(differ) == 0 {
		return "Every run, `--parallelism 1` included, made exactly these calls, and every warm plan those of the cold plan."
	}
	return "**Not every run made the same calls**: " + strings.Join(differ, "; ") + "."
}

// splitByGrowth sorts the endpoints a command called, in the first run of
// each size, into those called as often at every size and the others.
func splitByGrowth(sizes []size, pick func(botRun) sample) (constant, growing []string) {
	all := map[string]bool{}
	for _, sz := range sizes {
		for _, c := range pick(sz.bot[0]).calls {
			all[c] = true
		}
	}
	for _, e := range slices.Sorted(maps.Keys(all)) {
		n := count(pick(sizes[0].bot[0]).calls, e)
		if slices.ContainsFunc(sizes, func(sz size) bool { return count(pick(sz.bot[0]).calls, e) != n }) {
			growing = append(growing, e)
		} else {
			constant = append(constant, e)
		}
	}
	return constant, growing
}

// growthList is "`POST …/comments` 1, 1, 2 and 4 at 1, 10, 50 and 200
// projects, the reply split …" for each endpoint of growing.
func growthList(sizes []size, pick func(botRun) sample, growing []string) []string {
	var out []string
	for _, e := range growing {
		var n []string
		for _, sz := range sizes {
			n = append(n, fmt.Sprint(count(pick(sz.bot[0]).calls, e)))
		}
		text := fmt.Sprintf("`%s` %s at %s projects", e, strings.Join(n, ", "), sizeList(sizes))
		switch {
		case strings.HasSuffix(e, "/issues/{number}/comments"):
			text += ": the plan reply, split into more comments once it outgrows GitHub's limit of 65,536 characters a comment (`render.MaxComment`); apply's reply is one comment, its outputs cut to fit"
		case strings.HasSuffix(e, "/pulls/{number}/files"):
			text += ": the pull request's changed files, listed 100 a page (2 files per project here)"
		}
		out = append(out, text)
	}
	return out
}

// growingCallsText names the calls of the plan and the apply that grow
// with the projects.
func growingCallsText(sizes []size) string {
	var parts []string
	for _, c := range []command{commands[0], commands[2]} {
		if _, growing := splitByGrowth(sizes, c.pick); len(growing) > 0 {
			parts = append(parts, c.name+": "+strings.Join(growthList(sizes, c.pick, growing), "; "))
		}
	}
	if len(parts) == 0 {
		return "No call is made more often with more projects."
	}
	return "Made more often with more projects, " + strings.Join(parts, "; ") + "; every other call is made as often at every size."
}

// cpuTable compares, per project, the CPU time terraform and its providers
// took by hand with that of everything the bot ran and of the bot itself.
func (r *results) cpuTable(p func(string, ...any)) {
	p("CPU time per project (user and system): by hand, terraform and the providers it started (`getrusage`); for the "+
		"bot, every process it started and waited for (terraform, providers, git, `paved-sandbox`, bwrap and the "+
		"stand-ins, from `cutime` and `cstime` in `/proc/PID/stat`), and the `paved-bot serve` process itself, from the "+
		"webhook until it was idle again. The bot's terraform ran at `GOGC=%d`, without plugin TLS. Medians.\n\n", runner.DefaultGOGC)
	p("| projects | command | by hand | paved-bot's processes | paved-bot itself | bot's total / by hand |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, sz := range r.sizes {
		n := float64(sz.projects)
		for _, c := range commands {
			byHand := each(sz.direct, func(d directRun) float64 { return c.direct(d).cpu.Seconds() / n })
			children := each(sz.bot, func(run botRun) float64 { return c.pick(run).cpuChildren.Seconds() / n })
			own := each(sz.bot, func(run botRun) float64 { return c.pick(run).cpuBot.Seconds() / n })
			total := each(sz.bot, func(run botRun) float64 { return (c.pick(run).cpuChildren + c.pick(run).cpuBot).Seconds() / n })
			p("| %d | %s | %s | %s | %s | %.2f |\n", sz.projects, c.name, msOf(summarize(byHand).median), msOf(summarize(children).median),
				msOf(summarize(own).median), summarize(divide(total, byHand)).median)
		}
	}
	p("\n")
}

// tunedRun is terraform's CPU time by hand for plan -out alone as a user
// runs it and with the bot's settings, at the one size where both were
// measured.
type tunedRun struct {
	projects         int
	atDefault, atBot float64 // seconds, medians
	share            float64 // median of atBot / atDefault, run by run
	shares           []float64
}

func (r *results) tuned() (tunedRun, bool) {
	for _, sz := range r.sizes {
		var g tunedRun
		for _, d := range sz.direct {
			if d.tuned.wall > 0 {
				g.shares = append(g.shares, d.tuned.cpu.Seconds()/d.planOnly.cpu.Seconds())
			}
		}
		if len(g.shares) == 0 {
			continue
		}
		g.projects, g.share = sz.projects, summarize(g.shares).median
		g.atDefault = summarize(each(sz.direct, func(d directRun) float64 { return d.planOnly.cpu.Seconds() })).median
		g.atBot = summarize(each(sz.direct, func(d directRun) float64 { return d.tuned.cpu.Seconds() })).median
		return g, true
	}
	return tunedRun{}, false
}

// floorText says, for an aim below what this machine's CPUs allow at some
// size, what they do allow.
func (r *results) floorText(c command) string {
	g, tuned := r.tuned()
	var parts, lowered []string
	below := false
	for _, sz := range r.sizes {
		if !inAimRange(sz.projects) {
			continue
		}
		f := sz.floor(c)
		below = below || c.aim < f
		parts = append(parts, fmt.Sprintf("%.2f at %d", f, sz.projects))
		lowered = append(lowered, fmt.Sprintf("%.2f at %d", f*g.share, sz.projects))
	}
	if !below {
		return ""
	}
	text := fmt.Sprintf(" The aim is below this machine's floor (by hand's CPU time over %d CPUs: %s): no scheduler of "+
		"the same terraform processes can meet it here", runtime.NumCPU(), strings.Join(parts, ", "))
	if tuned {
		text += fmt.Sprintf("; the bot's settings (`GOGC=%d`, no plugin TLS), with which `plan -out` by hand took %.2f× "+
			"the CPU time, lower it to about %s", runner.DefaultGOGC, g.share, strings.Join(lowered, ", "))
	}
	return text + "."
}

func (r *results) aims(p func(string, ...any)) {
	var missing []string
	for _, n := range defaultProjects {
		if inAimRange(n) && !slices.ContainsFunc(r.sizes, func(sz size) bool { return sz.projects == n }) {
			missing = append(missing, fmt.Sprint(n))
		}
	}
	scope := ""
	if len(missing) > 0 {
		scope = fmt.Sprintf(" (this run did not measure %s projects: the verdict covers only the sizes it measured)", strings.Join(missing, ", "))
	}
	for _, c := range commands {
		var parts []string
		ok, seen := true, false
		for _, sz := range r.sizes {
			if !inAimRange(sz.projects) {
				continue
			}
			m := summarize(sz.ratios(c)).median
			ok, seen = ok && m <= c.aim, true
			parts = append(parts, fmt.Sprintf("%.2f at %d", m, sz.projects))
		}
		v := verdict(ok && seen)
		if !seen {
			v = "not measured"
		}
		p("- **%s at most %.1f× the time by hand, at every size from %d to %d projects**%s: %s. Bot / by hand (median): %s.%s\n",
			c.name, c.aim, aimFrom, aimTo, scope, v, strings.Join(parts, ", "), r.floorText(c))
	}

	var applyCounts []string
	pick := func(run botRun) sample { return run.apply }
	for _, sz := range r.sizes {
		applyCounts = append(applyCounts, fmt.Sprintf("%d at %d", len(sz.bot[0].apply.calls), sz.projects))
	}
	constant, growing := splitByGrowth(r.sizes, pick)
	var same []string
	first := r.sizes[0].bot[0].apply.calls
	for _, e := range constant {
		same = append(same, fmt.Sprintf("`%s` ×%d", e, count(first, e)))
	}
	calls := verdict(len(growing) == 0)
	if len(r.sizes) == 1 {
		calls = "not measured (one size only)"
	}
	p("- **`paved apply`'s GitHub calls constant in the number of projects**: %s. Calls: %s. Constant: %s. ",
		calls, strings.Join(applyCounts, ", "), strings.Join(same, ", "))
	if len(growing) > 0 {
		p("Growing: %s. ", strings.Join(growthList(r.sizes, pick, growing), "; "))
	}
	p("The deploy tags cost no call: they go to the repository with `git push`.\n")

	largest, smallest := r.sizes[len(r.sizes)-1], r.sizes[0]
	if largest.projects == smallest.projects {
		p("- **RSS growth under 1 MiB per project at %d projects**: not measured (one size only).\n", aimTo)
		return
	}
	growth := float64(largest.peakRSS()-smallest.peakRSS()) / float64(largest.projects-smallest.projects)
	v := verdict(growth < aimRSS)
	if largest.projects < aimTo {
		v = fmt.Sprintf("not measured at %d projects (this run went up to %d): %s at that size", aimTo, largest.projects, v)
	}
	p("- **paved-bot's RSS growth under 1 MiB per project at %d projects**: %s. Peak RSS %s at %d projects and %s at %s: "+
		"(%s − %s) / %d = %s per project.\n",
		aimTo, v, report.MiB(largest.peakRSS()), largest.projects,
		report.MiB(smallest.peakRSS()), projectsText(smallest.projects), report.MiB(largest.peakRSS()), report.MiB(smallest.peakRSS()),
		largest.projects-smallest.projects, kib(growth))
}

// projectsText is "1 project" or "10 projects".
func projectsText(n int) string {
	if n == 1 {
		return "1 project"
	}
	return fmt.Sprintf("%d projects", n)
}

func kib(b float64) string { return fmt.Sprintf("%.0f KiB", b/(1<<10)) }

func count(xs []string, x string) int {
	k := 0
	for _, y := range xs {
		if y == x {
			k++
		}
	}
	return k
}

func divide(a, b []float64) []float64 {
	out := make([]float64, min(len(a), len(b)))
	for i := range out {
		out[i] = a[i] / b[i]
	}
	return out
}

// ratioStat is one run's ratio, or the median (min – max) of several.
func ratioStat(values []float64) string {
	s := summarize(values)
	if len(values) == 1 {
		return fmt.Sprintf("%.2f", s.median)
	}
	return fmt.Sprintf("%.2f (%.2f – %.2f)", s.median, s.min, slices.Max(values))
}

func seconds2(s float64) string { return fmt.Sprintf("%.2f s", s) }

func msOf(seconds float64) string { return fmt.Sprintf("%.0f ms", seconds*1000) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }
