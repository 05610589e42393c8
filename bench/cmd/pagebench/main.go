// Command pagebench measures paved-bot's operator page on a big repository,
// as `make bench-page` runs it, and writes the result as the "page" section
// of docs/benchmarks.md.
//
// It builds the real `paved-bot` binary and, before starting it, prepares
// what a repository of -projects projects and -deploys deploys leaves
// behind: a data directory whose bbolt store holds the audit log (an
// autoplan of every project, the applies of the last twelve weeks, some of
// them failed), the locks pull requests hold and the lock queues, all
// written through bot/store's exported API; and the repository's git
// origin, served by the GitHub stand-in (internal/githubfake, on loopback),
// with one signed annotated deploy tag (history.Record.Message under the
// key the bot derives from its webhook secret) per deploy. Then it starts
// `paved-bot serve` with the page on, logs in through the stand-in's OAuth
// web flow with a plain HTTP client, and:
//
//  1. times each of the page's views (-n requests after a warm-up): the
//     repository list, the repository, one project's history and the
//     repository's deploy stats, and beside them, on the same data, the
//     CLI commands an operator would run instead (`paved-bot locks list`,
//     `paved-bot audit`, `paved-bot history --stats` and
//     `paved-bot history --project`);
//  2. makes one command run and stay running (a pull request's apply whose
//     provisioner waits for the benchmark's word), and reads the bot's
//     resident set with -streams server-sent-event streams of its log
//     open, held for -hold, sampled from /proc every 50 ms, and after they
//     close.
//
// The run fails only on errors: a page answering anything but 200 or
// showing less than the prepared data, a CLI command failing, a stream that
// does not open or ends early. Everything lives in a temporary directory
// removed at the end (unless -keep), with every process it started, within
// -timeout, on loopback only.
package main

import (
	"context"
	"flag"
	"time"

	"github.com/paved-road/paved/bench/cli"
)

const section = "page"

type options struct {
	terraform string
	out       string
	projects  int
	deploys   int
	locked    int
	n         int
	streams   int
	hold      time.Duration
	timeout   time.Duration
	keep      bool
}

func main() {
	var o options
	flag.StringVar(&o.terraform, "terraform", "", "terraform binary (required; make bench-page passes the pinned 1.8.5)")
	flag.StringVar(&o.out, "out", "", "markdown file whose \""+section+"\" section receives the report (empty: print only)")
	flag.IntVar(&o.projects, "projects", 200, "projects of the repository, seen in the audit log")
	flag.IntVar(&o.deploys, "deploys", 1000, "deploys over the last 12 weeks: signed deploy tags, each with its apply in the audit log")
	flag.IntVar(&o.locked, "locked", 50, "projects locked by pull requests, two per pull request (even, at least 4)")
	flag.IntVar(&o.n, "n", 20, "timed requests of each page and runs of each CLI command, after one warm-up")
	flag.IntVar(&o.streams, "streams", 50, "server-sent-event streams of a running command's log opened at once")
	flag.DurationVar(&o.hold, "hold", 10*time.Second, "how long the streams are held open")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "bound on the whole run, the build included")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory, with the bot's log and data")
	flag.Parse()
	if o.terraform == "" || o.projects < 8 || o.deploys < o.projects || o.locked < 4 || o.locked%2 != 0 || o.locked > o.projects-4 ||
		o.n < 1 || o.streams < 1 || o.hold <= 0 || flag.NArg() > 0 {
		cli.Usage("usage: pagebench -terraform PATH [-projects 200 (at least 8)] [-deploys 1000 (at least -projects)] " +
			"[-locked 50 (even, 4 to -projects - 4)] [-n 20] [-streams 50] [-hold 10s] [-timeout 10m] [-keep] [-out docs/benchmarks.md]")
	}

	prog.Main(o.timeout, func(ctx context.Context) error { return run(ctx, o) })
}

var prog = cli.Program{Name: "pagebench"}

func run(ctx context.Context, o options) error {
	w, err := newWorld(ctx, o)
	if err != nil {
		return err
	}
	defer w.close(o.keep)

	res, err := measure(ctx, w, o)
	if err != nil {
		return err
	}
	res.took = time.Since(w.Started)
	return prog.Publish(o.out, section, res.markdown(cli.MakeCommandLine("bench-page", "PAGEBENCHFLAGS", "out", "keep", "terraform")))
}
