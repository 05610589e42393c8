package runner_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/paved-road/paved/bot/command"
	"github.com/paved-road/paved/bot/runner"
	"github.com/paved-road/paved/bot/sandbox"
)

// cli is a terraform or tofu binary under test, run unconfined (as a job without a working copy
// root) or in a sandbox.
type cli struct {
	name, binary string
	sandbox      *sandbox.Config
}

// clis names the binaries under test and the variables that give their paths.
var clis = []struct{ name, env string }{{"terraform", "PAVED_TEST_TERRAFORM"}, {"tofu", "PAVED_TEST_TOFU"}}

// forEachCLI runs test in parallel with terraform and with tofu, each unconfined and sandboxed.
func forEachCLI(t *testing.T, test func(t *testing.T, c cli)) {
	t.Parallel()
	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			binary := binaryFrom(t, c.env)
			t.Run("unconfined", func(t *testing.T) {
				t.Parallel()
				test(t, cli{name: c.name, binary: binary})
			})
			t.Run("sandboxed", func(t *testing.T) {
				t.Parallel()
				test(t, cli{name: c.name, binary: binary, sandbox: sandboxConfig(t)})
			})
		})
	}
}

var findSandbox = sync.OnceValues(sandbox.Find)

// sandboxConfig is what sandbox.Find gives; without bwrap the test is skipped, unless TF_ACC asks
// for every test to run.
func sandboxConfig(t *testing.T) *sandbox.Config {
	t.Helper()
	c, err := findSandbox()
	if err != nil {
		if os.Getenv("TF_ACC") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	return c
}

func binaryFrom(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	switch {
	case path != "":
		return path
	case os.Getenv("TF_ACC") == "":
		t.Skipf("%s is not set: set it (and TF_ACC=1) to the absolute path of the binary to run these tests", env)
	default:
		t.Fatalf("TF_ACC is set but %s is not: set it to the absolute path of the binary", env)
	}
	return ""
}

const mainTF = `
variable "greeting" {
  type    = string
  default = "hello"
}

resource "terraform_data" "a" {
  input = var.greeting
}

resource "terraform_data" "b" {
  input = "b"
}

output "greeting" {
  value = terraform_data.a.output
}
`

// project is a project directory "app/" inside a working copy, with a runner and a job for it.
type project struct {
	t      *testing.T
	root   string
	dir    string
	runner *runner.Runner
	job    runner.Job
}

func newProject(t *testing.T, c cli, files map[string]string) *project {
	t.Helper()
	return newProjectIn(t, c, t.TempDir(), files)
}

// newProjectIn makes the project in the working copy root, with a .git, a plugin cache and the
// plan file outside it, and for a sandboxed cli the root in the job.
func newProjectIn(t *testing.T, c cli, root string, files map[string]string) *project {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(root, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, ".git", "config"), []byte("[core]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A job without a root is how it runs unconfined from a workflow that names none.
	var jobRoot string
	if c.sandbox != nil {
		jobRoot = root
	}
	p := &project{
		t:      t,
		root:   root,
		dir:    filepath.Join(root, "app"),
		runner: &runner.Runner{PluginCache: filepath.Join(t.TempDir(), "plugins"), Sandbox: c.sandbox},
	}
	p.job = runner.Job{
		Root:        jobRoot,
		Dir:         p.dir,
		Workspace:   "default",
		Tool:        c.name,
		ToolVersion: "under-test",
		Binary:      c.binary,
		PlanFile:    filepath.Join(t.TempDir(), "app.tfplan"),
	}
	p.write(files)
	return p
}

// write writes files under the project dir; "" deletes a file.
func (p *project) write(files map[string]string) {
	p.t.Helper()
	for name, content := range files {
		path := filepath.Join(p.dir, name)
		if content == "" {
			if err := os.Remove(path); err != nil {
				p.t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			p.t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			p.t.Fatal(err)
		}
	}
}

func (p *project) plan(opts command.PlanOptions) runner.PlanResult {
	p.t.Helper()
	j := p.job
	j.Options = opts
	res, err := p.runner.Plan(context.Background(), j)
	if err != nil {
		p.t.Fatalf("plan: %v", err)
	}
	return res
}

func (p *project) apply(res runner.PlanResult) runner.ApplyResult {
	p.t.Helper()
	out, err := p.runner.Apply(context.Background(), p.job, res.PlanSHA256)
	if err != nil {
		p.t.Fatalf("apply: %v", err)
	}
	return out
}

// inputs reads a local state file and returns each terraform_data resource's input by name.
func inputs(t *testing.T, statePath string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(statePath)
	if err != nil {
		t.Fatal(err)
	}
	var state struct {
		Resources []struct {
			Name      string
			Instances []struct {
				Attributes struct {
					Input struct{ Value any }
				}
			}
		}
	}
	if err := json.Unmarshal(b, &state); err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	for _, r := range state.Resources {
		for _, inst := range r.Instances {
			got[r.Name] = inst.Attributes.Input.Value
		}
	}
	return got
}

func wantCounts(t *testing.T, res runner.PlanResult, add, change, destroy int) {
	t.Helper()
	if res.Add != add || res.Change != change || res.Destroy != destroy {
		t.Fatalf("plan counts +%d ~%d -%d, want +%d ~%d -%d\n%s", res.Add, res.Change, res.Destroy, add, change, destroy, res.Output)
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestPlanAndApply(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		p := newProject(t, c, map[string]string{"main.tf": mainTF})
		state := filepath.Join(p.dir, "terraform.tfstate")

		res := p.plan(command.PlanOptions{})
		wantCounts(t, res, 2, 0, 0)
		if !res.Changes || !res.Inited {
			t.Fatalf("first plan: Changes=%v Inited=%v, want both true", res.Changes, res.Inited)
		}
		if !strings.Contains(res.Output, "terraform_data.a will be created") {
			t.Fatalf("plan output does not show the creation:\n%s", res.Output)
		}
		if res.PlanSHA256 != fileSHA256(t, p.job.PlanFile) {
			t.Fatal("PlanSHA256 is not the sha256 of the plan file")
		}
		if !regexp.MustCompile(`^\d+\.\d+\.\d+`).MatchString(res.ToolVersion) {
			t.Fatalf("ToolVersion = %q, want the binary's version", res.ToolVersion)
		}
		if res.TerraformTime <= 0 {
			t.Fatal("TerraformTime was not measured")
		}

		// Apply must apply the plan as planned, not the configuration as it is now.
		p.write(map[string]string{"main.tf": strings.Replace(mainTF, `input = "b"`, `input = "changed"`, 1)})
		applied := p.apply(res)
		if !strings.Contains(applied.Output, "Resources: 2 added, 0 changed, 0 destroyed") {
			t.Fatalf("apply output:\n%s", applied.Output)
		}
		if got := inputs(t, state); got["a"] != "hello" || got["b"] != "b" {
			t.Fatalf("state after apply = %v, want a=hello b=b", got)
		}

		res = p.plan(command.PlanOptions{})
		wantCounts(t, res, 0, 1, 0)
		if res.Inited {
			t.Fatal("init ran again although only a resource argument changed")
		}
		if !strings.Contains(res.Output, `"b" -> "changed"`) {
			t.Fatalf("plan output does not show the change:\n%s", res.Output)
		}

		wantCounts(t, p.plan(command.PlanOptions{Replaces: []string{"terraform_data.a"}}), 1, 1, 1)

		res = p.plan(command.PlanOptions{Targets: []string{"terraform_data.a"}, Vars: []string{"greeting=bonjour"}})
		wantCounts(t, res, 0, 1, 0)
		if !strings.Contains(res.Output, `"hello" -> "bonjour"`) || strings.Contains(res.Output, "terraform_data.b") {
			t.Fatalf("targeted plan with -var:\n%s", res.Output)
		}

		wantCounts(t, p.plan(command.PlanOptions{Destroy: true}), 0, 0, 2)

		res = p.plan(command.PlanOptions{})
		p.apply(res)
		if got := inputs(t, state); got["b"] != "changed" {
			t.Fatalf("state after second apply = %v, want b=changed", got)
		}
		res = p.plan(command.PlanOptions{})
		wantCounts(t, res, 0, 0, 0)
		if res.Changes {
			t.Fatalf("plan after apply reports changes:\n%s", res.Output)
		}
	})
}

func TestApplyRefusesChangedPlanFile(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		p := newProject(t, c, map[string]string{"main.tf": mainTF})
		res := p.plan(command.PlanOptions{})

		f, err := os.OpenFile(p.job.PlanFile, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString("x"); err != nil {
			t.Fatal(err)
		}
		f.Close()
		_, err = p.runner.Apply(context.Background(), p.job, res.PlanSHA256)
		if err == nil || !strings.Contains(err.Error(), "plan file changed since it was planned") {
			t.Fatalf("Apply of a tampered plan file: err = %v", err)
		}

		if err := os.Remove(p.job.PlanFile); err != nil {
			t.Fatal(err)
		}
		if _, err := p.runner.Apply(context.Background(), p.job, res.PlanSHA256); err == nil {
			t.Fatal("Apply without a plan file succeeded")
		}
		if _, err := os.Stat(filepath.Join(p.dir, "terraform.tfstate")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("a refused apply wrote state (stat: %v)", err)
		}
	})
}

func TestInitReuse(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		p := newProject(t, c, map[string]string{"main.tf": mainTF})
		if !p.plan(command.PlanOptions{}).Inited {
			t.Fatal("first plan did not init")
		}
		if p.plan(command.PlanOptions{}).Inited {
			t.Fatal("re-plan of an unchanged configuration ran init")
		}

		p.write(map[string]string{
			"module.tf":  "module \"extra\" {\n  source = \"./extra\"\n}\n",
			"extra/x.tf": "resource \"terraform_data\" \"x\" {}\n",
		})
		res := p.plan(command.PlanOptions{})
		if !res.Inited {
			t.Fatal("adding a module block did not run init")
		}
		wantCounts(t, res, 3, 0, 0)
		if p.plan(command.PlanOptions{}).Inited {
			t.Fatal("re-plan after the module was installed ran init")
		}

		p.write(map[string]string{"versions.tf": `
terraform {
  required_providers {
    terraform = { source = "terraform.io/builtin/terraform" }
  }
}
`})
		if !p.plan(command.PlanOptions{}).Inited {
			t.Fatal("editing required_providers did not run init")
		}

		// The fingerprint still matches, but the installed module is gone: terraform says to
		// init, and the runner does so once and plans again.
		if err := os.RemoveAll(filepath.Join(p.dir, ".terraform", "modules")); err != nil {
			t.Fatal(err)
		}
		res = p.plan(command.PlanOptions{})
		if !res.Inited {
			t.Fatal("plan that needed init did not report Inited")
		}
		wantCounts(t, res, 3, 0, 0)
	})
}

func TestPlanInWorkspace(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		p := newProject(t, c, map[string]string{"main.tf": mainTF})
		p.job.Workspace = "staging"
		p.apply(p.plan(command.PlanOptions{Vars: []string{"greeting=staging"}}))

		if got := inputs(t, filepath.Join(p.dir, "terraform.tfstate.d", "staging", "terraform.tfstate")); got["a"] != "staging" {
			t.Fatalf("staging state = %v, want a=staging", got)
		}
		if _, err := os.Stat(filepath.Join(p.dir, "terraform.tfstate")); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("the default workspace got state (stat: %v)", err)
		}

		p.job.Workspace = "default"
		wantCounts(t, p.plan(command.PlanOptions{}), 2, 0, 0)
		p.job.Workspace = "staging"
		wantCounts(t, p.plan(command.PlanOptions{Vars: []string{"greeting=staging"}}), 0, 0, 0)
	})
}

// TestSameDirDifferentWorkspaces plans and applies two workspaces of one directory at once; each
// must land in its own state.
func TestSameDirDifferentWorkspaces(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		p := newProject(t, c, map[string]string{"main.tf": mainTF})
		var wg sync.WaitGroup
		errs := make(chan error, 2)
		for _, ws := range []string{"blue", "green"} {
			j := p.job
			j.Workspace = ws
			j.PlanFile = filepath.Join(t.TempDir(), ws+".tfplan")
			j.Options.Vars = []string{"greeting=" + ws}
			wg.Go(func() {
				res, err := p.runner.Plan(context.Background(), j)
				if err == nil {
					_, err = p.runner.Apply(context.Background(), j, res.PlanSHA256)
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		for _, ws := range []string{"blue", "green"} {
			if got := inputs(t, filepath.Join(p.dir, "terraform.tfstate.d", ws, "terraform.tfstate")); got["a"] != ws {
				t.Errorf("%s state = %v, want a=%s", ws, got, ws)
			}
		}
	})
}

func TestPlanErrorSurfacesTerraformMessage(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		p := newProject(t, c, map[string]string{"main.tf": mainTF})
		p.plan(command.PlanOptions{})
		p.write(map[string]string{"broken.tf": "output \"oops\" {\n  value = var.missing\n}\n"})

		res, err := p.runner.Plan(context.Background(), p.job)
		if err == nil {
			t.Fatal("plan of a broken configuration succeeded")
		}
		if res.TerraformTime <= 0 {
			t.Error("a failed plan did not report the time spent in terraform")
		}
		for _, want := range []string{c.name + " plan in app/ (workspace default): ", "Reference to undeclared input variable", "broken.tf line 2"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error does not contain %q:\n%v", want, err)
			}
		}
		if _, statErr := os.Stat(p.job.PlanFile); !errors.Is(statErr, fs.ErrNotExist) {
			t.Errorf("the previous plan file is still there after a failed plan (stat: %v)", statErr)
		}
	})
}

// TestEnvironment looks at terraform's environment from inside, through a local-exec provisioner.
func TestEnvironment(t *testing.T) {
	t.Setenv("PAVED_WEBHOOK_SECRET", "webhook-secret-value")
	t.Setenv("GITHUB_TOKEN", "ghp_token_value")
	t.Setenv("AWS_REGION", "eu-west-1")
	// A missing CLI configuration would make tofu print a warning where terraform-exec expects JSON.
	t.Setenv("TF_CLI_CONFIG_FILE", filepath.Join(t.TempDir(), "missing.tfrc"))
	for _, c := range clis {
		t.Run(c.name, func(t *testing.T) {
			binary := binaryFrom(t, c.env)
			t.Run("unconfined", func(t *testing.T) { testEnvironment(t, cli{name: c.name, binary: binary}) })
			t.Run("sandboxed", func(t *testing.T) { testEnvironment(t, cli{name: c.name, binary: binary, sandbox: sandboxConfig(t)}) })
		})
	}
}

func testEnvironment(t *testing.T, c cli) {
	p := newProject(t, c, map[string]string{"main.tf": `
resource "terraform_data" "env" {
  provisioner "local-exec" {
    command = "env > ${path.module}/env.txt"
  }
}
`})
	p.runner.Env = []string{"PAVED_OPERATOR_SETTING=from-runner-env"}
	p.runner.GOGC, p.runner.MemoryLimit = 400, 768<<20
	p.apply(p.plan(command.PlanOptions{}))

	b, err := os.ReadFile(filepath.Join(p.dir, "env.txt"))
	if err != nil {
		t.Fatal(err)
	}
	env := string(b)
	for _, want := range []string{
		"TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1", "TF_PLUGIN_CACHE_DIR=" + p.runner.PluginCache,
		"AWS_REGION=eu-west-1", "PAVED_OPERATOR_SETTING=from-runner-env", "PATH=",
		"TF_CLI_CONFIG_FILE=" + os.DevNull, "GOGC=400\n", "GOMEMLIMIT=805306368\n",
	} {
		if !strings.Contains(env, want) {
			t.Errorf("terraform's environment lacks %s", want)
		}
	}
	for _, secret := range []string{"webhook-secret-value", "ghp_token_value"} {
		if strings.Contains(env, secret) {
			t.Errorf("terraform's environment contains the bot's secret %q", secret)
		}
	}
	if c.sandbox != nil {
		if !strings.Contains(env, "HOME=/tmp\n") || strings.Contains(env, sandbox.SpecEnv) {
			t.Errorf("sandboxed terraform's environment has the bot's HOME or the sandbox spec:\n%s", env)
		}
	}
	// The plugin socket goes without TLS only where the sandbox's own /tmp holds it.
	if tlsOff := strings.Contains(env, "TF_DISABLE_PLUGIN_TLS=1\n"); tlsOff != (c.sandbox != nil) {
		t.Errorf("TF_DISABLE_PLUGIN_TLS=1 in terraform's environment: %v, want it only when sandboxed", tlsOff)
	}
	if _, err := os.Stat(p.runner.PluginCache); err != nil {
		t.Errorf("plugin cache was not created: %v", err)
	}
}

func TestRunnerEnvRejectsManagedVariables(t *testing.T) {
	r := &runner.Runner{Env: []string{"TF_LOG=TRACE"}}
	dir := t.TempDir()
	_, err := r.Plan(context.Background(), runner.Job{Dir: dir, Workspace: "default", Binary: "/usr/bin/false", PlanFile: filepath.Join(dir, "p")})
	if err == nil || !strings.Contains(err.Error(), "TF_LOG") {
		t.Fatalf("Plan with TF_LOG in Runner.Env: err = %v, want it to name TF_LOG", err)
	}
}

func TestJobValidation(t *testing.T) {
	dir := t.TempDir()
	valid := runner.Job{Dir: dir, Workspace: "default", Binary: "/usr/bin/false", PlanFile: filepath.Join(dir, "p")}
	for name, mutate := range map[string]func(*runner.Job){
		"relative dir":       func(j *runner.Job) { j.Dir = "app" },
		"relative plan file": func(j *runner.Job) { j.PlanFile = "app.tfplan" },
		"no binary":          func(j *runner.Job) { j.Binary = "" },
		"flag as workspace":  func(j *runner.Job) { j.Workspace = "-lock=false" },
		"path as workspace":  func(j *runner.Job) { j.Workspace = "../prod" },
	} {
		j := valid
		mutate(&j)
		if _, err := (&runner.Runner{}).Plan(context.Background(), j); err == nil {
			t.Errorf("%s: Plan accepted the job", name)
		}
	}
}

// TestPlanShowJSON checks that a plan asked for its JSON gets what `terraform show -json` prints
// of that plan, kept out of the live log, and that a plan without changes gets none.
func TestPlanShowJSON(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		p := newProject(t, c, map[string]string{"main.tf": mainTF})
		var live strings.Builder
		p.job.ShowJSON, p.job.Output = true, &live
		res := p.plan(command.PlanOptions{})
		var plan struct {
			FormatVersion   string `json:"format_version"`
			ResourceChanges []struct {
				Address string `json:"address"`
				Change  struct {
					Actions []string       `json:"actions"`
					After   map[string]any `json:"after"`
				} `json:"change"`
			} `json:"resource_changes"`
		}
		if err := json.Unmarshal(res.PlanJSON, &plan); err != nil {
			t.Fatalf("PlanJSON is not JSON: %v\n%.500s", err, res.PlanJSON)
		}
		got := map[string]any{}
		for _, rc := range plan.ResourceChanges {
			if strings.Join(rc.Change.Actions, ",") != "create" {
				t.Fatalf("%s: actions %v, want create", rc.Address, rc.Change.Actions)
			}
			got[rc.Address] = rc.Change.After["input"]
		}
		if plan.FormatVersion == "" || len(got) != 2 || got["terraform_data.a"] != "hello" || got["terraform_data.b"] != "b" {
			t.Fatalf("PlanJSON: format %q, resources %v; want terraform_data.a=hello and .b=b", plan.FormatVersion, got)
		}
		if strings.Contains(live.String(), "format_version") {
			t.Fatalf("the plan's JSON reached the live log:\n%s", live.String())
		}
		p.apply(res)
		if res := p.plan(command.PlanOptions{}); res.Changes || res.PlanJSON != nil {
			t.Fatalf("a plan without changes: Changes=%v, %d bytes of JSON; want none", res.Changes, len(res.PlanJSON))
		}
	})
}

// TestPlanShowJSONOverItsLimit checks that a plan whose JSON exceeds the limit is still planned
// and saved, with an error naming the limit instead of the JSON, and that nothing past the limit
// is kept.
func TestPlanShowJSONOverItsLimit(t *testing.T) {
	forEachCLI(t, func(t *testing.T, c cli) {
		p := newProject(t, c, map[string]string{"main.tf": mainTF})
		p.job.ShowJSON, p.job.ShowJSONLimit = true, 1024
		res := p.plan(command.PlanOptions{})
		if !res.Changes || res.PlanSHA256 == "" {
			t.Fatalf("a plan over the JSON limit: Changes=%v, sha %q; want it planned", res.Changes, res.PlanSHA256)
		}
		if res.PlanJSON != nil || !errors.Is(res.PlanJSONError, runner.ErrPlanJSONTooLarge) || !strings.Contains(res.PlanJSONError.Error(), "more than 1 KiB") {
			t.Fatalf("a plan over the JSON limit: %d bytes of JSON, error %v; want none and one naming 1 KiB", len(res.PlanJSON), res.PlanJSONError)
		}
		if _, err := os.Stat(p.job.PlanFile); err != nil {
			t.Fatalf("the plan file of a plan over the JSON limit: %v", err)
		}
		// The same plan under the default limit has its JSON.
		p.job.ShowJSONLimit = 0
		if res := p.plan(command.PlanOptions{}); res.PlanJSONError != nil || len(res.PlanJSON) <= 1024 {
			t.Fatalf("under the default limit: %d bytes, error %v", len(res.PlanJSON), res.PlanJSONError)
		}
	})
}

// TestTerraformRunsOnlyWhatAPersonWould counts the processes a project's plans start: the first
// plan inits and plans, a plan after it only plans, and `show -json` adds one show; the version is
// asked once, not by every plan or show. A second working copy, as of another pull request, inits
// and plans again; sandboxed, its launchers answer terraform-exec's `version -json` from the first
// answer, so the binary is asked once in all, while unconfined each working copy asks it once.
func TestTerraformRunsOnlyWhatAPersonWould(t *testing.T) {
	t.Parallel()
	binary := binaryFrom(t, "PAVED_TEST_TERRAFORM")
	real, err := filepath.EvalSymlinks(binary)
	if err != nil {
		t.Fatal(err)
	}
	for _, sandboxed := range []bool{false, true} {
		name := map[bool]string{false: "unconfined", true: "sandboxed"}[sandboxed]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			logDir := t.TempDir()
			calls := filepath.Join(logDir, "calls")
			wrapper := filepath.Join(t.TempDir(), "terraform")
			script := "#!/bin/sh\necho \"$1 $2\" >> " + calls + "\nexec " + real + " \"$@\"\n"
			if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			c := cli{name: "terraform", binary: wrapper}
			if sandboxed {
				c.sandbox = &sandbox.Config{Bwrap: sandboxConfig(t).Bwrap, Binds: []sandbox.Bind{{Path: real}, {Path: logDir, Writable: true}}}
			}
			p := newProject(t, c, map[string]string{"main.tf": mainTF})
			p.job.ShowJSON = true
			p.plan(command.PlanOptions{})
			p.write(map[string]string{"main.tf": strings.Replace(mainTF, `input = "b"`, `input = "c"`, 1)})
			p.plan(command.PlanOptions{})
			p.plan(command.PlanOptions{})
			other := newProject(t, c, map[string]string{"main.tf": mainTF})
			other.runner, other.job.ShowJSON = p.runner, true
			if res := other.plan(command.PlanOptions{}); !res.Inited || !regexp.MustCompile(`^1\.`).MatchString(res.ToolVersion) {
				t.Fatalf("second working copy: Inited=%v ToolVersion=%q", res.Inited, res.ToolVersion)
			}
			raw, err := os.ReadFile(calls)
			if err != nil {
				t.Fatal(err)
			}
			want := "version -json\ninit -no-color\nplan -no-color\nshow -json\nplan -no-color\nshow -json\nplan -no-color\nshow -json\n"
			if !sandboxed {
				want += "version -json\n"
			}
			want += "init -no-color\nplan -no-color\nshow -json"
			if strings.TrimSpace(string(raw)) != want {
				t.Fatalf("terraform ran:\n%s\nwant:\n%s", raw, want)
			}
		})
	}
}
