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
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/paved-road/paved/bench/cli"
	"github.com/paved-road/paved/bench/gomod"
	"github.com/paved-road/paved/bench/machine"
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
		cli.Usage("usage: intakebench [-requests 100] [-size 26214400] [-baseline 3622e3b] [-src DIR] [-out docs/benchmarks.md]")
	}

	prog.Main(o.timeout, func(ctx context.Context) error { return run(ctx, o) })
}

var prog = cli.Program{Name: "intakebench"}

func run(ctx context.Context, o options) error {
	started := time.Now()
	// The baseline reads every body whole: about twice requests × size at
	// once, counting the garbage of its growing buffers.
	need := 2*int64(o.requests)*o.size + 1<<30
	if avail, ok := machine.Meminfo("MemAvailable"); ok && avail < need {
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
			prog.Progress("kept %s", scratch)
			return
		}
		if err := os.RemoveAll(scratch); err != nil {
			prog.Progress("removing %s: %v", scratch, err)
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
			prog.Progress("%s, %s: %d POSTs of %s", b.name, v.name, o.requests, mib(o.size))
			r, err := measure(ctx, b, v, body, o.requests, filepath.Join(scratch, "run-"+strconv.Itoa(len(res.runs))))
			if err != nil {
				return fmt.Errorf("%s, %s: %w", b.name, v.name, err)
			}
			res.runs = append(res.runs, r)
		}
	}
	res.took = time.Since(started)
	return prog.Publish(o.out, "intake", res.markdown(cli.MakeCommandLine("bench-intake", "INTAKEBENCHFLAGS", "out", "keep")))
}
