package store

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	bolt "go.etcd.io/bbolt"

	"github.com/paved-road/paved/bot/locks"
)

// Enqueue puts w at the end of k's queue unless w.PR waits there already,
// and returns w's place in it, from 1; under f's lease unless f is zero.
func (b *Bolt) Enqueue(f Fence, k locks.Key, w locks.Waiter) (int, error) {
	place := 0
	err := b.update(f, func(tx *bolt.Tx) error {
		bk := tx.Bucket(queuesBucket)
		q, err := decodeQueue(bk.Get([]byte(k.String())))
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(q.Waiters, func(o locks.Waiter) bool { return o.PR == w.PR }); i >= 0 {
			place = i + 1
			return nil
		}
		q.Key, q.Waiters = k, append(q.Waiters, w)
		place = len(q.Waiters)
		return putQueue(bk, q)
	})
	if err != nil {
		return 0, fmt.Errorf("queue #%d for %s: %w", w.PR, k, err)
	}
	return place, nil
}

// Dequeue takes pr out of k's queue, under f's lease unless f is zero; it
// is no error when pr does not wait there.
func (b *Bolt) Dequeue(f Fence, k locks.Key, pr int) error {
	err := b.update(f, func(tx *bolt.Tx) error {
		bk := tx.Bucket(queuesBucket)
		q, err := decodeQueue(bk.Get([]byte(k.String())))
		if err != nil {
			return err
		}
		q.Key = k
		q.Waiters = slices.DeleteFunc(q.Waiters, func(o locks.Waiter) bool { return o.PR == pr })
		return putQueue(bk, q)
	})
	if err != nil {
		return fmt.Errorf("take #%d out of the queue for %s: %w", pr, k, err)
	}
	return nil
}

// Queues returns every queue that has a waiter, oldest waiter first,
// ordered by repository, dir and workspace.
func (b *Bolt) Queues() ([]locks.Queue, error) {
	var out []locks.Queue
	err := b.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(queuesBucket).ForEach(func(_, v []byte) error {
			q, err := decodeQueue(v)
			if err == nil && len(q.Waiters) > 0 {
				out = append(out, q)
			}
			return err
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list lock queues: %w", err)
	}
	slices.SortFunc(out, func(a, b locks.Queue) int { return strings.Compare(a.Key.String(), b.Key.String()) })
	return out, nil
}

func decodeQueue(raw []byte) (locks.Queue, error) {
	var q locks.Queue
	if len(raw) == 0 {
		return q, nil
	}
	if err := json.Unmarshal(raw, &q); err != nil {
		return q, fmt.Errorf("decode lock queue: %w", err)
	}
	return q, nil
}

func putQueue(bk *bolt.Bucket, q locks.Queue) error {
	if len(q.Waiters) == 0 {
		return bk.Delete([]byte(q.Key.String()))
	}
	raw, err := json.Marshal(q)
	if err != nil {
		return err
	}
	return bk.Put([]byte(q.Key.String()), raw)
}
