package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"

	"github.com/paved-road/paved/bench/pavedbot"
	"github.com/paved-road/paved/bench/proc"
)

// conftestVersion is the conftest the policy baseline runs, built from the
// Go module proxy.
const conftestVersion = "v0.71.1"

// kit is what both measurements share: the tools, built or found once, and
// what the report says about them.
type kit struct {
	pavedbot.Kit        // Terraform resolved, links and all
	bwrap        string // absolute
	bwrapVer     string
	conftest     string // the cached conftest binary
	conftestOPA  string // the OPA conftest was built with
	pavedOPA     string // the OPA paved-bot and this benchmark are built with
	installed    bool   // whether this run had to install conftest
}

func newKit(ctx context.Context, o options) (*kit, error) {
	k := &kit{}
	if err := k.Open(ctx, prog, o.terraform, func() error { return k.setUp(ctx) }); err != nil {
		return nil, err
	}
	return k, nil
}

// setUp finds bwrap and conftest and builds the bot.
func (k *kit) setUp(ctx context.Context) (err error) {
	if k.Terraform, err = filepath.EvalSymlinks(k.Terraform); err != nil {
		return fmt.Errorf("-terraform: %w", err)
	}
	if k.bwrap, err = exec.LookPath("bwrap"); err != nil {
		return err
	}
	if k.bwrap, err = filepath.Abs(k.bwrap); err != nil {
		return err
	}
	if out, err := proc.Output(ctx, "", nil, k.bwrap, "--version"); err == nil {
		k.bwrapVer = proc.LastField(out)
	}
	if err := k.installConftest(ctx); err != nil {
		return err
	}
	k.pavedOPA = moduleVersion("github.com/open-policy-agent/opa")
	return k.BuildBot(ctx)
}

// cacheDir is $PAVED_CACHE, else $XDG_CACHE_HOME/paved, else
// ~/.cache/paved, as the GNUmakefile and scripts/tools.sh choose it.
func cacheDir() (string, error) {
	if d := os.Getenv("PAVED_CACHE"); d != "" {
		return d, nil
	}
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "paved"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("no PAVED_CACHE and no home directory for ~/.cache/paved: %w", err)
	}
	return filepath.Join(home, ".cache", "paved"), nil
}

// installConftest finds conftest in the cache, built from the pinned
// module, or installs it there through the Go module proxy.
func (k *kit) installConftest(ctx context.Context) error {
	cache, err := cacheDir()
	if err != nil {
		return err
	}
	gobin := filepath.Join(cache, "gobin-conftest-"+strings.TrimPrefix(conftestVersion, "v"))
	k.conftest = filepath.Join(gobin, "conftest")
	if _, ok := builtFrom(ctx, k.conftest); !ok {
		prog.Progress("installing conftest %s into %s (first run only)", conftestVersion, gobin)
		// Outside the module, so that nothing of this repository's go.mod
		// or go.sum is read or written.
		_, err := proc.Output(ctx, k.Scratch, []string{"GOBIN=" + gobin, "GOFLAGS=-mod=mod"},
			"go", "install", "github.com/open-policy-agent/conftest@"+conftestVersion)
		if err != nil {
			return fmt.Errorf("installing conftest %s, the policy baseline, through the Go module proxy failed: %w", conftestVersion, err)
		}
		k.installed = true
	}
	deps, ok := builtFrom(ctx, k.conftest)
	if !ok {
		return fmt.Errorf("%s is not conftest %s after go install", k.conftest, conftestVersion)
	}
	k.conftestOPA = deps["github.com/open-policy-agent/opa"]
	return nil
}

// builtFrom reads what `go version -m` says of a binary: ok when it is
// conftest at conftestVersion, with the versions of its dependencies.
func builtFrom(ctx context.Context, binary string) (deps map[string]string, ok bool) {
	if _, err := os.Stat(binary); err != nil {
		return nil, false
	}
	out, err := proc.Output(ctx, "", nil, "go", "version", "-m", binary)
	if err != nil {
		return nil, false
	}
	deps = map[string]string{}
	for line := range strings.SplitSeq(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		switch f[0] {
		case "mod":
			ok = f[1] == "github.com/open-policy-agent/conftest" && f[2] == conftestVersion
		case "dep":
			deps[f[1]] = f[2]
		}
	}
	return deps, ok
}

// moduleVersion is the version of a module this program was built with.
func moduleVersion(path string) string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, d := range info.Deps {
		if d.Path == path {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return "unknown"
}

// tfEnv is the environment of the terraform the benchmark runs itself:
// nothing from the caller's configures it.
func tfEnv(home string) []string {
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "TMPDIR=" + os.TempDir(),
		"TF_CLI_CONFIG_FILE=/dev/null", "CHECKPOINT_DISABLE=1",
	}
}
