package workflow

import (
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/store"
)

// TestIdleWorkingCopiesArePruned: a replica removes its copies of pull
// requests that hold nothing and were not used for an hour, and keeps the
// others.
func TestIdleWorkingCopiesArePruned(t *testing.T) {
	data := t.TempDir()
	db, err := store.Open(filepath.Join(data, "paved.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	b := &Bot{Store: db, DataDir: data, Log: slog.New(slog.DiscardHandler)}
	old := time.Now().Add(-2 * idleCopy)
	copyOf := func(pr string, at time.Time) string {
		dir := filepath.Join(data, "work", "acme", "infra", pr)
		if err := os.MkdirAll(filepath.Join(dir, "repo"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(dir, at, at); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	idle, planned, recent, locked, waiting := copyOf("1", old), copyOf("2", old), copyOf("3", time.Now()), copyOf("4", old), copyOf("5", old)
	// #2 has a plan, saved under the lease of a command that then finished.
	if _, _, err := db.Accept([]string{"delivery:1"}, time.Now(), "acme/infra#2", []byte("{}")); err != nil {
		t.Fatal(err)
	}
	c, ok, err := db.Claim("test", time.Now(), time.Minute)
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if err := db.SavePlan(c.Fence(), "acme/infra#2", store.Plan{Name: "app@default", Meta: []byte("{}"), File: []byte("plan")}); err != nil {
		t.Fatal(err)
	}
	if err := db.FinishCommand(c.Fence()); err != nil {
		t.Fatal(err)
	}
	b.pruneWorkingCopies(func(pr string) bool { return pr == "acme/infra#4" || pr == "acme/infra#5" })
	for dir, want := range map[string]bool{idle: false, planned: true, recent: true, locked: true, waiting: true} {
		if _, err := os.Stat(dir); (err == nil) != want {
			t.Errorf("%s: kept %v, want %v", dir, err == nil, want)
		}
	}
}
