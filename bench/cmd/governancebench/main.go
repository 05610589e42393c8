// Command governancebench measures what paved-bot's governance features
// cost against what a user runs instead, as `make bench-governance` runs it,
// and writes the result as the "governance" section of docs/benchmarks.md.
//
// Policy checks: it writes a Terraform project of -resources
// `terraform_data` resources whose inputs carry tags, plans it with the real
// terraform binary into a saved plan, and turns that into JSON with the real
// `terraform show -json`. Against that JSON and one directory of policies
// (the repository's example policies and one over terraform_data inputs),
// it times, -evals times and interleaved: package bot/planpolicy's
// evaluation in process, as paved-bot runs it for each project; `conftest
// test` (v0.71.1, installed once through the Go module proxy into
// $PAVED_CACHE), what an Atlantis user runs instead; and the `terraform show
// -json` both need first: plain as the user runs it, and as the bot runs it,
// measured through bot/runner itself, sandboxed: what Job.ShowJSON adds to
// a Runner.Plan of the same project. Both evaluators must find the same
// failures and warnings, on the user's JSON and on the runner's, or the run
// fails.
//
// Drift: it makes a repository of -projects projects, applies each by hand
// with terraform into a local backend outside every clone, then changes
// what -drifted of them read from outside Terraform. Each of -rounds rounds
// runs, interleaved, a cold and a warm drift sweep both ways: by hand, the
// serial loop of `terraform init` and `terraform plan -detailed-exitcode
// -lock=false` in every project directory of a clone; and by the bot, the
// real paved-bot binary serving against the GitHub stand-in
// (internal/githubfake) on loopback, swept with `paved-bot drift --json`.
// The bot must find exactly the drifted projects, open exactly one issue for
// each, and exit 3, or the run fails.
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

const section = "governance"

type options struct {
	terraform string
	out       string
	resources int
	evals     int
	projects  int
	drifted   int
	rounds    int
	timeout   time.Duration
	keep      bool
}

func main() {
	var o options
	flag.StringVar(&o.terraform, "terraform", "", "terraform binary (required; make bench-governance passes the pinned 1.8.5)")
	flag.StringVar(&o.out, "out", "", "markdown file whose \""+section+"\" section receives the report (empty: print only)")
	flag.IntVar(&o.resources, "resources", 500, "terraform_data resources in the plan the policies are evaluated against")
	flag.IntVar(&o.evals, "evals", 30, "repetitions of each policy measurement, interleaved")
	flag.IntVar(&o.projects, "projects", 50, "projects of the repository the drift sweeps cover")
	flag.IntVar(&o.drifted, "drifted", 5, "of those, the projects changed outside Terraform")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of drift sweeps, each a cold then a warm sweep by hand and by the bot, interleaved")
	flag.DurationVar(&o.timeout, "timeout", 20*time.Minute, "bound on the whole run, the builds included")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory, with the bot's logs")
	flag.Parse()
	if o.terraform == "" || o.resources < 20 || o.evals < 1 || o.projects < 2 || o.drifted < 1 || o.drifted >= o.projects ||
		o.rounds < 1 || flag.NArg() > 0 {
		cli.Usage("usage: governancebench -terraform PATH [-resources 500] [-evals 30] [-projects 50] [-drifted 5] [-rounds 3] " +
			"[-timeout 20m] [-keep] [-out docs/benchmarks.md]")
	}

	prog.Main(o.timeout, func(ctx context.Context) error { return run(ctx, o) })
}

var prog = cli.Program{Name: "governancebench"}

func run(ctx context.Context, o options) error {
	k, err := newKit(ctx, o)
	if err != nil {
		return err
	}
	defer k.Close(o.keep)

	res := &results{opts: o, kit: k, started: k.Started.UTC()}
	if err := res.measure(ctx); err != nil {
		return err
	}
	res.took = time.Since(k.Started)
	return prog.Publish(o.out, section, res.markdown(cli.MakeCommandLine("bench-governance", "GOVERNANCEBENCHFLAGS", "out", "keep", "terraform")))
}
