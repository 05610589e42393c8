package store

import (
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/locks"
)

func testLockLifecycle(t *testing.T, s storeUnderTest) {
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	first := locks.Lock{Key: app, Project: "app", PR: 1, PRURL: "https://github.com/acme/infra/pull/1", User: "alice", Time: time.Unix(1, 0).UTC()}

	if got, held, err := s.TryLock(Fence{}, first); err != nil || !held || got.PR != 1 {
		t.Fatalf("first lock: %+v %v %v", got, held, err)
	}
	// The same PR planning again keeps its lock.
	if _, held, err := s.TryLock(Fence{}, first); err != nil || !held {
		t.Fatalf("relock by holder: %v %v", held, err)
	}
	second := first
	second.PR, second.User = 2, "bob"
	got, held, err := s.TryLock(Fence{}, second)
	if err != nil || held {
		t.Fatalf("second PR must not get the lock: %v %v", held, err)
	}
	if got.PR != 1 || got.PRURL != first.PRURL || got.User != "alice" {
		t.Fatalf("second PR must be told the holder, got %+v", got)
	}
	// Another workspace of the same dir is a separate lock.
	staging := second
	staging.Key.Workspace = "staging"
	if _, held, err := s.TryLock(Fence{}, staging); err != nil || !held {
		t.Fatalf("other workspace: %v %v", held, err)
	}

	// Locks survive a restart of the bot.
	s = s.reopen(t)
	defer func() { _ = s.Close() }()
	all, err := s.Locks()
	if err != nil || len(all) != 2 {
		t.Fatalf("after reopen: %+v %v", all, err)
	}

	released, err := s.Unlock(Fence{}, "acme/infra", 1, nil)
	if err != nil || len(released) != 1 || released[0].Key != app {
		t.Fatalf("unlock: %+v %v", released, err)
	}
	if _, held, err := s.TryLock(Fence{}, second); err != nil || !held {
		t.Fatalf("after unlock the second PR gets the lock: %v %v", held, err)
	}
	// A repository whose name is a prefix of another is not touched.
	other := locks.Lock{Key: locks.Key{Repo: "acme/infra-extra", Dir: "app", Workspace: "default"}, PR: 2}
	if _, _, err := s.TryLock(Fence{}, other); err != nil {
		t.Fatal(err)
	}
	released, err = s.Unlock(Fence{}, "acme/infra", 2, nil)
	if err != nil || len(released) != 2 {
		t.Fatalf("unlock PR 2: %+v %v", released, err)
	}
	all, _ = s.Locks()
	if len(all) != 1 || all[0].Key.Repo != "acme/infra-extra" {
		t.Fatalf("left: %+v", all)
	}
}

func testUnlockOnlyWhatIsNamed(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	for _, dir := range []string{"app", "db"} {
		if _, held, err := s.TryLock(Fence{}, locks.Lock{Key: locks.Key{Repo: "acme/infra", Dir: dir, Workspace: "default"}, Project: dir, PR: 1}); err != nil || !held {
			t.Fatal(held, err)
		}
	}
	released, err := s.Unlock(Fence{}, "acme/infra", 1, func(l locks.Lock) bool { return l.Project == "db" })
	if err != nil || len(released) != 1 || released[0].Project != "db" {
		t.Fatalf("released %+v %v", released, err)
	}
	if left, _ := s.Locks(); len(left) != 1 || left[0].Project != "app" {
		t.Fatalf("left %+v", left)
	}
}

// testConcurrentCallsEachTakeEffectOnce has several bots' worth of calls race
// on one lock, one delivery and one queue: each race has exactly one winner
// and loses nothing.
func testConcurrentCallsEachTakeEffectOnce(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	const n = 8
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	var (
		wg                 sync.WaitGroup
		mu                 sync.Mutex
		holders, accepted  int
		places             = map[int]bool{}
		holdersSeen        = map[int]bool{}
		errs               []error
		record             = func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() }
		now                = time.Unix(1_800_000_000, 0)
		deliveryKey, cmdID = "delivery:same", ""
	)
	for pr := 1; pr <= n; pr++ {
		wg.Go(func() {
			got, held, err := s.TryLock(Fence{}, locks.Lock{Key: app, PR: pr})
			if err != nil {
				record(err)
				return
			}
			id, first, err := s.Accept([]string{deliveryKey}, now, "", fmt.Appendf(nil, `{"pr":%d}`, pr))
			if err != nil {
				record(err)
				return
			}
			place, err := s.Enqueue(Fence{}, app, locks.Waiter{PR: pr})
			if err != nil {
				record(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if held {
				holders++
			}
			holdersSeen[got.PR] = true
			if first {
				accepted++
				cmdID = id
			}
			places[place] = true
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if holders != 1 || len(holdersSeen) != 1 {
		t.Errorf("%d pull requests got the lock, and they were told of %d holders", holders, len(holdersSeen))
	}
	if cmds, err := s.Commands(); accepted != 1 || err != nil || len(cmds) != 1 || cmds[0].ID != cmdID {
		t.Errorf("one delivery accepted %d times, commands %+v %v", accepted, cmds, err)
	}
	if len(places) != n {
		t.Errorf("%d pull requests queued got places %v", n, places)
	}
	if qs, err := s.Queues(); err != nil || len(qs) != 1 || len(qs[0].Waiters) != n {
		t.Errorf("queues %+v %v", qs, err)
	}
}

func TestSecondBotOnSameDataDirRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paved.db")
	s := boltAt(t, path)
	defer func() { _ = s.Close() }()
	if _, err := Open(path); err == nil {
		t.Fatal("a second open of the same lock file must fail")
	}
}
