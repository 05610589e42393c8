package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/locks"
)

func open(t *testing.T, path string) *Bolt {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLockLifecycle(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paved.db")
	s := open(t, path)
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	first := locks.Lock{Key: app, Project: "app", PR: 1, PRURL: "https://github.com/acme/infra/pull/1", User: "alice", Time: time.Unix(1, 0).UTC()}

	if got, held, err := s.TryLock(first); err != nil || !held || got.PR != 1 {
		t.Fatalf("first lock: %+v %v %v", got, held, err)
	}
	// The same PR planning again keeps its lock.
	if _, held, err := s.TryLock(first); err != nil || !held {
		t.Fatalf("relock by holder: %v %v", held, err)
	}
	second := first
	second.PR, second.User = 2, "bob"
	got, held, err := s.TryLock(second)
	if err != nil || held {
		t.Fatalf("second PR must not get the lock: %v %v", held, err)
	}
	if got.PR != 1 || got.PRURL != first.PRURL || got.User != "alice" {
		t.Fatalf("second PR must be told the holder, got %+v", got)
	}
	// Another workspace of the same dir is a separate lock.
	staging := second
	staging.Key.Workspace = "staging"
	if _, held, err := s.TryLock(staging); err != nil || !held {
		t.Fatalf("other workspace: %v %v", held, err)
	}

	// Locks survive a restart of the bot.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	defer func() { _ = s.Close() }()
	all, err := s.Locks()
	if err != nil || len(all) != 2 {
		t.Fatalf("after reopen: %+v %v", all, err)
	}

	released, err := s.Unlock("acme/infra", 1, nil)
	if err != nil || len(released) != 1 || released[0].Key != app {
		t.Fatalf("unlock: %+v %v", released, err)
	}
	if _, held, err := s.TryLock(second); err != nil || !held {
		t.Fatalf("after unlock the second PR gets the lock: %v %v", held, err)
	}
	// A repository whose name is a prefix of another is not touched.
	other := locks.Lock{Key: locks.Key{Repo: "acme/infra-extra", Dir: "app", Workspace: "default"}, PR: 2}
	if _, _, err := s.TryLock(other); err != nil {
		t.Fatal(err)
	}
	released, err = s.Unlock("acme/infra", 2, nil)
	if err != nil || len(released) != 2 {
		t.Fatalf("unlock PR 2: %+v %v", released, err)
	}
	all, _ = s.Locks()
	if len(all) != 1 || all[0].Key.Repo != "acme/infra-extra" {
		t.Fatalf("left: %+v", all)
	}
}

func TestSecondBotOnSameDataDirRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paved.db")
	s := open(t, path)
	defer func() { _ = s.Close() }()
	if _, err := Open(path); err == nil {
		t.Fatal("a second open of the same lock file must fail")
	}
}
