// Package runner runs terraform or tofu for one project through terraform-exec: init (skipped
// when nothing that decides it changed), workspace selection, plan into a plan file, and apply
// of exactly that plan file.
package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/paved-road/paved/bot/command"
)

// Runner runs jobs. Jobs in different directories run in parallel (the caller bounds how many);
// jobs in the same directory take turns, because the selected workspace and .terraform/ are
// per directory; an init runs alone, with no other init, plan or apply going, because it may
// rewrite entries of the shared plugin cache that those run from. The zero value is ready to use.
type Runner struct {
	PluginCache string // shared TF_PLUGIN_CACHE_DIR, created if missing; "" for none
	// Env is extra KEY=VALUE environment for every run, e.g. TF_CLI_CONFIG_FILE. Variables that
	// terraform-exec manages itself (TF_LOG*, TF_INPUT, TF_VAR_*, TF_CLI_ARGS*, TF_WORKSPACE, …)
	// are refused.
	Env []string

	// cacheMu guards the shared plugin cache: init may replace a provider's
	// entry in it (Terraform reinstalls when the lock file has no checksum
	// for it), so inits run alone and plans and applies, which run the
	// providers through links into the cache, never during one.
	cacheMu        sync.RWMutex
	dirs           dirLocks
	warnConfigOnce sync.Once
	versionsMu     sync.Mutex
	versions       map[string]string // by binary
}

// Job is one project to plan or apply.
type Job struct {
	Dir       string // absolute project dir inside the working copy
	Workspace string // "default" or another; created when missing
	// Tool and ToolVersion are the halves of the key Tools.Resolve returns ("tofu", "1.12.6"),
	// Binary the path it returns.
	Tool, ToolVersion, Binary string
	Options                   command.PlanOptions
	PlanFile                  string // absolute path where plan writes and apply reads
}

// PlanResult is what a plan found.
type PlanResult struct {
	Changes bool // terraform reported changes (resources or outputs)
	// Add, Change and Destroy count resource changes the way terraform's own summary does:
	// a replacement is one add and one destroy.
	Add, Change, Destroy int
	Output               string        // the plan as terraform shows it, without colour
	PlanSHA256           string        // of the plan file; Apply requires it unchanged
	ToolVersion          string        // as reported by the binary
	TerraformTime        time.Duration // wall time spent inside terraform processes
	Inited               bool          // whether init ran for this plan
}

// ApplyResult is what an apply printed.
type ApplyResult struct {
	Output        string
	TerraformTime time.Duration
}

// Plan initialises the project if needed, selects (or creates) the workspace and writes a plan
// to j.PlanFile. A failed plan leaves no plan file behind. TerraformTime is set on failure too.
func (r *Runner) Plan(ctx context.Context, j Job) (PlanResult, error) {
	defer r.dirs.lock(j.Dir)()
	s, err := r.newSession(j)
	if err != nil {
		return PlanResult{}, err
	}
	res, err := s.plan(ctx)
	res.TerraformTime = s.elapsed
	return res, err
}

func (s *session) plan(ctx context.Context) (PlanResult, error) {
	planFile := s.job.PlanFile
	if err := os.Remove(planFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return PlanResult{}, s.fail("plan", fmt.Errorf("remove previous plan file: %w", err))
	}
	if err := os.MkdirAll(filepath.Dir(planFile), 0o750); err != nil {
		return PlanResult{}, s.fail("plan", fmt.Errorf("create plan file directory: %w", err))
	}

	var res PlanResult
	var err error
	if res.Inited, err = s.initIfChanged(ctx); err != nil {
		return PlanResult{}, err
	}
	res.Changes, err = s.selectWorkspaceAndPlan(ctx)
	if err != nil && !res.Inited && initRequired.MatchString(err.Error()) {
		slog.InfoContext(ctx, "plan asked for init although the init fingerprint is unchanged; initialising and planning again",
			"tool", s.tool, "dir", s.label, "workspace", s.job.Workspace)
		if err := s.init(ctx); err != nil {
			return PlanResult{}, err
		}
		res.Inited = true
		res.Changes, err = s.selectWorkspaceAndPlan(ctx)
	}
	if err != nil {
		return PlanResult{}, err
	}

	res.Output = planText(s.planOutput.String())
	res.Add, res.Change, res.Destroy = countChanges(res.Output)
	if res.ToolVersion, err = s.version(ctx); err != nil {
		return PlanResult{}, err
	}

	planBytes, err := os.ReadFile(planFile)
	if err != nil {
		return PlanResult{}, s.fail("plan", fmt.Errorf("read plan file: %w", err))
	}
	res.PlanSHA256 = sha256Hex(planBytes)
	return res, nil
}

// Apply applies exactly the plan file j.PlanFile, after checking that its sha256 is still
// wantSHA256. A changed or missing plan file is an error and nothing is applied. Output and
// TerraformTime are set on failure too.
func (r *Runner) Apply(ctx context.Context, j Job, wantSHA256 string) (ApplyResult, error) {
	defer r.dirs.lock(j.Dir)()
	s, err := r.newSession(j)
	if err != nil {
		return ApplyResult{}, err
	}
	var out bytes.Buffer
	err = s.apply(ctx, wantSHA256, &out)
	return ApplyResult{Output: out.String(), TerraformTime: s.elapsed}, err
}

func (s *session) apply(ctx context.Context, wantSHA256 string, out *bytes.Buffer) error {
	plan, err := os.ReadFile(s.job.PlanFile)
	if err != nil {
		return s.fail("apply", fmt.Errorf("read plan file: %w; nothing applied", err))
	}
	if got := sha256Hex(plan); got != wantSHA256 {
		return s.fail("apply", fmt.Errorf("plan file changed since it was planned (sha256 %s, expected %s); nothing applied", got, wantSHA256))
	}
	// Terraform reads a copy written from the checked bytes, so what it applies is what was checked.
	checked, err := writeTemp(filepath.Dir(s.job.PlanFile), plan)
	if err != nil {
		return s.fail("apply", err)
	}
	defer func() { _ = os.Remove(checked) }()

	if _, err := s.initIfChanged(ctx); err != nil {
		return err
	}
	if err := s.selectWorkspace(ctx); err != nil {
		return err
	}
	opts := []tfexec.ApplyOption{tfexec.DirOrPlan(checked)}
	if n := s.job.Options.Parallelism; n > 0 {
		opts = append(opts, tfexec.Parallelism(n))
	}
	if t := s.job.Options.LockTimeout; t != "" {
		opts = append(opts, tfexec.LockTimeout(t))
	}
	s.tf.SetStdout(out)
	s.r.cacheMu.RLock()
	defer s.r.cacheMu.RUnlock()
	return s.run("apply", func() error { return s.tf.Apply(ctx, opts...) })
}

// session is one Plan or Apply call: the terraform-exec handle, and the time spent in terraform.
type session struct {
	r       *Runner
	job     Job
	tool    string
	label   string
	tf      *tfexec.Terraform
	elapsed time.Duration
	// planOutput is what the last plan printed.
	planOutput bytes.Buffer
}

// workspaceName keeps workspace names to what terraform accepts and what cannot pass for a flag.
var workspaceName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

func (r *Runner) newSession(j Job) (*session, error) {
	if j.Workspace == "" {
		j.Workspace = "default"
	}
	s := &session{r: r, job: j, tool: j.Tool, label: projectLabel(j.Dir)}
	if s.tool == "" {
		s.tool = "terraform"
	}
	switch {
	case !filepath.IsAbs(j.Dir):
		return nil, fmt.Errorf("project dir %q is not absolute", j.Dir)
	case !filepath.IsAbs(j.PlanFile):
		return nil, fmt.Errorf("plan file %q is not absolute", j.PlanFile)
	case j.Binary == "":
		return nil, fmt.Errorf("no %s binary given for %s", s.tool, s.label)
	case !workspaceName.MatchString(j.Workspace):
		return nil, fmt.Errorf("workspace %q: use letters, digits, '-', '_' and '.'", j.Workspace)
	}
	if r.PluginCache != "" {
		if err := os.MkdirAll(r.PluginCache, 0o750); err != nil {
			return nil, fmt.Errorf("create plugin cache: %w", err)
		}
	}
	tf, err := tfexec.NewTerraform(j.Dir, j.Binary)
	if err != nil {
		return nil, fmt.Errorf("%s in %s: %w", s.tool, s.label, err)
	}
	env, err := r.environment()
	if err != nil {
		return nil, err
	}
	if err := tf.SetEnv(env); err != nil {
		return nil, fmt.Errorf("runner environment: %w", err)
	}
	s.tf = tf
	return s, nil
}

// inherited are the parts of the bot's own environment terraform may see; everything else, the
// bot's secrets included, stays out.
var inherited = []string{
	"PATH", "HOME", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR", "TF_CLI_CONFIG_FILE",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
}

// environment builds terraform's environment. TF_IN_AUTOMATION is set by terraform-exec on every
// command, and TF_INPUT cannot be set through it: it passes -input=false wherever terraform would
// otherwise prompt.
func (r *Runner) environment() (map[string]string, error) {
	env := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if slices.Contains(inherited, k) || strings.HasPrefix(k, "AWS_") {
			env[k] = v
		}
	}
	env["CHECKPOINT_DISABLE"] = "1"
	if r.PluginCache != "" {
		env["TF_PLUGIN_CACHE_DIR"] = r.PluginCache
	}
	for _, kv := range r.Env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("runner environment: %q is not KEY=VALUE", kv)
		}
		env[k] = v
	}
	// A CLI configuration file that does not exist configures nothing, but the tool warns about
	// it, and tofu warns on stdout, where terraform-exec parses the output of `version -json`.
	// An empty file configures the same nothing without the warning.
	if path := env["TF_CLI_CONFIG_FILE"]; path != "" {
		if _, err := os.Stat(path); err != nil {
			r.warnConfigOnce.Do(func() {
				slog.Warn("TF_CLI_CONFIG_FILE is unreadable; running without a CLI configuration", "path", path, "error", err)
			})
			env["TF_CLI_CONFIG_FILE"] = os.DevNull
		}
	}
	return env, nil
}

// run runs one terraform step, adding its wall time to the session and context to its error.
func (s *session) run(op string, step func() error) error {
	start := time.Now()
	err := step()
	s.elapsed += time.Since(start)
	if err != nil {
		return s.fail(op, err)
	}
	return nil
}

func (s *session) fail(op string, err error) error {
	return fmt.Errorf("%s %s in %s (workspace %s): %w", s.tool, op, s.label, s.job.Workspace, tailError{err})
}

// initIfChanged runs init unless the init fingerprint is what the last successful init recorded.
func (s *session) initIfChanged(ctx context.Context) (bool, error) {
	want, err := initFingerprint(s.job.Dir, s.job.Tool+"@"+s.job.ToolVersion)
	if err == nil {
		stored, readErr := os.ReadFile(filepath.Join(s.job.Dir, fingerprintFile))
		if readErr == nil && strings.TrimSpace(string(stored)) == want {
			return false, nil
		}
	}
	// An unparsable configuration falls through to init, which reports the problem in terraform's words.
	return true, s.init(ctx)
}

// init runs init and records the fingerprint of what it initialised. A backend change
// reconfigures rather than migrating state: a plan must never move state.
func (s *session) init(ctx context.Context) error {
	path := filepath.Join(s.job.Dir, fingerprintFile)
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.fail("init", fmt.Errorf("forget previous init: %w", err))
	}
	s.r.cacheMu.Lock()
	err := s.run("init", func() error { return s.tf.Init(ctx, tfexec.Reconfigure(true)) })
	s.r.cacheMu.Unlock()
	if err != nil {
		return err
	}
	// After init, because init may have written the lock file.
	fingerprint, err := initFingerprint(s.job.Dir, s.job.Tool+"@"+s.job.ToolVersion)
	if err != nil {
		return s.fail("init", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return s.fail("init", fmt.Errorf("record init: %w", err))
	}
	if err := os.WriteFile(path, []byte(fingerprint+"\n"), 0o600); err != nil {
		return s.fail("init", fmt.Errorf("record init: %w", err))
	}
	return nil
}

// initRequired matches terraform's and tofu's ways of saying that init must run first.
var initRequired = regexp.MustCompile(`Inconsistent dependency lock file|Module not installed|Required plugins are not installed|Backend initialization required|(terraform|tofu) init`)

func (s *session) selectWorkspaceAndPlan(ctx context.Context) (bool, error) {
	if err := s.selectWorkspace(ctx); err != nil {
		return false, err
	}
	var changes bool
	// The plan's own output is what users read; a `show` of the plan file
	// would print the same at the cost of another terraform process.
	s.planOutput.Reset()
	s.tf.SetStdout(&s.planOutput)
	defer s.tf.SetStdout(nil)
	s.r.cacheMu.RLock()
	err := s.run("plan", func() (err error) {
		changes, err = s.tf.Plan(ctx, s.planOptions()...)
		return err
	})
	s.r.cacheMu.RUnlock()
	return changes, err
}

// planText is terraform's plan output without the lines about refreshing
// state and reading data sources, and without the closing note on where the
// plan was saved, which names the bot's own paths.
func planText(out string) string {
	var keep []string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "Saved the plan to:") {
			break
		}
		if strings.HasSuffix(line, ": Refreshing state...") || strings.Contains(line, ": Refreshing state... [") ||
			strings.HasSuffix(line, ": Reading...") || strings.Contains(line, ": Read complete after ") {
			continue
		}
		keep = append(keep, line)
	}
	return strings.Trim(strings.TrimRight(strings.Join(keep, "\n"), "\n─ "), "\n") + "\n"
}

// version is what the binary reports, asked once per binary.
func (s *session) version(ctx context.Context) (string, error) {
	s.r.versionsMu.Lock()
	defer s.r.versionsMu.Unlock()
	if v, ok := s.r.versions[s.job.Binary]; ok {
		return v, nil
	}
	var version string
	if err := s.run("version", func() error {
		v, _, err := s.tf.Version(ctx, false)
		if err == nil {
			version = v.String()
		}
		return err
	}); err != nil {
		return "", err
	}
	if s.r.versions == nil {
		s.r.versions = map[string]string{}
	}
	s.r.versions[s.job.Binary] = version
	return version, nil
}

func (s *session) selectWorkspace(ctx context.Context) error {
	want := s.job.Workspace
	// Terraform records the selected workspace in .terraform/environment
	// (absent means default): when it already is the one wanted, no process.
	current := "default"
	if raw, err := os.ReadFile(filepath.Join(s.job.Dir, ".terraform", "environment")); err == nil {
		current = strings.TrimSpace(string(raw))
	}
	if current == want {
		return nil
	}
	return s.run("workspace", func() error {
		all, current, err := s.tf.WorkspaceList(ctx)
		switch {
		case err != nil:
			return err
		case current == want:
			return nil
		case slices.Contains(all, want):
			return s.tf.WorkspaceSelect(ctx, want)
		default:
			return s.tf.WorkspaceNew(ctx, want)
		}
	})
}

// planOptions maps the comment's options onto terraform-exec's, which pass each value as a
// single argument of its own flag.
func (s *session) planOptions() []tfexec.PlanOption {
	o := s.job.Options
	opts := []tfexec.PlanOption{tfexec.Out(s.job.PlanFile)}
	for _, addr := range o.Targets {
		opts = append(opts, tfexec.Target(addr))
	}
	for _, addr := range o.Replaces {
		opts = append(opts, tfexec.Replace(addr))
	}
	for _, v := range o.Vars {
		opts = append(opts, tfexec.Var(v))
	}
	for _, f := range o.VarFiles {
		opts = append(opts, tfexec.VarFile(f))
	}
	if o.Refresh != nil {
		opts = append(opts, tfexec.Refresh(*o.Refresh))
	}
	if o.RefreshOnly {
		opts = append(opts, tfexec.RefreshOnly(true))
	}
	if o.Destroy {
		opts = append(opts, tfexec.Destroy(true))
	}
	if o.Parallelism > 0 {
		opts = append(opts, tfexec.Parallelism(o.Parallelism))
	}
	if o.LockTimeout != "" {
		opts = append(opts, tfexec.LockTimeout(o.LockTimeout))
	}
	return opts
}

// planSummary is the line terraform and tofu end a plan with, e.g.
// "Plan: 1 to import, 2 to add, 0 to change, 1 to destroy." Reading it
// spares a `show -json` process per project; a replacement counts as one add
// and one destroy, as terraform counts it.
var planSummary = regexp.MustCompile(`(?m)^Plan: .*?(\d+) to add, (\d+) to change, (\d+) to destroy`)

func countChanges(output string) (add, change, destroy int) {
	m := planSummary.FindStringSubmatch(output)
	if m == nil {
		return 0, 0, 0
	}
	add, _ = strconv.Atoi(m[1])
	change, _ = strconv.Atoi(m[2])
	destroy, _ = strconv.Atoi(m[3])
	return add, change, destroy
}

// projectLabel names dir the way users know it: relative to its working copy ("app/"), or as
// given when it is not inside one.
func projectLabel(dir string) string {
	for root := dir; ; {
		if _, err := os.Stat(filepath.Join(root, ".git")); err == nil {
			rel, err := filepath.Rel(root, dir)
			if err != nil || rel == "." {
				return "./"
			}
			return filepath.ToSlash(rel) + "/"
		}
		parent := filepath.Dir(root)
		if parent == root {
			return dir
		}
		root = parent
	}
}

// tailError keeps the last lines of an error from terraform, where its diagnostics are, and
// still unwraps to it.
type tailError struct{ err error }

const tailLines = 50

func (e tailError) Error() string {
	lines := strings.Split(strings.TrimSpace(e.err.Error()), "\n")
	if len(lines) > tailLines {
		lines = append([]string{"…"}, lines[len(lines)-tailLines:]...)
	}
	return strings.Join(lines, "\n")
}

func (e tailError) Unwrap() error { return e.err }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func writeTemp(dir string, content []byte) (string, error) {
	f, err := os.CreateTemp(dir, ".apply-*.tfplan")
	if err != nil {
		return "", fmt.Errorf("copy plan file: %w", err)
	}
	_, err = f.Write(content)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("copy plan file: %w", err)
	}
	return f.Name(), nil
}
