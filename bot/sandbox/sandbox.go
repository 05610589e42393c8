// Package sandbox confines paved-bot's terraform and tofu processes with bubblewrap (bwrap), so
// that code from a pull request (file("/proc/${ppid}/environ"), a provider it names, a local-exec
// provisioner) sees the working copy it runs in and little else: not the bot's environment and
// secrets, not its GitHub App key, not its data dir with other pull requests' working copies,
// plans and database, and of /etc only what name resolution and TLS need.
//
// terraform-exec runs one executable with no prefix arguments, so the bot runs a launcher: the
// runner gives terraform-exec the launcher as the terraform binary and describes the sandbox in
// the environment variable PAVED_SANDBOX_SPEC. The launcher is paved-sandbox (cmd/paved-sandbox)
// when it lies beside paved-bot, a program of this package alone that starts in a few
// milliseconds, else the bot's own executable, which is one too. This package's init sees that
// variable, removes it from the environment and runs bwrap with the real binary and the
// arguments terraform-exec gave, staying between the bot and bwrap (launch.go); asked exactly
// `version -json` with a spec that carries the answer (Spec.VersionJSON), it prints that and
// starts nothing. Without the variable init does nothing. Every binary that imports the runner
// imports this package, test binaries included, so each of them can be the launcher.
//
// Lifetime: on Linux terraform-exec starts its child with Pdeathsig=SIGKILL in a process group of
// its own, and exec keeps both, so bwrap is killed when the bot dies, and --die-with-parent and the
// PID namespace take everything inside down with it. bwrap passes no signals on, and dies of the
// SIGINT by which terraform-exec stops terraform gracefully, which would kill terraform mid-apply.
// So the launcher makes bwrap ignore SIGINT, terraform runs as PID 1 of its namespace (--as-pid-1),
// and the runner sends SIGINT to terraform itself (Interrupt) through the pid bwrap writes to a
// status file. terraform-exec still kills bwrap when terraform outlives its WaitDelay.
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SpecEnv names the environment variable that makes a process the launcher.
const SpecEnv = "PAVED_SANDBOX_SPEC"

// Bind makes a host path visible inside the sandbox at the same path, read-only unless Writable.
type Bind struct {
	Path     string `json:"path"`
	Writable bool   `json:"writable,omitempty"`
}

// Config says how terraform processes are confined; nil means not at all (paved-bot's
// --unsafe-no-sandbox).
type Config struct {
	Bwrap string // absolute path of bwrap
	// Launcher is what terraform-exec runs in front of each process, resolved (UseLauncher); ""
	// for the running executable.
	Launcher string
	// Binds are the operator's extra binds (a shared state dir, credentials, a provider mirror),
	// for every process.
	Binds []Bind
}

// Find locates bwrap on PATH and checks that it can create the namespaces (runs a trivial
// sandboxed `true`); the error says what is missing and how to fix it.
func Find() (*Config, error) {
	path, err := exec.LookPath("bwrap")
	if err != nil {
		return nil, fmt.Errorf("bubblewrap is not installed (%w): install it (Debian and Ubuntu: apt-get install bubblewrap), "+
			"or pass --unsafe-no-sandbox to let terraform read everything the bot can, its secrets included", err)
	}
	if path, err = filepath.Abs(path); err != nil {
		return nil, fmt.Errorf("locate bwrap: %w", err)
	}
	truePath, err := exec.LookPath("true")
	if err != nil {
		return nil, fmt.Errorf("check bwrap: %w", err)
	}
	if truePath, err = filepath.EvalSymlinks(truePath); err != nil {
		return nil, fmt.Errorf("check bwrap: %w", err)
	}
	spec := Spec{Bwrap: path, Program: truePath, Dir: "/"}
	argv, env, err := spec.command(nil, nil, -1)
	if err != nil {
		return nil, fmt.Errorf("check bwrap: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%s cannot create a sandbox (%w): %s; unprivileged user namespaces may be disabled "+
			"(sysctl kernel.unprivileged_userns_clone, and on Ubuntu kernel.apparmor_restrict_unprivileged_userns) "+
			"or forbidden by a container's seccomp profile: allow them, or pass --unsafe-no-sandbox to run terraform unconfined",
			path, err, strings.TrimSpace(string(out)))
	}
	return &Config{Bwrap: path}, nil
}

// LauncherName is the file name of the small launcher, which paved-bot uses when it lies beside it.
const LauncherName = "paved-sandbox"

// Executable is the running program, symlinks resolved: the launcher unless Config.Launcher
// names another, and where paved-bot looks for paved-sandbox. Resolved once.
var Executable = sync.OnceValues(func() (string, error) {
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		return "", fmt.Errorf("locate the running executable: %w", err)
	}
	return self, nil
})

// LauncherPath is what terraform-exec runs in front of each process: Launcher, or else the
// running program.
func (c *Config) LauncherPath() (string, error) {
	if c.Launcher != "" {
		return c.Launcher, nil
	}
	return Executable()
}

// UseLauncher makes the program at path the launcher, once it has shown that it reads this
// package's specs: given one that carries the answer to `version -json`, it must print exactly
// that answer. A launcher of another release fails here rather than at every plan.
func (c *Config) UseLauncher(path string) error {
	resolvedPath, err := filepath.EvalSymlinks(path)
	if err != nil {
		return fmt.Errorf("sandbox launcher: %w", err)
	}
	probe := fmt.Sprintf(`{"paved_sandbox_probe":%d}`, time.Now().UnixNano())
	spec, err := Spec{Bwrap: c.Bwrap, Program: resolvedPath, Dir: "/", VersionJSON: probe}.Encode()
	if err != nil {
		return fmt.Errorf("sandbox launcher: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, resolvedPath, versionArgs...)
	cmd.Env = []string{SpecEnv + "=" + spec}
	out, err := cmd.Output()
	if err != nil || string(out) != probe {
		out = out[:min(len(out), 200)]
		return fmt.Errorf("%s is not a sandbox launcher of this paved-bot: given a spec that holds the answer to %q it printed %q (%v); "+
			"install the %s of paved-bot's own release beside it, or remove it", path, strings.Join(versionArgs, " "), out, err, LauncherName)
	}
	c.Launcher = resolvedPath
	return nil
}

// Spec is one confined process, as the runner hands it to the launcher in SpecEnv.
type Spec struct {
	Bwrap   string `json:"bwrap"`
	Program string `json:"program"` // the real binary, resolved; bound read-only
	Dir     string `json:"dir"`     // working directory inside
	// Binds are applied in order, so a later one covers an earlier one: the read-only .git over
	// the writable working copy.
	Binds []Bind `json:"binds,omitempty"`
	// Status is a file outside the sandbox where bwrap reports the program's pid, for Interrupt;
	// "" for none.
	Status string `json:"status,omitempty"`
	// VersionJSON, when set, is what the launcher prints for the arguments `version -json`
	// instead of running the program: the runner's own earlier answer from this Program, a JSON
	// object, which terraform-exec asks of every new handle.
	VersionJSON string `json:"version_json,omitempty"`
}

// specVersion marks a value of SpecEnv as ours, so that a stray variable of that name never
// makes a launcher by accident.
const specVersion = 1

type wireSpec struct {
	Version int `json:"paved_sandbox_spec"`
	Spec
}

// Encode gives the value of SpecEnv for s.
func (s Spec) Encode() (string, error) {
	if err := s.validate(); err != nil {
		return "", err
	}
	b, err := json.Marshal(wireSpec{Version: specVersion, Spec: s})
	if err != nil {
		return "", fmt.Errorf("encode sandbox spec: %w", err)
	}
	return string(b), nil
}

// DecodeSpec reads a value of SpecEnv. Anything Encode did not write is an error.
func DecodeSpec(encoded string) (Spec, error) {
	dec := json.NewDecoder(strings.NewReader(encoded))
	dec.DisallowUnknownFields()
	var w wireSpec
	if err := dec.Decode(&w); err != nil {
		return Spec{}, fmt.Errorf("%s is not a sandbox spec: %w", SpecEnv, err)
	}
	if dec.More() {
		return Spec{}, fmt.Errorf("%s is not a sandbox spec: trailing data", SpecEnv)
	}
	if w.Version != specVersion {
		return Spec{}, fmt.Errorf("%s is not a sandbox spec of version %d", SpecEnv, specVersion)
	}
	if err := w.validate(); err != nil {
		return Spec{}, err
	}
	return w.Spec, nil
}

func (s Spec) validate() error {
	paths := []string{s.Bwrap, s.Program, s.Dir}
	for _, b := range s.Binds {
		paths = append(paths, b.Path)
	}
	if s.Status != "" {
		paths = append(paths, s.Status)
	}
	for _, p := range paths {
		if !filepath.IsAbs(p) {
			return fmt.Errorf("sandbox spec: path %q is not absolute", p)
		}
	}
	if s.VersionJSON != "" {
		var answer map[string]any
		if err := json.Unmarshal([]byte(s.VersionJSON), &answer); err != nil || answer == nil {
			return fmt.Errorf("sandbox spec: the version answer %q is not a JSON object", s.VersionJSON)
		}
	}
	return nil
}

// versionArgs are the arguments by which terraform-exec asks a binary's version.
var versionArgs = []string{"version", "-json"}

// systemDirs are bound read-only when they exist; on a merged-/usr system all but /usr are
// symlinks into it, and are recreated as such.
var systemDirs = []string{"/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"}

// etcFiles is what of /etc a terraform process needs: name resolution, CA certificates, time zone.
// Not passwd, shadow, or anything else of the host's.
var etcFiles = []string{
	"/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf",
	"/etc/ssl", "/etc/ca-certificates", "/etc/ca-certificates.conf", "/etc/pki", "/etc/localtime",
	"/etc/alternatives",
}

// privateDirs hold the host's TLS private keys inside the certificate dirs; they are covered with
// an empty read-only tmpfs.
var privateDirs = []string{"/etc/ssl/private", "/etc/pki/tls/private", "/etc/pki/CA/private"}

// envFiles are variables of the job environment that name files terraform or a provider reads.
// SSL_CERT_DIR is a colon-separated list.
var envFiles = []string{
	"TF_CLI_CONFIG_FILE", "SSL_CERT_FILE", "SSL_CERT_DIR",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
}

// command builds bwrap's argv (argv[0] is bwrap) and environment for running s.Program with args,
// given the job environment environ. statusFD, when not negative, is an open file for bwrap's
// --json-status-fd.
func (s Spec) command(environ, args []string, statusFD int) (argv, env []string, err error) {
	argv = []string{s.Bwrap,
		"--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
		"--die-with-parent", "--new-session", "--as-pid-1",
		// bwrap run by root keeps root's capabilities inside unless told otherwise.
		"--cap-drop", "ALL",
		"--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
	}
	for _, dir := range systemDirs {
		info, err := os.Lstat(dir)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return nil, nil, fmt.Errorf("sandbox: %w", err)
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(dir)
			if err != nil {
				return nil, nil, fmt.Errorf("sandbox: %w", err)
			}
			argv = append(argv, "--symlink", target, dir)
		default:
			argv = append(argv, "--ro-bind", dir, dir)
		}
	}
	readOnly := slices.Clone(etcFiles)
	for _, kv := range environ {
		k, v, _ := strings.Cut(kv, "=")
		switch {
		case k == "SSL_CERT_DIR":
			readOnly = append(readOnly, filepath.SplitList(v)...)
		case slices.Contains(envFiles, k):
			readOnly = append(readOnly, v)
		}
	}
	readOnly = append(readOnly, s.Program)
	for _, path := range readOnly {
		if !filepath.IsAbs(path) {
			continue
		}
		// Only files and dirs that exist: terraform reports what it misses, and devices such as a
		// TF_CLI_CONFIG_FILE of /dev/null come with --dev (a bind of one would be nodev).
		info, err := os.Stat(path)
		if err != nil || (!info.Mode().IsRegular() && !info.IsDir()) {
			continue
		}
		argv = append(argv, "--ro-bind", path, path)
	}
	for _, dir := range privateDirs {
		if _, err := os.Stat(dir); err == nil {
			argv = append(argv, "--tmpfs", dir, "--remount-ro", dir)
		}
	}
	for _, b := range s.Binds {
		if b.Writable {
			argv = append(argv, "--bind", b.Path, b.Path)
		} else {
			argv = append(argv, "--ro-bind", b.Path, b.Path)
		}
	}
	if statusFD >= 0 {
		argv = append(argv, "--json-status-fd", strconv.Itoa(statusFD))
	}
	argv = append(argv, "--chdir", s.Dir, "--", s.Program)
	argv = append(argv, args...)

	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !slices.Contains(replacedEnv, k) {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME=/tmp", "TMPDIR=/tmp", "TF_DISABLE_PLUGIN_TLS=1")
	return argv, env, nil
}

// replacedEnv are the variables the sandbox sets itself or drops. The bot's HOME and TMPDIR are
// not visible inside; /tmp is the sandbox's own. Terraform talks to its providers over a Unix
// socket in TMPDIR (PLUGIN_UNIX_SOCKET_DIR would move it), so in the sandbox only the processes
// of that one sandbox can reach the socket: terraform, its providers and what they run, all the
// same pull request's code with the same environment. The mutual TLS go-plugin would put on the
// socket guards against no one else, and costs a fifth of a small plan's CPU (two P-521 keys
// and a handshake per provider start); TF_DISABLE_PLUGIN_TLS, which Terraform and OpenTofu
// both read, turns it off.
var replacedEnv = []string{SpecEnv, "HOME", "TMPDIR", "PLUGIN_UNIX_SOCKET_DIR", "TF_DISABLE_PLUGIN_TLS"}
