// Command replicabench measures paved-bot run as one replica and as several
// replicas sharing one Redis store, as `make bench-replicas` runs it, and
// writes the result as the "replicas" section of docs/benchmarks.md.
//
// It builds the real `paved-bot` binary and, for each configuration in turn
// (one replica, then -replicas of them), starts a fresh redis-server, a fresh
// GitHub stand-in (internal/githubfake, served on loopback) holding a
// repository of -prs pull requests that each change two `terraform_data`
// projects of their own, and the replicas, each `paved-bot serve --store
// redis://…` with its own data directory and port, sandboxed, behind a small
// round-robin proxy standing for the load balancer. Then:
//
//  1. every pull request's `opened` webhook is posted at once; each
//     autoplans its two projects;
//  2. once every plan has answered and the bot is idle, `paved apply` is
//     commented on every pull request at once.
//
// Each command is timed from its webhook POST to the bot's final comment for
// it, seen at the stand-in. GitHub API calls are counted at the stand-in,
// Redis round trips from what each replica logs when it stops (and
// redis-server's own command count), each replica's resident set sampled from
// /proc. Every pull request must get exactly one plan reply and one apply
// reply, and every project must have been applied exactly once, or the run
// fails.
//
// Everything lives in a temporary directory removed at the end, with every
// process it started, within -timeout, on loopback only.
package main

import (
	"context"
	"flag"
	"time"

	"github.com/paved-road/paved/bench/cli"
)

const section = "replicas"

type options struct {
	terraform string
	out       string
	prs       int
	replicas  int
	workers   int
	timeout   time.Duration
	keep      bool
}

func main() {
	var o options
	flag.StringVar(&o.terraform, "terraform", "", "terraform binary (required; make bench-replicas passes the pinned 1.8.5)")
	flag.StringVar(&o.out, "out", "", "markdown file whose \""+section+"\" section receives the report (empty: print only)")
	flag.IntVar(&o.prs, "prs", 30, "pull requests, of two projects each, planned at once and then applied at once")
	flag.IntVar(&o.replicas, "replicas", 3, "replicas of the second configuration (the first is one replica)")
	flag.IntVar(&o.workers, "workers", 3, "paved-bot --workers of every replica, in both configurations")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "bound on the whole run, the build included")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory, with the replicas' logs")
	flag.Parse()
	if o.terraform == "" || o.prs < 1 || o.replicas < 2 || o.workers < 1 || flag.NArg() > 0 {
		cli.Usage("usage: replicabench -terraform PATH [-prs 30] [-replicas 3] [-workers 3] [-timeout 15m] [-keep] [-out docs/benchmarks.md]")
	}

	prog.Main(o.timeout, func(ctx context.Context) error { return run(ctx, o) })
}

var prog = cli.Program{Name: "replicabench"}

func run(ctx context.Context, o options) error {
	k, err := newKit(ctx, o)
	if err != nil {
		return err
	}
	defer k.Close(o.keep)

	res, err := measure(ctx, k, o)
	if err != nil {
		return err
	}
	res.took = time.Since(k.Started)
	return prog.Publish(o.out, section, res.markdown(cli.MakeCommandLine("bench-replicas", "REPLICABENCHFLAGS", "out", "keep", "terraform")))
}
