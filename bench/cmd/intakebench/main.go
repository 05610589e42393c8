// Command intakebench measures what paved-bot's memory does when many large
// unauthenticated webhooks arrive at once, as `make bench-intake` runs it,
// and writes the result as the "intake" section of docs/benchmarks.md.
//
// It builds paved-bot from the working tree and from a baseline commit (the
// last one before the bounded intake, exported with git archive), starts
// each as its own `paved-bot serve` process on loopback with no GitHub
// behind it, fires -requests concurrent POSTs of -size bytes at /events with
// a correct Content-Length (once with a well-formed but wrong signature, once
// with none, a fresh process each time) and samples the process's resident
// set from /proc meanwhile.
//
// Everything lives in a temporary directory removed at the end, with every
// process it started, and within -timeout.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paved-road/paved/bench/gomod"
	"github.com/paved-road/paved/bench/report"
	"github.com/paved-road/paved/bot/webhook"
)

type options struct {
	out      string
	baseline string
	src      string
	requests int
	size     int64
	timeout  time.Duration
	keep     bool
}

func main() {
	var o options
	flag.StringVar(&o.out, "out", "", "markdown file whose \"intake\" section receives the report (empty: print only)")
	flag.StringVar(&o.baseline, "baseline", "3622e3b", "git revision of the baseline paved-bot")
	flag.StringVar(&o.src, "src", "", "source tree of the new paved-bot (default: this working tree)")
	flag.IntVar(&o.requests, "requests", 100, "concurrent POSTs per run")
	flag.Int64Var(&o.size, "size", webhook.MaxBody, "body size of each POST, in bytes; at most the bot's --max-body, so that it is read")
	flag.DurationVar(&o.timeout, "timeout", 2*time.Minute, "bound on the whole run, builds included")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory, with the bot logs")
	flag.Parse()
	if o.requests < 1 || o.size < 1 || o.size > webhook.MaxBody || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: intakebench [-requests 100] [-size 26214400] [-baseline 3622e3b] [-src DIR] [-out docs/benchmarks.md]")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	err := run(ctx, o)
	cancel()
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "intakebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	started := time.Now()
	// The baseline reads every body whole: about twice requests × size at
	// once, counting the garbage of its growing buffers.
	need := 2*int64(o.requests)*o.size + 1<<30
	if avail, ok := memAvailable(); ok && avail < need {
		return fmt.Errorf("the baseline may need %s of memory and %s is available: lower -requests or -size", mib(need), mib(avail))
	}
	root, err := gomod.Root(ctx, "intakebench")
	if err != nil {
		return err
	}
	scratch, err := os.MkdirTemp("", "intakebench-")
	if err != nil {
		return err
	}
	defer func() {
		if o.keep {
			progress("kept %s", scratch)
			return
		}
		if err := os.RemoveAll(scratch); err != nil {
			progress("removing %s: %v", scratch, err)
		}
	}()
	bins, err := build(ctx, root, scratch, o)
	if err != nil {
		return err
	}
	res := results{started: started.UTC(), requests: o.requests, size: o.size, bins: bins}
	body := payload(o.size)
	for _, v := range variants {
		for _, b := range bins {
			progress("%s, %s: %d POSTs of %s", b.name, v.name, o.requests, mib(o.size))
			r, err := measure(ctx, b, v, body, o.requests, filepath.Join(scratch, "run-"+strconv.Itoa(len(res.runs))))
			if err != nil {
				return fmt.Errorf("%s, %s: %w", b.name, v.name, err)
			}
			res.runs = append(res.runs, r)
		}
	}
	res.took = time.Since(started)
	md := res.markdown(commandLine())
	fmt.Print(md)
	if o.out == "" {
		return nil
	}
	if err := report.WriteSection(o.out, "intake", md); err != nil {
		return err
	}
	progress("wrote the %q section of %s", "intake", o.out)
	return nil
}

// commandLine is how this run is repeated from the repository root: make
// bench-intake, with the flags that differ from its own.
func commandLine() string {
	var flags []string
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "out" || f.Name == "keep" {
			return
		}
		v := f.Value.String()
		if strings.ContainsAny(v, " \t'\"$\\") {
			v = strconv.Quote(v)
		}
		flags = append(flags, "-"+f.Name+"="+v)
	})
	if len(flags) == 0 {
		return "make bench-intake"
	}
	return "make bench-intake INTAKEBENCHFLAGS='" + strings.Join(flags, " ") + "'"
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "intakebench: "+format+"\n", args...)
}

// errStopped is how a wait ends when the context does.
func errStopped(ctx context.Context, what string) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("%s: -timeout reached", what)
	}
	return fmt.Errorf("%s: %w", what, ctx.Err())
}
