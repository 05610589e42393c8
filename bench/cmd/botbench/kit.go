package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/paved-road/paved/bench/pavedbot"
	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/bot/sandbox"
)

// providerVersion is the version the projects require; the mirror holds this
// repository's provider under it, as scripts/schema.sh installs it.
const providerVersion = "0.0.1"

// kit is what every scenario shares, built once in a scratch directory: the
// bot, the stand-ins that time its terraform and git processes, and the
// provider mirror the projects install from.
type kit struct {
	pavedbot.Kit // Commit is what the bot and the provider were built from
	gitVersion   string
	bin          string // directory of the proctrace stand-ins "terraform" and "git"
	trace        string // the file they append to
	cliConfig    string // TF_CLI_CONFIG_FILE: install providers from the mirror only
	lockFile     string // the projects' .terraform.lock.hcl
	tracerCost   time.Duration
	launcher     runCost   // a start of paved-sandbox
	selfLauncher runCost   // a start of paved-bot as its own launcher
	launches     *launches // starts of the bot's binary, as its sandbox launcher
}

func newKit(ctx context.Context, o options) (*kit, error) {
	k := &kit{}
	if err := k.Open(ctx, prog, o.terraform, func() error { return k.setUp(ctx) }); err != nil {
		return nil, err
	}
	return k, nil
}

// setUp builds the bot, the provider mirror and the tracers, and measures
// what the tracers cost.
func (k *kit) setUp(ctx context.Context) error {
	out, err := proc.Output(ctx, "", nil, "git", "--version")
	if err != nil {
		return err
	}
	k.gitVersion = proc.LastField(proc.FirstLine(out))

	prog.Progress("building paved-bot, the provider and the process tracers in %s", k.Scratch)
	k.Binary = filepath.Join(k.Scratch, "paved-bot")
	if err := pavedbot.Build(ctx, k.Root, k.Binary); err != nil {
		return err
	}
	// Before the watch starts: these starts are no command's.
	if k.launcher, k.selfLauncher, err = k.measureLaunchers(ctx); err != nil {
		return err
	}
	if k.launches, err = watchLaunches(pavedbot.Launcher(k.Binary)); err != nil {
		prog.Progress("the launcher's starts go uncounted: %v", err)
	}
	mirror := filepath.Join(k.Scratch, "mirror")
	plugin := filepath.Join(mirror, "registry.terraform.io", "hashicorp", "paved", providerVersion,
		runtime.GOOS+"_"+runtime.GOARCH, "terraform-provider-paved_v"+providerVersion)
	if err := pavedbot.ReleaseBuild(ctx, k.Root, plugin, "./cmd/terraform-provider-paved"); err != nil {
		return err
	}
	k.bin = filepath.Join(k.Scratch, "bin")
	k.trace = filepath.Join(k.Scratch, "trace.tsv")
	// It exists before the bot starts, so that the sandbox can bind it.
	if err := os.WriteFile(k.trace, nil, 0o644); err != nil {
		return err
	}
	realGit, err := exec.LookPath("git")
	if err != nil {
		return err
	}
	for label, target := range map[string]string{"terraform": k.Terraform, "git": realGit} {
		ldflags := fmt.Sprintf("-X 'main.target=%s' -X 'main.label=%s' -X 'main.trace=%s'", target, label, k.trace)
		if err := k.goBuild(ctx, filepath.Join(k.bin, label), "./bench/cmd/botbench/proctrace", "-ldflags", ldflags); err != nil {
			return err
		}
	}
	k.cliConfig = filepath.Join(k.Scratch, "cli.tfrc")
	cfg := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", mirror)
	if err := os.WriteFile(k.cliConfig, []byte(cfg), 0o644); err != nil {
		return err
	}
	if err := k.makeLockFile(ctx); err != nil {
		return err
	}
	if k.tracerCost, err = k.measureTracer(ctx, realGit); err != nil {
		return err
	}
	return nil
}

// close stops watching the bot's binary and removes the scratch directory,
// unless keep.
func (k *kit) close(keep bool) {
	if k.launches != nil {
		k.launches.close()
	}
	k.Close(keep)
}

func (k *kit) goBuild(ctx context.Context, out, pkg string, flags ...string) error {
	args := append([]string{"build", "-o", out}, flags...)
	_, err := proc.Output(ctx, k.Root, nil, "go", append(args, pkg)...)
	return err
}

// makeLockFile initialises one project from the mirror, which checks that
// the mirror works, and keeps the lock file it wrote: a repository commits
// it, and init then verifies the provider against it.
func (k *kit) makeLockFile(ctx context.Context) error {
	dir := filepath.Join(k.Scratch, "lockfile")
	if err := proc.WriteFiles(dir, map[string]string{"main.tf": terraformBlock("")}); err != nil {
		return err
	}
	env := []string{"TF_CLI_CONFIG_FILE=" + k.cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1"}
	if _, err := proc.Output(ctx, dir, env, k.Terraform, "init", "-input=false", "-no-color"); err != nil {
		return fmt.Errorf("installing the provider from the mirror: %w", err)
	}
	lock, err := os.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	if err != nil {
		return err
	}
	k.lockFile = string(lock)
	return nil
}

// measureTracer is what a proctrace stand-in adds to starting a process:
// the median difference between running `git --version` through it and
// directly. The stand-in's own start falls outside the interval it records,
// so this much per process is counted as the bot's overhead.
func (k *kit) measureTracer(ctx context.Context, realGit string) (time.Duration, error) {
	direct, err := medianRun(ctx, nil, realGit, "--version")
	if err != nil {
		return 0, err
	}
	traced, err := medianRun(ctx, nil, filepath.Join(k.bin, "git"), "--version")
	if err != nil {
		return 0, err
	}
	// The calibration's own lines are outside every measured window.
	return max(0, traced.wall-direct.wall), nil
}

// measureLaunchers is what starting a launcher costs, paved-sandbox and
// paved-bot's own binary (the launcher when paved-sandbox is missing), each
// answering `terraform version -json` from a spec, which starts nothing else.
func (k *kit) measureLaunchers(ctx context.Context) (small, self runCost, err error) {
	spec, err := sandbox.Spec{Bwrap: "/usr/bin/bwrap", Program: k.Terraform, Dir: "/", VersionJSON: `{"terraform_version":"0.0.0"}`}.Encode()
	if err != nil {
		return small, self, err
	}
	env := []string{sandbox.SpecEnv + "=" + spec}
	if small, err = medianRun(ctx, env, pavedbot.Launcher(k.Binary), "version", "-json"); err != nil {
		return small, self, err
	}
	self, err = medianRun(ctx, env, k.Binary, "version", "-json")
	return small, self, err
}

// runCost is the median wall time and CPU time (user and system) of one
// run of a program.
type runCost struct{ wall, cpu time.Duration }

// medianRun runs bin 21 times with the environment env and returns the
// median costs.
func medianRun(ctx context.Context, env []string, bin string, args ...string) (runCost, error) {
	const n = 21
	var walls, cpus []time.Duration
	for range n {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = env
		start := time.Now()
		if err := cmd.Run(); err != nil {
			return runCost{}, fmt.Errorf("%s %s: %w", bin, strings.Join(args, " "), err)
		}
		walls = append(walls, time.Since(start))
		cpus = append(cpus, cmd.ProcessState.UserTime()+cmd.ProcessState.SystemTime())
	}
	slices.Sort(walls)
	slices.Sort(cpus)
	return runCost{walls[n/2], cpus[n/2]}, nil
}
