package prism

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Main runs a test package against one Prism in front of upstream (loading
// GitHub's description takes seconds, so a package shares one) and returns
// the exit code. *server is set while the tests run; without the npm
// packages it stays nil and each test decides with Require.
func Main(m *testing.M, upstream http.Handler, server **Server) int {
	if Installed() != nil {
		return m.Run()
	}
	up := httptest.NewServer(upstream)
	defer up.Close()
	dir, err := os.MkdirTemp("", "paved-prism-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	logPath := filepath.Join(dir, "prism.log")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx, up.URL, logPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	*server = s
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	if code != 0 {
		fmt.Fprintf(os.Stderr, "prism log: %s\n", logPath)
		return code
	}
	_ = os.RemoveAll(dir)
	return code
}

// Require readies server for a test: it clears the violations of earlier
// tests. Without Prism the test is skipped, unless TF_ACC=1 asks for the
// whole test stack: then it fails.
func Require(t testing.TB, server *Server) {
	t.Helper()
	if server != nil {
		server.Reset()
		return
	}
	err := Installed()
	if err == nil {
		err = errors.New("prism is installed but was not started (run the package through prism.Main)")
	}
	if os.Getenv("TF_ACC") == "1" {
		t.Fatal(err)
	}
	t.Skip(err)
}

// Switch is an upstream that forwards to the handler set last, so each test
// plugs its own stand-in in behind the package's Prism.
type Switch struct {
	mu sync.Mutex
	h  http.Handler
}

// Set replaces the handler; nil answers 503.
func (s *Switch) Set(h http.Handler) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.h = h
}

func (s *Switch) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	h := s.h
	s.mu.Unlock()
	if h == nil {
		http.Error(w, "no test is running", http.StatusServiceUnavailable)
		return
	}
	h.ServeHTTP(w, r)
}
