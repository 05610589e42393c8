package runner_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/dirhash"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/sandbox"
)

// mirrorRoot holds the provider mirror, built once for all the tests that use it.
var mirrorRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if mirrorRoot != "" {
		_ = os.RemoveAll(mirrorRoot)
	}
	os.Exit(code)
}

// mirror is this repository's provider in a filesystem mirror, under a host of its own.
type mirror struct {
	dir       string // the mirror, which a sandbox must see: cache entries link into it
	cliConfig string // installs providers from the mirror only
	lockFile  string // as a repository commits it
	entry     string // the package's path in a plugin cache, relative to it
}

const pavedSource = "example.com/paved-road/paved"

// pavedTF requires the provider; a plan starts it for its schema.
const pavedTF = `
terraform {
  required_providers {
    paved = { source = "` + pavedSource + `" }
  }
}

resource "terraform_data" "a" {
  input = "a"
}
`

var buildMirror = sync.OnceValues(func() (mirror, error) {
	dir, err := os.MkdirTemp("", "paved-runner-mirror-")
	if err != nil {
		return mirror{}, err
	}
	mirrorRoot = dir
	m := mirror{dir: filepath.Join(dir, "mirror"), cliConfig: filepath.Join(dir, "cli.tfrc"),
		entry: filepath.Join(pavedSource, "0.1.0", runtime.GOOS+"_"+runtime.GOARCH)}
	pkg := filepath.Join(m.dir, m.entry)
	build := exec.Command("go", "build", "-o", filepath.Join(pkg, "terraform-provider-paved_v0.1.0"), "github.com/paved-road/paved/cmd/terraform-provider-paved")
	if out, err := build.CombinedOutput(); err != nil {
		return mirror{}, fmt.Errorf("go build the provider: %w\n%s", err, out)
	}
	h1, err := dirhash.HashDir(pkg, "", dirhash.Hash1)
	if err != nil {
		return mirror{}, err
	}
	m.lockFile = fmt.Sprintf("provider %q {\n  version = \"0.1.0\"\n  hashes = [\n    %q,\n  ]\n}\n", pavedSource, h1)
	config := fmt.Sprintf("provider_installation {\n  filesystem_mirror {\n    path = %q\n  }\n}\n", m.dir)
	if err := os.WriteFile(m.cliConfig, []byte(config), 0o644); err != nil {
		return mirror{}, err
	}
	return m, nil
})

func providerMirror(t *testing.T) mirror {
	t.Helper()
	if os.Getenv("TF_ACC") == "" {
		t.Skip("builds the provider and runs terraform: set TF_ACC=1")
	}
	m, err := buildMirror()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// mirrorRunner is a runner with an empty plugin cache that installs from m, sandboxed as c is with
// the mirror and binds in view.
func mirrorRunner(t *testing.T, c cli, m mirror, binds ...sandbox.Bind) *runner.Runner {
	r := &runner.Runner{PluginCache: filepath.Join(t.TempDir(), "plugins"), Env: []string{"TF_CLI_CONFIG_FILE=" + m.cliConfig}}
	if c.sandbox != nil {
		r.Sandbox = &sandbox.Config{Bwrap: c.sandbox.Bwrap, Binds: append([]sandbox.Bind{{Path: m.dir}}, binds...)}
	}
	return r
}

// planAll plans n new projects requiring the provider, all at once, with r.
func planAll(t *testing.T, c cli, r *runner.Runner, m mirror, n int) {
	t.Helper()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		p := newProject(t, c, map[string]string{"main.tf": pavedTF, ".terraform.lock.hcl": m.lockFile})
		p.runner = r
		wg.Go(func() { _, errs[i] = r.Plan(context.Background(), p.job) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("project %d: %v", i, err)
		}
	}
}

// TestColdInitsShareOneCache plans eight projects that require the same provider, with their lock
// file committed, all at once on an empty plugin cache, a few times over. Inits writing one cache
// entry at once, or replacing it under a running plan, which is the race the plugin cache lock is
// for, fail some of them; the cache must end with the one entry, matching the lock file.
// Unconfined, where every init runs alone, once is enough.
func TestColdInitsShareOneCache(t *testing.T) {
	m := providerMirror(t)
	forEachCLI(t, func(t *testing.T, c cli) {
		rounds := 3
		if c.sandbox == nil {
			rounds = 1
		}
		for range rounds {
			r := mirrorRunner(t, c, m)
			planAll(t, c, r, m, 8)
			if t.Failed() {
				t.FailNow()
			}

			for depth := 1; depth <= 5; depth++ {
				var entries []string
				matches, err := filepath.Glob(filepath.Join(r.PluginCache, strings.Repeat("*/", depth-1)+"*"))
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range matches {
					// OpenTofu's locks of its own beside each entry.
					if !strings.HasSuffix(e, ".lock") {
						entries = append(entries, e)
					}
				}
				want := filepath.Join(r.PluginCache, filepath.Join(strings.Split(m.entry, string(filepath.Separator))[:depth]...))
				if !slices.Equal(entries, []string{want}) {
					t.Fatalf("plugin cache at depth %d: %q, want only %s", depth, entries, want)
				}
			}
			pkg, err := filepath.EvalSymlinks(filepath.Join(r.PluginCache, m.entry))
			if err != nil {
				t.Fatal(err)
			}
			h1, err := dirhash.HashDir(pkg, "", dirhash.Hash1)
			if err != nil || !strings.Contains(m.lockFile, h1) {
				t.Fatalf("the cached package hashes to %s (%v), which the lock file does not have", h1, err)
			}
		}
	})
}

// TestInitsThatOnlyLinkRunTogether plans six projects that require the same provider, all at
// once on an empty plugin cache, through a wrapper that records, as each init or plan process
// starts, which are running. The first init installs the provider and runs alone; sandboxed, the
// inits after it, which then only link, run together, and unconfined every init runs alone.
func TestInitsThatOnlyLinkRunTogether(t *testing.T) {
	m := providerMirror(t)
	forEachCLI(t, func(t *testing.T, c cli) {
		real, err := filepath.EvalSymlinks(c.binary)
		if err != nil {
			t.Fatal(err)
		}
		logDir := t.TempDir()
		running, log := filepath.Join(logDir, "running"), filepath.Join(logDir, "log")
		if err := os.Mkdir(running, 0o755); err != nil {
			t.Fatal(err)
		}
		wrapper := filepath.Join(t.TempDir(), c.name)
		script := fmt.Sprintf(`#!/bin/sh
case "$1" in
init|plan)
  id=$(printf %%s "$1$PWD" | tr / _)
  touch %[1]q/"$id"
  echo "start $id $(ls %[1]q | tr '\n' ' ')" >> %[2]q
  %[3]q "$@"
  rc=$?
  rm %[1]q/"$id"
  echo "end $id" >> %[2]q
  exit $rc;;
esac
exec %[3]q "$@"
`, running, log, real)
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		c.binary = wrapper
		planAll(t, c, mirrorRunner(t, c, m, sandbox.Bind{Path: real}, sandbox.Bind{Path: logDir, Writable: true}), m, 6)
		raw, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(raw)), "\n")

		overlapped := false
		first := true
		for i, line := range lines {
			fields := strings.Fields(line)
			if fields[0] != "start" || !strings.HasPrefix(fields[1], "init") {
				continue
			}
			alone := len(fields) == 3
			if first || c.sandbox == nil {
				// Nothing else starts before it ends.
				alone = alone && i+1 < len(lines) && lines[i+1] == "end "+fields[1]
				if !alone {
					t.Errorf("an init that may install ran beside other processes:\n%s", strings.Join(lines[i:], "\n"))
				}
			}
			first = false
			for _, other := range fields[2:] {
				overlapped = overlapped || (other != fields[1] && strings.HasPrefix(other, "init"))
			}
		}
		if c.sandbox != nil && !overlapped {
			t.Errorf("no two inits ran together:\n%s", raw)
		}
		if t.Failed() {
			t.Logf("processes:\n%s", raw)
		}
	})
}

// TestMispredictedInitRunsAgainAlone plans a project whose lock file lacks the provider it
// requires, as when a pull request adds one: the lock file promises an init that only links, which
// runs with the plugin cache read-only, fails to install the provider there, and runs again alone.
func TestMispredictedInitRunsAgainAlone(t *testing.T) {
	m := providerMirror(t)
	forEachCLI(t, func(t *testing.T, c cli) {
		if c.sandbox == nil {
			t.Skip("unconfined, every init runs alone")
		}
		p := newProject(t, c, map[string]string{"main.tf": pavedTF, ".terraform.lock.hcl": "# no providers yet\n"})
		p.runner = mirrorRunner(t, c, m)
		if res := p.plan(command.PlanOptions{}); !res.Inited {
			t.Fatal("the plan did not init")
		}
		if _, err := os.Stat(filepath.Join(p.runner.PluginCache, m.entry)); err != nil {
			t.Errorf("the provider is not in the plugin cache: %v", err)
		}
		lock, err := os.ReadFile(filepath.Join(p.dir, ".terraform.lock.hcl"))
		if err != nil || !strings.Contains(string(lock), pavedSource) {
			t.Errorf("the lock file after init: %q, %v; want it to lock %s", lock, err, pavedSource)
		}
	})
}
