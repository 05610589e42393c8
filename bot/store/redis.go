package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paved-road/paved/bot/locks"
)

// Redis is the store in a Redis database, with the same methods and
// meaning as Bolt, for replicas sharing one store. Every call that changes
// more than one key, or checks a lease before it writes, does so in one Lua
// script or one WATCH/MULTI/EXEC transaction, so that a bot killed mid-call
// leaves nothing half-written and a lease taken over in between is seen.
// What a call has written survives a restart of redis-server only as far
// as its persistence is set to keep it: run it with appendonly yes (and
// appendfsync always to also survive a crash of its host).
type Redis struct {
	c     *redis.Client
	trips *tripCounter
	// Affinity is how long a command that becomes claimable waits for the
	// replica that ran its group's previous command, whose working copy
	// and initialised projects are warm, before any replica may take it.
	// Zero, the default, gives it to whoever claims first.
	Affinity time.Duration
}

// redisFormat is the version of the key layout below; a store written in a
// newer layout is refused rather than misread. Format 1 had keyCommands and
// keyCommandSeq, but no groups nor leases.
const redisFormat = 2

// Times are Unix milliseconds, and taken from the callers' now rather than
// the server's clock, so that expiry is a value the store keeps (and a
// restart of redis-server keeps with it) and tests can move time.
const (
	keyVersion    = "paved:version"
	keyLocks      = "paved:locks"          // hash: lock key -> locks.Lock
	keyQueues     = "paved:lock-queues"    // hash: lock key -> locks.Queue
	keyDeliveries = "paved:deliveries"     // sorted set: delivery key, scored by when first seen
	keyCommands   = "paved:commands"       // hash: command id -> record
	keyCommandSeq = "paved:command-seq"    // counter the command ids come from
	keyGroups     = "paved:command-groups" // hash: command id -> its group, for those in one
	// keyHeads holds the id of every group's head (its first unfinished
	// command) and of every command of no group, each scored 0 so that they
	// sort as the zero-padded ids do, in acceptance order: what Claim picks
	// from.
	keyHeads       = "paved:heads"
	keyGroupPrefix = "paved:group:" // + group: list of its unfinished command ids, head first
	// keyLeasePrefix + command id: "token|owner|expiry" of the command's
	// lease, from its first claim until it finishes. It has no Redis expiry:
	// an expired lease is still its holder's until another owner claims the
	// command.
	keyLeasePrefix = "paved:lease:"
	keyFence       = "paved:fence" // counter the lease tokens come from
	// keyReady: command id -> when it became its group's head (redis-server's
	// clock, Unix ms); keyLastPrefix + group: the owner of the group's last
	// finished command, for an hour. Claim gives that owner the group's next
	// command first, for Affinity.
	keyReady           = "paved:ready"
	keyLastPrefix      = "paved:last:"
	keyPlansPrefix     = "paved:plans:"      // + group: hash plan name -> metadata
	keyPlanFilesPrefix = "paved:plan-files:" // + group: hash plan name -> plan file
	keyLogs            = "paved:logs"        // hash: job id -> log
	keyLogAges         = "paved:log-ages"    // sorted set: job id, scored by when saved
	keyAudit           = "paved:audit"       // stream: audit entries, field "e", ids by redis-server's clock
)

func leaseKey(id string) string { return keyLeasePrefix + id }

const (
	// openTimeout bounds OpenRedis's round trips, so that a server that
	// takes the connection and never answers is reported as unreachable.
	openTimeout = 3 * time.Second
	// callTimeout bounds one store call, its optimistic retries included.
	callTimeout = 10 * time.Second
	// watchAttempts bounds how often an optimistic transaction is retried
	// when another client changed what it read.
	watchAttempts = 20
)

// OpenRedis connects to the Redis database url names
// (redis://[:PASSWORD@]HOST:PORT/DB, rediss:// for TLS), checks that it
// answers, and claims it for this store format, migrating a store of
// format 1, or refuses one written by a newer paved-bot. Errors name the URL
// with its password masked.
func OpenRedis(ctx context.Context, rawURL string) (*Redis, error) {
	name := redactURL(rawURL)
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		// url.Parse's errors quote the whole URL, password and all.
		if ue, ok := errors.AsType[*url.Error](err); ok {
			err = ue.Err
		}
		return nil, fmt.Errorf("open store %s: bad Redis URL: %w", name, err)
	}
	// A command retried after its reply was lost would run twice: an Accept
	// would then find its own keys and call its delivery a repeat.
	opts.MaxRetries = -1
	opts.ContextTimeoutEnabled = true
	c := redis.NewClient(opts)
	trips := &tripCounter{}
	c.AddHook(trips)
	ctx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		var refused redis.Error
		switch {
		case redis.IsAuthError(err):
			return nil, fmt.Errorf("open store %s: redis-server refused the credentials: %w", name, err)
		case errors.As(err, &refused):
			return nil, fmt.Errorf("open store %s: redis-server refused the connection: %w", name, err)
		}
		return nil, fmt.Errorf("open store %s: redis-server does not answer: %w", name, err)
	}
	if err := claimFormat(ctx, c); err != nil {
		_ = c.Close()
		return nil, fmt.Errorf("open store %s: %w", name, err)
	}
	return &Redis{c: c, trips: trips}, nil
}

// formatScript sets the format version of an empty store, and migrates one
// of format 1: its unfinished commands, which ran one at a time in id
// order, go into one group, so that they still do. It returns the version
// the store is in, unchanged when it is not 1.
//
// KEYS: version, commands, groups, heads, the group's list.
// ARGV: redisFormat, the group.
var formatScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v and v ~= '1' then
  return v
end
local ids = redis.call('HKEYS', KEYS[2])
table.sort(ids)
for _, id in ipairs(ids) do
  redis.call('HSET', KEYS[3], id, ARGV[2])
  redis.call('RPUSH', KEYS[5], id)
end
if #ids > 0 then
  redis.call('ZADD', KEYS[4], 0, ids[1])
end
redis.call('SET', KEYS[1], ARGV[1])
return ARGV[1]
`)

// claimFormat sets the format version of an empty store, migrates one of
// format 1 and checks that of one in use.
func claimFormat(ctx context.Context, c *redis.Client) error {
	got, err := formatScript.Run(ctx, c, []string{keyVersion, keyCommands, keyGroups, keyHeads, keyGroupPrefix + format1Group}, redisFormat, format1Group).Text()
	if err != nil {
		return fmt.Errorf("read the store format version: %w", err)
	}
	v, err := strconv.Atoi(got)
	switch {
	case err != nil || v < redisFormat:
		return fmt.Errorf("%s holds %q, not a store format version", keyVersion, got)
	case v > redisFormat:
		return newerFormat(v, redisFormat)
	}
	return nil
}

// LogRedisTo sends what the Redis client library logs (a dial that failed,
// say) to log rather than the standard error, for every Redis store of the
// process: the library has one logger.
func LogRedisTo(log *slog.Logger) { redis.SetLogger(redisLog{log}) }

type redisLog struct{ log *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.log.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}

// redactURL is rawURL with its password masked, for error messages.
func redactURL(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		return u.Redacted()
	}
	// Unparsable: mask all that could be user info.
	if scheme, rest, ok := strings.Cut(rawURL, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			return scheme + "://xxxxx" + rest[at:]
		}
		return rawURL
	}
	return "(an unparsable URL)"
}

// Close closes the connections.
func (r *Redis) Close() error { return r.c.Close() }

// RoundTrips is how many requests the store has sent redis-server and had
// answered: a command, or a pipeline or MULTI/EXEC transaction sent at once.
func (r *Redis) RoundTrips() uint64 { return r.trips.n.Load() }

// tripCounter is a client hook counting round trips.
type tripCounter struct{ n atomic.Uint64 }

func (h *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.n.Add(1)
		return next(ctx, cmds)
	}
}

func callContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}

// watch runs fn as an optimistic transaction over keys, and f's lease
// unless f is zero: fn reads (through readFenced), then writes in
// tx.TxPipelined, whose EXEC fails when another client changed a watched
// key meanwhile; fn then runs again on what is there now.
func (r *Redis) watch(ctx context.Context, f Fence, fn func(tx *redis.Tx) error, keys ...string) error {
	if f != (Fence{}) {
		keys = append(keys, leaseKey(f.ID))
	}
	for range watchAttempts {
		err := r.c.Watch(ctx, fn, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return fmt.Errorf("%s kept changing under the transaction, %d attempts", strings.Join(keys, ", "), watchAttempts)
}

// readFenced sends read's commands in one round trip on tx, with a read
// of f's lease unless f is zero, and refuses with ErrLeaseLost when f does
// not hold its lease. The lease key is watched, so a claim that takes the
// command over after this read makes the transaction's EXEC fail.
func readFenced(ctx context.Context, tx *redis.Tx, f Fence, read func(p redis.Pipeliner)) error {
	var lease *redis.StringCmd
	// Pipelined's error is its first command's, redis.Nil for a key that is
	// not there: each command's own is looked at instead.
	cmds, _ := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
		if f != (Fence{}) {
			lease = p.Get(ctx, leaseKey(f.ID))
		}
		read(p)
		return nil
	})
	for _, c := range cmds {
		if err := c.Err(); err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
	}
	if lease != nil && !holds(lease.Val(), f) {
		return leaseLost(f)
	}
	return nil
}

// holds says whether a command's lease, as keyLeasePrefix keeps it, was
// granted with f's token.
func holds(lease string, f Fence) bool {
	token, _, ok := strings.Cut(lease, "|")
	return ok && token == strconv.FormatInt(f.Token, 10)
}

// fencePrelude starts every script that writes under a lease: with KEYS[1]
// the command's lease key and ARGV[1] the fence's token ("" for an
// unfenced call, where the script allows one), it refuses with
// leaseLostReply unless the lease is the fence's, and leaves the lease in
// lease.
const fencePrelude = `
local lease = redis.call('GET', KEYS[1])
if ARGV[1] ~= '' and (not lease or string.match(lease, '^(%d+)|') ~= ARGV[1]) then
  return redis.error_reply('` + leaseLostReply + `')
end
`

// leaseLostReply is an error code and a message: redis-server passes such
// an error on as it is, where it would prefix a bare word with ERR.
const leaseLostReply = "LEASELOST the lease was granted anew, or the command finished"

// runFenced runs a script that starts with fencePrelude, for f, on keys
// and args after the lease key and token it puts first; a refusal of the
// lease comes back as ErrLeaseLost.
func (r *Redis) runFenced(ctx context.Context, s *redis.Script, f Fence, keys []string, args ...any) (any, error) {
	token := ""
	if f != (Fence{}) {
		token = strconv.FormatInt(f.Token, 10)
	}
	res, err := s.Run(ctx, r.c, append([]string{leaseKey(f.ID)}, keys...), append([]any{token}, args...)...).Result()
	if rerr, ok := errors.AsType[redis.Error](err); ok && rerr.Error() == leaseLostReply {
		return nil, leaseLost(f)
	}
	return res, err
}

func decodeLock(field, raw string) (locks.Lock, error) {
	var l locks.Lock
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		return l, fmt.Errorf("decode lock %s: %w", field, err)
	}
	return l, nil
}

// tryLockScript sets a lock only where none is, under the fence, and
// returns the one in force.
//
// KEYS: lease, locks. ARGV: token, lock key, lock.
var tryLockScript = redis.NewScript(fencePrelude + `
redis.call('HSETNX', KEYS[2], ARGV[2], ARGV[3])
return redis.call('HGET', KEYS[2], ARGV[2])
`)

// TryLock is Bolt.TryLock, in one Lua script.
func (r *Redis) TryLock(f Fence, l locks.Lock) (locks.Lock, bool, error) {
	ctx, cancel := callContext()
	defer cancel()
	raw, err := json.Marshal(l)
	if err != nil {
		return locks.Lock{}, false, fmt.Errorf("lock %s: %w", l.Key, err)
	}
	field := l.Key.String()
	res, err := r.runFenced(ctx, tryLockScript, f, []string{keyLocks}, field, raw)
	if err != nil {
		return locks.Lock{}, false, fmt.Errorf("lock %s: %w", l.Key, err)
	}
	current, _ := res.(string)
	got, err := decodeLock(field, current)
	if err != nil {
		return locks.Lock{}, false, fmt.Errorf("lock %s: %w", l.Key, err)
	}
	return got, got.PR == l.PR, nil
}

// Unlock is Bolt.Unlock: what it releases is read and deleted in one
// transaction, so it is all of the pull request's matching locks at once.
func (r *Redis) Unlock(f Fence, repo string, pr int, only func(locks.Lock) bool) ([]locks.Lock, error) {
	ctx, cancel := callContext()
	defer cancel()
	var released []locks.Lock
	err := r.watch(ctx, f, func(tx *redis.Tx) error {
		var read *redis.MapStringStringCmd
		if err := readFenced(ctx, tx, f, func(p redis.Pipeliner) { read = p.HGetAll(ctx, keyLocks) }); err != nil {
			return err
		}
		released = released[:0]
		var fields []string
		for field, raw := range read.Val() {
			if !strings.HasPrefix(field, repo+"|") {
				continue
			}
			l, err := decodeLock(field, raw)
			if err != nil {
				return err
			}
			if l.PR == pr && (only == nil || only(l)) {
				released = append(released, l)
				fields = append(fields, field)
			}
		}
		if len(fields) == 0 {
			return nil
		}
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HDel(ctx, keyLocks, fields...)
			return nil
		})
		return err
	}, keyLocks)
	if err != nil {
		return nil, fmt.Errorf("unlock %s#%d: %w", repo, pr, err)
	}
	sortLocks(released)
	return released, nil
}

// Locks returns every lock, ordered by repository, dir and workspace.
func (r *Redis) Locks() ([]locks.Lock, error) {
	ctx, cancel := callContext()
	defer cancel()
	all, err := r.c.HGetAll(ctx, keyLocks).Result()
	if err != nil {
		return nil, fmt.Errorf("list locks: %w", err)
	}
	out := make([]locks.Lock, 0, len(all))
	for field, raw := range all {
		l, err := decodeLock(field, raw)
		if err != nil {
			return nil, fmt.Errorf("list locks: %w", err)
		}
		out = append(out, l)
	}
	sortLocks(out)
	return out, nil
}

// sortLocks orders locks as bbolt keeps them, by key.
func sortLocks(ls []locks.Lock) {
	slices.SortFunc(ls, func(a, b locks.Lock) int { return strings.Compare(a.Key.String(), b.Key.String()) })
}

// Enqueue is Bolt.Enqueue.
func (r *Redis) Enqueue(f Fence, k locks.Key, w locks.Waiter) (int, error) {
	place := 0
	err := r.updateQueue(f, k, func(q *locks.Queue) bool {
		if i := slices.IndexFunc(q.Waiters, func(o locks.Waiter) bool { return o.PR == w.PR }); i >= 0 {
			place = i + 1
			return false
		}
		q.Waiters = append(q.Waiters, w)
		place = len(q.Waiters)
		return true
	})
	if err != nil {
		return 0, fmt.Errorf("queue #%d for %s: %w", w.PR, k, err)
	}
	return place, nil
}

// Dequeue is Bolt.Dequeue.
func (r *Redis) Dequeue(f Fence, k locks.Key, pr int) error {
	err := r.updateQueue(f, k, func(q *locks.Queue) bool {
		n := len(q.Waiters)
		q.Waiters = slices.DeleteFunc(q.Waiters, func(o locks.Waiter) bool { return o.PR == pr })
		return len(q.Waiters) != n
	})
	if err != nil {
		return fmt.Errorf("take #%d out of the queue for %s: %w", pr, k, err)
	}
	return nil
}

// updateQueue reads k's queue, lets change edit it, and writes it back
// (dropping it once empty) when change says it changed, in one
// transaction under f's lease unless f is zero.
func (r *Redis) updateQueue(f Fence, k locks.Key, change func(*locks.Queue) bool) error {
	ctx, cancel := callContext()
	defer cancel()
	field := k.String()
	return r.watch(ctx, f, func(tx *redis.Tx) error {
		var read *redis.StringCmd
		if err := readFenced(ctx, tx, f, func(p redis.Pipeliner) { read = p.HGet(ctx, keyQueues, field) }); err != nil {
			return err
		}
		q, err := decodeQueue([]byte(read.Val()))
		if err != nil {
			return err
		}
		q.Key = k
		if !change(&q) {
			return nil
		}
		var encoded []byte
		if len(q.Waiters) > 0 {
			if encoded, err = json.Marshal(q); err != nil {
				return err
			}
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			if encoded == nil {
				p.HDel(ctx, keyQueues, field)
			} else {
				p.HSet(ctx, keyQueues, field, encoded)
			}
			return nil
		})
		return err
	}, keyQueues)
}

// Queues is Bolt.Queues.
func (r *Redis) Queues() ([]locks.Queue, error) {
	ctx, cancel := callContext()
	defer cancel()
	all, err := r.c.HVals(ctx, keyQueues).Result()
	if err != nil {
		return nil, fmt.Errorf("list lock queues: %w", err)
	}
	var out []locks.Queue
	for _, raw := range all {
		q, err := decodeQueue([]byte(raw))
		if err != nil {
			return nil, fmt.Errorf("list lock queues: %w", err)
		}
		if len(q.Waiters) > 0 {
			out = append(out, q)
		}
	}
	slices.SortFunc(out, func(a, b locks.Queue) int { return strings.Compare(a.Key.String(), b.Key.String()) })
	return out, nil
}
