package store

import (
	"fmt"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/paved-road/paved/bot/locks"
)

// methods is what every engine offers the bot.
type methods interface {
	Accept(keys []string, now time.Time, group string, record []byte) (id string, first bool, err error)
	Claim(owner string, now time.Time, ttl time.Duration) (Command, bool, error)
	Renew(f Fence, now time.Time, ttl time.Duration) error
	SaveCommand(f Fence, record []byte) error
	FinishCommand(f Fence) error
	Commands() ([]Command, error)
	Group(group string) ([]Command, error)

	TryLock(f Fence, l locks.Lock) (locks.Lock, bool, error)
	Unlock(f Fence, repo string, pr int, only func(locks.Lock) bool) ([]locks.Lock, error)
	Locks() ([]locks.Lock, error)
	Enqueue(f Fence, k locks.Key, w locks.Waiter) (int, error)
	Dequeue(f Fence, k locks.Key, pr int) error
	Queues() ([]locks.Queue, error)

	SavePlan(f Fence, group string, p Plan) error
	Plans(group string) ([]Plan, error)
	PlanFile(group, name string) ([]byte, error)
	DropPlans(f Fence, group string, names []string) error

	AppendLog(id string, chunk []byte, now time.Time) error
	Log(id string) ([]byte, bool, error)

	AppendAudit(now time.Time, entry []byte) error
	Audit(since time.Time) ([][]byte, error)
	PruneAudit(before time.Time) (int, error)

	Close() error
}

var (
	_ methods = (*Bolt)(nil)
	_ methods = (*Redis)(nil)
)

// storeUnderTest is an engine's store on data of its own, and a restart of
// the bot on that data: what survives reopen is part of what is tested.
type storeUnderTest interface {
	methods
	// reopen closes the store and opens what it holds again.
	reopen(t *testing.T) storeUnderTest
	// replica is the store as another replica would reach it: on Redis a
	// client of its own, closed when the test ends; on Bolt, which one
	// process holds, the store itself.
	replica(t *testing.T) methods
	// keepsLeases says whether leases outlive reopen: Bolt releases them,
	// since the process that held them is gone.
	keepsLeases() bool
}

type restartable struct {
	methods
	again  func(t *testing.T) methods // opens the same data, once closed
	other  func(t *testing.T) methods
	leases bool
}

func (r *restartable) reopen(t *testing.T) storeUnderTest {
	t.Helper()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r.methods = r.again(t)
	return r
}

func (r *restartable) replica(t *testing.T) methods { return r.other(t) }

func (r *restartable) keepsLeases() bool { return r.leases }

// testStore runs the behaviour every engine must have; open gives each
// case an empty store.
func testStore(t *testing.T, open func(t *testing.T) storeUnderTest) {
	for _, c := range []struct {
		name string
		run  func(t *testing.T, s storeUnderTest)
	}{
		{"LockLifecycle", testLockLifecycle},
		{"UnlockOnlyWhatIsNamed", testUnlockOnlyWhatIsNamed},
		{"AcceptActsOnceOnEachKey", testAcceptActsOnceOnEachKey},
		{"OldDeliveriesAreForgotten", testOldDeliveriesAreForgotten},
		{"DeliveriesAreBoundedInNumber", testDeliveriesAreBoundedInNumber},
		{"LockQueueKeepsOrderAcrossRestarts", testLockQueueKeepsOrderAcrossRestarts},
		{"ConcurrentCallsEachTakeEffectOnce", testConcurrentCallsEachTakeEffectOnce},
		{"GroupsRunOneAtATimeInOrder", testGroupsRunOneAtATimeInOrder},
		{"TakeoverFencesTheOldLeaseOut", testTakeoverFencesTheOldLeaseOut},
		{"ExpiredLeaseIsHeldUntilTakenOver", testExpiredLeaseIsHeldUntilTakenOver},
		{"FinishedCommandRefusesItsFence", testFinishedCommandRefusesItsFence},
		{"WritesNeedALease", testWritesNeedALease},
		{"ConcurrentClaimsTakeEachCommandOnce", testConcurrentClaimsTakeEachCommandOnce},
		{"LeasesAcrossRestarts", testLeasesAcrossRestarts},
		{"PlansRoundTrip", testPlansRoundTrip},
		{"LogsAreBounded", testLogsAreBounded},
		{"AuditLogAppendsAndPrunes", testAuditLogAppendsAndPrunes},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, open(t)) })
	}
}

func boltAt(t *testing.T, path string) *Bolt {
	t.Helper()
	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openBolt(t *testing.T) storeUnderTest {
	path := filepath.Join(t.TempDir(), "paved.db")
	again := func(t *testing.T) methods { return boltAt(t, path) }
	s := &restartable{methods: again(t), again: again}
	s.other = func(*testing.T) methods { return s.methods }
	return s
}

func TestBolt(t *testing.T) { testStore(t, openBolt) }

// writeBolt changes a closed store file by hand, as an older or newer
// paved-bot would have written it.
func writeBolt(t *testing.T, path string, write func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(write); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestBoltFormat1IsMigrated opens a file as format 1 left it, no version
// and bare records: its commands run, in order, as one group.
func TestBoltFormat1IsMigrated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paved.db")
	writeBolt(t, path, func(tx *bolt.Tx) error {
		for _, name := range []string{"locks", "deliveries", "deliveries-age", "lock-queues", "meta"} {
			if _, err := tx.CreateBucket([]byte(name)); err != nil {
				return err
			}
		}
		cmds, err := tx.CreateBucket([]byte("commands"))
		if err != nil {
			return err
		}
		for _, n := range []int{3, 1, 2} {
			if err := cmds.Put(fmt.Appendf(nil, "%016d", n), fmt.Appendf(nil, `{"n":%d}`, n)); err != nil {
				return err
			}
		}
		return cmds.SetSequence(3)
	})
	s := boltAt(t, path)
	wantFormat1Migrated(t, s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	writeBolt(t, path, func(tx *bolt.Tx) error {
		if v := string(tx.Bucket(metaBucket).Get(formatKey)); v != strconv.Itoa(boltFormat) {
			t.Errorf("format after migration: %q", v)
		}
		return nil
	})
	// Opened again, the store is as the first open left it.
	s = boltAt(t, path)
	defer func() { _ = s.Close() }()
	if g, err := s.Group(format1Group); err != nil || len(g) != 2 {
		t.Fatalf("after reopen: %+v %v", g, err)
	}
}

// wantFormat1Migrated checks a store migrated from commands 1, 2 and 3 of
// format 1: they come out in one group, in order, and run one at a time.
func wantFormat1Migrated(t *testing.T, s methods) {
	t.Helper()
	now := time.Unix(1_800_000_000, 0)
	cmds, err := s.Commands()
	if err != nil || len(cmds) != 3 {
		t.Fatalf("migrated commands: %+v %v", cmds, err)
	}
	for i, c := range cmds {
		if c.ID != fmt.Sprintf("%016d", i+1) || c.Group != format1Group || string(c.Record) != fmt.Sprintf(`{"n":%d}`, i+1) || c.Owner != "" || c.Token != 0 {
			t.Errorf("migrated command %d: %+v", i, c)
		}
	}
	if g, err := s.Group(format1Group); err != nil || len(g) != 3 || g[0].ID != cmds[0].ID {
		t.Errorf("group %s: %+v %v", format1Group, g, err)
	}
	c, ok, err := s.Claim("bot", now, time.Minute)
	if err != nil || !ok || c.ID != cmds[0].ID {
		t.Fatalf("first claim: %+v %v %v", c, ok, err)
	}
	if c, ok, err := s.Claim("bot", now, time.Minute); err != nil || ok {
		t.Fatalf("the second command ran beside the first: %+v %v", c, err)
	}
	if err := s.FinishCommand(c.Fence()); err != nil {
		t.Fatal(err)
	}
	if c, ok, err := s.Claim("bot", now, time.Minute); err != nil || !ok || c.ID != cmds[1].ID {
		t.Fatalf("claim after the first finished: %+v %v %v", c, ok, err)
	}
	if id, _, err := s.Accept([]string{"delivery:new"}, now, "pr-1", []byte(`{}`)); err != nil || id != fmt.Sprintf("%016d", 4) {
		t.Fatalf("a new command's id: %q %v", id, err)
	}
}

func TestBoltNewerFormatRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "paved.db")
	if err := boltAt(t, path).Close(); err != nil {
		t.Fatal(err)
	}
	writeBolt(t, path, func(tx *bolt.Tx) error { return tx.Bucket(metaBucket).Put(formatKey, []byte("3")) })
	_, err := Open(path)
	if err == nil {
		t.Fatal("a store of a newer format was opened")
	}
	wantInError(t, err, path, "format version 3", "newer paved-bot", "knows version 2")
}
