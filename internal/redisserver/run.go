package redisserver

import (
	"fmt"
	"os/exec"
	"syscall"

	"github.com/paved-road/paved/internal/loopback"
)

// Launch is Start for a program rather than a test (a benchmark, say): it
// runs redis-server the same way, on a free 127.0.0.1 port with its data in
// dir, and returns an error where Start would fail or skip the test. The
// caller ends the server with Stop; it is also killed if the program dies.
func Launch(dir string, args ...string) (*Server, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server not found (scripts/tools.sh redis installs it): %w", err)
	}
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, args: args, port: port, dir: dir}
	if err := s.start(); err != nil {
		return nil, err
	}
	return s, nil
}

// Stop ends a server Launch started as Start's cleanup does: SIGTERM, then
// SIGKILL if it has not exited within 10 s. A stopped server stays stopped;
// calling Stop again does nothing.
func (s *Server) Stop() error {
	return s.stop(syscall.SIGTERM)
}

// PID is the process id of the running server, 0 while it is down.
func (s *Server) PID() int {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}
