// Package gomod finds the paved module the benchmarks build from.
package gomod

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Root is the directory of the go.mod the current directory belongs to; the
// error names the benchmark when it runs outside the paved repository.
func Root(ctx context.Context, bench string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		return "", fmt.Errorf("run %s inside the paved repository (go env GOMOD is %q)", bench, gomod)
	}
	return filepath.Dir(gomod), nil
}
