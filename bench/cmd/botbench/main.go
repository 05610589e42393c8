// Command botbench measures what paved-bot itself costs on a pull request
// that touches 10 Terraform projects, as `make bench` runs it, and writes the
// result as the "bot" section of docs/benchmarks.md.
//
// It builds the real `paved-bot` binary and runs `paved-bot serve` against
// the GitHub stand-in (internal/githubfake) served on loopback, with a
// repository whose projects each install this repository's provider from a
// local filesystem mirror. For each mode (one project at a time, and
// -parallelism at once) and each run it starts a bot with a fresh data
// directory and times three signed `issue_comment` webhooks, each from the
// POST to the command's final commit status: a cold `paved plan` (no plugin
// cache, no working copy), a warm `paved plan` of the same unchanged pull
// request, and `paved apply`. The terraform and git processes the bot starts
// are timed by proctrace stand-ins, so that the bot's overhead is the wall
// time during which no terraform process ran, and every GitHub API call is
// counted at the stand-in. In the same invocation the same projects are
// planned and applied with the terraform CLI directly: the baseline the
// bot's figures are divided by.
//
// Everything lives in a temporary directory removed at the end, with every
// process it started, and within -timeout.
package main

import (
	"context"
	"flag"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/paved-road/paved/bench/cli"
)

type options struct {
	terraform   string
	out         string
	runs        int
	projects    int
	parallelism int
	timeout     time.Duration
	keep        bool
}

func main() {
	var o options
	flag.StringVar(&o.terraform, "terraform", "", "terraform binary (required; make bench passes the pinned 1.8.5)")
	flag.StringVar(&o.out, "out", "", "markdown file whose \"bot\" section receives the report (empty: print only)")
	flag.IntVar(&o.runs, "runs", 3, "runs of every scenario; the report gives the median and the minimum")
	flag.IntVar(&o.projects, "projects", 10, "projects the pull request touches")
	flag.IntVar(&o.parallelism, "parallelism", 4, "paved-bot --parallelism of the parallel mode")
	flag.DurationVar(&o.timeout, "timeout", 15*time.Minute, "bound on the whole run")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory, with the bot logs and the process trace")
	flag.Parse()
	if o.terraform == "" || o.runs < 1 || o.projects < 2 || o.parallelism < 2 || flag.NArg() > 0 {
		cli.Usage("usage: botbench -terraform PATH [-runs 3] [-projects 10] [-parallelism 4] [-out docs/benchmarks.md]")
	}

	prog.Main(o.timeout, func(ctx context.Context) error { return run(ctx, o) })
}

var prog = cli.Program{Name: "botbench"}

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
	return prog.Publish(o.out, "bot", res.markdown(o, commandLine()))
}

// commandLine is how this invocation can be repeated from the repository
// root.
func commandLine() string {
	parts := []string{"go", "run", "./bench/cmd/botbench"}
	for _, a := range os.Args[1:] {
		if strings.ContainsAny(a, " \t'\"$\\") {
			a = strconv.Quote(a)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}
