package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/locks"
)

func TestAcceptActsOnceOnEachKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paved.db")
	s := open(t, path)
	now := time.Unix(1_800_000_000, 0)
	id, first, err := s.Accept([]string{"delivery:a", "comment:7"}, now, []byte(`{"n":1}`))
	if err != nil || !first || id == "" {
		t.Fatalf("first delivery: %q %v %v", id, first, err)
	}
	// The same delivery id, or another delivery of the same comment, is a repeat.
	for _, keys := range [][]string{{"delivery:a"}, {"delivery:b", "comment:7"}} {
		if id, first, err := s.Accept(keys, now, []byte(`{"n":2}`)); err != nil || first || id != "" {
			t.Fatalf("repeat %v: %q %v %v", keys, id, first, err)
		}
	}
	// A repeat records nothing, not even its new keys.
	if _, first, _ := s.Accept([]string{"delivery:b"}, now, nil); !first {
		t.Fatal("delivery:b was recorded by a refused repeat")
	}
	second, _, err := s.Accept([]string{"delivery:c"}, now, []byte(`{"n":3}`))
	if err != nil || second <= id {
		t.Fatalf("ids must sort in acceptance order: %q after %q (%v)", second, id, err)
	}

	// Commands survive a restart until finished.
	if err := s.SaveCommand(id, []byte(`{"n":1,"phase":"applying"}`)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	defer func() { _ = s.Close() }()
	cmds, err := s.Commands()
	if err != nil || len(cmds) != 2 || cmds[0].ID != id || string(cmds[0].Record) != `{"n":1,"phase":"applying"}` || cmds[1].ID != second {
		t.Fatalf("after reopen: %+v %v", cmds, err)
	}
	if err := s.FinishCommand(id); err != nil {
		t.Fatal(err)
	}
	if cmds, _ := s.Commands(); len(cmds) != 1 || cmds[0].ID != second {
		t.Fatalf("after finish: %+v", cmds)
	}
	// The delivery keys outlive the restart too.
	if _, first, _ := s.Accept([]string{"delivery:a"}, now.Add(time.Hour), nil); first {
		t.Fatal("a delivery was acted on again after a restart")
	}
}

func TestOldDeliveriesAreForgotten(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "paved.db"))
	defer func() { _ = s.Close() }()
	start := time.Unix(1_800_000_000, 0)
	if _, first, _ := s.Accept([]string{"delivery:old"}, start, nil); !first {
		t.Fatal("first")
	}
	later := start.Add(DeliveryWindow + time.Minute)
	if _, first, _ := s.Accept([]string{"delivery:new"}, later, nil); !first {
		t.Fatal("new")
	}
	// Forgotten past the window: a delivery that old is acted on again.
	if _, first, _ := s.Accept([]string{"delivery:old"}, later, nil); !first {
		t.Fatal("a delivery older than the window is still remembered")
	}
	if _, first, _ := s.Accept([]string{"delivery:new"}, later, nil); first {
		t.Fatal("a delivery inside the window was forgotten")
	}
}

func TestUnlockOnlyWhatIsNamed(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "paved.db"))
	defer func() { _ = s.Close() }()
	for _, dir := range []string{"app", "db"} {
		if _, held, err := s.TryLock(locks.Lock{Key: locks.Key{Repo: "acme/infra", Dir: dir, Workspace: "default"}, Project: dir, PR: 1}); err != nil || !held {
			t.Fatal(held, err)
		}
	}
	released, err := s.Unlock("acme/infra", 1, func(l locks.Lock) bool { return l.Project == "db" })
	if err != nil || len(released) != 1 || released[0].Project != "db" {
		t.Fatalf("released %+v %v", released, err)
	}
	if left, _ := s.Locks(); len(left) != 1 || left[0].Project != "app" {
		t.Fatalf("left %+v", left)
	}
}
