package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/paved-road/paved/bench/cli"
)

const (
	startTimeout = 20 * time.Second
	stopTimeout  = 10 * time.Second
	// settle lets the bot's start-up allocations end before "RSS before".
	settle = 500 * time.Millisecond
	// after is how long after the last answer "RSS after" is read.
	after        = 5 * time.Second
	sampleEvery  = 20 * time.Millisecond
	noSandboxArg = "--unsafe-no-sandbox"
)

// errExited is a bot that stopped before it answered /healthz.
var errExited = errors.New("paved-bot exited before answering /healthz")

// bot is one running `paved-bot serve`.
type bot struct {
	cmd    *exec.Cmd
	url    string
	log    string
	exited chan struct{}
}

// startBot starts b in dir and waits for /healthz. The new bot is started
// again with --unsafe-no-sandbox only when it refused to start without
// bwrap and bwrap is absent.
func startBot(ctx context.Context, b binary, dir string) (p *bot, noSandbox bool, err error) {
	p, err = launch(ctx, b.path, filepath.Join(dir, "first"), nil)
	if !errors.Is(err, errExited) || !b.sandboxProbe || !mentionsBwrap(p.log) {
		return p, false, err
	}
	if _, lookErr := exec.LookPath("bwrap"); lookErr == nil {
		return nil, false, err
	}
	prog.Progress("%s refuses to start without bwrap, which is absent: starting it with %s", b.name, noSandboxArg)
	p, err = launch(ctx, b.path, filepath.Join(dir, "no-sandbox"), []string{noSandboxArg})
	return p, true, err
}

// launch starts one bot whose log goes to dir/bot.log. On errExited it
// returns the bot too, for its log.
func launch(ctx context.Context, bin, dir string, extra []string) (*bot, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &bot{url: "http://127.0.0.1:" + strconv.Itoa(port), log: filepath.Join(dir, "bot.log"), exited: make(chan struct{})}
	logFile, err := os.Create(p.log)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	args := []string{
		"serve", "--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--data-dir", filepath.Join(dir, "data"),
		"--repo-allowlist", "github.com/acme/*", "--github-token", "ghp_x",
		"--github-api-url", "http://127.0.0.1:1/", "--terraform", "1.8.5=/bin/true",
	}
	p.cmd = exec.Command(bin, append(args, extra...)...)
	p.cmd.Env = botEnv()
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() {
		_ = p.cmd.Wait()
		close(p.exited)
	}()
	if err := p.waitHealthy(ctx); err != nil {
		p.stop()
		return p, err
	}
	return p, nil
}

func (p *bot) waitHealthy(ctx context.Context) error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return cli.Stopped(ctx, "waiting for /healthz")
		case <-p.exited:
			return fmt.Errorf("%w:\n%s", errExited, tail(p.log))
		case <-deadline.C:
			return fmt.Errorf("no answer on /healthz within %v:\n%s", startTimeout, tail(p.log))
		case <-tick.C:
		}
		resp, err := client.Get(p.url + "/healthz")
		if err != nil {
			continue
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
}

// stop ends the bot as a supervisor would, with SIGTERM, then kills it if
// it is still there after stopTimeout. It may be called more than once.
func (p *bot) stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// botEnv is this process's environment without what would change the bot's
// configuration (PAVED_*) or its runtime's memory behaviour, plus the
// webhook secret.
func botEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "PAVED_") || name == "GOGC" || name == "GOMEMLIMIT" || name == "GODEBUG" {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "PAVED_WEBHOOK_SECRET=x")
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func mentionsBwrap(log string) bool {
	b, err := os.ReadFile(log)
	return err == nil && strings.Contains(string(b), "bwrap")
}

// tail is the end of a log, for errors.
func tail(log string) string {
	b, err := os.ReadFile(log)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}
