package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"syscall"
)

// launchFailed is the launcher's exit code when it cannot start bwrap, as a shell's for a command
// it cannot execute.
const launchFailed = 126

func init() {
	encoded, ok := os.LookupEnv(SpecEnv)
	if !ok {
		return
	}
	// launch returns only when it could not exec; the process must then never go on to run as
	// the bot, or unconfined.
	err := launch(encoded)
	fmt.Fprintf(os.Stderr, "paved-bot sandbox launcher: %v\n", err)
	os.Exit(launchFailed)
}

// launch replaces the process with bwrap running the spec's program with this process's arguments.
func launch(encoded string) error {
	if err := os.Unsetenv(SpecEnv); err != nil {
		return fmt.Errorf("unset %s: %w", SpecEnv, err)
	}
	spec, err := DecodeSpec(encoded)
	if err != nil {
		return err
	}
	statusFD := -1
	if spec.Status != "" {
		// Without O_CLOEXEC, so that bwrap inherits it; bwrap does not pass it on to the program.
		statusFD, err = syscall.Open(spec.Status, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_TRUNC|syscall.O_NOFOLLOW, 0o600)
		if err != nil {
			return fmt.Errorf("open status file: %w", err)
		}
	}
	argv, env, err := spec.command(os.Environ(), os.Args[1:], statusFD)
	if err != nil {
		return err
	}
	// An ignored signal stays ignored across exec: bwrap survives terraform-exec's SIGINT, and
	// Interrupt delivers it to terraform, whose signal.Notify takes SIGINT back.
	signal.Ignore(syscall.SIGINT)
	if err := syscall.Exec(spec.Bwrap, argv, env); err != nil {
		return fmt.Errorf("exec %s: %w", spec.Bwrap, err)
	}
	return nil
}

// ErrNotStarted is Interrupt's answer when bwrap has not reported the program's pid yet.
var ErrNotStarted = errors.New("sandbox has not started yet")

// Interrupt sends SIGINT to the program of the sandbox whose bwrap reports to the status file
// status, as terraform-exec would to an unconfined terraform. os.ErrProcessDone means the program
// has exited.
func Interrupt(status string) error {
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
	if err := p.Signal(os.Interrupt); err != nil {
		return fmt.Errorf("interrupt sandboxed process: %w", err)
	}
	return nil
}
