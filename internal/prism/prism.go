package prism

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/paved-road/paved/internal/loopback"
)

// Server is Prism in proxy mode, reached through a small recording proxy of
// ours: clients use URL as GitHub's API base (GitHub's description says the
// API lives at "/"), and every exchange Prism judged invalid ends up in
// Violations.
type Server struct {
	URL string

	cmd    *exec.Cmd
	exited chan struct{} // closed once the Prism process is gone
	log    *os.File
	front  *http.Server

	mu         sync.Mutex
	violations []string
}

// Start runs `prism proxy <spec> <upstream> --errors` on a free loopback port
// with its output in logPath, waits until it answers (loading GitHub's
// description takes 10 to 20 seconds; ctx bounds the wait), and opens the
// recording proxy in front of it.
func Start(ctx context.Context, upstream, logPath string) (*Server, error) {
	entry, err := cliEntry()
	if err != nil {
		return nil, err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return nil, fmt.Errorf("prism needs Node.js: %w", err)
	}
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating prism log: %w", err)
	}
	cmd := exec.Command(node, entry, "proxy", SpecPath(), upstream,
		"--errors", "--host", "127.0.0.1", "--port", strconv.Itoa(port))
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group, so Close ends whatever node starts; and no orphan
	// when the test binary dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("starting prism: %w", err)
	}
	s := &Server{cmd: cmd, exited: make(chan struct{}), log: logFile}
	go func() {
		_ = cmd.Wait() // reported by waitReady, or the exit Close asked for
		close(s.exited)
	}()

	prismURL := &url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(port))}
	if err := s.waitReady(ctx, prismURL); err != nil {
		s.stop()
		return nil, fmt.Errorf("prism did not start (log: %s): %w", logPath, err)
	}
	if err := s.serveFront(prismURL); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// waitReady polls a path GitHub's description does not have: Prism answers
// it itself (404), so the probe never reaches the upstream.
func (s *Server) waitReady(ctx context.Context, prismURL *url.URL) error {
	probe := prismURL.JoinPath("__paved_ready").String()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, probe, nil)
		if err != nil {
			return err
		}
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.exited:
			return errors.New("prism exited")
		case <-tick.C:
		}
	}
}

func (s *Server) serveFront(prismURL *url.URL) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("listening for the prism front proxy: %w", err)
	}
	proxy := &httputil.ReverseProxy{
		Rewrite:        func(r *httputil.ProxyRequest) { r.SetURL(prismURL) },
		ModifyResponse: s.inspect,
	}
	s.front = &http.Server{Handler: proxy, ReadHeaderTimeout: time.Minute}
	s.URL = "http://" + l.Addr().String()
	go func() { _ = s.front.Serve(l) }() // ends with Close
	return nil
}

// Violations returns every problem Prism reported since Start or the last
// Reset, in order, each as "METHOD /path?query -> status: problem". Warnings
// count too: an undocumented status code is a contract break for a client.
func (s *Server) Violations() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.violations...)
}

// Reset forgets the violations seen so far.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = nil
}

func (s *Server) record(found []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.violations = append(s.violations, found...)
}

// Close stops the front proxy and Prism.
func (s *Server) Close() error {
	err := s.front.Close()
	s.stop()
	if err != nil {
		return fmt.Errorf("closing the prism front proxy: %w", err)
	}
	return nil
}

func (s *Server) stop() {
	_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
	}
	s.log.Close()
}
