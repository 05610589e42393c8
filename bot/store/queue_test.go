package store

import (
	"testing"

	"github.com/paved-road/paved/bot/locks"
)

func testLockQueueKeepsOrderAcrossRestarts(t *testing.T, s storeUnderTest) {
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	for i, pr := range []int{2, 3, 2} {
		place, err := s.Enqueue(Fence{}, app, locks.Waiter{PR: pr, Project: "app"})
		want := []int{1, 2, 1}[i]
		if err != nil || place != want {
			t.Fatalf("enqueue #%d: place %d %v, want %d", pr, place, err, want)
		}
	}
	s = s.reopen(t)
	defer func() { _ = s.Close() }()
	qs, err := s.Queues()
	if err != nil || len(qs) != 1 || len(qs[0].Waiters) != 2 || qs[0].Waiters[0].PR != 2 || qs[0].Key != app {
		t.Fatalf("queues after reopen: %+v %v", qs, err)
	}
	if err := s.Dequeue(Fence{}, app, 2); err != nil {
		t.Fatal(err)
	}
	if err := s.Dequeue(Fence{}, app, 9); err != nil {
		t.Fatalf("dequeue of a pull request that does not wait: %v", err)
	}
	if qs, _ := s.Queues(); len(qs) != 1 || qs[0].Waiters[0].PR != 3 {
		t.Fatalf("after dequeue: %+v", qs)
	}
	if err := s.Dequeue(Fence{}, app, 3); err != nil {
		t.Fatal(err)
	}
	if qs, _ := s.Queues(); len(qs) != 0 {
		t.Fatalf("an empty queue is listed: %+v", qs)
	}
}
