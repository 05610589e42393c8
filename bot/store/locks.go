package store

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/paved-road/paved/bot/locks"
)

// TryLock takes l.Key for l.PR, under f's lease unless f is zero. It
// returns the lock now in force and whether l.PR holds it; a lock already
// held by the same pull request is kept (and reported as held).
func (b *Bolt) TryLock(f Fence, l locks.Lock) (locks.Lock, bool, error) {
	var current locks.Lock
	held := false
	err := b.update(f, func(tx *bolt.Tx) error {
		bk := tx.Bucket(locksBucket)
		if raw := bk.Get([]byte(l.Key.String())); raw != nil {
			if err := json.Unmarshal(raw, &current); err != nil {
				return fmt.Errorf("decode lock %s: %w", l.Key, err)
			}
			held = current.PR == l.PR
			return nil
		}
		raw, err := json.Marshal(l)
		if err != nil {
			return err
		}
		current, held = l, true
		return bk.Put([]byte(l.Key.String()), raw)
	})
	if err != nil {
		return locks.Lock{}, false, fmt.Errorf("lock %s: %w", l.Key, err)
	}
	return current, held, nil
}

// Unlock releases the locks a pull request holds, only those for which
// only returns true when it is not nil, and returns them; under f's lease
// unless f is zero.
func (b *Bolt) Unlock(f Fence, repo string, pr int, only func(locks.Lock) bool) ([]locks.Lock, error) {
	var released []locks.Lock
	err := b.update(f, func(tx *bolt.Tx) error {
		bk := tx.Bucket(locksBucket)
		prefix := []byte(repo + "|")
		c := bk.Cursor()
		var keys [][]byte
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var l locks.Lock
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("decode lock %s: %w", k, err)
			}
			if l.PR == pr && (only == nil || only(l)) {
				released = append(released, l)
				keys = append(keys, append([]byte(nil), k...))
			}
		}
		for _, k := range keys {
			if err := bk.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("unlock %s#%d: %w", repo, pr, err)
	}
	return released, nil
}

// Locks returns every lock, ordered by repository, dir and workspace.
func (b *Bolt) Locks() ([]locks.Lock, error) {
	var all []locks.Lock
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(locksBucket).ForEach(func(k, v []byte) error {
			var l locks.Lock
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("decode lock %s: %w", k, err)
			}
			all = append(all, l)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list locks: %w", err)
	}
	sort.Slice(all, func(i, j int) bool { return all[i].Key.String() < all[j].Key.String() })
	return all, nil
}
