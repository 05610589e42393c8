// Command redisrefresh measures how `terraform plan` refreshes paved_redis
// resources against the local AWS emulator (moto), as `make bench` runs it.
//
// For each size N it applies N paved_redis in an empty emulator, then runs
// a plain `terraform plan` several times: every resource is refreshed and
// the plan must find no changes. Each plan is timed, the AWS calls it makes
// are counted at the wire by a proxy in front of the emulator, and the
// provider process terraform starts is sampled for its peak resident memory
// (VmHWM) and CPU time. Beside them, in the same invocation, it plans 100
// terraform_data resources: Terraform's own cost per resource, the floor
// the paved numbers are compared with. It prints a markdown report and
// writes it to -out.
//
// Everything runs on loopback, in a temporary directory that is removed at
// the end with the emulator, and within -timeout.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paved-road/paved/bench/cli"
	benchmachine "github.com/paved-road/paved/bench/machine"
	benchreport "github.com/paved-road/paved/bench/report"
	"github.com/paved-road/paved/internal/emulator"
)

type options struct {
	terraform    string
	root         string
	rev          string
	out          string
	sizes        []int
	floor        int
	runs         int
	parallelism  int
	sampleEvery  time.Duration
	timeout      time.Duration
	commandLimit time.Duration
	keep         bool
}

func main() {
	var o options
	var sizes string
	flag.StringVar(&o.terraform, "terraform", "", "terraform binary (required; make bench passes the pinned 1.8.5)")
	flag.StringVar(&o.root, "root", ".", "repository root, where the provider is built from")
	flag.StringVar(&o.rev, "rev", "", "build the provider from this git revision instead of the working tree")
	flag.StringVar(&o.out, "out", "", "markdown file to write the report to (empty: print only)")
	flag.StringVar(&sizes, "n", "10,100,1000", "numbers of paved_redis to refresh, comma-separated")
	flag.IntVar(&o.floor, "floor", 100, "number of terraform_data resources in the baseline plan")
	flag.IntVar(&o.runs, "runs", 3, "plans per size; the report gives median, min and max")
	flag.IntVar(&o.parallelism, "apply-parallelism", 50, "terraform apply -parallelism for the setup")
	flag.DurationVar(&o.sampleEvery, "sample", 20*time.Millisecond, "interval of the provider memory and CPU samples")
	flag.DurationVar(&o.timeout, "timeout", 30*time.Minute, "bound on the whole run")
	flag.DurationVar(&o.commandLimit, "command-timeout", 10*time.Minute, "bound on each terraform command")
	flag.BoolVar(&o.keep, "keep", false, "keep the scratch directory, with the terraform and moto logs")
	flag.Parse()
	for s := range strings.SplitSeq(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			fatalf("-n: %q is not a positive number", s)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.terraform == "" || o.runs < 1 || o.floor < 1 {
		fatalf("usage: redisrefresh -terraform PATH [-n 10,100,1000] [-runs 3] [-out FILE]")
	}

	ctx, cancel := cli.Context(o.timeout)
	defer cancel()

	res, err := measure(ctx, o)
	if err != nil {
		fatalf("bench: %v", err)
	}
	report := res.markdown()
	fmt.Print(report)
	if o.out != "" {
		if err := benchreport.WriteSection(o.out, "redis", report); err != nil {
			fatalf("writing %s: %v", o.out, err)
		}
		fmt.Fprintf(os.Stderr, "bench: wrote %s\n", o.out)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

// planRun is one measured plan.
type planRun struct {
	wall     time.Duration
	calls    map[string]int // AWS actions counted at the proxy
	provider providerSample
	allCPU   time.Duration // terraform and its provider processes
	motoCPU  time.Duration // the emulator's CPU time during the plan
	otherCPU time.Duration // every other process's
}

// sizeResult is everything measured at one N.
type sizeResult struct {
	n             int
	apply         time.Duration // all attempts
	applyAttempts int
	applyCalls    map[string]int
	plans         []planRun
}

// results is the whole invocation.
type results struct {
	opts     options
	machine  machine
	floor    []planRun // the terraform_data baseline, interleaved with the sizes
	sizes    []sizeResult
	total    time.Duration
	finished time.Time
	emulator string
	// The 1-minute load average when the run started and ended.
	loadBefore, loadAfter string
}

var prog = cli.Program{Name: "bench"}

func measure(ctx context.Context, o options) (*results, error) {
	started := time.Now()
	res := &results{opts: o, loadBefore: benchmachine.LoadAverage()}
	root, err := filepath.Abs(o.root)
	if err != nil {
		return nil, err
	}
	scratch, err := os.MkdirTemp("", "paved-bench-")
	if err != nil {
		return nil, err
	}
	defer func() {
		if o.keep {
			prog.Progress("kept %s", scratch)
			return
		}
		_ = os.RemoveAll(scratch)
	}()

	prog.Progress("building the provider into a local mirror")
	cliConfig, err := installProvider(ctx, root, o.rev, scratch)
	if err != nil {
		return nil, err
	}
	standards, err := os.ReadFile(filepath.Join(root, "examples", "quickstart", "standards.yaml"))
	if err != nil {
		return nil, err
	}
	env := hubEnv(cliConfig, scratch)
	tfIn := func(dir string) terraform {
		return terraform{bin: o.terraform, dir: dir, env: env, log: filepath.Join(scratch, "terraform.log")}
	}
	res.machine, err = describeMachine(ctx, tfIn(scratch), root, o.rev)
	if err != nil {
		return nil, err
	}

	prog.Progress("starting the emulator")
	srv, err := emulator.Start(ctx, filepath.Join(scratch, "moto.log"))
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	proxy, err := emulator.NewProxy(srv.URL)
	if err != nil {
		return nil, err
	}
	defer func() { _ = proxy.Close() }()
	_, port, _ := strings.Cut(strings.TrimPrefix(srv.URL, "http://"), ":")
	motoPID := findProcess("paved_moto.py", "-p "+port)
	if motoPID == 0 {
		return nil, fmt.Errorf("no moto process serving port %s in /proc", port)
	}
	res.emulator = emulatorVersion(root)

	// The baseline: terraform_data needs no provider process and no API.
	floorDir := filepath.Join(scratch, "floor")
	if err := writeFiles(floorDir, map[string]string{"main.tf": floorConfig(o.floor)}); err != nil {
		return nil, err
	}
	floor := tfIn(floorDir)
	if _, err := floor.must(ctx, o.commandLimit, "init", "-input=false", "-no-color"); err != nil {
		return nil, err
	}
	if _, err := floor.must(ctx, o.commandLimit, "apply", "-input=false", "-no-color", "-auto-approve"); err != nil {
		return nil, err
	}

	for _, n := range o.sizes {
		// Each size starts from an empty emulator, so moto holds exactly N groups.
		if err := srv.Reset(ctx); err != nil {
			return nil, err
		}
		dir := filepath.Join(scratch, fmt.Sprintf("redis-%d", n))
		if err := writeFiles(dir, map[string]string{
			"main.tf":        redisConfig(n, proxy.URL),
			"standards.yaml": string(standards),
		}); err != nil {
			return nil, err
		}
		tf := tfIn(dir)
		if _, err := tf.must(ctx, o.commandLimit, "init", "-input=false", "-no-color"); err != nil {
			return nil, err
		}
		prog.Progress("N=%d: apply -parallelism=%d", n, o.parallelism)
		proxy.ResetCounts()
		sr := sizeResult{n: n}
		if sr.apply, sr.applyAttempts, err = applyAll(ctx, tf, o); err != nil {
			return nil, err
		}
		sr.applyCalls = proxy.Counts()
		prog.Progress("N=%d: applied in %s (%d attempts)", n, sr.apply.Round(time.Millisecond), sr.applyAttempts)

		for i := range o.runs {
			// The baseline runs beside each plan, so both see the same machine.
			fr, err := floor.plan(ctx, o.commandLimit, 0)
			if err != nil {
				return nil, err
			}
			res.floor = append(res.floor, planRun{wall: fr.wall, allCPU: fr.cpu})

			proxy.ResetCounts()
			moto0, self0, busy0 := cpuOf(motoPID), cpuOf(os.Getpid()), machineBusy()
			r, err := tf.plan(ctx, o.commandLimit, o.sampleEvery)
			if err != nil {
				return nil, err
			}
			pr := planRun{wall: r.wall, calls: proxy.Counts(), provider: r.sample, allCPU: r.cpu, motoCPU: cpuOf(motoPID) - moto0}
			// What the machine did beyond terraform, its providers, moto and this
			// process (proxy and sampler): other people's work, which slows the plan.
			pr.otherCPU = max(0, machineBusy()-busy0-pr.allCPU-pr.motoCPU-(cpuOf(os.Getpid())-self0))
			sr.plans = append(sr.plans, pr)
			prog.Progress("N=%d: plan %d/%d %s (terraform_data %s), provider peak %s",
				n, i+1, o.runs, r.wall.Round(time.Millisecond), fr.wall.Round(time.Millisecond), benchreport.MiB(r.sample.PeakRSS))
		}
		res.sizes = append(res.sizes, sr)
	}
	res.total = time.Since(started)
	res.loadAfter = benchmachine.LoadAverage()
	res.finished = time.Now().UTC()
	return res, nil
}

func writeFiles(dir string, files map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			return err
		}
	}
	return nil
}

// durations returns the wall times of runs, sorted.
func durations(runs []planRun, of func(planRun) time.Duration) []time.Duration {
	out := make([]time.Duration, 0, len(runs))
	for _, r := range runs {
		out = append(out, of(r))
	}
	slices.Sort(out)
	return out
}

// median of sorted values; the mean of the middle two for an even count.
func median(sorted []time.Duration) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	m := len(sorted) / 2
	if len(sorted)%2 == 0 {
		return (sorted[m-1] + sorted[m]) / 2
	}
	return sorted[m]
}
