package sandbox_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/sandbox"
)

// helperEnv makes the test binary, run inside a sandbox, a helper program instead of tests.
const helperEnv = "PAVED_SANDBOX_TEST_HELPER"

// parentSpecEnv holds, for the "parent" helper, the spec of the launcher it starts.
const parentSpecEnv = "PAVED_SANDBOX_TEST_PARENT_SPEC"

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) == "parent" {
		// Stands in for the bot: starts a launcher as terraform-exec would, then waits to be killed.
		self, _ := os.Executable()
		cmd := exec.Command(self)
		cmd.Env = append(os.Environ(), sandbox.SpecEnv+"="+os.Getenv(parentSpecEnv), helperEnv+"=wait-for-interrupt")
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
		cmd.Stdout = os.Stdout
		if err := cmd.Start(); err != nil {
			fmt.Println(err)
			os.Exit(5)
		}
		fmt.Println("launcher", cmd.Process.Pid)
		time.Sleep(time.Minute)
		os.Exit(6)
	}
	if os.Getenv(helperEnv) == "wait-for-interrupt" {
		interrupted := make(chan os.Signal, 1)
		signal.Notify(interrupted, os.Interrupt)
		fmt.Println("ready")
		select {
		case <-interrupted:
			fmt.Println("interrupted")
			os.Exit(3)
		case <-time.After(30 * time.Second):
			os.Exit(4)
		}
	}
	os.Exit(m.Run())
}

// findSandbox is sandbox.Find, skipping where bwrap is missing unless TF_ACC asks for everything.
var findSandbox = sync.OnceValues(sandbox.Find)

func config(t testing.TB) *sandbox.Config {
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

func TestFind(t *testing.T) {
	c := config(t)
	if !filepath.IsAbs(c.Bwrap) || len(c.Binds) != 0 {
		t.Fatalf("Find() = %+v, want an absolute bwrap and no binds", c)
	}
}

func TestFindWithoutBwrap(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := sandbox.Find()
	if err == nil || !strings.Contains(err.Error(), "apt-get install bubblewrap") || !strings.Contains(err.Error(), "--unsafe-no-sandbox") {
		t.Fatalf("Find without bwrap on PATH: %v, want it to say how to install it or opt out", err)
	}
}

func TestSpecRoundTrip(t *testing.T) {
	want := sandbox.Spec{
		Bwrap: "/usr/bin/bwrap", Program: "/opt/terraform", Dir: "/wc/app",
		Binds:       []sandbox.Bind{{Path: "/wc", Writable: true}, {Path: "/wc/.git"}},
		Status:      "/scratch/status",
		VersionJSON: `{"terraform_version":"1.8.5"}`,
	}
	encoded, err := want.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := sandbox.DecodeSpec(encoded)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("round trip: got %+v, want %+v", got, want)
	}
	if _, err := (sandbox.Spec{Bwrap: "bwrap", Program: "/t", Dir: "/"}).Encode(); err == nil {
		t.Error("Encode accepted a relative bwrap path")
	}
}

// TestDecodeSpecRefuses: only what Encode wrote makes a launcher, so a stray variable of that
// name never turns the bot into one.
func TestDecodeSpecRefuses(t *testing.T) {
	for _, encoded := range []string{
		"", "1", "true", "{}", `{"bwrap":"/usr/bin/bwrap","program":"/t","dir":"/"}`,
		`{"paved_sandbox_spec":2,"bwrap":"/usr/bin/bwrap","program":"/t","dir":"/"}`,
		`{"paved_sandbox_spec":1,"bwrap":"/usr/bin/bwrap","program":"/t","dir":"/","extra":1}`,
		`{"paved_sandbox_spec":1,"bwrap":"/usr/bin/bwrap","program":"t","dir":"/"}`,
		`{"paved_sandbox_spec":1,"bwrap":"/usr/bin/bwrap","program":"/t","dir":"/"} {}`,
		`{"paved_sandbox_spec":1,"bwrap":"/usr/bin/bwrap","program":"/t","dir":"/","binds":[{"path":"rel"}]}`,
		`{"paved_sandbox_spec":1,"bwrap":"/usr/bin/bwrap","program":"/t","dir":"/","version_json":"null"}`,
		`{"paved_sandbox_spec":1,"bwrap":"/usr/bin/bwrap","program":"/t","dir":"/","version_json":"[]"}`,
		`{"paved_sandbox_spec":1,"bwrap":"/usr/bin/bwrap","program":"/t","dir":"/","version_json":"secret"}`,
		`{"paved_sandbox_spec":1,"bwrap":"/usr/bin/bwrap","program":"/t","dir":"/","version_json":"{} trailing"}`,
	} {
		if s, err := sandbox.DecodeSpec(encoded); err == nil {
			t.Errorf("DecodeSpec(%q) = %+v, want an error", encoded, s)
		}
	}
}

// TestStraySpecFailsClosed: a process started with a value of the variable that is not a spec
// stops with an error rather than running as itself.
func TestStraySpecFailsClosed(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), sandbox.SpecEnv+"=1")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 126 || !strings.Contains(string(out), "is not a sandbox spec") {
		t.Fatalf("test binary with %s=1: %v\n%s", sandbox.SpecEnv, err, out)
	}
}

// TestLauncherAnswersVersionJSON: a spec that carries the answer to `version -json` has the
// launcher print it for exactly those arguments, without bwrap (which here does not exist), and
// run bwrap for any other arguments as it would without the answer.
func TestLauncherAnswersVersionJSON(t *testing.T) {
	answer := "{\n  \"terraform_version\": \"1.8.5\",\n  \"platform\": \"linux_amd64\",\n  \"provider_selections\": {}\n}\n"
	spec := sandbox.Spec{Bwrap: filepath.Join(t.TempDir(), "bwrap"), Program: "/opt/terraform", Dir: "/", VersionJSON: answer}
	out, err := launcher(t, spec, nil, "version", "-json").Output()
	if err != nil || string(out) != answer {
		t.Fatalf("launcher asked version -json: %v, printed %q; want %q", err, out, answer)
	}
	withoutAnswer := spec
	withoutAnswer.VersionJSON = ""
	for _, tc := range []struct {
		spec sandbox.Spec
		args []string
	}{
		{spec, []string{"version"}},
		{spec, []string{"-json", "version"}},
		{spec, []string{"version", "-json", "-chdir=/"}},
		{spec, []string{"plan", "-json"}},
		{spec, nil},
		{withoutAnswer, []string{"version", "-json"}},
	} {
		out, err := launcher(t, tc.spec, nil, tc.args...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 126 || !strings.Contains(string(out), "start "+spec.Bwrap) || strings.Contains(string(out), "terraform_version") {
			t.Errorf("launcher with arguments %q (answer %v): %v, printed %q; want it to try bwrap", tc.args, tc.spec.VersionJSON != "", err, out)
		}
	}
}

// launcher runs the test binary as the launcher of spec, with the job environment env.
func launcher(t *testing.T, spec sandbox.Spec, env []string, args ...string) *exec.Cmd {
	t.Helper()
	return launcherAt(t, testBinary(t), spec, env, args...)
}

// launcherAt runs program as the launcher of spec, with the job environment env.
func launcherAt(t *testing.T, program string, spec sandbox.Spec, env []string, args ...string) *exec.Cmd {
	t.Helper()
	encoded, err := spec.Encode()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(program, args...)
	cmd.Env = append(slices.Clone(env), sandbox.SpecEnv+"="+encoded)
	cmd.Dir = spec.Dir
	// As terraform-exec starts terraform on Linux.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	return cmd
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// buildPavedSandbox builds cmd/paved-sandbox, the launcher a release installs beside paved-bot.
func buildPavedSandbox(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), sandbox.LauncherName)
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/paved-road/paved/cmd/paved-sandbox").CombinedOutput(); err != nil {
		t.Fatalf("go build paved-sandbox: %v\n%s", err, out)
	}
	return bin
}

// TestPavedSandbox: the small launcher passes UseLauncher's check, and confines a process as the
// test binary does (TestLaunchedProcessSeesOnlyItsBinds); on its own it does nothing and says
// what it is. Programs that are not a launcher of this package are refused, naming them.
func TestPavedSandbox(t *testing.T) {
	c := *config(t)
	bin := buildPavedSandbox(t)
	if err := c.UseLauncher(bin); err != nil || c.Launcher != bin {
		t.Fatalf("UseLauncher(%s): %v, Launcher %q", bin, err, c.Launcher)
	}
	t.Run("confines", func(t *testing.T) { testSeesOnlyItsBinds(t, bin) })

	out, err := exec.Command(bin, "plan").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "paved-sandbox is paved-bot's sandbox launcher") {
		t.Errorf("paved-sandbox without a spec: %v, printed %q; want exit 2 saying what it is", err, out)
	}

	dir := t.TempDir()
	other := filepath.Join(dir, "other")
	writeFile(t, other, "#!/bin/sh\necho '{\"terraform_version\":\"1.8.5\"}'\n")
	if err := os.Chmod(other, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{other, "/bin/true", filepath.Join(dir, "missing")} {
		refused := *config(t)
		err := refused.UseLauncher(path)
		if err == nil || !strings.Contains(err.Error(), path) || refused.Launcher != "" {
			t.Errorf("UseLauncher(%s): %v, Launcher %q; want an error naming it and no launcher", path, err, refused.Launcher)
		}
	}
}

func TestLaunchedProcessSeesOnlyItsBinds(t *testing.T) { testSeesOnlyItsBinds(t, testBinary(t)) }

func testSeesOnlyItsBinds(t *testing.T, program string) {
	c := config(t)
	shell, err := filepath.EvalSymlinks("/bin/sh")
	if err != nil {
		t.Fatal(err)
	}
	work, readOnly, hidden, private := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	writeFile(t, filepath.Join(readOnly, "ro.txt"), "read-only content")
	writeFile(t, filepath.Join(hidden, "app.pem"), "app key")
	cliConfig := filepath.Join(hidden, "terraformrc")
	writeFile(t, cliConfig, "cli config content")
	status := filepath.Join(private, "status")

	script := strings.Join([]string{
		`echo "pid=$$"`,
		`echo "spec=${` + sandbox.SpecEnv + `-unset}"`,
		`echo "home=$HOME tmpdir=$TMPDIR"`,
		`echo "plugin tls off=${TF_DISABLE_PLUGIN_TLS-unset} socket dir=${PLUGIN_UNIX_SOCKET_DIR-unset}"`,
		`echo "cwd=$(pwd)"`,
		`for f in /etc/passwd /etc/shadow /etc/hosts /etc/resolv.conf /proc/$PARENT/environ "$HIDDEN/app.pem" "$RO/ro.txt"; do
		   if cat "$f" >/dev/null 2>&1; then echo "read $f=yes"; else echo "read $f=no"; fi
		 done`,
		`echo "cli config=$(cat "$TF_CLI_CONFIG_FILE")"`,
		`if echo x > "$WORK/new"; then echo "write work=yes"; else echo "write work=no"; fi`,
		`if echo x > "$RO/new" 2>/dev/null; then echo "write ro=yes"; else echo "write ro=no"; fi`,
		`if echo x > /tmp/new; then echo "write tmp=yes"; else echo "write tmp=no"; fi`,
		`grep CapEff /proc/self/status`,
		`for fd in /proc/self/fd/*; do echo "fd $(readlink "$fd")"; done`,
		`echo "ssl private=$(ls -A /etc/ssl/private 2>/dev/null | wc -l)"`,
	}, "\n")
	spec := sandbox.Spec{
		Bwrap: c.Bwrap, Program: shell, Dir: work, Status: status,
		Binds: []sandbox.Bind{{Path: work, Writable: true}, {Path: readOnly}},
	}
	cmd := launcherAt(t, program, spec, []string{
		"PATH=/usr/bin:/bin", "HOME=" + hidden, "TMPDIR=" + hidden, "TF_CLI_CONFIG_FILE=" + cliConfig,
		"PLUGIN_UNIX_SOCKET_DIR=" + hidden, "TF_DISABLE_PLUGIN_TLS=",
		fmt.Sprintf("PARENT=%d", os.Getpid()), "HIDDEN=" + hidden, "RO=" + readOnly, "WORK=" + work,
	}, "-c", script)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sandboxed shell: %v\n%s", err, out)
	}
	got := string(out)
	for _, want := range []string{
		"pid=1\n", "spec=unset\n", "home=/tmp tmpdir=/tmp\n", "plugin tls off=1 socket dir=unset\n", "cwd=" + work + "\n",
		"read /etc/passwd=no", "read /etc/shadow=no", "read /etc/hosts=yes", "read /etc/resolv.conf=yes",
		fmt.Sprintf("read /proc/%d/environ=no", os.Getpid()), "app.pem=no", "ro.txt=yes",
		"cli config=cli config content", "write work=yes", "write ro=no", "write tmp=yes",
		"CapEff:\t0000000000000000", "ssl private=0",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("sandboxed shell did not report %q", want)
		}
	}
	if strings.Contains(got, status) {
		t.Error("the status file's descriptor reached the sandboxed program")
	}
	if t.Failed() {
		t.Logf("output:\n%s", got)
	}
	if _, err := os.Stat(filepath.Join(work, "new")); err != nil {
		t.Errorf("the file written inside is not in the writable bind: %v", err)
	}
}

// TestInterrupt: bwrap ignores the SIGINT terraform-exec sends it, and Interrupt delivers one to
// the program, which can then stop gracefully.
func TestInterrupt(t *testing.T) {
	c := config(t)
	self := testBinary(t)
	status := filepath.Join(t.TempDir(), "status")
	cmd := launcher(t, sandbox.Spec{Bwrap: c.Bwrap, Program: self, Dir: "/", Status: status},
		[]string{helperEnv + "=wait-for-interrupt"})
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || lines.Text() != "ready" {
		_ = cmd.Wait()
		t.Fatalf("helper did not start: %q\n%s", lines.Text(), stderr.String())
	}
	exited := make(chan error, 1)
	go func() {
		var rest []string
		for lines.Scan() {
			rest = append(rest, lines.Text())
		}
		err := cmd.Wait()
		if err == nil || !strings.Contains(strings.Join(rest, "\n"), "interrupted") {
			err = fmt.Errorf("helper: %w, printed %q", err, rest)
		}
		exited <- err
	}()

	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		t.Fatalf("bwrap did not survive SIGINT: %v", err)
	case <-time.After(300 * time.Millisecond):
	}

	if err := sandbox.Interrupt(status); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 3 {
			t.Fatalf("helper after Interrupt: %v, want it to exit 3 from its SIGINT handler", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("helper did not stop after Interrupt")
	}
	if err := sandbox.Interrupt(status); !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("Interrupt after exit: %v, want os.ErrProcessDone", err)
	}
}

func TestInterruptBeforeStart(t *testing.T) {
	status := filepath.Join(t.TempDir(), "status")
	writeFile(t, status, "")
	if err := sandbox.Interrupt(status); !errors.Is(err, sandbox.ErrNotStarted) {
		t.Fatalf("Interrupt with an empty status file: %v, want ErrNotStarted", err)
	}
}

// BenchmarkTerraformVersion measures what the sandbox adds to one terraform process.
func BenchmarkTerraformVersion(b *testing.B) {
	binary := os.Getenv("PAVED_TEST_TERRAFORM")
	if binary == "" {
		b.Skip("PAVED_TEST_TERRAFORM is not set")
	}
	c := config(b)
	binary, err := filepath.EvalSymlinks(binary)
	if err != nil {
		b.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	env := []string{"PATH=/usr/bin:/bin", "CHECKPOINT_DISABLE=1"}
	dir := b.TempDir()
	b.Run("direct", func(b *testing.B) {
		for b.Loop() {
			cmd := exec.Command(binary, "version")
			cmd.Env, cmd.Dir = env, dir
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
		}
	})
	b.Run("sandboxed", func(b *testing.B) {
		encoded, err := sandbox.Spec{Bwrap: c.Bwrap, Program: binary, Dir: dir, Status: filepath.Join(b.TempDir(), "status"),
			Binds: []sandbox.Bind{{Path: dir, Writable: true}}}.Encode()
		if err != nil {
			b.Fatal(err)
		}
		for b.Loop() {
			cmd := exec.Command(self, "version")
			cmd.Env, cmd.Dir = append(slices.Clone(env), sandbox.SpecEnv+"="+encoded), dir
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
		}
	})
}

// TestSandboxDiesWithTheBot kills the launcher's parent with SIGKILL: the launcher, bwrap and the
// program inside must all be gone within moments, not live on as orphans.
func TestSandboxDiesWithTheBot(t *testing.T) {
	c := config(t)
	self := testBinary(t)
	status := filepath.Join(t.TempDir(), "status")
	encoded, err := sandbox.Spec{Bwrap: c.Bwrap, Program: self, Dir: "/", Status: status}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(self)
	parent.Env = append(os.Environ(), helperEnv+"=parent", parentSpecEnv+"="+encoded)
	stdout, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var launcherPID int
	if !lines.Scan() {
		t.Fatal("the parent printed nothing")
	}
	if _, err := fmt.Sscanf(lines.Text(), "launcher %d", &launcherPID); err != nil {
		t.Fatalf("parent: %q", lines.Text())
	}
	if !lines.Scan() || lines.Text() != "ready" {
		t.Fatalf("the sandboxed program did not start: %q", lines.Text())
	}
	raw, err := os.ReadFile(status)
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		PID int `json:"child-pid"`
	}
	if err := json.Unmarshal([]byte(strings.SplitN(string(raw), "\n", 2)[0]), &st); err != nil || st.PID == 0 {
		t.Fatalf("status %q: %v", raw, err)
	}
	if err := parent.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = parent.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for _, pid := range []int{launcherPID, st.PID} {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("process %d outlived the killed parent", pid)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
}

// alive reports whether pid runs: it exists and is not a zombie waiting for its reaper.
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses.
	i := strings.LastIndexByte(string(stat), ')')
	return i < 0 || i+2 >= len(stat) || stat[i+2] != 'Z'
}

// testBinary is the test binary's own path, symlinks resolved, as the sandbox binds it.
func testBinary(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err == nil {
		self, err = filepath.EvalSymlinks(self)
	}
	if err != nil {
		t.Fatal(err)
	}
	return self
}
