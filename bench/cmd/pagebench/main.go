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
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paved-road/paved/bench/report"
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
		fmt.Fprintln(os.Stderr, "usage: pagebench -terraform PATH [-projects 200 (at least 8)] [-deploys 1000 (at least -projects)] "+
			"[-locked 50 (even, 4 to -projects - 4)] [-n 20] [-streams 50] [-hold 10s] [-timeout 10m] [-keep] [-out docs/benchmarks.md]")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	err := run(ctx, o)
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pagebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) (err error) {
	// The GitHub stand-in reports misuse by panicking (see fatal); the
	// deferred cleanups below run first either way.
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(fatal)
			if !ok {
				panic(r)
			}
			err = f.err
		}
	}()
	// The bot refuses to run terraform unsandboxed unless told to; this
	// benchmark never tells it.
	if _, err := exec.LookPath("bwrap"); err != nil {
		return fmt.Errorf("bwrap (bubblewrap), paved-bot's sandbox for terraform, is not installed (scripts/tools.sh bubblewrap installs it); "+
			"the benchmark runs the bot sandboxed, as in production, and does not fall back to --unsafe-no-sandbox: %w", err)
	}
	started := time.Now()
	w, err := newWorld(ctx, o)
	if err != nil {
		return err
	}
	defer w.close(o.keep)

	res, err := measure(ctx, w, o)
	if err != nil {
		return err
	}
	res.took = time.Since(started)
	md := res.markdown(commandLine())
	fmt.Print(md)
	if o.out == "" {
		return nil
	}
	if err := report.WriteSection(o.out, section, md); err != nil {
		return err
	}
	progress("wrote the %q section of %s", section, o.out)
	return nil
}

// fatal carries an error out of a githubfake.Fake through a panic, which run
// recovers: the fake reports misuse of its Go API, never a failed request,
// so this is a bug in pagebench.
type fatal struct{ err error }

// fakeReporter is the githubfake.Reporter of a program rather than a test.
type fakeReporter struct{}

func (fakeReporter) Helper() {}

func (fakeReporter) Fatalf(format string, args ...any) {
	panic(fatal{fmt.Errorf("githubfake: "+format, args...)})
}

// commandLine is how this run is repeated from the repository root: make
// bench-page, with the flags that differ from its own.
func commandLine() string {
	var flags []string
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "out" || f.Name == "keep" || f.Name == "terraform" {
			return
		}
		v := f.Value.String()
		if strings.ContainsAny(v, " \t'\"$\\") {
			v = strconv.Quote(v)
		}
		flags = append(flags, "-"+f.Name+"="+v)
	})
	if len(flags) == 0 {
		return "make bench-page"
	}
	return "make bench-page PAGEBENCHFLAGS='" + strings.Join(flags, " ") + "'"
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "pagebench: "+format+"\n", args...)
}

// errStopped is how a wait ends when the context does.
func errStopped(ctx context.Context, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: -timeout reached", what)
	}
	return fmt.Errorf("%s: %w", what, ctx.Err())
}
