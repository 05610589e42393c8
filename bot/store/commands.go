package store

import (
	"bytes"
	"encoding/binary"
	"errors"
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

// Accept records, in one transaction, that a delivery was seen under each
// of keys and, unless one of the keys was seen before, the command it
// brings (nil for none) at the end of group's queue. It returns the
// command's id, or first false for a repeat, in which case nothing is
// written.
func (b *Bolt) Accept(keys []string, now time.Time, group string, record []byte) (id string, first bool, err error) {
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
		return cmds.Put([]byte(id), encodeCommand(Command{Group: group, Record: record}))
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
	count := metaCount(meta, deliveryCount) + added
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
	return putMetaCount(meta, deliveryCount, count)
}

func metaCount(meta *bolt.Bucket, key []byte) int {
	if raw := meta.Get(key); len(raw) == 8 {
		return int(binary.BigEndian.Uint64(raw))
	}
	return 0
}

func putMetaCount(meta *bolt.Bucket, key []byte, n int) error {
	return meta.Put(key, binary.BigEndian.AppendUint64(nil, uint64(max(n, 0))))
}

// Claim leases the first command that can run to owner until now+ttl: of
// the heads of the groups (each group's first unfinished command), the
// lowest id that no live lease holds. The lease gets a token bigger than
// any granted before. ok is false when no command can run.
func (b *Bolt) Claim(owner string, now time.Time, ttl time.Duration) (c Command, ok bool, err error) {
	if owner == "" {
		return Command{}, false, errors.New("claim a command: no owner named")
	}
	err = b.db.Update(func(tx *bolt.Tx) error {
		cmds := tx.Bucket(commandsBucket)
		headed := map[string]bool{} // groups whose head was passed
		cur := cmds.Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			cmd, err := decodeCommand(string(k), v)
			if err != nil {
				return err
			}
			if cmd.Group != "" {
				if headed[cmd.Group] {
					continue
				}
				headed[cmd.Group] = true
			}
			if cmd.Owner != "" && cmd.Expires.After(now) {
				continue
			}
			meta := tx.Bucket(metaBucket)
			token := int64(metaCount(meta, fenceKey)) + 1
			if err := putMetaCount(meta, fenceKey, int(token)); err != nil {
				return err
			}
			cmd.Owner, cmd.Token, cmd.Expires = owner, token, fromMilli(expiry(now, ttl))
			cmd.Record = bytes.Clone(cmd.Record)
			c, ok = cmd, true
			return cmds.Put([]byte(cmd.ID), encodeCommand(cmd))
		}
		return nil
	})
	if err != nil {
		return Command{}, false, fmt.Errorf("claim a command for %s: %w", owner, err)
	}
	return c, ok, nil
}

// Renew extends f's lease to now+ttl. A lease that expired is still f's
// until another owner claims the command, so a holder that was cut off for
// a while carries on when nobody took over.
func (b *Bolt) Renew(f Fence, now time.Time, ttl time.Duration) error {
	err := b.changeCommand(f, func(c *Command) bool {
		c.Expires = fromMilli(expiry(now, ttl))
		return true
	})
	if err != nil {
		return fmt.Errorf("renew the lease on command %s: %w", f.ID, err)
	}
	return nil
}

// SaveCommand replaces the record of the command f leases, as it progresses.
func (b *Bolt) SaveCommand(f Fence, record []byte) error {
	err := b.changeCommand(f, func(c *Command) bool {
		c.Record = record
		return true
	})
	if err != nil {
		return fmt.Errorf("save command %s: %w", f.ID, err)
	}
	return nil
}

// FinishCommand forgets the command f leases, which has ended: the next
// command of its group can run.
func (b *Bolt) FinishCommand(f Fence) error {
	if err := b.changeCommand(f, func(*Command) bool { return false }); err != nil {
		return fmt.Errorf("finish command %s: %w", f.ID, err)
	}
	return nil
}

// changeCommand lets change edit the command f leases, in one transaction,
// and puts it back, or deletes it when change returns false.
func (b *Bolt) changeCommand(f Fence, change func(c *Command) (keep bool)) error {
	if f == (Fence{}) {
		return errUnfenced
	}
	return b.db.Update(func(tx *bolt.Tx) error {
		c, err := leased(tx, f)
		if err != nil {
			return err
		}
		cmds := tx.Bucket(commandsBucket)
		if !change(&c) {
			return cmds.Delete([]byte(c.ID))
		}
		return cmds.Put([]byte(c.ID), encodeCommand(c))
	})
}

// leased returns the command f names if f holds its lease, which it does
// from its claim until the command finishes or is claimed again.
func leased(tx *bolt.Tx, f Fence) (Command, error) {
	raw := tx.Bucket(commandsBucket).Get([]byte(f.ID))
	if raw == nil {
		return Command{}, leaseLost(f)
	}
	c, err := decodeCommand(f.ID, raw)
	if err != nil {
		return Command{}, err
	}
	if c.Owner == "" || c.Token != f.Token {
		return Command{}, leaseLost(f)
	}
	return c, nil
}

// Commands returns every unfinished command, oldest first, leases and all.
func (b *Bolt) Commands() ([]Command, error) {
	out, err := b.commands(func(Command) bool { return true })
	if err != nil {
		return nil, fmt.Errorf("list commands: %w", err)
	}
	return out, nil
}

// Group returns the unfinished commands of group, oldest (the one that
// runs first) first. Commands of no group are no group: Group("") is empty.
func (b *Bolt) Group(group string) ([]Command, error) {
	if group == "" {
		return nil, nil
	}
	out, err := b.commands(func(c Command) bool { return c.Group == group })
	if err != nil {
		return nil, fmt.Errorf("list the commands of %s: %w", group, err)
	}
	return out, nil
}

func (b *Bolt) commands(keep func(Command) bool) ([]Command, error) {
	var out []Command
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(commandsBucket).ForEach(func(k, v []byte) error {
			c, err := decodeCommand(string(k), v)
			if err != nil {
				return err
			}
			if keep(c) {
				c.Record = bytes.Clone(c.Record)
				out = append(out, c)
			}
			return nil
		})
	})
	return out, err
}

// encodeCommand is how Bolt keeps a command: the lengths and bytes of its
// group and owner, its token, its lease's expiry (Unix ms, 0 for none),
// then the record.
func encodeCommand(c Command) []byte {
	var ms int64
	if !c.Expires.IsZero() {
		ms = c.Expires.UnixMilli()
	}
	b := make([]byte, 0, 4*binary.MaxVarintLen64+len(c.Group)+len(c.Owner)+len(c.Record))
	b = binary.AppendUvarint(b, uint64(len(c.Group)))
	b = append(b, c.Group...)
	b = binary.AppendUvarint(b, uint64(len(c.Owner)))
	b = append(b, c.Owner...)
	b = binary.AppendVarint(b, c.Token)
	b = binary.AppendVarint(b, ms)
	return append(b, c.Record...)
}

// decodeCommand reads encodeCommand; the record it returns is raw's, so
// valid only for the transaction raw was read in.
func decodeCommand(id string, raw []byte) (Command, error) {
	d := decoder{raw: raw}
	c := Command{ID: id, Group: string(d.bytes()), Owner: string(d.bytes()), Token: d.varint()}
	c.Expires = fromMilli(d.varint())
	if d.bad {
		return Command{}, fmt.Errorf("decode command %s: truncated", id)
	}
	c.Record = d.raw
	return c, nil
}

// decoder reads varints and length-prefixed bytes off raw, noting bad
// when raw ends short.
type decoder struct {
	raw []byte
	bad bool
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.raw)
	if n <= 0 {
		d.bad, d.raw = true, nil
		return 0
	}
	d.raw = d.raw[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.raw)
	if n <= 0 {
		d.bad, d.raw = true, nil
		return 0
	}
	d.raw = d.raw[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if n > uint64(len(d.raw)) {
		d.bad, d.raw = true, nil
		return nil
	}
	b := d.raw[:n]
	d.raw = d.raw[n:]
	return b
}
