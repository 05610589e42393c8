package main

import (
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/paved-road/paved/bench/report"
	"github.com/paved-road/paved/bench/stats"
	"github.com/paved-road/paved/bot/web"
)

func (r *results) markdown(command string) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w, d, s := r.w, r.w.data, r.streams

	p("## The operator page on a repository of %d projects and %s deploys\n\n", d.projects, report.Thousands(int64(d.deploys)))
	b.WriteString(report.Run{Program: "pagebench", Command: command, Took: r.took, Started: r.started, Load: []string{r.load[0], r.load[1] + " before the streams", r.load[2]}, CPU: r.cpu}.Opening())
	p("| Terraform | %s |\n| Go | %s |\n", w.TFVersion, runtime.Version())
	p("| paved-bot | built from commit %s, `serve` with the page on (`--github-oauth-client-id`, `--web-url http://127.0.0.1:PORT`, "+
		"`--insecure-cookies`), the default `--workers`, terraform sandboxed (bubblewrap) |\n", w.Commit)
	perProject := fmt.Sprintf("%d a project", d.deploys/d.projects)
	if d.deploys%d.projects != 0 {
		perProject = fmt.Sprintf("%d to %d a project", d.deploys/d.projects, d.deploys/d.projects+1)
	}
	p("| repository | `%s`: %d projects in %d teams (`team:` in `paved.yaml`), %s deploys over the last 12 weeks "+
		"(%s), %d projects locked by %d pull requests, %d pull requests waiting in %d lock queues |\n",
		fullName, d.projects, len(teams), report.Thousands(int64(d.deploys)), perProject, d.locks, d.lockPRs, d.waiters, d.queues)
	p("| store | %s audit entries: %d autoplans (one a project), %s applies with their deploy tag, %d failed applies |\n",
		report.Thousands(int64(d.auditEntries)), d.autoplans, report.Thousands(int64(d.applied)), d.failed)
	p("| setup | bot built in %.1f s; repository in %.1f s; %s tags in %.1f s; store in %.1f s |\n\n",
		w.setup.build.Seconds(), w.setup.repo.Seconds(), report.Thousands(int64(d.deploys)), w.setup.tags.Seconds(), w.setup.store.Seconds())

	p("Before the bot starts, the benchmark writes its data directory's bbolt store (`DATA_DIR/paved.db`) through "+
		"`bot/store`'s exported API (`Open`, `AppendAudit`, `TryLock`, `Enqueue`, then `Close`), as the bot would have "+
		"left it: every project seen in the audit log, each deploy's `apply` entry with its tag, %.0f%% more applies "+
		"that failed, the locks (taken in the last three days) and the lock queues, with the pull requests' URLs, "+
		"clone URL and installation. The repository's origin, which the GitHub stand-in (`internal/githubfake`, "+
		"served on loopback, without Prism) serves as `%s`, has %d commits on `main` and one annotated deploy tag per "+
		"deploy on the commit of its time, made with `git mktag` and one `git update-ref --stdin`: its message is "+
		"`history.Record.Message` signed under the key the bot derives from its webhook secret "+
		"(`history.KeyFromSecret`), with the project's team, when its pull request opened and how long the apply "+
		"took. The pull requests holding locks or waiting are open on the stand-in, so the bot's reconciliation at "+
		"start releases nothing. The failed applies are written with the outcome `failed`, which the page's and "+
		"`paved-bot history --stats`' failure rates count.\n\n", 100*failedShare, fullName, d.commits)
	p("Then `paved-bot serve` starts with the page on, and a plain Go HTTP client with a cookie jar logs in as "+
		"`%s` through the stand-in's OAuth web flow (`/login`, GitHub's consent page, `/login/callback`). Each view is "+
		"requested once to warm up (the first history view also fetches the %s tags into the bot's mirror), then %d "+
		"times one after the other; the time runs from sending the request to the last byte of the answer. Every "+
		"answer must be 200 and show all the prepared data (the %d project rows and %d locks, the project's %d "+
		"verified deploys, the %s deploys counted in both stats tables), or the run fails. *Bot CPU* is the bot's "+
		"CPU time (with the git it ran) over the timed requests, from `/proc/<pid>/stat`, divided by their number. "+
		"The viewer's access to the repository is asked of GitHub once a minute per viewer (`GET /repos/{owner}/{repo}` "+
		"with their token), the rest of the time read from the page's cache.\n\n",
		viewer, report.Thousands(int64(d.deploys)), r.o.n, d.projects, d.locks, w.chosen.deploys, report.Thousands(int64(d.deploys)))

	p("### Page views\n\n")
	p("%s", report.TableHeader("view", []string{"median", "p95", "bot CPU per request", "answer"}))
	views := []string{"repository list", "repository: projects, locks, queues, commands", "one project's history (" + w.chosen.name + ")", "deploy stats of every project and team"}
	for i, t := range r.pages {
		p("| %s `%s` | %s | %s | %s | %s |\n", views[i], strings.TrimPrefix(t.name, "GET "), ms(t.median()), ms(t.p95()), ms(t.cpuPerRun()), kib(t.bytes))
	}
	p("\n")

	p("### What an operator would run instead\n\n")
	p("The same data from the command line, in the same invocation, while the bot runs: `locks list` and `audit` ask the "+
		"running bot through its socket in the data directory; `history` fetches the deploy tags into the same mirror "+
		"(`DATA_DIR/history/%s.git`) from the origin and, with `--stats`, reads the audit log through the socket for "+
		"the failure rates. Each is run once to warm up, then %d times; the time runs from starting the process to its "+
		"exit, and *CPU per run* adds the command's own CPU time (with its git) to the bot's meanwhile. Every output "+
		"must show the prepared data too.\n\n", fullName, r.o.n)
	p("%s", report.TableHeader("command", []string{"median", "p95", "CPU per run", "output"}))
	for _, t := range r.clis {
		p("| `%s` | %s | %s | %s | %s |\n", t.name, ms(t.median()), ms(t.p95()), ms(t.cpuPerRun()), kib(t.bytes))
	}
	f := r.fetch
	p("| for reference, the fetch alone: `%s` | %s | %s | %s | |\n\n", f.name, ms(f.median()), ms(f.p95()), ms(f.cpuPerRun()))
	p("The last row is the `git fetch` that `history.Sync` runs at the start of every history and stats view and of "+
		"every `paved-bot history`, into a mirror of its own that already has the %s tags (the warm-up fetched "+
		"them), so it finds nothing new, as theirs do; its CPU time includes the `git-upload-pack` it runs for a "+
		"`file://` origin.\n\n", report.Thousands(int64(d.deploys)))

	repo, hist, statsPage := r.pages[1], r.pages[2], r.pages[3]
	lockList, auditCLI, statsCLI, projectCLI := r.clis[0], r.clis[1], r.clis[2], r.clis[3]
	p("### Side by side\n\n")
	p("%s", report.TableHeader("the page", []string{"median", "the CLI instead", "median", "page / CLI"}))
	cliRepo := lockList.median() + auditCLI.median()
	p("| the repository | %s | `locks list` + `audit --repo --since 2160h` | %s | %s |\n", ms(repo.median()), ms(cliRepo), ratioText(repo.median(), cliRepo))
	p("| deploy stats | %s | `history --stats` | %s | %s |\n", ms(statsPage.median()), ms(statsCLI.median()), ratioText(statsPage.median(), statsCLI.median()))
	p("| a project's history | %s | `history --project` | %s | %s |\n\n", ms(hist.median()), ms(projectCLI.median()), ratioText(hist.median(), projectCLI.median()))

	p("### Resident set with %d open log streams\n\n", len(s.firstEvent))
	p("To have a command that runs, pull request #%d adds a project `%s` whose one `terraform_data` has a `local-exec` "+
		"provisioner that writes a file, then waits for another one the benchmark writes at the end (at most %s): its "+
		"autoplan runs, then `paved apply` is commented, and once the provisioner has started the apply (job %s) runs "+
		"until released. Its log barely grows meanwhile (the bot adds a line per step, not Terraform's output), so "+
		"each stream gets the log so far as its first event and little more (%d `log` events over the %d streams), "+
		"the rest being the page's polling: every stream reads the log and the command list from the store every "+
		"%s. The %d streams "+
		"(`GET /repos/%s/jobs/%s/events`, the session cookie, a connection each) are opened at once, each must answer "+
		"200 `text/event-stream` and deliver its first `log` event, and are held %s, then closed by the client. "+
		"`VmRSS` is read from `/proc/<pid>/status` every 50 ms throughout; *idle* readings are medians over %s with "+
		"nothing asked of the bot, *with the streams* the median over the hold; the peak counts from the first stream "+
		"opening until the last closed. Only the bot's own process is counted, not the terraform it runs. Goroutines, "+
		"the Go heap in use and the collections come from the bot's own `/metrics` (the Go runtime's `go_*`), "+
		"scraped at the end of the idle window, in the middle of the hold and %s after it.\n\n",
		slowPR, slowProject, (r.o.hold + 2*time.Minute).String(), "`"+s.job+"`", s.events, len(s.firstEvent), ms(web.DefaultPoll), len(s.firstEvent), fullName, s.job, s.heldFor.Round(100*time.Millisecond),
		settleWindow, afterWindow)
	n := int64(max(len(s.firstEvent), 1))
	p("| | |\n| --- | --- |\n")
	p("| idle after the login | %s |\n", report.MiB(r.loginRSS))
	p("| highest during the page timings above | %s |\n", report.MiB(r.timingPeak))
	p("| idle before the streams (the apply running) | %s |\n", report.MiB(s.idle))
	p("| with %d streams open (median over the hold, %d readings) | %s |\n", n, s.samples, report.MiB(s.hold))
	p("| peak with %d streams, opening included | %s |\n", n, report.MiB(s.peak))
	p("| growth per stream | %s at the median, %s at the peak |\n", kibSigned((s.hold-s.idle)/n), kibSigned((s.peak-s.idle)/n))
	p("| %s after the streams closed | %s |\n", afterWindow, report.MiB(s.after))
	p("| the bot's peak over its life (`VmHWM`, or a higher reading) | %s |\n", report.MiB(s.hwm))
	p("| all %d streams delivering their first event | %s after opening (median stream %s) |\n", n, ms(s.opened), ms(stats.Percentile(s.firstEvent, 50)))
	p("| bot CPU, idle / with the streams | %.1f%% / %.1f%% of one core |\n", 100*s.idleCPU, 100*s.holdCPU)
	p("| bot's open files, idle / with the streams | %d / %d |\n", s.idleFDs, s.holdFDs)
	p("| bot's threads, idle / with the streams | %d / %d |\n", s.idleThreads, s.holdThreads)
	p("| goroutines, idle / with the streams (`go_goroutines`) | %.0f / %.0f (%.1f per stream) |\n",
		s.idleGo.goroutines, s.holdGo.goroutines, (s.holdGo.goroutines-s.idleGo.goroutines)/float64(n))
	p("| Go heap in use, idle / with the streams / after (`go_memstats_heap_inuse_bytes`) | %s / %s / %s |\n",
		report.MiB(int64(s.idleGo.heapInuse)), report.MiB(int64(s.holdGo.heapInuse)), report.MiB(int64(s.afterGo.heapInuse)))
	p("| garbage collections during the idle window (%s) / the hold (%s) | %.0f / %.0f |\n",
		settleWindow, s.heldFor.Round(100*time.Millisecond), s.idleGCs, s.holdGCs)
	p("| the apply, released after the streams closed | reported success, %.1f s after its comment |\n\n", s.applyWall.Seconds())

	p("### Reading\n\n")
	slowest := r.pages[0]
	for _, t := range r.pages {
		if t.median() > slowest.median() {
			slowest = t
		}
	}
	p("- **Render time**: on %d projects and %s deploys the page answers in %s (repository list), %s (repository), %s "+
		"(a project's history) and %s (deploy stats) at the median, %s at worst at p95 (`%s`). The bot spent %s of CPU "+
		"per repository view and %s per stats view: each view reads the whole audit log of the last 90 days "+
		"(%s entries here) at least once, and the history and stats views also fetch the deploy tags from the "+
		"origin into the mirror and read and verify the tags they show (all %s for the stats). That fetch alone takes "+
		"%s (median, %s of CPU): %.0f%% of a project's history view and %.0f%% of the stats view.\n",
		d.projects, report.Thousands(int64(d.deploys)), ms(r.pages[0].median()), ms(repo.median()), ms(hist.median()), ms(statsPage.median()),
		ms(slowest.p95()), strings.TrimPrefix(slowest.name, "GET "), ms(repo.cpuPerRun()), ms(statsPage.cpuPerRun()),
		report.Thousands(int64(d.auditEntries)), report.Thousands(int64(d.deploys)), ms(f.median()), ms(f.cpuPerRun()),
		100*float64(f.median())/float64(max(hist.median(), 1)), 100*float64(f.median())/float64(max(statsPage.median(), 1)))
	p("- **Against the CLI**: the repository view takes %s× the time of `locks list` and `audit` together, the stats "+
		"view %s× `history --stats` and a project's history %s× `history --project`. The CLI commands pay a process "+
		"start and, for `history`, git's fetch like the page; the page also renders HTML (%s for the repository, %s "+
		"for the stats, the stats with an SVG chart per row) and asks its access cache.\n",
		ratioText(repo.median(), cliRepo), ratioText(statsPage.median(), statsCLI.median()), ratioText(hist.median(), projectCLI.median()),
		kib(repo.bytes), kib(statsPage.bytes))
	peakText := fmt.Sprintf("the peak, %s, was no higher than the hold's readings", report.MiB(s.peak))
	switch {
	case float64(s.peak) <= 1.05*float64(s.hold):
	case s.openPeak >= s.peak:
		peakText = fmt.Sprintf("%s per stream at the peak, %s, reached while they opened: each opening reads the "+
			"audit log to find the repository, and all %d did so at once", kibSigned((s.peak-s.idle)/n), report.MiB(s.peak), n)
	default:
		peakText = fmt.Sprintf("%s per stream at the peak, %s, reached during the hold; %s at most while they opened",
			kibSigned((s.peak-s.idle)/n), report.MiB(s.peak), report.MiB(s.openPeak))
	}
	p("- **Log streams**: with %d streams open the bot's resident set was %s against %s idle, %s per stream at the "+
		"median (%s). Each stream is %.1f goroutines and a connection (%d more open files); the Go heap in use went "+
		"from %s to %s. Between them the %d streams read the log and the command list from the store %.0f times a "+
		"second, each read a copy; a resident-set reading also depends on when the Go collector last ran (%s "+
		"during the hold). The polling cost %.1f%% of a core against "+
		"%.1f%% idle. %s after the streams closed the heap in use was %s and the resident set %s: Go "+
		"returns freed memory to the kernel gradually.\n",
		n, report.MiB(s.hold), report.MiB(s.idle), kibSigned((s.hold-s.idle)/n), peakText,
		(s.holdGo.goroutines-s.idleGo.goroutines)/float64(n), s.holdFDs-s.idleFDs,
		report.MiB(int64(s.idleGo.heapInuse)), report.MiB(int64(s.holdGo.heapInuse)),
		n, float64(n)/web.DefaultPoll.Seconds(), plural(int(s.holdGCs), "collection"),
		100*s.holdCPU, 100*s.idleCPU, afterWindow, report.MiB(int64(s.afterGo.heapInuse)), report.MiB(s.after))
	p("- **Load**: the machine has %d CPUs and other processes used %.0f%% of its CPU time during the run (load average "+
		"%s to %s): the times are upper bounds, the CPU times and resident sets less disturbed.\n",
		runtime.NumCPU(), 100*r.cpu.OthersShare(), r.load[0], r.load[2])
	if len(r.issues) == 0 {
		p("- **The bot's log**: no warning and no error.\n")
	} else {
		p("- **The bot's log**: %s.\n", strings.ReplaceAll(strings.Join(r.issues, "; "), "`", "'"))
	}
	return b.String()
}

// plural is "1 collection" or "2 collections".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// ratioText is a / b, or a dash when b is zero.
func ratioText(a, b time.Duration) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", float64(a)/float64(b))
}

func ms(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return fmt.Sprintf("%.1f s", d.Seconds())
	case d >= 100*time.Millisecond:
		return fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
}

func kib(b int) string {
	if b >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(b)/(1<<10))
}

func kibSigned(b int64) string {
	sign := "+"
	if b < 0 {
		sign, b = "−", -b
	}
	return sign + fmt.Sprintf("%.0f KiB", float64(b)/(1<<10))
}
