package runner_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/sandbox"
)

// base64Forms are the runs of base64 that any encoding of a stream holding secret contains,
// whatever the secret's offset in it.
func base64Forms(secret string) []string {
	var forms []string
	for pad := range 3 {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat("x", pad) + secret))
		forms = append(forms, enc[4:len(enc)-4])
	}
	return forms
}

// TestSandboxKeepsSecretsOut plans a configuration that reads, with file() and filebase64(),
// what the bot must keep from pull-request code: the bot's environment through /proc, its GitHub
// App key, a file of its data dir beside the working copy, and /etc/shadow. Unconfined, that plan
// shows them (which proves the probes); sandboxed, it fails for want of the files and shows no byte
// of them.
func TestSandboxKeepsSecretsOut(t *testing.T) {
	secret := fmt.Sprintf("paved-test-secret-%d-%d", os.Getpid(), time.Now().UnixNano())
	t.Setenv("PAVED_WEBHOOK_SECRET", secret)
	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			binary := binaryFrom(t, c.env)
			sb := sandboxConfig(t)
			data := t.TempDir() // the bot's data dir: working copies, plans, the database
			keyFile := filepath.Join(t.TempDir(), "app.pem")
			key := "-----BEGIN RSA PRIVATE KEY-----\n" + secret + "-key\n-----END RSA PRIVATE KEY-----\n"
			dbFile := filepath.Join(data, "paved.db")
			db := "bbolt " + secret + "-db"
			for path, content := range map[string]string{keyFile: key, dbFile: db} {
				if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			environ := fmt.Sprintf("/proc/%d/environ", os.Getpid())
			config := fmt.Sprintf(`
output "environ" { value = file(%[1]q) }
output "environ64" { value = filebase64(%[1]q) }
output "key" { value = file(%[2]q) }
output "db" { value = filebase64(%[3]q) }
output "shadow" { value = file("/etc/shadow") }
`, environ, keyFile, dbFile)

			for i, sandboxed := range []*sandbox.Config{nil, sb} {
				p := newProjectIn(t, cli{name: c.name, binary: binary, sandbox: sandboxed},
					filepath.Join(data, "workdirs", fmt.Sprintf("pr-%d", i)), map[string]string{"main.tf": config})
				p.job.PlanFile = filepath.Join(data, "plans", fmt.Sprintf("pr-%d.tfplan", i))
				res, err := p.runner.Plan(context.Background(), p.job)
				if sandboxed == nil {
					if err != nil {
						t.Fatalf("unconfined plan: %v", err)
					}
					for _, leak := range []string{secret + "-key", base64.StdEncoding.EncodeToString([]byte(db))} {
						if !strings.Contains(res.Output, leak) {
							t.Fatalf("the unconfined plan does not show %q, so the probes prove nothing:\n%s", leak, res.Output)
						}
					}
					continue
				}
				if err == nil {
					t.Fatalf("sandboxed plan succeeded:\n%s", res.Output)
				}
				// Terraform wraps its diagnostics.
				output := strings.Join(strings.Fields(res.Output), " ")
				for _, path := range []string{environ, keyFile, dbFile, "/etc/shadow"} {
					if !strings.Contains(output, fmt.Sprintf("no file exists at %q", path)) {
						t.Errorf("the sandboxed plan's output does not say that %s is missing", path)
					}
				}
				seen := err.Error() + "\n" + res.Output
				for _, leak := range append(base64Forms(secret), secret, base64.StdEncoding.EncodeToString([]byte(key))) {
					if strings.Contains(seen, leak) {
						t.Errorf("the sandboxed plan shows %q", leak)
					}
				}
				if t.Failed() {
					t.Fatalf("error: %v\noutput:\n%s", err, res.Output)
				}
			}
		})
	}
}

// TestSandboxView runs, as the job's binary, a wrapper that records what each terraform process
// sees and then runs the real binary, bound in by the operator.
func TestSandboxView(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		if c.sandbox == nil {
			t.Skip("the view of a sandbox")
		}
		real, err := filepath.EvalSymlinks(c.binary)
		if err != nil {
			t.Fatal(err)
		}
		p := newProject(t, c, map[string]string{"main.tf": `
resource "terraform_data" "written" {
  provisioner "local-exec" {
    command = "echo applied > ${path.module}/written-by-apply.txt"
  }
}
`})
		probes := filepath.Join(p.dir, "probes.txt")
		gitConfig := filepath.Join(p.root, ".git", "config")
		wrapper := filepath.Join(t.TempDir(), "terraform")
		script := fmt.Sprintf(`#!/bin/sh
{
  echo "== $1"
  if touch %[1]q/probe-"$1" 2>/dev/null; then echo "working copy writable"; else echo "working copy read-only"; fi
  if (echo "# written from a sandbox" >> %[2]q) 2>/dev/null; then echo "git config writable"; else echo "git config read-only"; fi
  if touch "$TF_PLUGIN_CACHE_DIR/probe-$1" 2>/dev/null; then echo "plugin cache writable"; else echo "plugin cache read-only"; fi
  echo "home $HOME"
} >> %[3]q
exec %[4]q "$@"
`, p.dir, gitConfig, probes, real)
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		p.job.Binary = wrapper
		p.runner.Sandbox = &sandbox.Config{Bwrap: c.sandbox.Bwrap, Binds: []sandbox.Bind{{Path: real}}}
		p.apply(p.plan(command.PlanOptions{}))

		b, err := os.ReadFile(probes)
		if err != nil {
			t.Fatal(err)
		}
		// terraform-exec's `version` runs in whichever step first needs it, in that step's sandbox.
		views := map[string]string{}
		for _, block := range strings.Split(string(b), "== ")[1:] {
			cmd, view, _ := strings.Cut(block, "\n")
			if old, ok := views[cmd]; ok && old != view && cmd != "version" {
				t.Errorf("two %s processes saw different things:\n%s\n%s", cmd, old, view)
			}
			views[cmd] = view
		}
		want := map[string]string{
			"init":  "working copy writable\ngit config read-only\nplugin cache writable\nhome /tmp\n",
			"plan":  "working copy writable\ngit config read-only\nplugin cache read-only\nhome /tmp\n",
			"apply": "working copy writable\ngit config read-only\nplugin cache read-only\nhome /tmp\n",
		}
		for cmd, view := range want {
			if views[cmd] != view {
				t.Errorf("%s saw:\n%s\nwant:\n%s", cmd, views[cmd], view)
			}
		}
		if b, err := os.ReadFile(gitConfig); err != nil || string(b) != "[core]\n" {
			t.Errorf(".git/config after the run: %q, %v", b, err)
		}
		if _, err := os.Stat(filepath.Join(p.runner.PluginCache, "probe-plan")); err == nil {
			t.Error("a plan wrote into the plugin cache")
		}
		if _, err := os.Stat(filepath.Join(p.dir, "written-by-apply.txt")); err != nil {
			t.Errorf("the apply's provisioner could not write into the working copy: %v", err)
		}
	})
}

// lockState holds the local backend's lock on the default workspace's state, as another terraform
// would, until the test ends.
func lockState(t *testing.T, dir string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "terraform.tfstate"), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	lock := syscall.Flock_t{Type: syscall.F_WRLCK}
	if err := syscall.FcntlFlock(f.Fd(), syscall.F_SETLK, &lock); err != nil {
		t.Fatal(err)
	}
	// What the holder records, without which terraform gives up at once rather than waiting.
	info := `{"ID":"0b4ee8a1-0000-4000-8000-000000000000","Operation":"OperationTypeApply","Who":"someone@elsewhere","Version":"1.8.5","Created":"2024-01-01T00:00:00Z","Path":"terraform.tfstate"}`
	if err := os.WriteFile(filepath.Join(dir, ".terraform.tfstate.lock.info"), []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestStoppedRunKeepsOutput stops a plan waiting for the state lock and an apply in a slow
// provisioner: each returns ctx's error and what terraform printed, and terraform, interrupted
// rather than killed, stops gracefully (the apply saves state) well before terraform-exec would
// kill it.
func TestStoppedRunKeepsOutput(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		p := newProject(t, c, map[string]string{"main.tf": `
resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "exec sleep 60"
  }
}
`})
		res := p.plan(command.PlanOptions{})

		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		start := time.Now()
		applied, err := p.runner.Apply(ctx, p.job, res.PlanSHA256)
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			t.Fatalf("apply past its deadline: %v, want context.DeadlineExceeded", err)
		}
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("the stopped apply took %s", took)
		}
		for _, want := range []string{"terraform_data.slow: Creating...", "Interrupt received"} {
			if !strings.Contains(applied.Output, want) {
				t.Errorf("the stopped apply's output lacks %q:\n%s", want, applied.Output)
			}
		}
		if got := inputs(t, filepath.Join(p.dir, "terraform.tfstate")); len(got) != 1 {
			t.Errorf("state after the interrupted apply = %v, want the tainted terraform_data.slow", got)
		}

		lockState(t, p.dir)
		for _, stop := range []struct {
			name        string
			ctx         func() (context.Context, context.CancelFunc)
			want, other error
		}{
			{"deadline", func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 2*time.Second)
			}, context.DeadlineExceeded, context.Canceled},
			{"cancel", func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(2*time.Second, cancel)
				return ctx, cancel
			}, context.Canceled, context.DeadlineExceeded},
		} {
			ctx, cancel := stop.ctx()
			start := time.Now()
			planned, err := p.runner.Plan(ctx, runner.Job{
				Root: p.job.Root, Dir: p.dir, Workspace: "default", Tool: c.name, ToolVersion: "under-test", Binary: c.binary,
				PlanFile: p.job.PlanFile, Options: command.PlanOptions{LockTimeout: "50s"},
			})
			cancel()
			if !errors.Is(err, stop.want) || errors.Is(err, stop.other) {
				t.Errorf("%s: plan waiting for the lock: %v, want %v", stop.name, err, stop.want)
			}
			if took := time.Since(start); took > 30*time.Second {
				t.Errorf("%s: the stopped plan took %s", stop.name, took)
			}
			if !strings.Contains(planned.Output, "Error acquiring the state lock") {
				t.Errorf("%s: the stopped plan's output lacks terraform's account of the lock:\n%s", stop.name, planned.Output)
			}
			if _, err := os.Stat(p.job.PlanFile); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%s: a stopped plan left a plan file (stat: %v)", stop.name, err)
			}
		}
	})
}

func TestSandboxedJobValidation(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	elsewhere := t.TempDir()
	r := &runner.Runner{Sandbox: &sandbox.Config{Bwrap: "/usr/bin/bwrap"}, PluginCache: filepath.Join(t.TempDir(), "plugins")}
	valid := runner.Job{Root: root, Dir: filepath.Join(root, "app"), Workspace: "default", Binary: "/usr/bin/false",
		PlanFile: filepath.Join(elsewhere, "app.tfplan")}
	for name, tc := range map[string]struct {
		mutate func(*runner.Job)
		want   string
	}{
		"no root":                   {func(j *runner.Job) { j.Root = "" }, "no working copy root"},
		"relative root":             {func(j *runner.Job) { j.Root = "wc" }, "not absolute"},
		"dir outside the root":      {func(j *runner.Job) { j.Dir = elsewhere }, "outside the working copy"},
		"plan file in the root":     {func(j *runner.Job) { j.PlanFile = filepath.Join(root, "plans", "app.tfplan") }, "which the sandbox sees"},
		"plan file in plugin cache": {func(j *runner.Job) { j.PlanFile = filepath.Join(r.PluginCache, "app.tfplan") }, "which the sandbox sees"},
		"var file outside the root": {func(j *runner.Job) { j.Options.VarFiles = []string{"../../x.tfvars"} }, "var file ../../x.tfvars"},
		"working copy without .git": {func(j *runner.Job) { j.Root, j.Dir = elsewhere, elsewhere }, ".git"},
	} {
		j := valid
		tc.mutate(&j)
		if _, err := r.Plan(context.Background(), j); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Plan error = %v, want it to contain %q", name, err, tc.want)
		}
	}

	link := filepath.Join(t.TempDir(), "wc")
	if err := os.Mkdir(link, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(root, ".git"), filepath.Join(link, ".git")); err != nil {
		t.Fatal(err)
	}
	j := valid
	j.Root, j.Dir = link, link
	if _, err := r.Plan(context.Background(), j); err == nil || !strings.Contains(err.Error(), "not the bot's") {
		t.Errorf("working copy whose .git is a symlink: Plan error = %v", err)
	}
}
