// Package store keeps what the bot's replicas share and must not lose
// across a restart: project locks and the pull requests queued for them,
// the ids of the webhook deliveries acted on, the queue of accepted
// commands, saved plans and the logs of finished jobs.
//
// Commands go into one queue, whichever replica accepted them. A replica
// claims the next command under a lease it renews while it runs it; when a
// replica dies its lease expires and another replica claims the command
// over. Each lease is granted with a token from one store-wide counter that
// only increases, and the writes made for a command carry its Fence (the
// command and token): once another replica took the command over, a write
// under the old token is refused with ErrLeaseLost, so a replica that lost
// its lease cannot undo what the new holder does. Commands of one group (a
// pull request) run one at a time, in the order they were accepted.
//
// Two engines hold it behind the same methods: Bolt, one bbolt file under
// the data dir, for a single bot (the default), and Redis, for replicas
// sharing a store outside them. Each call is one transaction, synced before
// it returns, so what a call has written survives a kill -9 of the bot.
package store

import (
	"errors"
	"fmt"
	"strconv"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Fence names a lease on a command: the command id and the token its lease
// was granted with. The zero Fence is "unfenced": only lock and queue calls
// accept it (operator actions); command and plan writes need a lease.
type Fence struct {
	ID    string
	Token int64
}

// ErrLeaseLost is the refusal of a fenced call: the command has finished,
// or its lease was granted to someone else since.
var ErrLeaseLost = errors.New("lease lost: the command has finished or another replica took it over")

// errUnfenced refuses a command or plan write made without a lease.
var errUnfenced = errors.New("no lease given: commands and plans are written under the lease of their command")

func leaseLost(f Fence) error {
	return fmt.Errorf("command %s under lease %d: %w", f.ID, f.Token, ErrLeaseLost)
}

// Command is one accepted, unfinished command.
type Command struct {
	ID      string    // zero-padded sequence, so ids sort in acceptance order
	Group   string    // commands of one group run one at a time, in ID order; "" is a group of its own
	Record  []byte    // opaque
	Owner   string    // lease holder, "" when not leased
	Token   int64     // token of the current or last lease, 0 when never leased
	Expires time.Time // when the lease expires, zero when not leased
}

// Fence is the fence of c's current lease.
func (c Command) Fence() Fence { return Fence{ID: c.ID, Token: c.Token} }

// Lease times are kept to the millisecond, as Redis keeps them, so that
// both engines see a lease expire at the same instant.
func expiry(now time.Time, ttl time.Duration) int64 { return now.Add(ttl).UnixMilli() }

func fromMilli(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// Plan is a saved plan: its metadata (opaque JSON) and the plan file's bytes.
type Plan struct {
	Name string
	Meta []byte
	File []byte // filled by PlanFile only; Plans leaves it nil
}

var errNoPlan = errors.New("no such plan: never saved, or dropped since")

// The logs of finished jobs are kept for people to read after the fact,
// not as a record: the newest MaxLogs of them, each cut to its last
// MaxLogBytes, where a failed job says what went wrong.
const (
	MaxLogs     = 1000
	MaxLogBytes = 1 << 20
)

const truncatedNote = "…truncated\n"

// truncateLog keeps the end of text within MaxLogBytes, note included,
// starting at a whole character.
func truncateLog(text []byte) []byte {
	if len(text) <= MaxLogBytes {
		return text
	}
	tail := text[len(text)-(MaxLogBytes-len(truncatedNote)):]
	for len(tail) > 0 && !utf8.RuneStart(tail[0]) {
		tail = tail[1:]
	}
	return append([]byte(truncatedNote), tail...)
}

// newerFormat refuses a store written by a newer paved-bot rather than
// misread it.
func newerFormat(found, known int) error {
	return fmt.Errorf("the store is in format version %d, written by a newer paved-bot; this one knows version %d", found, known)
}

// Bolt is the store in one bbolt file.
type Bolt struct{ db *bolt.DB }

// boltFormat is the version of the layout below. Format 1 had no version
// key and kept bare records in commandsBucket, with no groups nor leases.
const boltFormat = 2

var (
	locksBucket      = []byte("locks")
	deliveriesBucket = []byte("deliveries")     // key -> time first seen
	seenBucket       = []byte("deliveries-age") // time|key -> nothing, oldest first
	commandsBucket   = []byte("commands")       // id -> command (encodeCommand); its sequence numbers the ids
	queuesBucket     = []byte("lock-queues")    // lock key -> locks.Queue
	plansBucket      = []byte("plans")          // group -> bucket: plan name -> encodePlan
	logsBucket       = []byte("logs")           // job id -> time saved (Unix ms) | log
	logAgesBucket    = []byte("logs-age")       // time saved | job id -> nothing, oldest first
	auditBucket      = []byte("audit")          // time (Unix ns) | sequence -> audit entry, oldest first
	metaBucket       = []byte("meta")
	formatKey        = []byte("format")         // in meta: boltFormat, in decimal
	deliveryCount    = []byte("delivery-count") // in meta: how many delivery keys are kept
	logCount         = []byte("log-count")      // in meta: how many logs are kept
	fenceKey         = []byte("fence")          // in meta: the last lease token granted
)

// Open opens (or creates) the store file. bbolt takes an exclusive file
// lock, so a second bot on the same data dir fails here instead of sharing
// locks it cannot see. For the same reason every lease in the file is
// released: the bot that held it is gone, and its commands can be claimed
// again at once.
func Open(path string) (*Bolt, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		if errors.Is(err, bolterrors.ErrTimeout) {
			return nil, fmt.Errorf("open store %s: another paved-bot is using this data dir", path)
		}
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{locksBucket, deliveriesBucket, seenBucket, commandsBucket, queuesBucket, plansBucket, logsBucket, logAgesBucket, auditBucket, metaBucket} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		if err := upgrade(tx); err != nil {
			return err
		}
		return releaseLeases(tx)
	}); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("open store %s: %w", path, err)
	}
	return &Bolt{db: db}, nil
}

// upgrade brings a file of format 1 (or a new one) to boltFormat, and
// refuses one of a newer format.
func upgrade(tx *bolt.Tx) error {
	meta := tx.Bucket(metaBucket)
	v := 1
	if raw := meta.Get(formatKey); raw != nil {
		var err error
		if v, err = strconv.Atoi(string(raw)); err != nil {
			return fmt.Errorf("the meta bucket holds %q, not a store format version", raw)
		}
	}
	switch {
	case v > boltFormat:
		return newerFormat(v, boltFormat)
	case v == 1:
		if err := migrateFormat1(tx); err != nil {
			return fmt.Errorf("migrate from format version 1: %w", err)
		}
		return meta.Put(formatKey, []byte(strconv.Itoa(boltFormat)))
	case v != boltFormat:
		return fmt.Errorf("the meta bucket holds %d, not a store format version", v)
	}
	return nil
}

// migrateFormat1 wraps format 1's bare records, which ran one at a time in
// id order, as the commands of one group, so that they still do.
func migrateFormat1(tx *bolt.Tx) error {
	cmds := tx.Bucket(commandsBucket)
	var old []Command
	if err := cmds.ForEach(func(k, v []byte) error {
		old = append(old, Command{ID: string(k), Group: format1Group, Record: v})
		return nil
	}); err != nil {
		return err
	}
	for _, c := range old {
		if err := cmds.Put([]byte(c.ID), encodeCommand(c)); err != nil {
			return fmt.Errorf("command %s: %w", c.ID, err)
		}
	}
	return nil
}

// format1Group is the group the commands of a format 1 store are put in.
const format1Group = "format-1"

func releaseLeases(tx *bolt.Tx) error {
	cmds := tx.Bucket(commandsBucket)
	var leased []Command
	if err := cmds.ForEach(func(k, v []byte) error {
		c, err := decodeCommand(string(k), v)
		if err == nil && c.Owner != "" {
			leased = append(leased, c)
		}
		return err
	}); err != nil {
		return err
	}
	for _, c := range leased {
		c.Owner, c.Expires = "", time.Time{}
		if err := cmds.Put([]byte(c.ID), encodeCommand(c)); err != nil {
			return fmt.Errorf("release the lease on command %s: %w", c.ID, err)
		}
	}
	return nil
}

// update runs write in one transaction, once it has checked that f holds
// its lease; the zero f writes unfenced.
func (b *Bolt) update(f Fence, write func(tx *bolt.Tx) error) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		if f != (Fence{}) {
			if _, err := leased(tx, f); err != nil {
				return err
			}
		}
		return write(tx)
	})
}

// Close closes the file.
func (b *Bolt) Close() error { return b.db.Close() }
