package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestLaunchesCountsExecutionsOnly(t *testing.T) {
	git, err := exec.LookPath("git")
	if err != nil {
		t.Skip("no git")
	}
	raw, err := os.ReadFile(git)
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "git")
	if err := os.WriteFile(bin, raw, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := watchLaunches(bin)
	if err != nil {
		t.Skip(err)
	}
	defer l.close()
	start := time.Now()
	for range 3 {
		if err := exec.Command(bin, "--version").Run(); err != nil {
			t.Fatal(err)
		}
	}
	// Reading the file is no execution.
	if _, err := os.ReadFile(bin); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for l.between(start, time.Now()) < 3 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond)
	if n := l.between(start, time.Now()); n != 3 {
		t.Fatalf("counted %d executions, want 3", n)
	}
}
