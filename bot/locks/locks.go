// Package locks keeps project locks: a pull request that plans a project
// (repository, dir, workspace) holds it until the pull request is merged or
// closed or someone comments `paved unlock`, so two pull requests never
// apply over each other. The embedded store is a bbolt file in the data dir.
package locks

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Key names what is locked.
type Key struct {
	Repo      string // owner/name
	Dir       string
	Workspace string
}

func (k Key) String() string { return k.Repo + "|" + k.Dir + "|" + k.Workspace }

// Lock is who holds a key.
type Lock struct {
	Key     Key       `json:"key"`
	Project string    `json:"project"`
	PR      int       `json:"pr"`
	PRURL   string    `json:"pr_url"`
	User    string    `json:"user"`
	Time    time.Time `json:"time"`
}

// Store is the lock storage the bot uses.
type Store interface {
	// TryLock takes l.Key for l.PR. It returns the lock now in force and
	// whether l.PR holds it; a lock already held by the same pull request is
	// kept (and reported as held).
	TryLock(l Lock) (Lock, bool, error)
	// Unlock releases every lock a pull request holds and returns them.
	Unlock(repo string, pr int) ([]Lock, error)
	// List returns every lock, ordered by repository, dir and workspace.
	List() ([]Lock, error)
	Close() error
}

var bucket = []byte("locks")

// Bolt stores locks in one bbolt file.
type Bolt struct{ db *bolt.DB }

// OpenBolt opens (or creates) the lock file. bbolt takes an exclusive file
// lock, so a second bot on the same data dir fails here instead of sharing
// locks it cannot see.
func OpenBolt(path string) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open lock store %s: another paved-bot is using this data dir", path)
		}
		return nil, fmt.Errorf("open lock store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucket)
		return err
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open lock store %s: %w", path, err)
	}
	return &Bolt{db: db}, nil
}

// TryLock implements Store.
func (b *Bolt) TryLock(l Lock) (Lock, bool, error) {
	var current Lock
	held := false
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucket)
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
		return Lock{}, false, fmt.Errorf("lock %s: %w", l.Key, err)
	}
	return current, held, nil
}

// Unlock implements Store.
func (b *Bolt) Unlock(repo string, pr int) ([]Lock, error) {
	var released []Lock
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bucket)
		prefix := []byte(repo + "|")
		c := bk.Cursor()
		var keys [][]byte
		for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
			var l Lock
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("decode lock %s: %w", k, err)
			}
			if l.PR == pr {
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

// List implements Store.
func (b *Bolt) List() ([]Lock, error) {
	var all []Lock
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			var l Lock
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

// Close implements Store.
func (b *Bolt) Close() error { return b.db.Close() }
