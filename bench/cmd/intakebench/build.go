package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/paved-road/paved/bench/pavedbot"
	"github.com/paved-road/paved/bench/proc"
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
	sha, err := proc.Output(ctx, root, nil, "git", "rev-parse", "--verify", o.baseline+"^{commit}")
	if err != nil {
		return nil, err
	}
	sha = strings.TrimSpace(sha)
	src := filepath.Join(scratch, "baseline-src")
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	prog.Progress("exporting %s and building both bots in %s", sha[:7], scratch)
	export := exec.CommandContext(ctx, "sh", "-c", `git -C "$1" archive "$2" | tar -x -C "$3"`, "sh", root, sha, src)
	if out, err := export.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("exporting %s: %w\n%s", sha, err, out)
	}
	base := binary{name: "baseline", path: filepath.Join(scratch, "baseline", "paved-bot"), from: "commit " + sha[:7]}
	if _, err := proc.Output(ctx, src, nil, "go", "build", "-o", base.path, "./cmd/paved-bot"); err != nil {
		return nil, fmt.Errorf("building the baseline: %w", err)
	}

	newSrc, from := root, describeTree(pavedbot.DescribeCommit(ctx, root))
	if o.src != "" {
		if newSrc, err = filepath.Abs(o.src); err != nil {
			return nil, err
		}
		from = "the source tree " + newSrc
	}
	current := binary{name: "new", path: filepath.Join(scratch, "new", "paved-bot"), from: from, sandboxProbe: true}
	if _, err := proc.Output(ctx, newSrc, nil, "go", "build", "-o", current.path, "./cmd/paved-bot"); err != nil {
		return nil, fmt.Errorf("building the new bot: %w", err)
	}
	return []binary{base, current}, nil
}

// describeTree is how the report names the working tree the new bot is
// built from, by the commit pavedbot.DescribeCommit names.
func describeTree(commit string) string {
	if commit == "unknown" {
		return "the working tree"
	}
	return "commit " + commit
}
