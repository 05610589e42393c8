// Package redisserver starts a real redis-server for tests: the server the
// bot's Redis store runs against, on a free loopback port, with its own data
// dir and the append-only file on, stopped when the test ends.
package redisserver

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/paved-road/paved/internal/loopback"
)

const (
	readyTimeout = 10 * time.Second // an empty server starts in milliseconds
	stopTimeout  = 10 * time.Second
)

// Server is a running redis-server.
type Server struct {
	bin  string
	args []string
	port int
	dir  string
	cmd  *exec.Cmd
	done chan error // Wait's result, once the process has exited
}

// Start runs redis-server on a free 127.0.0.1 port in a temporary dir with
// appendonly on (every write fsynced before it is answered, so a killed
// server keeps what it acknowledged) and RDB snapshots off; args are added
// to its command line (--requirepass PASSWORD, say). It fails the test when
// redis-server cannot be found and TF_ACC is set, and skips it otherwise.
// The server is stopped when the test ends.
func Start(t testing.TB, args ...string) *Server {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		err = fmt.Errorf("redis-server not found (scripts/tools.sh redis installs it): %w", err)
		if os.Getenv("TF_ACC") != "" {
			t.Fatal(err)
		}
		t.Skip(err)
	}
	port, err := loopback.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	s := &Server{bin: bin, args: args, port: port, dir: t.TempDir()}
	if err := s.start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.stop(syscall.SIGTERM); err != nil {
			t.Errorf("stopping redis-server: %v", err)
		}
	})
	return s
}

// URL is the server's address as the store takes it, database 0, without a
// password.
func (s *Server) URL() string { return fmt.Sprintf("redis://127.0.0.1:%d/0", s.port) }

// Restart kills the server as a crash would (SIGKILL) and starts it again
// on the same port and dir: what comes back is what its append-only file
// holds.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Crash(t)
	s.Revive(t)
}

// Crash kills the server as a crash would (SIGKILL) and leaves it down.
func (s *Server) Crash(t testing.TB) {
	t.Helper()
	if err := s.stop(syscall.SIGKILL); err != nil {
		t.Errorf("killing redis-server: %v", err)
	}
}

// Revive starts a crashed server again on the same port and dir.
func (s *Server) Revive(t testing.TB) {
	t.Helper()
	if err := s.start(); err != nil {
		t.Error(err)
	}
}

func (s *Server) start() error {
	logPath := filepath.Join(s.dir, "redis.log")
	args := append([]string{
		"--port", strconv.Itoa(s.port),
		"--bind", "127.0.0.1",
		"--dir", s.dir,
		"--logfile", logPath,
		"--daemonize", "no",
		"--appendonly", "yes",
		"--appendfsync", "always",
		"--save", "",
	}, s.args...)
	cmd := exec.Command(s.bin, args...)
	// The server dies with the test binary even when that is killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	s.cmd, s.done = cmd, make(chan error, 1)
	go func() { s.done <- cmd.Wait() }()
	if err := s.waitReady(); err != nil {
		_ = s.stop(syscall.SIGKILL)
		log, _ := os.ReadFile(logPath)
		return fmt.Errorf("redis-server on port %d did not start: %w\n%s", s.port, err, log)
	}
	return nil
}

// waitReady returns once the server answers PING: PONG, or NOAUTH when it
// wants a password, which also means it is serving. A server still loading
// its append-only file answers LOADING, and is waited for.
func (s *Server) waitReady() error {
	deadline := time.Now().Add(readyTimeout)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port))
	var last error
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.done <- err // for stop
			return fmt.Errorf("it exited: %w", err)
		default:
		}
		reply, err := ping(addr)
		if err == nil && (reply == "+PONG" || strings.HasPrefix(reply, "-NOAUTH")) {
			return nil
		}
		if err == nil {
			err = fmt.Errorf("PING answered %q", reply)
		}
		last = err
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("no answer to PING within %s: %w", readyTimeout, last)
}

func ping(addr string) (string, error) {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close() }()
	if err := conn.SetDeadline(time.Now().Add(time.Second)); err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line), err
}

// stop sends sig and waits for the server to exit, killing it if it takes
// longer than stopTimeout. After SIGTERM it must exit cleanly: that is
// redis-server having written its append-only file.
func (s *Server) stop(sig syscall.Signal) error {
	if s.cmd == nil {
		return nil
	}
	defer func() { s.cmd = nil }()
	if err := s.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	var exit error
	select {
	case exit = <-s.done:
	case <-time.After(stopTimeout):
		_ = s.cmd.Process.Kill()
		exit = <-s.done
		return fmt.Errorf("redis-server did not exit within %s of %s, so it was killed: %w", stopTimeout, sig, exit)
	}
	if sig != syscall.SIGKILL && exit != nil {
		return fmt.Errorf("redis-server exited after %s: %w", sig, exit)
	}
	return nil
}
