package main

import (
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
)

// buildBot builds the paved-bot binary once per test, with paved-sandbox beside it as a release
// installs them, and returns paved-bot's path.
func buildBot(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("go", "build", "-o", dir+string(filepath.Separator), ".", "../paved-sandbox").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return filepath.Join(dir, "paved-bot")
}

// botProcess is a paved-bot that a test runs as a process of its own, so
// that it can kill it.
type botProcess struct {
	mu   sync.Mutex
	cmd  *exec.Cmd // nil while it is down
	exit chan struct{}
}

// run starts cmd and returns a channel closed once it has exited.
func (p *botProcess) run(cmd *exec.Cmd) (<-chan struct{}, error) {
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	exit := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exit) }()
	p.mu.Lock()
	p.cmd, p.exit = cmd, exit
	p.mu.Unlock()
	return exit, nil
}

// stop signals the bot and waits for it to exit; it reports whether it ran.
func (p *botProcess) stop(sig syscall.Signal) bool {
	p.mu.Lock()
	cmd, exit := p.cmd, p.exit
	p.cmd = nil
	p.mu.Unlock()
	if cmd == nil {
		return false
	}
	_ = cmd.Process.Signal(sig)
	<-exit
	return true
}

// down reports whether the bot is stopped.
func (p *botProcess) down() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd == nil
}
