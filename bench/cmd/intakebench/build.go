package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// binary is one paved-bot under test.
type binary struct {
	name string // "baseline" or "new"
	path string
	from string // what it was built from, for the report
	// sandboxProbe: the new bot may refuse to start without bwrap unless
	// --unsafe-no-sandbox, a flag the baseline does not have.
	sandboxProbe bool
}

// build builds the baseline from o.baseline, exported with git archive so
// that the repository's git state is left alone, and the new bot from the
// working tree or o.src.
func build(ctx context.Context, root, scratch string, o options) ([]binary, error) {
	sha, err := output(ctx, root, "git", "rev-parse", "--verify", o.baseline+"^{commit}")
	if err != nil {
		return nil, err
	}
	sha = strings.TrimSpace(sha)
	src := filepath.Join(scratch, "baseline-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	progress("exporting %s and building both bots in %s", sha[:7], scratch)
	export := exec.CommandContext(ctx, "sh", "-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", root, sha, src)
	if out, err := export.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("exporting %s: %w\n%s", sha, err, out)
	}
	base := binary{name: "baseline", path: filepath.Join(scratch, "baseline", "paved-bot"), from: "commit " + sha[:7]}
	if _, err := output(ctx, src, "go", "build", "-o", base.path, "./cmd/paved-bot"); err != nil {
		return nil, fmt.Errorf("building the baseline: %w", err)
	}

	newSrc, from := root, describeTree(ctx, root)
	if o.src != "" {
		if newSrc, err = filepath.Abs(o.src); err != nil {
			return nil, err
		}
		from = "the source tree " + newSrc
	}
	current := binary{name: "new", path: filepath.Join(scratch, "new", "paved-bot"), from: from, sandboxProbe: true}
	if _, err := output(ctx, newSrc, "go", "build", "-o", current.path, "./cmd/paved-bot"); err != nil {
		return nil, fmt.Errorf("building the new bot: %w", err)
	}
	return []binary{base, current}, nil
}

// describeTree names the commit the working tree is at, marked when the
// tree differs from it.
func describeTree(ctx context.Context, root string) string {
	sha, err := output(ctx, root, "git", "rev-parse", "--short", "HEAD")
	if err != nil {
		return "the working tree"
	}
	from := "commit " + strings.TrimSpace(sha)
	if status, err := output(ctx, root, "git", "status", "--porcelain", "--untracked-files=no"); err == nil && strings.TrimSpace(status) != "" {
		from += " with uncommitted changes"
	}
	return from
}

// output runs a command and returns its stdout; the error carries its
// stderr.
func output(ctx context.Context, dir, name string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}
