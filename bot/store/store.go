// Package store keeps what the bot must not lose across a restart: project
// locks and the pull requests queued for them, the ids of the webhook
// deliveries it has acted on, and the record of every accepted command until
// it has finished. Two engines hold it behind the same methods: Bolt, one
// bbolt file under the data dir (the default), and Redis, for a store
// outside the bot. Each call is one transaction, synced before it returns,
// so what a call has written survives a kill -9 of the bot.
package store

import (
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Bolt is the store in one bbolt file.
type Bolt struct{ db *bolt.DB }

var (
	locksBucket      = []byte("locks")
	deliveriesBucket = []byte("deliveries")     // key -> time first seen
	seenBucket       = []byte("deliveries-age") // time|key -> nothing, oldest first
	commandsBucket   = []byte("commands")       // id -> command record
	queuesBucket     = []byte("lock-queues")    // lock key -> locks.Queue
	metaBucket       = []byte("meta")
	deliveryCount    = []byte("delivery-count") // in meta: how many delivery keys are kept
)

// Open opens (or creates) the store file. bbolt takes an exclusive file
// lock, so a second bot on the same data dir fails here instead of sharing
// locks it cannot see.
func Open(path string) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open store %s: another paved-bot is using this data dir", path)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{locksBucket, deliveriesBucket, seenBucket, commandsBucket, queuesBucket, metaBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Bolt{db: db}, nil
}

// Close closes the file.
func (b *Bolt) Close() error { return b.db.Close() }
