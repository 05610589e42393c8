package store

import (
	"fmt"
	"testing"
	"time"
)

func testAcceptActsOnceOnEachKey(t *testing.T, s storeUnderTest) {
	now := time.Unix(1_800_000_000, 0)
	id, first, err := s.Accept([]string{"delivery:a", "comment:7"}, now, "", []byte(`{"n":1}`))
	if err != nil || !first || id == "" {
		t.Fatalf("first delivery: %q %v %v", id, first, err)
	}
	// The same delivery id, or another delivery of the same comment, is a repeat.
	for _, keys := range [][]string{{"delivery:a"}, {"delivery:b", "comment:7"}} {
		if id, first, err := s.Accept(keys, now, "", []byte(`{"n":2}`)); err != nil || first || id != "" {
			t.Fatalf("repeat %v: %q %v %v", keys, id, first, err)
		}
	}
	// A repeat records nothing, not even its new keys.
	if _, first, _ := s.Accept([]string{"delivery:b"}, now, "", nil); !first {
		t.Fatal("delivery:b was recorded by a refused repeat")
	}
	second, _, err := s.Accept([]string{"delivery:c"}, now, "", []byte(`{"n":3}`))
	if err != nil || second <= id {
		t.Fatalf("ids must sort in acceptance order: %q after %q (%v)", second, id, err)
	}

	// Commands survive a restart until finished.
	running, ok, err := s.Claim("bot", now, time.Minute)
	if err != nil || !ok || running.ID != id {
		t.Fatalf("claim: %+v %v %v", running, ok, err)
	}
	if err := s.SaveCommand(running.Fence(), []byte(`{"n":1,"phase":"applying"}`)); err != nil {
		t.Fatal(err)
	}
	s = s.reopen(t)
	defer func() { _ = s.Close() }()
	cmds, err := s.Commands()
	if err != nil || len(cmds) != 2 || cmds[0].ID != id || string(cmds[0].Record) != `{"n":1,"phase":"applying"}` || cmds[1].ID != second {
		t.Fatalf("after reopen: %+v %v", cmds, err)
	}
	if err := s.FinishCommand(leaseAfterReopen(t, s, running, now)); err != nil {
		t.Fatal(err)
	}
	if cmds, _ := s.Commands(); len(cmds) != 1 || cmds[0].ID != second {
		t.Fatalf("after finish: %+v", cmds)
	}
	// The delivery keys outlive the restart too.
	if _, first, _ := s.Accept([]string{"delivery:a"}, now.Add(time.Hour), "", nil); first {
		t.Fatal("a delivery was acted on again after a restart")
	}
	// Ids go on in acceptance order after a restart.
	third, _, err := s.Accept([]string{"delivery:d"}, now, "", []byte(`{"n":4}`))
	if err != nil || third <= second {
		t.Fatalf("id after a restart: %q after %q (%v)", third, second, err)
	}
}

func testOldDeliveriesAreForgotten(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	start := time.Unix(1_800_000_000, 0)
	if _, first, _ := s.Accept([]string{"delivery:old"}, start, "", nil); !first {
		t.Fatal("first")
	}
	later := start.Add(DeliveryWindow + time.Minute)
	if _, first, _ := s.Accept([]string{"delivery:new"}, later, "", nil); !first {
		t.Fatal("new")
	}
	// Forgotten past the window: a delivery that old is acted on again.
	if _, first, _ := s.Accept([]string{"delivery:old"}, later, "", nil); !first {
		t.Fatal("a delivery older than the window is still remembered")
	}
	if _, first, _ := s.Accept([]string{"delivery:new"}, later, "", nil); first {
		t.Fatal("a delivery inside the window was forgotten")
	}
}

// testDeliveriesAreBoundedInNumber has more than MaxDeliveries keys seen
// within the window: once another delivery comes, the oldest is forgotten
// and the newest are still remembered.
func testDeliveriesAreBoundedInNumber(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	now := time.Unix(1_800_000_000, 0)
	if _, first, _ := s.Accept([]string{"delivery:oldest"}, now.Add(-time.Minute), "", nil); !first {
		t.Fatal("first")
	}
	keys := make([]string, MaxDeliveries)
	for i := range keys {
		keys[i] = fmt.Sprintf("delivery:%06d", i)
	}
	if _, first, err := s.Accept(keys, now, "", nil); err != nil || !first {
		t.Fatalf("a delivery with %d keys: %v %v", len(keys), first, err)
	}
	if _, first, err := s.Accept([]string{"delivery:next"}, now, "", nil); err != nil || !first {
		t.Fatalf("next delivery: %v %v", first, err)
	}
	if _, first, _ := s.Accept([]string{"delivery:oldest"}, now, "", nil); !first {
		t.Fatal("past the bound, the oldest delivery is still remembered")
	}
	if _, first, _ := s.Accept([]string{keys[len(keys)-1]}, now, "", nil); first {
		t.Fatal("past the bound, a recent delivery was forgotten")
	}
}

// leaseAfterReopen is a fence on held's command after s reopened: held's
// own where leases outlive reopen, else that of a new claim, which gets the
// command at once.
func leaseAfterReopen(t *testing.T, s storeUnderTest, held Command, now time.Time) Fence {
	t.Helper()
	if s.keepsLeases() {
		return held.Fence()
	}
	c, ok, err := s.Claim("bot-restarted", now, time.Minute)
	if err != nil || !ok || c.ID != held.ID {
		t.Fatalf("claim after reopen: %+v %v %v, want %s", c, ok, err, held.ID)
	}
	return c.Fence()
}
