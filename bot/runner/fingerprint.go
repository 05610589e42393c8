package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// fingerprintFile records, inside .terraform/, the initFingerprint of the last successful init.
const fingerprintFile = ".terraform/paved-init.sha256"

// initFingerprint hashes what decides whether `init` must run again in dir: the tool, the
// terraform blocks' required_providers, backend and cloud blocks, each module's name, source and
// version, the set of provider names the configuration uses, and .terraform.lock.hcl. Blocks are
// hashed as written, so reformatting them costs one extra init, never a missed one. dir is the
// project dir relative to the working copy wc, which every read stays in.
func initFingerprint(wc *os.Root, dir, tool string) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "tool %s\n", tool)

	entries, err := fs.ReadDir(wc.FS(), filepath.ToSlash(dir))
	if err != nil {
		return "", fmt.Errorf("list configuration files: %w", err)
	}
	providers := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".tf") {
			continue
		}
		src, err := wc.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("read configuration: %w", err)
		}
		file, diags := hclsyntax.ParseConfig(src, name, hcl.InitialPos)
		if diags.HasErrors() {
			return "", fmt.Errorf("parse configuration: %w", diags)
		}
		for _, block := range file.Body.(*hclsyntax.Body).Blocks {
			switch block.Type {
			case "terraform":
				for _, inner := range block.Body.Blocks {
					switch inner.Type {
					case "required_providers", "backend", "cloud":
						fmt.Fprintf(&b, "%s\n", inner.Range().SliceBytes(src))
					}
				}
			case "module":
				fmt.Fprintf(&b, "module %q", block.Labels)
				for _, name := range []string{"source", "version"} {
					if attr, ok := block.Body.Attributes[name]; ok {
						fmt.Fprintf(&b, " %s=%s", name, attr.Expr.Range().SliceBytes(src))
					}
				}
				fmt.Fprintln(&b)
			case "provider":
				if len(block.Labels) > 0 {
					providers[block.Labels[0]] = true
				}
			case "resource", "data":
				if len(block.Labels) > 0 {
					// A resource type is named after its provider: aws_instance belongs to aws.
					name, _, _ := strings.Cut(block.Labels[0], "_")
					providers[name] = true
				}
			}
		}
	}
	names := make([]string, 0, len(providers))
	for name := range providers {
		names = append(names, name)
	}
	slices.Sort(names)
	fmt.Fprintf(&b, "providers %q\n", names)

	lock, err := wc.ReadFile(filepath.Join(dir, ".terraform.lock.hcl"))
	switch {
	case err == nil:
		fmt.Fprintf(&b, "lock\n%s", lock)
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("read dependency lock file: %w", err)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:]), nil
}
