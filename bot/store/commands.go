package store

import (
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// A delivery is acknowledged at most once: Accept remembers the keys that
// identify it (GitHub's delivery id, the body's hash, the comment id) for
// DeliveryWindow, at most MaxDeliveries of them, oldest dropped first.
const (
	DeliveryWindow = 14 * 24 * time.Hour // GitHub lets deliveries be redelivered for days
	MaxDeliveries  = 200_000
)

// Command is one accepted command as the bot recorded it: an opaque record
// under an id that sorts in the order commands were accepted.
type Command struct {
	ID     string
	Record []byte
}

// Accept records, in one transaction, that a delivery was seen under each
// of keys and, unless one of the keys was seen before, the command it
// brings (nil for none). It returns the command's id, or first false for a
// repeat, in which case nothing is written.
func (b *Bolt) Accept(keys []string, now time.Time, record []byte) (id string, first bool, err error) {
	err = b.db.Update(func(tx *bolt.Tx) error {
		seen, ages := tx.Bucket(deliveriesBucket), tx.Bucket(seenBucket)
		for _, k := range keys {
			if seen.Get([]byte(k)) != nil {
				return nil
			}
		}
		first = true
		stamp := make([]byte, 8)
		binary.BigEndian.PutUint64(stamp, uint64(now.UnixNano()))
		for _, k := range keys {
			if err := seen.Put([]byte(k), stamp); err != nil {
				return err
			}
			if err := ages.Put(append(append([]byte(nil), stamp...), k...), nil); err != nil {
				return err
			}
		}
		if err := forgetOld(tx, len(keys), now); err != nil {
			return err
		}
		if record == nil {
			return nil
		}
		cmds := tx.Bucket(commandsBucket)
		seq, err := cmds.NextSequence()
		if err != nil {
			return err
		}
		id = fmt.Sprintf("%016d", seq)
		return cmds.Put([]byte(id), record)
	})
	if err != nil {
		return "", false, fmt.Errorf("record delivery: %w", err)
	}
	return id, first, nil
}

// forgetOld drops delivery keys older than the window, and the oldest ones
// past the count bound, after added new keys. The count is kept beside the
// keys: counting them would read the whole bucket at every delivery.
func forgetOld(tx *bolt.Tx, added int, now time.Time) error {
	seen, ages, meta := tx.Bucket(deliveriesBucket), tx.Bucket(seenBucket), tx.Bucket(metaBucket)
	count := added
	if raw := meta.Get(deliveryCount); len(raw) == 8 {
		count += int(binary.BigEndian.Uint64(raw))
	}
	cutoff := uint64(now.Add(-DeliveryWindow).UnixNano())
	c := ages.Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		if binary.BigEndian.Uint64(k[:8]) >= cutoff && count <= MaxDeliveries {
			break
		}
		if err := seen.Delete(k[8:]); err != nil {
			return err
		}
		if err := c.Delete(); err != nil {
			return err
		}
		count--
	}
	return meta.Put(deliveryCount, binary.BigEndian.AppendUint64(nil, uint64(max(count, 0))))
}

// SaveCommand replaces the record of an accepted command, as it progresses.
func (b *Bolt) SaveCommand(id string, record []byte) error {
	err := b.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(commandsBucket).Put([]byte(id), record)
	})
	if err != nil {
		return fmt.Errorf("save command %s: %w", id, err)
	}
	return nil
}

// FinishCommand forgets a command that has ended.
func (b *Bolt) FinishCommand(id string) error {
	err := b.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(commandsBucket).Delete([]byte(id))
	})
	if err != nil {
		return fmt.Errorf("finish command %s: %w", id, err)
	}
	return nil
}

// Commands returns the commands accepted and not finished, oldest first:
// after a restart, what was running or waiting when the bot stopped.
func (b *Bolt) Commands() ([]Command, error) {
	var out []Command
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(commandsBucket).ForEach(func(k, v []byte) error {
			out = append(out, Command{ID: string(k), Record: append([]byte(nil), v...)})
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list commands: %w", err)
	}
	return out, nil
}
