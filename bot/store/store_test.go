package store

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/paved-road/paved/bot/locks"
)

// methods is what every engine offers the bot.
type methods interface {
	TryLock(l locks.Lock) (locks.Lock, bool, error)
	Unlock(repo string, pr int, only func(locks.Lock) bool) ([]locks.Lock, error)
	Locks() ([]locks.Lock, error)
	Enqueue(k locks.Key, w locks.Waiter) (int, error)
	Dequeue(k locks.Key, pr int) error
	Queues() ([]locks.Queue, error)
	Accept(keys []string, now time.Time, record []byte) (id string, first bool, err error)
	SaveCommand(id string, record []byte) error
	FinishCommand(id string) error
	Commands() ([]Command, error)
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
}

type restartable struct {
	methods
	again func(t *testing.T) methods // opens the same data, once closed
}

func (r restartable) reopen(t *testing.T) storeUnderTest {
	t.Helper()
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	return restartable{r.again(t), r.again}
}

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
	return restartable{again(t), again}
}

func TestBolt(t *testing.T) { testStore(t, openBolt) }
