// Command botbench measures what paved-bot costs on pull requests of 1 to
// 200 Terraform projects against running terraform by hand, as `make
// bench-bot` runs it, and writes the result as the "bot" section of
// docs/benchmarks.md.
//
// It builds the real `paved-bot` binary and runs `paved-bot serve` against
// the GitHub stand-in (internal/githubfake) served on loopback, with a
// repository whose projects each install this repository's provider from a
// local filesystem mirror. For each number of projects in -projects and
// each of its runs it starts a bot (--parallelism 4 by default) with a fresh
// data directory and times three signed `issue_comment` webhooks, each from
// the POST to the command's final commit status: a cold `paved plan` (no
// plugin cache, no working copy), a warm `paved plan` of the same unchanged
// pull request, and `paved apply`. In the same run the same projects are
// planned and applied with the terraform CLI by hand, one after another:
// init then plan with an empty plugin cache, plan alone, and apply of the
// saved plans, the baselines the bot's wall times are divided by.
//
// The terraform and git processes the bot starts are timed and named by
// proctrace stand-ins, every start of paved-bot as the sandbox launcher is
// seen through fanotify (FAN_OPEN_EXEC; without root they go uncounted),
// every GitHub API call is counted at the stand-in, and the bot's peak
// resident set (VmHWM) is read before it stops. At -serial projects the bot
// runs once more with --parallelism 1, and by hand the projects are planned
// once more with the settings the bot runs terraform with (GOGC, no plugin TLS).
//
// Everything lives in a temporary directory removed at the end, with every
// process it started, and within -timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paved-road/paved/bench/cli"
)

type options struct {
	terraform   string
	out         string
	projects    []int // ascending
	runs        []int // per entry of projects
	parallelism int
	serial      int // projects at which --parallelism 1 runs too; 0: nowhere
	timeout     time.Duration
	keep        bool
}

// defaultRuns is how many runs a pull request of n projects gets unless
// -runs says: three while they are quick, fewer as they get long.
func defaultRuns(n int) int {
	switch {
	case n <= 10:
		return 3
	case n <= 50:
		return 2
	default:
		return 1
	}
}

// defaultProjects are the sizes of pull request measured unless -projects
// says.
var defaultProjects = []int{1, 10, 50, 100, 200}

const defaultProjectsFlag = "1,10,50,100,200"

func main() {
	var o options
	var projects, runs string
	flag.StringVar(&o.terraform, "terraform", "", "terraform binary (required; make bench-bot passes the pinned 1.8.5)")
	flag.StringVar(&o.out, "out", "", "markdown file whose \"bot\" section receives the report (empty: print only)")
	flag.StringVar(&projects, "projects", defaultProjectsFlag, "comma-separated numbers of projects the pull request touches, one pull request each")
	flag.StringVar(&runs, "runs", "", "runs of each number of projects, one value for all or one per -projects entry "+
		"(default: 3 up to 10 projects, 2 up to 50, 1 above); the report gives the median")
	flag.IntVar(&o.parallelism, "parallelism", 4, "paved-bot --parallelism")
	flag.IntVar(&o.serial, "serial", 10, "number of projects (one of -projects) at which paved-bot also runs with --parallelism 1, and terraform by hand plans once more with paved-bot's settings (GOGC, no plugin TLS); 0: none")
	flag.DurationVar(&o.timeout, "timeout", 45*time.Minute, "bound on the whole run")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory, with the bot logs and the process trace")
	flag.Parse()
	var err error
	if o.projects, err = intList(projects); err == nil {
		o.runs, err = runList(runs, o.projects)
	}
	if err != nil || o.terraform == "" || o.parallelism < 2 || flag.NArg() > 0 ||
		(o.serial != 0 && !slices.Contains(o.projects, o.serial)) {
		if err != nil {
			prog.Progress("%v", err)
		}
		cli.Usage("usage: botbench -terraform PATH [-projects 1,10,50,100,200] [-runs 3,3,2,1,1] [-parallelism 4] [-serial 10] " +
			"[-timeout 45m] [-keep] [-out docs/benchmarks.md]")
	}

	prog.Main(o.timeout, func(ctx context.Context) error { return run(ctx, o) })
}

// intList reads "1,10,50": positive numbers in increasing order.
func intList(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-projects %q: want positive numbers separated by commas", s)
		}
		if len(out) > 0 && n <= out[len(out)-1] {
			return nil, fmt.Errorf("-projects %q: give them in increasing order, each once", s)
		}
		out = append(out, n)
	}
	return out, nil
}

// runList reads -runs for projects: empty for the defaults, one number for
// all, or one per entry, in the order given.
func runList(s string, projects []int) ([]int, error) {
	out := make([]int, len(projects))
	if s == "" {
		for i, n := range projects {
			out[i] = defaultRuns(n)
		}
		return out, nil
	}
	var given []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("-runs %q: want positive numbers separated by commas", s)
		}
		given = append(given, n)
	}
	switch len(given) {
	case 1:
		for i := range out {
			out[i] = given[0]
		}
	case len(projects):
		copy(out, given)
	default:
		return nil, fmt.Errorf("-runs %q: give one number, or one per -projects entry (%d)", s, len(projects))
	}
	return out, nil
}

var prog = cli.Program{Name: "botbench"}

func run(ctx context.Context, o options) error {
	k, err := newKit(ctx, o)
	if err != nil {
		return err
	}
	defer k.close(o.keep)

	res, err := measure(ctx, k, o)
	if err != nil {
		return err
	}
	res.took = time.Since(k.Started)
	return prog.Publish(o.out, "bot", res.markdown(o, cli.MakeCommandLine("bench-bot", "BOTBENCHFLAGS", "out", "keep", "terraform")))
}
