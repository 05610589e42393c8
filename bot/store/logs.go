package store

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// AppendLog adds chunk to the end of the log of job id (a job's log grows
// while it runs), which makes it the newest log, and forgets the oldest
// logs past MaxLogs. A log past MaxLogBytes keeps its end.
func (b *Bolt) AppendLog(id string, chunk []byte, now time.Time) error {
	stamp := binary.BigEndian.AppendUint64(nil, uint64(now.UnixMilli()))
	err := b.db.Update(func(tx *bolt.Tx) error {
		logs, ages, meta := tx.Bucket(logsBucket), tx.Bucket(logAgesBucket), tx.Bucket(metaBucket)
		count := metaCount(meta, logCount)
		var text []byte
		if old := logs.Get([]byte(id)); len(old) >= 8 {
			if err := ages.Delete(append(bytes.Clone(old[:8]), id...)); err != nil {
				return err
			}
			text = bytes.Clone(old[8:])
			count--
		}
		text = truncateLog(append(text, chunk...))
		if err := logs.Put([]byte(id), append(bytes.Clone(stamp), text...)); err != nil {
			return err
		}
		if err := ages.Put(append(bytes.Clone(stamp), id...), nil); err != nil {
			return err
		}
		count++
		// Deleting under a cursor moves it on, so each round starts over
		// at the oldest.
		for c := ages.Cursor(); count > MaxLogs; count-- {
			k, _ := c.First()
			if k == nil {
				break
			}
			if err := logs.Delete(k[8:]); err != nil {
				return err
			}
			if err := c.Delete(); err != nil {
				return err
			}
		}
		return putMetaCount(meta, logCount, count)
	})
	if err != nil {
		return fmt.Errorf("append to the log of %s: %w", id, err)
	}
	return nil
}

// Log returns the log saved under id; ok is false when there is none, or
// it was forgotten.
func (b *Bolt) Log(id string) (text []byte, ok bool, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		if raw := tx.Bucket(logsBucket).Get([]byte(id)); len(raw) >= 8 {
			text, ok = bytes.Clone(raw[8:]), true
		}
		return nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("read the log of %s: %w", id, err)
	}
	return text, ok, nil
}
