// Package pavedbot is the paved-bot the benchmarks run: the kit it is built
// in and what it was built from, and `paved-bot serve` started as an
// operator would, waited for, stopped, and its log read.
package pavedbot

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/paved-road/paved/bench/proc"
	"github.com/paved-road/paved/bot/sandbox"
)

// Build builds ./cmd/paved-bot of the module at root into out, with its
// sandbox launcher paved-sandbox beside it, as a release installs them.
func Build(ctx context.Context, root, out string) error {
	if err := ReleaseBuild(ctx, root, out, "./cmd/paved-bot"); err != nil {
		return err
	}
	return ReleaseBuild(ctx, root, Launcher(out), "./cmd/paved-sandbox")
}

// ReleaseBuild builds the package pkg of the module at root into out as
// .goreleaser.yml does: a stripped binary (which, for the provider, is also
// what terraform hashes at every command) is what users run.
func ReleaseBuild(ctx context.Context, root, out, pkg string) error {
	_, err := proc.Output(ctx, root, []string{"CGO_ENABLED=0"}, "go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
	return err
}

// Launcher is where Build puts the sandbox launcher of the paved-bot at bin.
func Launcher(bin string) string { return filepath.Join(filepath.Dir(bin), sandbox.LauncherName) }

// DescribeCommit names the commit the working tree at root is at, marked
// when the tree differs from it; "unknown" outside git. Only reads git's
// state.
func DescribeCommit(ctx context.Context, root string) string {
	sha, err := proc.Output(ctx, root, nil, "git", "rev-parse", "--short", "HEAD")
	if err != nil {
		return "unknown"
	}
	sha = strings.TrimSpace(sha)
	if status, err := proc.Output(ctx, root, nil, "git", "status", "--porcelain", "--untracked-files=no"); err == nil && strings.TrimSpace(status) != "" {
		sha += " with uncommitted changes"
	}
	return sha
}

// RequireSandbox fails unless bwrap, paved-bot's sandbox for terraform, is
// installed: the bot refuses to run terraform unsandboxed unless told to,
// and the benchmarks never tell it.
func RequireSandbox() error {
	if _, err := exec.LookPath("bwrap"); err != nil {
		return fmt.Errorf("bwrap (bubblewrap), paved-bot's sandbox for terraform, is not installed (scripts/tools.sh bubblewrap installs it); "+
			"the benchmark runs the bot sandboxed, as in production, and does not fall back to --unsafe-no-sandbox: %w", err)
	}
	return nil
}
