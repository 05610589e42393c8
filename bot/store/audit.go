package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"
)

// The audit log is append-only through these methods: entries are added
// and read, and only those older than the retention are ever removed.

// AppendAudit adds an entry (opaque JSON) at time now.
func (b *Bolt) AppendAudit(now time.Time, entry []byte) error {
	err := b.db.Update(func(tx *bolt.Tx) error {
		bk := tx.Bucket(auditBucket)
		seq, err := bk.NextSequence()
		if err != nil {
			return err
		}
		key := binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano())), seq)
		return bk.Put(key, entry)
	})
	if err != nil {
		return fmt.Errorf("append to the audit log: %w", err)
	}
	return nil
}

// Audit returns the entries added at or after since, oldest first.
func (b *Bolt) Audit(since time.Time) ([][]byte, error) {
	var out [][]byte
	err := b.db.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(auditBucket).Cursor()
		for k, v := c.Seek(binary.BigEndian.AppendUint64(nil, uint64(max(since.UnixNano(), 0)))); k != nil; k, v = c.Next() {
			out = append(out, bytes.Clone(v))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	return out, nil
}

// PruneAudit removes the entries added before before, and returns how many.
func (b *Bolt) PruneAudit(before time.Time) (int, error) {
	n := 0
	limit := binary.BigEndian.AppendUint64(nil, uint64(max(before.UnixNano(), 0)))
	err := b.db.Update(func(tx *bolt.Tx) error {
		c := tx.Bucket(auditBucket).Cursor()
		// Deleting under a cursor moves it on.
		for k, _ := c.First(); k != nil && bytes.Compare(k[:8], limit) < 0; k, _ = c.First() {
			if err := c.Delete(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("prune the audit log: %w", err)
	}
	return n, nil
}

// AppendAudit is Bolt.AppendAudit, on a stream; the entry's id comes from
// redis-server's clock, so replicas' clocks cannot reorder the log.
func (r *Redis) AppendAudit(_ time.Time, entry []byte) error {
	ctx, cancel := callContext()
	defer cancel()
	if err := r.c.XAdd(ctx, &redis.XAddArgs{Stream: keyAudit, Values: []any{"e", entry}}).Err(); err != nil {
		return fmt.Errorf("append to the audit log: %w", err)
	}
	return nil
}

// Audit is Bolt.Audit.
func (r *Redis) Audit(since time.Time) ([][]byte, error) {
	ctx, cancel := callContext()
	defer cancel()
	msgs, err := r.c.XRange(ctx, keyAudit, strconv.FormatInt(max(since.UnixMilli(), 0), 10), "+").Result()
	if err != nil {
		return nil, fmt.Errorf("read the audit log: %w", err)
	}
	out := make([][]byte, 0, len(msgs))
	for _, m := range msgs {
		if e, ok := m.Values["e"].(string); ok {
			out = append(out, []byte(e))
		}
	}
	return out, nil
}

// PruneAudit is Bolt.PruneAudit.
func (r *Redis) PruneAudit(before time.Time) (int, error) {
	ctx, cancel := callContext()
	defer cancel()
	n, err := r.c.XTrimMinID(ctx, keyAudit, strconv.FormatInt(max(before.UnixMilli(), 0), 10)).Result()
	if err != nil {
		return 0, fmt.Errorf("prune the audit log: %w", err)
	}
	return int(n), nil
}
