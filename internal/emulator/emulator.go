// Package emulator starts and stops a local moto server, the AWS emulator the
// acceptance tests, module tests and the demo run against.
package emulator

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/paved-road/paved/internal/loopback"
)

// HubAccountID is the account that plain (non-assumed) credentials land in:
// moto's default account. (MOTO_ACCOUNT_ID would pin every call to one
// account, assumed roles included, so it is left unset.)
const HubAccountID = "123456789012"

// motoext holds the ElastiCache calls moto lacks, and motoext/paved_moto.py,
// which loads them and runs moto's server. Embedded, because tests start the
// emulator from many working directories.
//
//go:embed motoext/*.py
var motoext embed.FS

// Server is a running moto server on a loopback port.
type Server struct {
	URL string
	cmd *exec.Cmd
	log *os.File
	ext string // the directory motoext is written to
}

// Binary returns the moto_server executable: $PAVED_MOTO_SERVER, or the one in
// the virtualenv scripts/tools.sh installs. Start runs moto with the Python
// interpreter in the same directory, as in a virtualenv's bin.
func Binary() (string, error) {
	if p := os.Getenv("PAVED_MOTO_SERVER"); p != "" {
		return p, nil
	}
	cache := os.Getenv("PAVED_CACHE")
	if cache == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("locating the cache directory: %w", err)
		}
		cache = filepath.Join(dir, "paved")
	}
	p := filepath.Join(cache, "venv", "bin", "moto_server")
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("moto_server not found at %s: run scripts/tools.sh moto (make test does): %w", p, err)
	}
	return p, nil
}

// Start launches moto, with motoext loaded, on a free loopback port and waits
// until it answers. Its output goes to logPath, so a failing test can point at it.
func Start(ctx context.Context, logPath string) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	python, err := interpreter(bin)
	if err != nil {
		return nil, err
	}
	port, err := loopback.FreePort()
	if err != nil {
		return nil, err
	}
	ext, err := writeExtension()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		_ = os.RemoveAll(ext)
		return nil, fmt.Errorf("creating emulator log: %w", err)
	}
	cmd := exec.Command(python, filepath.Join(ext, "paved_moto.py"), "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	// AWS-managed policies exist in every real account; moto loads them on request.
	cmd.Env = append(os.Environ(), "MOTO_IAM_LOAD_MANAGED_POLICIES=true")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Own process group, so Stop also ends the server's children.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		_ = os.RemoveAll(ext)
		return nil, fmt.Errorf("starting %s: %w", python, err)
	}
	s := &Server{URL: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, log: logFile, ext: ext}
	if err := s.waitReady(ctx); err != nil {
		s.Stop()
		return nil, fmt.Errorf("emulator did not start (log: %s): %w", logPath, err)
	}
	return s, nil
}

// interpreter returns the Python beside moto_server: the one moto is installed in.
func interpreter(bin string) (string, error) {
	for _, name := range []string{"python3", "python"} {
		p := filepath.Join(filepath.Dir(bin), name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no python3 or python beside %s: moto runs from a virtualenv's bin directory", bin)
}

// writeExtension writes motoext to a new temporary directory.
func writeExtension() (string, error) {
	files, err := motoext.ReadDir("motoext")
	if err != nil {
		return "", fmt.Errorf("reading the moto extension: %w", err)
	}
	dir, err := os.MkdirTemp("", "paved-motoext-")
	if err != nil {
		return "", fmt.Errorf("writing the moto extension: %w", err)
	}
	for _, f := range files {
		data, err := motoext.ReadFile("motoext/" + f.Name())
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, f.Name()), data, 0o600)
		}
		if err != nil {
			_ = os.RemoveAll(dir)
			return "", fmt.Errorf("writing the moto extension: %w", err)
		}
	}
	return dir, nil
}

func (s *Server) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.URL+"/moto-api/data.json", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Reset drops every resource in every account, for tests that need a clean slate.
func (s *Server) Reset(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+"/moto-api/reset", nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("resetting emulator: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("resetting emulator: %s", resp.Status)
	}
	return nil
}

// Stop ends the server and its children.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGTERM)
		done := make(chan struct{})
		go func() {
			_ = s.cmd.Wait() // moto exits non-zero on SIGTERM: the stop we asked for
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	s.log.Close()
	_ = os.RemoveAll(s.ext)
}

// Main is the body of a test binary's TestMain: it starts an emulator,
// stores it in *s, runs the tests with run, and stops it. The emulator's log
// is kept, and its path printed, only when the tests fail.
func Main(s **Server, run func() int) int {
	dir, err := os.MkdirTemp("", "paved-emulator-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	logPath := filepath.Join(dir, "moto.log")
	*s, err = Start(context.Background(), logPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := run()
	(*s).Stop()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "emulator log: %s\n", logPath)
		return code
	}
	_ = os.RemoveAll(dir)
	return code
}
