package store

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/locks"
)

var start = time.Unix(1_800_000_000, 0)

func accept(t *testing.T, s methods, key, group string) string {
	t.Helper()
	id, first, err := s.Accept([]string{key}, start, group, []byte(key))
	if err != nil || !first || id == "" {
		t.Fatalf("accept %s: %q %v %v", key, id, first, err)
	}
	return id
}

// claim claims a command and wants it to be want, or none for "".
func claim(t *testing.T, s methods, owner string, now time.Time, ttl time.Duration, want string) Command {
	t.Helper()
	c, ok, err := s.Claim(owner, now, ttl)
	if err != nil {
		t.Fatalf("claim for %s: %v", owner, err)
	}
	if c.ID != want || ok != (want != "") {
		t.Fatalf("claim for %s: %+v %v, want %q", owner, c, ok, want)
	}
	if ok && (c.Owner != owner || c.Token <= 0 || !c.Expires.Equal(now.Add(ttl))) {
		t.Fatalf("claim for %s at %s: lease %+v", owner, now, c)
	}
	return c
}

func testGroupsRunOneAtATimeInOrder(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	a1 := accept(t, s, "a1", "A")
	b1 := accept(t, s, "b1", "B")
	a2 := accept(t, s, "a2", "A")
	solo := accept(t, s, "solo", "")
	first := claim(t, s, "r1", start, time.Minute, a1)
	if string(first.Record) != "a1" || first.Group != "A" {
		t.Fatalf("claimed %+v", first)
	}
	claim(t, s, "r2", start, time.Minute, b1)
	// A2 waits for A1; a command of no group waits for nobody.
	claim(t, s, "r2", start, time.Minute, solo)
	claim(t, s, "r2", start, time.Minute, "")

	g, err := s.Group("A")
	if err != nil || len(g) != 2 || g[0].ID != a1 || g[0].Owner != "r1" || g[0].Token != first.Token || g[1].ID != a2 || g[1].Owner != "" || g[1].Token != 0 || !g[1].Expires.IsZero() || string(g[1].Record) != "a2" {
		t.Fatalf("group A: %+v %v", g, err)
	}
	if g, err := s.Group(""); err != nil || len(g) != 0 {
		t.Fatalf("commands of no group are no group: %+v %v", g, err)
	}
	if err := s.FinishCommand(first.Fence()); err != nil {
		t.Fatal(err)
	}
	second := claim(t, s, "r3", start, time.Minute, a2)
	if second.Token <= first.Token {
		t.Errorf("tokens must only grow: %d after %d", second.Token, first.Token)
	}
	cmds, err := s.Commands()
	if err != nil || len(cmds) != 3 || cmds[0].ID != b1 || cmds[1].ID != a2 || cmds[2].ID != solo || cmds[0].Group != "B" || cmds[1].Owner != "r3" || cmds[2].Group != "" {
		t.Fatalf("commands: %+v %v", cmds, err)
	}
	if g, err := s.Group("A"); err != nil || len(g) != 1 || g[0].ID != a2 {
		t.Fatalf("group A after A1 finished: %+v %v", g, err)
	}
}

// testTakeoverFencesTheOldLeaseOut has a replica's lease expire and another
// replica claim the command over: every write under the old lease is then
// refused and changes nothing, and the new holder's go through.
func testTakeoverFencesTheOldLeaseOut(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	const ttl = time.Minute
	id := accept(t, s, "delivery:t", "pr-1")
	old := claim(t, s, "r1", start, ttl, id)
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	db := locks.Key{Repo: "acme/infra", Dir: "db", Workspace: "default"}
	plan := Plan{Name: "app/default", Meta: []byte(`{"v":1}`), File: []byte("plan 1")}
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	must("save", s.SaveCommand(old.Fence(), []byte("saved by r1")))
	_, held, err := s.TryLock(old.Fence(), locks.Lock{Key: app, PR: 1})
	must("lock", err)
	if !held {
		t.Fatal("not held")
	}
	_, err = s.Enqueue(old.Fence(), app, locks.Waiter{PR: 2})
	must("enqueue", err)
	must("save plan", s.SavePlan(old.Fence(), "pr-1", plan))

	// While the lease lives nobody else gets the command.
	claim(t, s, "r2", start.Add(ttl-time.Millisecond), ttl, "")
	later := start.Add(ttl)
	taken := claim(t, s, "r2", later, ttl, id)
	if taken.Token <= old.Token || string(taken.Record) != "saved by r1" || taken.Group != "pr-1" {
		t.Fatalf("takeover: %+v after %+v", taken, old)
	}

	f := old.Fence()
	for name, call := range map[string]func() error{
		"SaveCommand":   func() error { return s.SaveCommand(f, []byte("saved by r1 again")) },
		"FinishCommand": func() error { return s.FinishCommand(f) },
		"Renew":         func() error { return s.Renew(f, later, ttl) },
		"TryLock":       func() error { _, _, err := s.TryLock(f, locks.Lock{Key: db, PR: 1}); return err },
		"Unlock":        func() error { _, err := s.Unlock(f, "acme/infra", 1, nil); return err },
		"Enqueue":       func() error { _, err := s.Enqueue(f, app, locks.Waiter{PR: 3}); return err },
		"Dequeue":       func() error { return s.Dequeue(f, app, 2) },
		"SavePlan":      func() error { return s.SavePlan(f, "pr-1", Plan{Name: "app/default", Meta: []byte(`{"v":2}`)}) },
		"DropPlans":     func() error { return s.DropPlans(f, "pr-1", nil) },
	} {
		if err := call(); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("%s under the old lease: %v, want ErrLeaseLost", name, err)
		} else {
			t.Logf("%s under the old lease: %v", name, err)
		}
	}
	cmds, err := s.Commands()
	if err != nil || len(cmds) != 1 || string(cmds[0].Record) != "saved by r1" || cmds[0].Owner != "r2" || cmds[0].Token != taken.Token || !cmds[0].Expires.Equal(later.Add(ttl)) {
		t.Errorf("the command after refused writes: %+v %v", cmds, err)
	}
	if all, err := s.Locks(); err != nil || len(all) != 1 || all[0].Key != app {
		t.Errorf("locks after refused writes: %+v %v", all, err)
	}
	if qs, err := s.Queues(); err != nil || len(qs) != 1 || len(qs[0].Waiters) != 1 || qs[0].Waiters[0].PR != 2 {
		t.Errorf("queues after refused writes: %+v %v", qs, err)
	}
	if ps, err := s.Plans("pr-1"); err != nil || len(ps) != 1 || string(ps[0].Meta) != `{"v":1}` {
		t.Errorf("plans after refused writes: %+v %v", ps, err)
	}

	// The new holder's writes go through.
	f = taken.Fence()
	must("renew", s.Renew(f, later, 2*ttl))
	must("save", s.SaveCommand(f, []byte("saved by r2")))
	_, held, err = s.TryLock(f, locks.Lock{Key: db, PR: 1})
	must("lock", err)
	if !held {
		t.Fatal("not held")
	}
	if released, err := s.Unlock(f, "acme/infra", 1, func(l locks.Lock) bool { return l.Key == db }); err != nil || len(released) != 1 {
		t.Fatalf("unlock: %+v %v", released, err)
	}
	_, err = s.Enqueue(f, app, locks.Waiter{PR: 3})
	must("enqueue", err)
	must("dequeue", s.Dequeue(f, app, 2))
	must("save plan", s.SavePlan(f, "pr-1", Plan{Name: "db/default", Meta: []byte(`{}`)}))
	must("drop plans", s.DropPlans(f, "pr-1", []string{"app/default"}))
	if ps, err := s.Plans("pr-1"); err != nil || len(ps) != 1 || ps[0].Name != "db/default" {
		t.Errorf("plans: %+v %v", ps, err)
	}
	if qs, err := s.Queues(); err != nil || len(qs) != 1 || len(qs[0].Waiters) != 1 || qs[0].Waiters[0].PR != 3 {
		t.Errorf("queues: %+v %v", qs, err)
	}
	if cmds, err := s.Commands(); err != nil || len(cmds) != 1 || string(cmds[0].Record) != "saved by r2" || !cmds[0].Expires.Equal(later.Add(2*ttl)) {
		t.Errorf("the command: %+v %v", cmds, err)
	}
	must("finish", s.FinishCommand(f))
	if cmds, err := s.Commands(); err != nil || len(cmds) != 0 {
		t.Errorf("after finish: %+v %v", cmds, err)
	}
	// Locks and queues are not the command's: they stay.
	if all, _ := s.Locks(); len(all) != 1 {
		t.Errorf("locks after finish: %+v", all)
	}
}

// A replica cut off from the store past its lease's expiry carries on when
// it comes back, as long as nobody claimed its command meanwhile.
func testExpiredLeaseIsHeldUntilTakenOver(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	const ttl = time.Minute
	id := accept(t, s, "delivery:e", "pr-1")
	c := claim(t, s, "r1", start, ttl, id)
	back := start.Add(3 * ttl)
	if err := s.Renew(c.Fence(), back, ttl); err != nil {
		t.Fatalf("renew of an expired lease nobody took over: %v", err)
	}
	if err := s.SaveCommand(c.Fence(), []byte("still r1's")); err != nil {
		t.Fatal(err)
	}
	claim(t, s, "r2", back.Add(ttl-time.Millisecond), ttl, "")
	taken := claim(t, s, "r2", back.Add(ttl), ttl, id)
	if err := s.Renew(c.Fence(), back.Add(ttl), ttl); !errors.Is(err, ErrLeaseLost) {
		t.Fatalf("renew after a takeover: %v", err)
	}
	if err := s.Renew(taken.Fence(), back.Add(ttl), ttl); err != nil {
		t.Fatal(err)
	}
}

func testFinishedCommandRefusesItsFence(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	id := accept(t, s, "delivery:f", "pr-1")
	c := claim(t, s, "r1", start, time.Minute, id)
	if err := s.FinishCommand(c.Fence()); err != nil {
		t.Fatal(err)
	}
	app := locks.Key{Repo: "acme/infra", Dir: "app", Workspace: "default"}
	for name, call := range map[string]func() error{
		"SaveCommand":   func() error { return s.SaveCommand(c.Fence(), []byte("late")) },
		"FinishCommand": func() error { return s.FinishCommand(c.Fence()) },
		"Renew":         func() error { return s.Renew(c.Fence(), start, time.Minute) },
		"TryLock":       func() error { _, _, err := s.TryLock(c.Fence(), locks.Lock{Key: app, PR: 1}); return err },
		"Enqueue":       func() error { _, err := s.Enqueue(c.Fence(), app, locks.Waiter{PR: 1}); return err },
		"SavePlan":      func() error { return s.SavePlan(c.Fence(), "pr-1", Plan{Name: "app/default"}) },
	} {
		if err := call(); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("%s after finish: %v, want ErrLeaseLost", name, err)
		}
	}
	if cmds, _ := s.Commands(); len(cmds) != 0 {
		t.Errorf("a write after finish brought the command back: %+v", cmds)
	}
	if all, _ := s.Locks(); len(all) != 0 {
		t.Errorf("locks: %+v", all)
	}
	if ps, _ := s.Plans("pr-1"); len(ps) != 0 {
		t.Errorf("plans: %+v", ps)
	}
}

// testWritesNeedALease has command and plan writes refused without a
// fence (but dropping plans, which an operator releasing a lock does), and
// lock writes under a fence of a command never claimed refused.
func testWritesNeedALease(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	id := accept(t, s, "delivery:w", "pr-1")
	for name, call := range map[string]func() error{
		"SaveCommand":   func() error { return s.SaveCommand(Fence{}, []byte("x")) },
		"FinishCommand": func() error { return s.FinishCommand(Fence{}) },
		"Renew":         func() error { return s.Renew(Fence{}, start, time.Minute) },
		"SavePlan":      func() error { return s.SavePlan(Fence{}, "pr-1", Plan{Name: "app/default"}) },
	} {
		if err := call(); err == nil {
			t.Errorf("%s without a fence was let through", name)
		}
	}
	never := Fence{ID: id}
	if _, _, err := s.TryLock(never, locks.Lock{Key: locks.Key{Repo: "acme/infra", Dir: "app"}, PR: 1}); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("a lock under the fence of a command never claimed: %v", err)
	}
	if err := s.SaveCommand(never, []byte("x")); !errors.Is(err, ErrLeaseLost) {
		t.Errorf("a save under the fence of a command never claimed: %v", err)
	}
	if cmds, err := s.Commands(); err != nil || len(cmds) != 1 || string(cmds[0].Record) != "delivery:w" {
		t.Errorf("commands: %+v %v", cmds, err)
	}
	if _, _, err := s.Claim("", start, time.Minute); err == nil {
		t.Error("a claim for no owner was let through")
	}
}

// testConcurrentClaimsTakeEachCommandOnce has replicas race to claim 50
// commands, each finishing what it got: every command runs exactly once.
func testConcurrentClaimsTakeEachCommandOnce(t *testing.T, s storeUnderTest) {
	defer func() { _ = s.Close() }()
	const replicas, commands = 8, 50
	want := map[string]bool{}
	for i := range commands {
		want[accept(t, s, fmt.Sprintf("delivery:%d", i), fmt.Sprintf("pr-%d", i))] = true
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		claimed = map[string]int{}
		errs    []error
	)
	for i := range replicas {
		r := s.replica(t)
		owner := fmt.Sprintf("replica-%d", i)
		wg.Go(func() {
			for {
				c, ok, err := r.Claim(owner, start, time.Hour)
				if err == nil && ok {
					err = r.FinishCommand(c.Fence())
				}
				mu.Lock()
				if ok {
					claimed[c.ID]++
				}
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
				if err != nil || !ok {
					return
				}
			}
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(claimed) != len(want) {
		t.Errorf("%d commands claimed of %d", len(claimed), len(want))
	}
	for id, n := range claimed {
		if n != 1 || !want[id] {
			t.Errorf("command %s claimed %d times", id, n)
		}
	}
	if cmds, err := s.Commands(); err != nil || len(cmds) != 0 {
		t.Errorf("left: %+v %v", cmds, err)
	}
}

// Bolt releases every lease when it opens, since the one process that
// could hold them is gone; Redis keeps them for the replicas still running.
func testLeasesAcrossRestarts(t *testing.T, s storeUnderTest) {
	id := accept(t, s, "delivery:r", "pr-1")
	c := claim(t, s, "r1", start, time.Hour, id)
	s = s.reopen(t)
	defer func() { _ = s.Close() }()
	cmds, err := s.Commands()
	if err != nil || len(cmds) != 1 {
		t.Fatalf("after reopen: %+v %v", cmds, err)
	}
	if !s.keepsLeases() {
		if cmds[0].Owner != "" || !cmds[0].Expires.IsZero() || cmds[0].Token != c.Token {
			t.Errorf("the lease after reopen: %+v", cmds[0])
		}
		if err := s.Renew(c.Fence(), start, time.Hour); !errors.Is(err, ErrLeaseLost) {
			t.Errorf("renew of a lease released at open: %v", err)
		}
		if again := claim(t, s, "r2", start, time.Hour, id); again.Token <= c.Token {
			t.Errorf("token after reopen: %d, before %d", again.Token, c.Token)
		}
		return
	}
	if cmds[0].Owner != "r1" || cmds[0].Token != c.Token || !cmds[0].Expires.Equal(c.Expires) {
		t.Errorf("the lease after reopen: %+v, was %+v", cmds[0], c)
	}
	claim(t, s, "r2", start, time.Hour, "")
	if err := s.Renew(c.Fence(), start, time.Hour); err != nil {
		t.Errorf("renew after reopen: %v", err)
	}
	// Tokens go on growing after a restart.
	claim(t, s, "r2", start.Add(time.Hour), time.Hour, id)
	if cmds, _ := s.Commands(); cmds[0].Token <= c.Token {
		t.Errorf("token after reopen: %d, before %d", cmds[0].Token, c.Token)
	}
}
