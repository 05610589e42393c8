// Package runner runs terraform or tofu for one project through terraform-exec: init (skipped
// when nothing that decides it changed), workspace selection, plan into a plan file, and apply
// of exactly that plan file. With Runner.Sandbox set, every terraform process runs in a bubblewrap
// sandbox (package sandbox) that sees the working copy, the plugin cache and a scratch dir of its
// own, and neither the bot's secrets nor its data dir; plan files live outside it.
package runner

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
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
	"github.com/paved-road/paved/bot/sandbox"
)

// Runner runs jobs. Jobs in different directories run in parallel (the caller bounds how many);
// jobs in the same directory take turns, because the selected workspace and .terraform/ are
// per directory; an init that may write the shared plugin cache runs alone, with no other init,
// plan or apply going, because it may rewrite entries that those run from (plugincache.go). The
// zero value is ready to use.
type Runner struct {
	PluginCache string // shared TF_PLUGIN_CACHE_DIR, created if missing; "" for none
	// Env is extra KEY=VALUE environment for every run, e.g. TF_CLI_CONFIG_FILE. Variables that
	// terraform-exec manages itself (TF_LOG*, TF_INPUT, TF_VAR_*, TF_CLI_ARGS*, TF_WORKSPACE, …)
	// are refused.
	Env []string
	// Sandbox confines every terraform process; nil runs them unconfined.
	Sandbox *sandbox.Config
	// ScratchDir is where each terraform process gets a scratch dir of its own, removed when it
	// has exited; "" means os.TempDir().
	ScratchDir string
	// GOGC is the garbage collector's target for terraform and the providers it starts, as Go's
	// GOGC (0 leaves Go's default, 100). Most of a plan's heap is garbage soon, so a higher
	// target spends less CPU collecting it, for a peak heap of up to 1+GOGC/100 times the live
	// heap. MemoryLimit, in bytes, is then each process's soft limit (GOMEMLIMIT; 0 for none):
	// near it the collector runs as often as it must, so a large state cannot take the higher
	// target's multiple of its size.
	GOGC        int
	MemoryLimit int64

	// cacheMu guards the shared plugin cache: an init that may write it holds it alone; plans,
	// applies and inits that only link from it, all of which run providers through links into it,
	// share it. installMu queues the inits that may write it (plugincache.go).
	cacheMu   sync.RWMutex
	installMu sync.Mutex
	hashesMu  sync.Mutex
	hashes    map[string]packageSum // by cached package dir, resolved

	dirs           dirLocks
	warnConfigOnce sync.Once
	versionsMu     sync.Mutex
	versions       map[string]probedVersion // by binary, resolved when sandboxed
	// execs keeps one terraform-exec handle per binary and directory: a handle asks its binary's
	// version once, before its first init or show, and a new handle per plan would ask each time
	// (sandboxed, the launcher answers: version.go).
	// Runs in one directory take turns (dirs), so its handle is never used twice at once.
	execsMu sync.Mutex
	execs   map[execKey]*tfexec.Terraform
}

// DefaultGOGC is the GOGC paved-bot serve runs terraform with unless told: by hand, a plan of a
// small project took 10 to 20% less CPU time at 400 than at Go's 100 (docs/benchmarks.md).
const DefaultGOGC = 400

// execKey names a handle: the binary it runs, through program (the sandbox's launcher or the
// binary itself), in dir.
type execKey struct{ binary, program, dir string }

// maxExecs bounds the handles kept; past it they are dropped and made again as needed.
const maxExecs = 1024

// exec returns the terraform-exec handle for k.
func (r *Runner) exec(k execKey) (*tfexec.Terraform, error) {
	r.execsMu.Lock()
	defer r.execsMu.Unlock()
	if tf, ok := r.execs[k]; ok {
		return tf, nil
	}
	tf, err := tfexec.NewTerraform(k.dir, k.program)
	if err != nil {
		return nil, err
	}
	if r.execs == nil || len(r.execs) >= maxExecs {
		r.execs = map[execKey]*tfexec.Terraform{}
	}
	r.execs[k] = tf
	return tf, nil
}

// Job is one project to plan or apply.
type Job struct {
	// Root is the absolute working copy root containing Dir. When set, Dir, the var files and the
	// local modules must resolve inside it (CheckPaths). A sandboxed job needs it: the sandbox sees
	// all of it, writable but for .git.
	Root      string
	Dir       string // absolute project dir inside the working copy
	Workspace string // "default" or another; created when missing
	// Tool and ToolVersion are the halves of the key Tools.Resolve returns ("tofu", "1.12.6"),
	// Binary the path it returns.
	Tool, ToolVersion, Binary string
	Options                   command.PlanOptions
	// PlanFile is the absolute path where plan writes and apply reads, outside Root and anything
	// else a sandbox sees.
	PlanFile string
	// Output, when set, receives terraform's standard output as it runs, for a live log.
	Output io.Writer
	// ShowJSON asks Plan for the plan as `terraform show -json` prints it, for policy checks.
	ShowJSON bool
	// ShowJSONLimit bounds the bytes of that JSON read into memory (DefaultShowJSONLimit when
	// 0): a pull request can make its plan as large as it likes.
	ShowJSONLimit int64
	// NoStateLock plans without taking the state lock (-lock=false): a drift check only reads,
	// and must never make an apply that holds or wants the lock fail.
	NoStateLock bool
}

// PlanResult is what a plan found.
type PlanResult struct {
	Changes bool // terraform reported changes (resources or outputs)
	// Add, Change and Destroy count resource changes the way terraform's own summary does:
	// a replacement is one add and one destroy.
	Add, Change, Destroy int
	// Output is the plan as terraform shows it, without colour; on failure, what the failed
	// terraform process printed: its output, then the end of its errors.
	Output        string
	PlanSHA256    string        // of the plan file; Apply requires it unchanged
	ToolVersion   string        // as reported by the binary
	TerraformTime time.Duration // wall time spent inside terraform processes
	Inited        bool          // whether init ran for this plan
	// PlanJSON is `terraform show -json` of the plan, when Job.ShowJSON asked for it and the plan
	// has changes.
	PlanJSON []byte
	// PlanJSONError says why PlanJSON is missing though asked for (it exceeded
	// Job.ShowJSONLimit); the plan itself is saved, and policy checks must treat it as an error.
	PlanJSONError error
}

// DefaultShowJSONLimit is the largest plan JSON a policy check reads by default.
const DefaultShowJSONLimit = 64 << 20

// ErrPlanJSONTooLarge is a plan whose `terraform show -json` exceeds Job.ShowJSONLimit.
var ErrPlanJSONTooLarge = errors.New("plan JSON too large")

// ApplyResult is what an apply printed: on failure, what the failed terraform process printed,
// its output, then the end of its errors.
type ApplyResult struct {
	Output        string
	TerraformTime time.Duration
}

// Plan initialises the project if needed, selects (or creates) the workspace and writes a plan
// to j.PlanFile. A failed plan leaves no plan file behind. Output and TerraformTime are set on
// failure too, and a plan stopped by ctx returns an error that is ctx's.
func (r *Runner) Plan(ctx context.Context, j Job) (PlanResult, error) {
	defer r.dirs.lock(j.Dir)()
	s, err := r.newSession(j)
	if err != nil {
		return PlanResult{}, err
	}
	defer s.close()
	res, err := s.plan(ctx)
	if err != nil {
		res = PlanResult{Output: s.output}
	}
	res.TerraformTime = s.elapsed
	return res, err
}

// planName is the plan file's name in its process's scratch dir.
const planName = "plan.tfplan"

func (s *session) plan(ctx context.Context) (PlanResult, error) {
	planFile := s.job.PlanFile
	if err := os.Remove(planFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return PlanResult{}, s.fail("plan", fmt.Errorf("remove previous plan file: %w", err))
	}

	var res PlanResult
	var err error
	if res.ToolVersion, err = s.version(ctx); err != nil {
		return PlanResult{}, err
	}
	if res.Inited, err = s.initIfChanged(ctx); err != nil {
		return PlanResult{}, err
	}
	p, err := s.selectWorkspaceAndPlan(ctx)
	if err != nil && !res.Inited && ctx.Err() == nil && initRequired.MatchString(err.Error()) {
		slog.InfoContext(ctx, "plan asked for init although the init fingerprint is unchanged; initialising and planning again",
			"tool", s.tool, "dir", s.label, "workspace", s.job.Workspace)
		if err := s.init(ctx); err != nil {
			return PlanResult{}, err
		}
		res.Inited = true
		p, err = s.selectWorkspaceAndPlan(ctx)
	}
	if err != nil {
		return PlanResult{}, err
	}

	res.Changes = p.changes
	res.Output = planText(p.output)
	res.Add, res.Change, res.Destroy = countChanges(res.Output)
	res.PlanSHA256 = sha256Hex(p.file)
	if s.job.ShowJSON && res.Changes {
		res.PlanJSON, err = s.showJSON(ctx, p.file)
		switch {
		case errors.Is(err, ErrPlanJSONTooLarge):
			res.PlanJSON, res.PlanJSONError = nil, err
		case err != nil:
			return PlanResult{}, err
		}
	}
	if err := writeFileAtomic(planFile, p.file); err != nil {
		return PlanResult{}, s.fail("plan", err)
	}
	return res, nil
}

// showJSON is `terraform show -json` of a plan, run on a copy in a scratch dir as apply runs it.
// Its output is the JSON, so it stays out of the live log.
func (s *session) showJSON(ctx context.Context, plan []byte) ([]byte, error) {
	live := s.job.Output
	s.job.Output = nil
	limit := s.job.ShowJSONLimit
	if limit <= 0 {
		limit = DefaultShowJSONLimit
	}
	s.stdoutLimit = limit
	defer func() { s.job.Output, s.stdoutLimit = live, 0 }()
	s.r.cacheMu.RLock()
	defer s.r.cacheMu.RUnlock()
	out, err := s.run(ctx, "show", false, func(scratch string) error {
		copied := filepath.Join(scratch, planName)
		if err := os.WriteFile(copied, plan, 0o600); err != nil {
			return fmt.Errorf("copy plan file: %w", err)
		}
		_, err := s.tf.ShowPlanFile(ctx, copied)
		return err
	})
	if s.stdoutOver {
		// Only the limit is named: the process was stopped by its full pipe, and its error says
		// nothing more useful.
		return nil, fmt.Errorf("%w: `%s show -json` printed more than %s, the limit on what a policy check reads",
			ErrPlanJSONTooLarge, s.tool, sizeOf(limit))
	}
	if err != nil {
		return nil, err
	}
	return []byte(out), nil
}

// Apply applies exactly the plan file j.PlanFile, after checking that its sha256 is still
// wantSHA256. A changed or missing plan file is an error and nothing is applied. Output and
// TerraformTime are set on failure too, and an apply stopped by ctx returns an error that is ctx's.
func (r *Runner) Apply(ctx context.Context, j Job, wantSHA256 string) (ApplyResult, error) {
	defer r.dirs.lock(j.Dir)()
	s, err := r.newSession(j)
	if err != nil {
		return ApplyResult{}, err
	}
	defer s.close()
	out, err := s.apply(ctx, wantSHA256)
	if err != nil {
		out = s.output
	}
	return ApplyResult{Output: out, TerraformTime: s.elapsed}, err
}

func (s *session) apply(ctx context.Context, wantSHA256 string) (string, error) {
	plan, err := os.ReadFile(s.job.PlanFile)
	if err != nil {
		return "", s.fail("apply", fmt.Errorf("read plan file: %w; nothing applied", err))
	}
	if got := sha256Hex(plan); got != wantSHA256 {
		return "", s.fail("apply", fmt.Errorf("plan file changed since it was planned (sha256 %s, expected %s); nothing applied", got, wantSHA256))
	}

	if _, err := s.version(ctx); err != nil {
		return "", err
	}
	if _, err := s.initIfChanged(ctx); err != nil {
		return "", err
	}
	if err := s.selectWorkspace(ctx); err != nil {
		return "", err
	}
	var opts []tfexec.ApplyOption
	if n := s.job.Options.Parallelism; n > 0 {
		opts = append(opts, tfexec.Parallelism(n))
	}
	if t := s.job.Options.LockTimeout; t != "" {
		opts = append(opts, tfexec.LockTimeout(t))
	}
	s.r.cacheMu.RLock()
	defer s.r.cacheMu.RUnlock()
	return s.run(ctx, "apply", false, func(scratch string) error {
		// Terraform reads a copy written from the checked bytes into a dir no sandbox has seen,
		// so what it applies is what was checked.
		checked := filepath.Join(scratch, planName)
		if err := os.WriteFile(checked, plan, 0o600); err != nil {
			return fmt.Errorf("copy plan file: %w", err)
		}
		return s.tf.Apply(ctx, append(opts, tfexec.DirOrPlan(checked))...)
	})
}

// session is one Plan or Apply call: the terraform-exec handle, the job's environment, and the
// time spent in terraform.
type session struct {
	r     *Runner
	job   Job
	tool  string
	label string
	tf    *tfexec.Terraform
	env   map[string]string // each process gets a copy, with its sandbox spec
	// stdoutLimit, when positive, bounds what run keeps of a process's output; stdoutOver says
	// the last run's output went past it, and was cut.
	stdoutLimit int64
	stdoutOver  bool
	// wc is the working copy (the project dir without Root) and dir the project dir in it: the
	// runner's own reads and writes go through wc, so that a symlink planted by code in a sandbox
	// cannot lead them outside it.
	wc  *os.Root
	dir string
	// program is the real binary, resolved, and gitDir the working copy's .git, when sandboxed.
	program, gitDir string
	// versionJSON is the binary's answer to `version -json`, once the runner has it, for the
	// launcher to give in its stead (see version).
	versionJSON string
	elapsed     time.Duration
	// output is what the failed terraform process printed.
	output string
}

// workspaceName keeps workspace names to what terraform accepts and what cannot pass for a flag.
var workspaceName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

func (r *Runner) newSession(j Job) (*session, error) {
	if j.Workspace == "" {
		j.Workspace = "default"
	}
	s := &session{r: r, job: j, tool: j.Tool, label: projectLabel(j.Root, j.Dir)}
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
	case j.Root != "" && !filepath.IsAbs(j.Root):
		return nil, fmt.Errorf("working copy root %q is not absolute", j.Root)
	case j.Root == "" && r.Sandbox != nil:
		return nil, fmt.Errorf("no working copy root given for %s, which a sandboxed run needs", s.label)
	}
	if j.Root != "" {
		if err := CheckPaths(j.Root, j.Dir, j.Options.VarFiles); err != nil {
			return nil, fmt.Errorf("%s: %w", s.label, err)
		}
	}
	if r.PluginCache != "" {
		if err := os.MkdirAll(r.PluginCache, 0o750); err != nil {
			return nil, fmt.Errorf("create plugin cache: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(j.PlanFile), 0o750); err != nil {
		return nil, fmt.Errorf("create plan file directory: %w", err)
	}
	execPath := j.Binary
	if r.Sandbox != nil {
		var err error
		if execPath, err = s.confine(); err != nil {
			return nil, fmt.Errorf("sandbox for %s: %w", s.label, err)
		}
	}
	tf, err := r.exec(execKey{binary: j.Binary, program: execPath, dir: j.Dir})
	if err != nil {
		return nil, fmt.Errorf("%s in %s: %w", s.tool, s.label, err)
	}
	if s.env, err = r.environment(); err != nil {
		return nil, err
	}
	if err := tf.SetEnv(s.env); err != nil {
		return nil, fmt.Errorf("runner environment: %w", err)
	}
	if s.wc, s.dir, err = openWorkingCopy(j); err != nil {
		return nil, fmt.Errorf("%s: %w", s.label, err)
	}
	s.tf = tf
	return s, nil
}

// openWorkingCopy opens j's working copy, or without a Root its project dir, and names the
// project dir relative to it.
func openWorkingCopy(j Job) (wc *os.Root, dir string, err error) {
	root, dir := j.Dir, "."
	if j.Root != "" {
		root = j.Root
		if dir, err = filepath.Rel(j.Root, j.Dir); err != nil {
			return nil, "", fmt.Errorf("open working copy: %w", err)
		}
	}
	if wc, err = os.OpenRoot(root); err != nil {
		return nil, "", fmt.Errorf("open working copy: %w", err)
	}
	return wc, dir, nil
}

// close ends the session; the handle it leaves for the next keeps none of its output.
func (s *session) close() {
	s.tf.SetStdout(io.Discard)
	s.tf.SetStderr(io.Discard)
	_ = s.wc.Close()
}

// path names a file of the project dir for s.wc.
func (s *session) path(name string) string { return filepath.Join(s.dir, name) }

// confine prepares the session's sandbox and returns what terraform-exec runs instead of the
// binary: the sandbox's launcher, by default this program, which becomes the launcher when its
// environment holds a spec.
func (s *session) confine() (string, error) {
	j := s.job
	exe, err := s.r.Sandbox.LauncherPath()
	if err != nil {
		return "", fmt.Errorf("locate the launcher: %w", err)
	}
	if s.program, err = filepath.EvalSymlinks(j.Binary); err != nil {
		return "", fmt.Errorf("resolve %s binary: %w", s.tool, err)
	}
	// The bot's own git runs what .git/config says, outside any sandbox: it must exist, as the
	// bot's, to be bound read-only over the writable working copy.
	s.gitDir = filepath.Join(j.Root, ".git")
	info, err := os.Lstat(s.gitDir)
	switch {
	case err != nil:
		return "", fmt.Errorf("working copy .git: %w", err)
	case !info.IsDir() && !info.Mode().IsRegular():
		return "", fmt.Errorf("working copy .git is a %s, not the bot's", info.Mode().Type())
	}
	seen := []string{j.Root}
	for _, b := range s.r.Sandbox.Binds {
		if !filepath.IsAbs(b.Path) {
			return "", fmt.Errorf("bind %q is not absolute", b.Path)
		}
		seen = append(seen, b.Path)
	}
	if s.r.PluginCache != "" {
		seen = append(seen, s.r.PluginCache)
	}
	planDir, err := filepath.EvalSymlinks(filepath.Dir(j.PlanFile))
	if err != nil {
		return "", fmt.Errorf("resolve plan file directory: %w", err)
	}
	for _, dir := range seen {
		for _, d := range []string{dir, resolved(dir)} {
			if within(planDir, d) {
				return "", fmt.Errorf("plan file %s is inside %s, which the sandbox sees", j.PlanFile, dir)
			}
		}
	}
	return exe, nil
}

// resolved is path with its symlinks resolved, or path when that fails.
func resolved(path string) string {
	if r, err := filepath.EvalSymlinks(path); err == nil {
		return r
	}
	return path
}

// within says whether path is dir or beneath it, by name.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// spec is the sandbox of one process: the operator's binds, the working copy read-write with its
// .git read-only, the plugin cache, writable only for init, and the process's scratch dir.
func (s *session) spec(proc *process, cacheWritable bool) sandbox.Spec {
	c := s.r.Sandbox
	binds := append(slices.Clone(c.Binds),
		sandbox.Bind{Path: s.job.Root, Writable: true},
		sandbox.Bind{Path: s.gitDir})
	if s.r.PluginCache != "" {
		binds = append(binds, sandbox.Bind{Path: s.r.PluginCache, Writable: cacheWritable})
	}
	binds = append(binds, sandbox.Bind{Path: proc.scratch, Writable: true})
	return sandbox.Spec{Bwrap: c.Bwrap, Program: s.program, Dir: s.job.Dir, Binds: binds, Status: proc.status, VersionJSON: s.versionJSON}
}

// process is the private dir of one terraform process: its scratch dir, bound read-write into its
// sandbox, and bwrap's status file, which the sandbox never sees.
type process struct{ dir, scratch, status string }

func (r *Runner) newProcess() (*process, error) {
	parent := r.ScratchDir
	if parent == "" {
		parent = os.TempDir()
	}
	dir, err := os.MkdirTemp(parent, "paved-tf-*")
	if err != nil {
		return nil, fmt.Errorf("create scratch dir: %w", err)
	}
	p := &process{dir: dir, scratch: filepath.Join(dir, "scratch"), status: filepath.Join(dir, "status")}
	if err := os.Mkdir(p.scratch, 0o700); err != nil {
		p.remove()
		return nil, fmt.Errorf("create scratch dir: %w", err)
	}
	return p, nil
}

func (p *process) remove() {
	if err := os.RemoveAll(p.dir); err != nil {
		slog.Warn("cannot remove a terraform scratch dir", "dir", p.dir, "error", err)
	}
}

// interruptOnCancel stands in for terraform-exec's SIGINT, which bwrap ignores: once ctx is done,
// it interrupts terraform inside the sandbox so that it stops gracefully. It polls, because the
// process may not have reported its pid yet, or an earlier process of the step may have. stop
// ends it.
func interruptOnCancel(ctx context.Context, status string) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		select {
		case <-done:
			return
		case <-ctx.Done():
		}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			err := sandbox.Interrupt(status)
			switch {
			case err == nil:
				return
			case !errors.Is(err, sandbox.ErrNotStarted) && !errors.Is(err, os.ErrProcessDone):
				// terraform-exec kills bwrap after its WaitDelay.
				slog.WarnContext(ctx, "cannot interrupt sandboxed terraform", "error", err)
				return
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	})
	return func() {
		close(done)
		wg.Wait()
	}
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
	if r.GOGC > 0 {
		env["GOGC"] = strconv.Itoa(r.GOGC)
		if r.MemoryLimit > 0 {
			env["GOMEMLIMIT"] = strconv.FormatInt(r.MemoryLimit, 10)
		}
	}
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

// run runs one terraform step, which may start more than one process of the same kind, with a
// fresh scratch dir and, when sandboxed, in a sandbox whose plugin cache is writable when
// cacheWritable. It returns what the step printed, adds its wall time to the session, and on
// failure keeps its output for the result and adds context to its error.
func (s *session) run(ctx context.Context, op string, cacheWritable bool, step func(scratch string) error) (string, error) {
	s.output = ""
	proc, err := s.r.newProcess()
	if err != nil {
		return "", s.fail(op, err)
	}
	defer proc.remove()
	env := maps.Clone(s.env)
	if s.r.Sandbox != nil {
		spec, err := s.spec(proc, cacheWritable).Encode()
		if err != nil {
			return "", s.fail(op, err)
		}
		env[sandbox.SpecEnv] = spec
		// When terraform-exec had to kill the launcher, the sandbox may be left: end it.
		defer func() {
			if err := sandbox.Kill(proc.status); err != nil && !errors.Is(err, os.ErrProcessDone) && !errors.Is(err, sandbox.ErrNotStarted) && !errors.Is(err, fs.ErrNotExist) {
				slog.WarnContext(ctx, "cannot end a sandbox left behind", "error", err)
			}
		}()
		defer interruptOnCancel(ctx, proc.status)()
	}
	if err := s.tf.SetEnv(env); err != nil {
		return "", s.fail(op, fmt.Errorf("runner environment: %w", err))
	}
	var stdout bytes.Buffer
	var stderr tailBuffer
	var out io.Writer = &stdout
	s.stdoutOver = false
	if s.stdoutLimit > 0 {
		// First in line, so that terraform-exec's own copy of the output stops at the limit too.
		out = &limitWriter{w: &stdout, left: s.stdoutLimit, over: &s.stdoutOver}
	}
	if s.job.Output != nil {
		out = io.MultiWriter(out, s.job.Output)
	}
	s.tf.SetStdout(out)
	s.tf.SetStderr(&stderr)

	start := time.Now()
	err = step(proc.scratch)
	s.elapsed += time.Since(start)
	if err != nil {
		s.output = joinOutput(stdout.String(), stderr.String())
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = stoppedError{ctxErr: ctxErr, err: err}
		}
		return stdout.String(), s.fail(op, err)
	}
	return stdout.String(), nil
}

// stoppedError is a step that ctx stopped. It unwraps to ctx's error alone: terraform-exec's own
// error claims context.DeadlineExceeded for a cancel too.
type stoppedError struct{ ctxErr, err error }

func (e stoppedError) Error() string {
	return fmt.Sprintf("%v; terraform stopped: %v", e.ctxErr, e.err)
}

func (e stoppedError) Unwrap() error { return e.ctxErr }

// joinOutput is a failed process's output followed by the end of its errors.
func joinOutput(stdout, stderrTail string) string {
	var parts []string
	for _, p := range []string{strings.TrimRight(stdout, "\n"), strings.TrimSpace(stderrTail)} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "\n") + "\n"
}

// tailBuffer keeps the end of what is written to it: of terraform's errors, the end is where the
// diagnostics are.
type tailBuffer struct {
	b       []byte
	written int
}

const tailBytes = 64 << 10

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.written += len(p)
	t.b = append(t.b, p...)
	if len(t.b) > 2*tailBytes {
		t.b = slices.Clone(t.b[len(t.b)-tailBytes:])
	}
	return len(p), nil
}

// String is about the last tailBytes written, from the start of a line.
func (t *tailBuffer) String() string {
	b := t.b[max(0, len(t.b)-tailBytes):]
	if len(b) == t.written {
		return string(b)
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[i+1:]
	}
	return "…\n" + string(b)
}

func (s *session) fail(op string, err error) error {
	return fmt.Errorf("%s %s in %s (workspace %s): %w", s.tool, op, s.label, s.job.Workspace, tailError{err})
}

// initIfChanged runs init unless the init fingerprint is what the last successful init recorded.
func (s *session) initIfChanged(ctx context.Context) (bool, error) {
	want, err := initFingerprint(s.wc, s.dir, s.job.Tool+"@"+s.job.ToolVersion)
	if err == nil {
		stored, readErr := s.wc.ReadFile(s.path(fingerprintFile))
		if readErr == nil && strings.TrimSpace(string(stored)) == want {
			return false, nil
		}
	}
	// An unparsable configuration falls through to init, which reports the problem in terraform's words.
	return true, s.init(ctx)
}

// init runs init and records the fingerprint of what it initialised.
func (s *session) init(ctx context.Context) error {
	if err := s.wc.Remove(s.path(fingerprintFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return s.fail("init", fmt.Errorf("forget previous init: %w", err))
	}
	if err := s.runInit(ctx); err != nil {
		return err
	}
	// After init, because init may have written the lock file.
	fingerprint, err := initFingerprint(s.wc, s.dir, s.job.Tool+"@"+s.job.ToolVersion)
	if err != nil {
		return s.fail("init", err)
	}
	if err := s.wc.MkdirAll(s.path(filepath.Dir(fingerprintFile)), 0o750); err != nil {
		return s.fail("init", fmt.Errorf("record init: %w", err))
	}
	if err := s.wc.WriteFile(s.path(fingerprintFile), []byte(fingerprint+"\n"), 0o600); err != nil {
		return s.fail("init", fmt.Errorf("record init: %w", err))
	}
	return nil
}

// initRequired matches terraform's and tofu's ways of saying that init must run first.
var initRequired = regexp.MustCompile(`Inconsistent dependency lock file|Module not installed|Required plugins are not installed|Backend initialization required|(terraform|tofu) init`)

// planned is what one plan process left: whether it found changes, what it printed (which is
// what users read; a `show` of the plan file would print the same at the cost of another
// process) and the plan file.
type planned struct {
	changes bool
	output  string
	file    []byte
}

func (s *session) selectWorkspaceAndPlan(ctx context.Context) (planned, error) {
	if err := s.selectWorkspace(ctx); err != nil {
		return planned{}, err
	}
	var p planned
	var err error
	s.r.cacheMu.RLock()
	p.output, err = s.run(ctx, "plan", false, func(scratch string) (err error) {
		if p.changes, err = s.tf.Plan(ctx, s.planOptions(filepath.Join(scratch, planName))...); err != nil {
			return err
		}
		// Terraform has exited, and with it everything in its sandbox.
		p.file, err = readPlanFile(scratch)
		return err
	})
	s.r.cacheMu.RUnlock()
	return p, err
}

// readPlanFile reads the plan a terraform process wrote into its scratch dir, where code in its
// sandbox may have left a symlink or a FIFO instead.
func readPlanFile(scratch string) ([]byte, error) {
	r, err := os.OpenRoot(scratch)
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	defer func() { _ = r.Close() }()
	info, err := r.Lstat(planName)
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("read plan file: it is a %s, not a file", info.Mode().Type())
	}
	b, err := r.ReadFile(planName)
	if err != nil {
		return nil, fmt.Errorf("read plan file: %w", err)
	}
	return b, nil
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

func (s *session) selectWorkspace(ctx context.Context) error {
	want := s.job.Workspace
	// Terraform records the selected workspace in .terraform/environment
	// (absent means default): when it already is the one wanted, no process.
	current := "default"
	if raw, err := s.wc.ReadFile(s.path(".terraform/environment")); err == nil {
		current = strings.TrimSpace(string(raw))
	}
	if current == want {
		return nil
	}
	_, err := s.run(ctx, "workspace", false, func(string) error {
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
	return err
}

// planOptions maps the comment's options onto terraform-exec's, which pass each value as a
// single argument of its own flag.
func (s *session) planOptions(out string) []tfexec.PlanOption {
	o := s.job.Options
	opts := []tfexec.PlanOption{tfexec.Out(out)}
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
	if s.job.NoStateLock {
		opts = append(opts, tfexec.Lock(false))
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
// given when it is not inside one. Without root, the working copy is the nearest dir above with
// a .git.
func projectLabel(root, dir string) string {
	if root != "" {
		if rel, err := filepath.Rel(root, dir); err == nil && rel != "." {
			return filepath.ToSlash(rel) + "/"
		}
		return "./"
	}
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

func (e tailError) Error() string { return lastLines(e.err.Error(), tailLines) }

// lastLines is the last n lines of s, trimmed, after "…" when there were more.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = append([]string{"…"}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func (e tailError) Unwrap() error { return e.err }

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// writeFileAtomic writes content to path through a temporary file beside it, so that path is
// never a partial plan.
func writeFileAtomic(path string, content []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".plan-*.tfplan")
	if err != nil {
		return fmt.Errorf("write plan file: %w", err)
	}
	_, err = f.Write(content)
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("write plan file: %w", err)
	}
	return nil
}

// limitWriter passes on at most left bytes, then fails every write: os/exec then closes the
// pipe, and the process writing to it stops, rather than its output filling memory.
type limitWriter struct {
	w    io.Writer
	left int64
	over *bool
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.left {
		*l.over = true
		return 0, ErrPlanJSONTooLarge
	}
	l.left -= int64(len(p))
	return l.w.Write(p)
}

// sizeOf is a byte count as people read it: "64 MiB", "512 KiB", "100 bytes".
func sizeOf(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
