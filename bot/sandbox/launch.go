package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// launchFailed is the launcher's exit code when it cannot start bwrap, as a shell's for a command
// it cannot execute.
const launchFailed = 126

func init() {
	encoded, ok := os.LookupEnv(SpecEnv)
	if !ok {
		return
	}
	// launch exits with bwrap's status; it returns only when it could not run bwrap, and the
	// process must then never go on to run as the bot, or unconfined.
	err := launch(encoded)
	fmt.Fprintf(os.Stderr, "paved-bot sandbox launcher: %v\n", err)
	os.Exit(launchFailed)
}

// launch runs bwrap with the spec's program and this process's arguments, and exits as bwrap
// does. It stays between the bot and bwrap rather than exec bwrap, because bwrap drops the
// parent-death signal its parent sets: exec'd, bwrap and the sandbox would outlive a bot killed
// with SIGKILL. The launcher watches the bot through a pidfd instead, and kills bwrap (and with
// --die-with-parent everything inside) when the bot is gone.
func launch(encoded string) error {
	if err := os.Unsetenv(SpecEnv); err != nil {
		return fmt.Errorf("unset %s: %w", SpecEnv, err)
	}
	spec, err := DecodeSpec(encoded)
	if err != nil {
		return err
	}
	if spec.VersionJSON != "" && slices.Equal(os.Args[1:], versionArgs) {
		// The runner knows this answer already: no sandbox for it.
		if _, err := os.Stdout.WriteString(spec.VersionJSON); err != nil {
			return fmt.Errorf("answer version: %w", err)
		}
		os.Exit(0)
	}
	bot, err := watchParent()
	if err != nil {
		return err
	}
	statusFD := -1
	var extra []*os.File
	if spec.Status != "" {
		// bwrap gets it as its fd 3 and does not pass it on to the program.
		f, err := os.OpenFile(spec.Status, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|syscall.O_NOFOLLOW, 0o600)
		if err != nil {
			return fmt.Errorf("open status file: %w", err)
		}
		statusFD, extra = 3, []*os.File{f}
	}
	argv, env, err := spec.command(os.Environ(), os.Args[1:], statusFD)
	if err != nil {
		return err
	}
	// An ignored signal stays ignored across exec: the launcher and bwrap survive
	// terraform-exec's SIGINT, and Interrupt delivers it to terraform, whose signal.Notify takes
	// SIGINT back.
	signal.Ignore(syscall.SIGINT)
	cmd := exec.Command(spec.Bwrap, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr, cmd.ExtraFiles = os.Stdin, os.Stdout, os.Stderr, extra
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", spec.Bwrap, err)
	}
	var botGone atomic.Bool
	go func() {
		if waitFor(bot) != nil {
			return
		}
		botGone.Store(true)
		_ = cmd.Process.Kill()
		killDescendants()
		os.Exit(128 + int(syscall.SIGKILL))
	}()
	var exit *exec.ExitError
	err = cmd.Wait()
	if botGone.Load() {
		select {} // the watcher exits once every descendant is gone
	}
	if err != nil && !errors.As(err, &exit) {
		return fmt.Errorf("wait for %s: %w", spec.Bwrap, err)
	}
	os.Exit(exitCode(cmd.ProcessState))
	return nil
}

// killDescendants kills, until none is left, the processes that were
// orphaned below the launcher and reparented to it as their subreaper: a
// sandbox bwrap had started but not yet tied to its own life. The sandbox's
// first process takes its PID namespace with it.
func killDescendants() {
	self := os.Getpid()
	for range 100 {
		children := childrenOf(self)
		if len(children) == 0 {
			return
		}
		for _, pid := range children {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		// Reap them, so that they are not counted again as zombies.
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// The fields after the command name, which is in parentheses: state, then ppid.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		fields := strings.Fields(string(stat[i+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

// exitCode is bwrap's exit status as a shell reports it: 128 plus the signal that killed it.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// watchParent opens a pidfd on the bot, the launcher's parent, and clears the parent-death
// signal the bot's terraform-exec set on the launcher: it would kill the launcher before it
// could kill bwrap. The bot died already when the launcher's parent is no longer it.
func watchParent() (int, error) {
	ppid := os.Getppid()
	fd, err := unix.PidfdOpen(ppid, 0)
	if err != nil {
		return -1, fmt.Errorf("watch paved-bot (pid %d): %w", ppid, err)
	}
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("clear the parent-death signal: %w", err)
	}
	// Orphans of the sandbox come to the launcher rather than to init, so
	// that it can end them when the bot dies.
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return -1, fmt.Errorf("become the sandbox's subreaper: %w", err)
	}
	if os.Getppid() != ppid {
		return -1, errors.New("paved-bot exited before terraform started")
	}
	return fd, nil
}

// waitFor blocks until the process of a pidfd exits.
func waitFor(pidfd int) error {
	fds := []unix.PollFd{{Fd: int32(pidfd), Events: unix.POLLIN}}
	for {
		_, err := unix.Poll(fds, -1)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

// ErrNotStarted is Interrupt's answer when bwrap has not reported the program's pid yet.
var ErrNotStarted = errors.New("sandbox has not started yet")

// Interrupt sends SIGINT to the program of the sandbox whose bwrap reports to the status file
// status, as terraform-exec would to an unconfined terraform. os.ErrProcessDone means the program
// has exited.
func Interrupt(status string) error {
	return signalProgram(status, os.Interrupt)
}

// Kill ends what is left of a sandbox whose launcher is gone: its program is the PID namespace's
// first process, so the namespace, and then bwrap, go with it. os.ErrProcessDone means nothing
// was left.
func Kill(status string) error {
	return signalProgram(status, os.Kill)
}

func signalProgram(status string, sig os.Signal) error {
	b, err := os.ReadFile(status)
	if err != nil {
		return fmt.Errorf("read sandbox status: %w", err)
	}
	line, _, complete := bytes.Cut(b, []byte("\n"))
	if !complete {
		return ErrNotStarted
	}
	var st struct {
		PID          int    `json:"child-pid"`
		PIDNamespace uint64 `json:"pid-namespace"`
	}
	if err := json.Unmarshal(line, &st); err != nil {
		return fmt.Errorf("read sandbox status: %w", err)
	}
	if st.PID <= 0 {
		return fmt.Errorf("sandbox status names no pid: %s", line)
	}
	// A pidfd: once this holds the process, its pid being reused cannot misdirect the signal.
	p, err := os.FindProcess(st.PID)
	if err != nil {
		return fmt.Errorf("find sandboxed process: %w", err)
	}
	defer func() { _ = p.Release() }()
	// The pid may have been reused before FindProcess; only the program is in that namespace.
	ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", st.PID))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return os.ErrProcessDone
	case err != nil:
		return fmt.Errorf("check sandboxed process: %w", err)
	case ns != fmt.Sprintf("pid:[%d]", st.PIDNamespace):
		return os.ErrProcessDone
	}
	if err := p.Signal(sig); err != nil {
		return fmt.Errorf("signal sandboxed process: %w", err)
	}
	return nil
}
