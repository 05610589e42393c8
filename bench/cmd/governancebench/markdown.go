package main

import (
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/paved-road/paved/bench/report"
	"github.com/paved-road/paved/bench/stats"
)

func (r *results) markdown(command string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	k, pf, df := r.kit, r.policy, r.drift

	p("## paved-bot's governance: policy checks and drift sweeps\n\n")
	b.WriteString(report.Run{Program: "governancebench", Command: command, Took: r.took, Started: r.started, Load: r.load[:], CPU: r.cpu}.Opening())
	p("| Terraform | %s |\n", k.TFVersion)
	p("| conftest | %s, built with OPA %s by `GOFLAGS=-mod=mod go install github.com/open-policy-agent/conftest@%s` "+
		"into `$PAVED_CACHE/gobin-conftest-%s` (%s) |\n", conftestVersion, k.conftestOPA, conftestVersion,
		strings.TrimPrefix(conftestVersion, "v"), map[bool]string{true: "installed by this run", false: "cached by an earlier run"}[k.installed])
	p("| paved-bot | built from commit %s, with OPA %s; terraform sandboxed (bubblewrap %s) |\n", k.Commit, k.pavedOPA, k.bwrapVer)
	p("| Go | %s |\n\n", runtime.Version())

	// Policy checks.
	p("### Policy checks of one project's plan of %d resources\n\n", pf.resources)
	p("The benchmark writes a project of %d `terraform_data` resources whose `input` objects carry a name, a size and "+
		"a `tags` map, plans it with the real terraform into a saved plan (`terraform plan -out`), and turns that into "+
		"JSON with the real `terraform show -json` (%s). The policy directory holds the repository's example policies "+
		"(%s), which look at AWS types and `tags` attributes and so find nothing in `terraform_data`, but iterate over "+
		"every resource change all the same, and one the benchmark writes over `terraform_data` inputs: a deny "+
		"(`deny_input_team_tag`) for an input without a `team` tag, one resource in 10, and a warn (`warn_input_xlarge`) "+
		"for size `xlarge`, one in 20. Both evaluators query namespace `main`, conftest's default, over the same JSON and "+
		"the same directory, and both found the same %d failures and %d warnings, message for message (the run fails "+
		"otherwise; conftest exited %d, paved-bot counted %d passed rules and conftest %d successes).\n\n",
		pf.resources, kib(pf.planBytes), backticked(pf.policyFiles), pf.failures, pf.warnings, pf.conftestExitCode,
		pf.pavedPassed, pf.conftestOK)
	p("Each of %d rounds runs, in an order that rotates from round to round, every row below once:\n\n", len(pf.pavedEval))
	p("- **paved-bot's evaluation**: `planpolicy.Load` of the set (parse, compile, prepare the queries: once at the bot's " +
		"start, timed apart), then what the bot's workflow does for each project (`checkPolicies`): one `Eval` of the set " +
		"with `Input{Plan, Project}`, the plan as the bytes `terraform show -json` printed, in this process.\n")
	p("- **conftest**: `conftest test --policy DIR --no-color --output json plan.json`, a process, from its start to its exit: " +
		"it parses and compiles the policies and reads the file at every run, as it does in an Atlantis workflow step.\n")
	p("- **`terraform show -json` by the user**: `terraform show -json plan.tfplan`, what the conftest user runs first " +
		"(`terraform show -json plan.tfplan > plan.json`).\n")
	p("- **paved-bot's plan, without and with the plan's JSON**: `bot/runner`'s `Runner.Plan` of the same " +
		"configuration in a working copy of its own, the way the bot's workflow plans a project: one `Runner` for the " +
		"whole benchmark, as the bot has one per process, sandboxed (the launcher, bwrap, terraform; the launcher is this " +
		"benchmark's binary, which carries the same `bot/sandbox` launcher as paved-bot), the project initialised by the " +
		"runner's first plan. Once plainly, once with `Job.ShowJSON`, which the workflow sets when the server has policy " +
		"sets: the runner then also runs `terraform show -json` of the new plan, on a copy in a scratch dir of its own, " +
		"in the same sandbox, through the same terraform-exec handle, which decodes the JSON into `tfjson.Plan` and " +
		"validates it. The handle already knows terraform's version (the runner asks it once per binary per bot " +
		"process, and the sandbox launcher answers terraform-exec's later `version -json` from the sandbox spec), so " +
		"the show is one sandboxed process. Which of the two plans goes first alternates from round to round; the " +
		"bot's `terraform show -json` is their difference, round by round. The bot's verdicts on the runner's JSON must " +
		"be those found above, or the run fails.\n\n")

	p("%s", report.TableHeader("per project", []string{"median", "p90", "median / conftest's"}))
	conftestMed := stats.Percentile(pf.conftest, 50)
	row := func(name string, d []time.Duration, base time.Duration) {
		ratio := ""
		if base > 0 {
			ratio = report.Ratio(float64(stats.Percentile(d, 50)), float64(base))
		}
		p("| %s | %s | %s | %s |\n", name, ms(stats.Percentile(d, 50)), ms(stats.Percentile(d, 90)), ratio)
	}
	botShow := diffs(pf.planShow, pf.planPlain)
	row("(a) paved-bot: `Eval` in process", pf.pavedEval, conftestMed)
	row("(b) conftest: `conftest test` process", pf.conftest, conftestMed)
	row("(c) user: `terraform show -json`", pf.showPlain, 0)
	row("(d) paved-bot: `Runner.Plan`", pf.planPlain, 0)
	row("(e) paved-bot: `Runner.Plan` with `Job.ShowJSON`", pf.planShow, 0)
	row("(c′) paved-bot: its `terraform show -json`, (e) − (d)", botShow, 0)
	row("(c′) counted inside terraform processes only (`PlanResult.TerraformTime`, (e) − (d))", diffs(pf.planShowTF, pf.planPlainTF), 0)
	userTotal := sums(pf.showPlain, pf.conftest)
	botTotal := sums(botShow, pf.pavedEval)
	userMed := stats.Percentile(userTotal, 50)
	p("| **whole per-project cost, user: (c) + (b)** | **%s** | %s | **1.00** |\n", ms(userMed), ms(stats.Percentile(userTotal, 90)))
	p("| **whole per-project cost, paved-bot: (c′) + (a)** | **%s** | %s | **%s** |\n", ms(stats.Percentile(botTotal, 50)),
		ms(stats.Percentile(botTotal, 90)), report.Ratio(float64(stats.Percentile(botTotal, 50)), float64(userMed)))
	p("| once at the bot's start: `planpolicy.Load` | %s | %s | |\n", ms(stats.Percentile(pf.pavedLoad, 50)), ms(stats.Percentile(pf.pavedLoad, 90)))
	p("| once per bot process: the runner's first plan, with its `terraform version -json` and `init` (and the show) | %s | | |\n\n", ms(pf.planFirst))
	p("The difference and whole-cost rows subtract or add the two rows of the same round, then take the median and p90 " +
		"of the results; the ratio in the last column divides a median by conftest's (b), and the whole cost's by the " +
		"user's whole cost. Below 1, paved-bot took less time.\n\n")

	p("%s", report.TableHeader("memory", []string{"paved-bot", "conftest", "paved-bot / conftest"}))
	allocMed := median(pf.allocBytes)
	p("| allocated per evaluation (Go heap, median) | %s in %s objects | | |\n", report.MiB(int64(allocMed)), report.Thousands(int64(median(pf.allocObjects))))
	rssMed := median(pf.conftestRSS)
	if pf.pavedPeakGrowth >= 0 {
		p("| peak RSS | %s more than before the first load, over %d loads and evaluations | %s (median of its processes) | %s |\n",
			report.MiB(pf.pavedPeakGrowth), len(pf.pavedEval), report.MiB(rssMed), report.Ratio(float64(pf.pavedPeakGrowth), float64(rssMed)))
	} else {
		p("| peak RSS | unknown (`/proc/self/clear_refs` could not be written) | %s (median of its processes) | |\n", report.MiB(rssMed))
	}
	p("\npaved-bot's figure is what the evaluations add to a process that is running anyway: the growth of this process's "+
		"`VmHWM` (reset through `/proc/self/clear_refs` before the first load) over all of them, garbage collection "+
		"running as it does in the bot; the runner's plans and shows run in the same process, so it includes terraform-exec's "+
		"decoding of the show's JSON, which the bot does too. conftest's is the whole process's peak (`getrusage`'s `ru_maxrss`), since a "+
		"process per project is what it costs. The `terraform show -json` both run first peaks at %s (plain, median).\n\n",
		report.MiB(median(pf.showPlainRSS)))

	// Drift.
	n := len(r.repo.projects)
	p("### A drift sweep over %d projects, %d of them drifted\n\n", n, len(r.repo.drifted))
	p("The repository `%s/%s` has %d projects (`p01` to `p%02d` in `paved.yaml`), each %d `terraform_data` resources "+
		"(built into Terraform: no provider to install) with a local backend whose state lies outside every clone, as a "+
		"remote one would, in a directory paved-bot's sandbox is given with `--sandbox-bind`. One resource of each "+
		"reads a file beside the state (`input = trimspace(file(\"/abs/path\"))`). The benchmark applies every project "+
		"by hand first (`terraform init` and `terraform apply` in a clone of its own), then changes the file of %s: "+
		"their infrastructure no longer matches `main`.\n\n",
		owner, repoName, n, n, perProject, strings.Join(r.repo.drifted, ", "))
	p("- **By hand**, the baseline: what a person checking for drift runs, one project after another: the code at the " +
		"head of `main` (`git clone` when cold, `git pull --ff-only` when warm), then in each project directory " +
		"`terraform init -input=false && terraform plan -detailed-exitcode -lock=false -input=false`, with the same " +
		"terraform binary. Each drifted project must exit 2, every other 0.\n")
	p("- **paved-bot**: the real binary, `paved-bot serve` (sandboxed, the default `--workers` and store) against the "+
		"GitHub stand-in (`internal/githubfake`, served on loopback, without Prism), then `paved-bot drift --data-dir D "+
		"--repo %s/%s --json`, timed from its start to its return: the bot checks out `main`, plans every project one "+
		"at a time without locks, and opens a GitHub issue labelled `paved:drift` per drifted project (and updates it "+
		"when it still drifts). It must report exactly the drifted projects, name an issue for each, exit %d (drift "+
		"found), and open exactly %d issues in the cold sweep and update those %d, opening none, in the warm one.\n",
		owner, repoName, exitDrifted, len(r.repo.drifted), len(r.repo.drifted))
	p("- **Cold and warm**: each round starts a fresh stand-in and a fresh bot whose data directory is empty (no working " +
		"copy, no initialised project), and a fresh clone for the hand runs: the first sweep of each is cold, the second, " +
		"right after, warm (the bot's working copy and its initialised projects, the hand clone's `.terraform`). " +
		"The plugin cache is in the same state for both, cold and warm alike: empty and unused, since `terraform_data` " +
		"needs no provider (the hand runs set no `TF_PLUGIN_CACHE_DIR`; the bot's is its data directory's, empty).\n")
	p("- **Rounds**: %d, interleaved: in odd rounds the hand sweep runs first, in even ones the bot's; the table gives "+
		"the median of the rounds.\n\n", len(df.handCold))

	p("%s", report.TableHeader("sweep of all projects", []string{"cold", "warm"}))
	handCold, handWarm := handWalls(df.handCold), handWalls(df.handWarm)
	botCold, botWarm := botWalls(df.botCold), botWalls(df.botWarm)
	p("| by hand: serial `init` + `plan` | %s | %s |\n", sec(stats.Percentile(handCold, 50)), sec(stats.Percentile(handWarm, 50)))
	p("| paved-bot: `paved-bot drift` | %s | %s |\n", sec(stats.Percentile(botCold, 50)), sec(stats.Percentile(botWarm, 50)))
	p("| **paved-bot / by hand** | **%s** | **%s** |\n", report.Ratio(float64(stats.Percentile(botCold, 50)), float64(stats.Percentile(handCold, 50))),
		report.Ratio(float64(stats.Percentile(botWarm, 50)), float64(stats.Percentile(handWarm, 50))))
	p("| by hand, of which `git` | %s | %s |\n", sec(medianOf(df.handCold, func(s handSweep) time.Duration { return s.git })),
		sec(medianOf(df.handWarm, func(s handSweep) time.Duration { return s.git })))
	p("| by hand, of which `terraform init`, summed | %s | %s |\n", sec(medianOf(df.handCold, func(s handSweep) time.Duration { return s.init })),
		sec(medianOf(df.handWarm, func(s handSweep) time.Duration { return s.init })))
	p("| by hand, of which `terraform plan`, summed | %s | %s |\n", sec(medianOf(df.handCold, func(s handSweep) time.Duration { return s.plan })),
		sec(medianOf(df.handWarm, func(s handSweep) time.Duration { return s.plan })))
	p("| paved-bot, the check as the bot timed it | %s | %s |\n", sec(medianOf(df.botCold, func(s botSweep) time.Duration { return s.command })),
		sec(medianOf(df.botWarm, func(s botSweep) time.Duration { return s.command })))
	p("| paved-bot, of which its terraform runs (sandboxed, init included), summed | %s | %s |\n",
		sec(medianOf(df.botCold, func(s botSweep) time.Duration { return s.terraform })),
		sec(medianOf(df.botWarm, func(s botSweep) time.Duration { return s.terraform })))
	p("| paved-bot, of which the rest: checkout, GitHub, store, issues | %s | %s |\n",
		sec(medianOf(df.botCold, func(s botSweep) time.Duration { return s.command - s.terraform })),
		sec(medianOf(df.botWarm, func(s botSweep) time.Duration { return s.command - s.terraform })))
	p("| paved-bot, the `drift` command's wait beyond the check | %s | %s |\n",
		sec(medianOf(df.botCold, func(s botSweep) time.Duration { return s.wall - s.command })),
		sec(medianOf(df.botWarm, func(s botSweep) time.Duration { return s.wall - s.command })))
	p("| paved-bot, per project | %s | %s |\n", ms(stats.Percentile(botCold, 50)/time.Duration(n)), ms(stats.Percentile(botWarm, 50)/time.Duration(n)))
	p("| by hand, per project | %s | %s |\n", ms(stats.Percentile(handCold, 50)/time.Duration(n)), ms(stats.Percentile(handWarm, 50)/time.Duration(n)))
	p("| drift issues opened, updated | %s | %s |\n", issueCounts(df.botCold), issueCounts(df.botWarm))
	p("| `paved-bot drift` exit code | %s | %s |\n", exitCodes(df.botCold), exitCodes(df.botWarm))
	p("| paved-bot's warnings and errors logged | %s | %s |\n\n", logCounts(df.botCold), logCounts(df.botWarm))
	p("The check as the bot timed it is its `paved_command_duration_seconds` for kind `drift`, read off `/metrics` " +
		"before and after the sweep, and its terraform runs `paved_terraform_duration_seconds` for op `drift` (every " +
		"process of a project's plan, each in its sandbox); the wait beyond the check is the command's wall time " +
		"less that: recording the check, a worker claiming it, and the `drift` command polling the store for its end.\n\n")

	p("Each round:\n\n")
	p("%s", report.TableHeader("round", []string{"first", "by hand, cold", "paved-bot, cold", "by hand, warm", "paved-bot, warm"}))
	for i := range df.handCold {
		first := "by hand"
		if df.firstBot[i] {
			first = "paved-bot"
		}
		p("| %d | %s | %s | %s | %s | %s |\n", i+1, first, sec(df.handCold[i].wall), sec(df.botCold[i].wall), sec(df.handWarm[i].wall), sec(df.botWarm[i].wall))
	}
	p("\n")

	p("GitHub API calls of one sweep, counted at the stand-in (round 1; %s):\n\n", sameCallsText(df))
	p("%s", report.TableHeader("endpoint", []string{"cold sweep", "warm sweep"}))
	cold, warm := df.botCold[0].calls, df.botWarm[0].calls
	endpoints := map[string]bool{}
	for e := range cold {
		endpoints[e] = true
	}
	for e := range warm {
		endpoints[e] = true
	}
	for _, e := range slices.Sorted(maps.Keys(endpoints)) {
		p("| `%s` | %s | %s |\n", e, countCell(cold[e]), countCell(warm[e]))
	}
	p("| **total** | **%d** | **%d** |\n\n", total(cold), total(warm))

	// Reading.
	p("### Reading\n\n")
	pavedMed := stats.Percentile(pf.pavedEval, 50)
	p("- **Policy evaluation**: paved-bot evaluates the set against the %d-resource plan in %s (median), %s× conftest's "+
		"%s; each conftest run starts a process, parses and compiles the policies, which the bot does once "+
		"(`planpolicy.Load`, %s), and reads the plan from a file. The evaluation allocates %s per project.\n",
		pf.resources, ms(pavedMed), report.Ratio(float64(pavedMed), float64(conftestMed)), ms(conftestMed),
		ms(stats.Percentile(pf.pavedLoad, 50)), report.MiB(int64(allocMed)))
	p("- **The whole per-project policy cost** is dominated by `terraform show -json`, which both pay: %s plain for the "+
		"user, %s for the bot (what `Job.ShowJSON` adds to `Runner.Plan`, median of the rounds' differences; %s counted "+
		"inside terraform processes). With it, paved-bot's cost is %s× the user's (%s against %s). %s\n",
		ms(stats.Percentile(pf.showPlain, 50)), ms(stats.Percentile(botShow, 50)),
		ms(stats.Percentile(diffs(pf.planShowTF, pf.planPlainTF), 50)),
		report.Ratio(float64(stats.Percentile(botTotal, 50)), float64(userMed)), ms(stats.Percentile(botTotal, 50)), ms(userMed),
		showVerdict(pf, botShow))
	hc, bc := stats.Percentile(handCold, 50), stats.Percentile(botCold, 50)
	hw, bw := stats.Percentile(handWarm, 50), stats.Percentile(botWarm, 50)
	p("- **Drift sweep**: over %d projects, paved-bot took %s cold against %s by hand (%s×) and %s warm against %s (%s×). "+
		"%s By `bot/runner`'s code, a cold project runs two sandboxed terraform processes, `init` and `plan` (the "+
		"`terraform version -json` that terraform-exec asks of each new directory's handle is answered by the sandbox "+
		"launcher from the spec, starting no sandbox; the runner asks the binary itself once per bot process), and a "+
		"warm one a single `plan` (the init fingerprint is unchanged), against two unsandboxed ones by hand every time.\n",
		n, sec(bc), sec(hc), report.Ratio(float64(bc), float64(hc)), sec(bw), sec(hw), report.Ratio(float64(bw), float64(hw)),
		driftVerdict(df))
	p("- **GitHub**: a sweep costs %d API calls cold and %d warm, for %d drifted projects: %s\n", total(cold), total(warm),
		len(r.repo.drifted), callsVerdict(cold, warm, len(r.repo.drifted)))
	return b.String()
}

// showVerdict says what the bot's show costs beyond the user's.
func showVerdict(pf *policyFigures, botShow []time.Duration) string {
	plain, bot := stats.Percentile(pf.showPlain, 50), stats.Percentile(botShow, 50)
	plan := stats.Percentile(pf.planPlain, 50)
	return fmt.Sprintf("The sandbox, the scratch copy of the plan and terraform-exec's decoding put %s on the plain "+
		"show; no `terraform version -json` runs for it. Against the plan it follows (%s through `Runner.Plan`), the "+
		"show adds %.0f%%.", signedMs(bot-plain), ms(plan), 100*float64(bot)/float64(max(plan, 1)))
}

// signedMs is d with its sign: "+12.3 ms", "-4.00 ms".
func signedMs(d time.Duration) string {
	if d < 0 {
		return "-" + ms(-d)
	}
	return "+" + ms(d)
}

// driftVerdict says where the bot's sweep time went.
func driftVerdict(df *driftFigures) string {
	var parts []string
	for _, c := range []struct {
		name   string
		sweeps []botSweep
	}{{"cold", df.botCold}, {"warm", df.botWarm}} {
		cmd := medianOf(c.sweeps, func(s botSweep) time.Duration { return s.command })
		tf := medianOf(c.sweeps, func(s botSweep) time.Duration { return s.terraform })
		rest := medianOf(c.sweeps, func(s botSweep) time.Duration { return s.command - s.terraform })
		wait := medianOf(c.sweeps, func(s botSweep) time.Duration { return s.wall - s.command })
		parts = append(parts, fmt.Sprintf("%s, the bot's check took %s (medians), of which terraform %s (%.0f%%), the rest "+
			"(checkout, GitHub, store) %s, and the command waited %s more",
			c.name, sec(cmd), sec(tf), 100*float64(tf)/float64(max(cmd, 1)), sec(rest), sec(wait)))
	}
	return "Cold" + strings.TrimPrefix(strings.Join(parts, "; "), "cold") + "."
}

// callsVerdict names the calls that grow with the projects or the drifted
// ones.
func callsVerdict(cold, warm map[string]int, drifted int) string {
	var perDrifted []string
	for _, e := range slices.Sorted(maps.Keys(cold)) {
		if cold[e] == drifted {
			perDrifted = append(perDrifted, "`"+e+"`")
		}
	}
	s := "the issues listed once per sweep"
	if len(perDrifted) > 0 {
		s += "; one call per drifted project for " + strings.Join(perDrifted, ", ")
	}
	if n := warm["PATCH /repos/{owner}/{repo}/issues/{number}"]; n > 0 {
		s += fmt.Sprintf("; the warm sweep edits the %d open issues instead of opening them", n)
	}
	return s + ". No call is made per project in sync."
}

func sameCallsText(df *driftFigures) string {
	for i := range df.botCold {
		if !maps.Equal(df.botCold[i].calls, df.botCold[0].calls) || !maps.Equal(df.botWarm[i].calls, df.botWarm[0].calls) {
			return "the rounds differed"
		}
	}
	return fmt.Sprintf("the same in all %d rounds", len(df.botCold))
}

func handWalls(s []handSweep) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, x := range s {
		out[i] = x.wall
	}
	return out
}

func botWalls(s []botSweep) []time.Duration {
	out := make([]time.Duration, len(s))
	for i, x := range s {
		out[i] = x.wall
	}
	return out
}

func medianOf[T any](s []T, f func(T) time.Duration) time.Duration {
	d := make([]time.Duration, len(s))
	for i, x := range s {
		d[i] = f(x)
	}
	return stats.Percentile(d, 50)
}

// diffs subtracts b from a round by round.
func diffs(a, b []time.Duration) []time.Duration {
	out := make([]time.Duration, min(len(a), len(b)))
	for i := range out {
		out[i] = a[i] - b[i]
	}
	return out
}

// sums adds a and b round by round.
func sums(a, b []time.Duration) []time.Duration {
	out := make([]time.Duration, min(len(a), len(b)))
	for i := range out {
		out[i] = a[i] + b[i]
	}
	return out
}

func issueCounts(s []botSweep) string {
	var parts []string
	for _, x := range s {
		parts = append(parts, fmt.Sprintf("%d, %d", x.opened, x.updated))
	}
	return oneOrAll(parts)
}

func exitCodes(s []botSweep) string {
	var parts []string
	for _, x := range s {
		parts = append(parts, fmt.Sprint(x.exitCode))
	}
	return oneOrAll(parts)
}

func logCounts(s []botSweep) string {
	var parts []string
	for _, x := range s {
		parts = append(parts, fmt.Sprint(x.logIssues))
	}
	return oneOrAll(parts)
}

// oneOrAll is the value every round had, or each round's.
func oneOrAll(parts []string) string {
	if len(parts) > 0 && !slices.ContainsFunc(parts, func(s string) bool { return s != parts[0] }) {
		return parts[0] + " every round"
	}
	return strings.Join(parts, "; ")
}

func total(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

func countCell(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

func backticked(paths []string) string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = "`" + p + "`"
	}
	return strings.Join(out, " and ")
}

func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	if v < 10 {
		return fmt.Sprintf("%.2f ms", v)
	}
	return fmt.Sprintf("%.1f ms", v)
}

func sec(d time.Duration) string { return fmt.Sprintf("%.2f s", d.Seconds()) }

func kib(b int) string { return fmt.Sprintf("%.0f KiB", float64(b)/(1<<10)) }
