package proc

import (
	"os/exec"
	"syscall"
	"time"
)

// Group is a started process that leads a process group of its own, as the
// benchmarks run paved-bot: stopping it reaches the terraform it may still
// run, and it is killed if the benchmark dies first.
type Group struct {
	Cmd    *exec.Cmd
	Exited chan struct{} // closed once it has exited
	err    error         // Wait's, once Exited is closed
}

// StartGroup starts cmd in a process group of its own.
func StartGroup(cmd *exec.Cmd) (*Group, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	g := &Group{Cmd: cmd, Exited: make(chan struct{})}
	go func() {
		g.err = cmd.Wait()
		close(g.Exited)
	}()
	return g, nil
}

// PID is the process's id.
func (g *Group) PID() int { return g.Cmd.Process.Pid }

// Running reports whether the process is still there.
func (g *Group) Running() bool {
	select {
	case <-g.Exited:
		return false
	default:
		return true
	}
}

// ExitStatus is how the process ended, once it has.
func (g *Group) ExitStatus() string {
	if g.err == nil {
		return "exit status 0"
	}
	return g.err.Error()
}

// Stop asks the process to finish (SIGTERM) and, when it has not within
// timeout, kills its process group; it reports whether it had to, and may
// be called more than once.
func (g *Group) Stop(timeout time.Duration) (killed bool) {
	if !g.Running() {
		return false
	}
	_ = g.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-g.Exited:
		return false
	case <-time.After(timeout):
	}
	_ = syscall.Kill(-g.PID(), syscall.SIGKILL)
	<-g.Exited
	return true
}
