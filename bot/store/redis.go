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
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/paved-road/paved/bot/locks"
)

// Redis is the store in a Redis database, with the same methods and
// meaning as Bolt, for a bot whose store outlives its host. Every call that changes
// more than one key does so in one MULTI/EXEC transaction or one Lua
// script, so a bot killed mid-call leaves nothing half-written. What a call
// has written survives a restart of redis-server only as far as its
// persistence is set to keep it: run it with appendonly yes (and
// appendfsync always to also survive a crash of its host).
type Redis struct{ c *redis.Client }

// redisFormat is the version of the key layout below; a store written in a
// newer layout is refused rather than misread.
const redisFormat = 1

const (
	keyVersion    = "paved:version"
	keyLocks      = "paved:locks"       // hash: lock key -> locks.Lock
	keyQueues     = "paved:lock-queues" // hash: lock key -> locks.Queue
	keyDeliveries = "paved:deliveries"  // sorted set: delivery key, scored by when first seen (Unix ms)
	keyCommands   = "paved:commands"    // hash: command id -> record
	keyCommandSeq = "paved:command-seq" // counter the command ids come from
)

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
// answers, and claims it for this store format, or refuses one written by a
// newer paved-bot. Errors name the URL with its password masked.
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
	return &Redis{c: c}, nil
}

// claimFormat sets the format version of an empty store and checks that of
// one in use.
func claimFormat(ctx context.Context, c *redis.Client) error {
	var got *redis.StringCmd
	if _, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.SetNX(ctx, keyVersion, redisFormat, 0)
		got = p.Get(ctx, keyVersion)
		return nil
	}); err != nil {
		return fmt.Errorf("read the store format version: %w", err)
	}
	v, err := strconv.Atoi(got.Val())
	if err != nil {
		return fmt.Errorf("%s holds %q, not a store format version", keyVersion, got.Val())
	}
	if v > redisFormat {
		return fmt.Errorf("the store is in format version %d, written by a newer paved-bot; this one knows version %d", v, redisFormat)
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

func callContext() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), callTimeout)
}

// watch runs fn as an optimistic transaction over keys: fn reads, then
// writes in tx.TxPipelined, whose EXEC fails when another client changed a
// watched key meanwhile; fn then runs again on what is there now.
func (r *Redis) watch(ctx context.Context, fn func(tx *redis.Tx) error, keys ...string) error {
	for range watchAttempts {
		err := r.c.Watch(ctx, fn, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
	}
	return fmt.Errorf("%s kept changing under the transaction, %d attempts", strings.Join(keys, ", "), watchAttempts)
}

func decodeLock(field, raw string) (locks.Lock, error) {
	var l locks.Lock
	if err := json.Unmarshal([]byte(raw), &l); err != nil {
		return l, fmt.Errorf("decode lock %s: %w", field, err)
	}
	return l, nil
}

// TryLock is Bolt.TryLock: the lock is set only where none is, and the one
// in force read back, in one transaction.
func (r *Redis) TryLock(l locks.Lock) (locks.Lock, bool, error) {
	ctx, cancel := callContext()
	defer cancel()
	raw, err := json.Marshal(l)
	if err != nil {
		return locks.Lock{}, false, fmt.Errorf("lock %s: %w", l.Key, err)
	}
	field := l.Key.String()
	var current *redis.StringCmd
	if _, err := r.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSetNX(ctx, keyLocks, field, raw)
		current = p.HGet(ctx, keyLocks, field)
		return nil
	}); err != nil {
		return locks.Lock{}, false, fmt.Errorf("lock %s: %w", l.Key, err)
	}
	got, err := decodeLock(field, current.Val())
	if err != nil {
		return locks.Lock{}, false, fmt.Errorf("lock %s: %w", l.Key, err)
	}
	return got, got.PR == l.PR, nil
}

// Unlock is Bolt.Unlock: what it releases is read and deleted in one
// transaction, so it is all of the pull request's matching locks at once.
func (r *Redis) Unlock(repo string, pr int, only func(locks.Lock) bool) ([]locks.Lock, error) {
	ctx, cancel := callContext()
	defer cancel()
	var released []locks.Lock
	err := r.watch(ctx, func(tx *redis.Tx) error {
		all, err := tx.HGetAll(ctx, keyLocks).Result()
		if err != nil {
			return err
		}
		released = released[:0]
		var fields []string
		for field, raw := range all {
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
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
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
func (r *Redis) Enqueue(k locks.Key, w locks.Waiter) (int, error) {
	place := 0
	err := r.updateQueue(k, func(q *locks.Queue) bool {
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
func (r *Redis) Dequeue(k locks.Key, pr int) error {
	err := r.updateQueue(k, func(q *locks.Queue) bool {
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
// transaction.
func (r *Redis) updateQueue(k locks.Key, change func(*locks.Queue) bool) error {
	ctx, cancel := callContext()
	defer cancel()
	field := k.String()
	return r.watch(ctx, func(tx *redis.Tx) error {
		raw, err := tx.HGet(ctx, keyQueues, field).Bytes()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		q, err := decodeQueue(raw)
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

// acceptScript is Bolt.Accept in one step: refuse a delivery any of whose
// keys is known, else remember its keys, forget those past the window or
// the count bound, and record its command under the next id.
//
// KEYS: deliveries, commands, command sequence.
// ARGV: now (Unix ms), cutoff (Unix ms), MaxDeliveries, "1" if there is a
// record, the record, then the delivery keys.
var acceptScript = redis.NewScript(`
for i = 6, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    return {0, ''}
  end
end
for i = 6, #ARGV do
  redis.call('ZADD', KEYS[1], ARGV[1], ARGV[i])
end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[2])
local excess = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[3])
if excess > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, excess - 1)
end
if ARGV[4] ~= '1' then
  return {1, ''}
end
local id = string.format('%016d', redis.call('INCR', KEYS[3]))
redis.call('HSET', KEYS[2], id, ARGV[5])
return {1, id}
`)

// Accept is Bolt.Accept, in one Lua script.
func (r *Redis) Accept(keys []string, now time.Time, record []byte) (id string, first bool, err error) {
	ctx, cancel := callContext()
	defer cancel()
	hasRecord := "0"
	if record != nil {
		hasRecord = "1"
	}
	args := []any{now.UnixMilli(), now.Add(-DeliveryWindow).UnixMilli(), MaxDeliveries, hasRecord, record}
	for _, k := range keys {
		args = append(args, k)
	}
	res, err := acceptScript.Run(ctx, r.c, []string{keyDeliveries, keyCommands, keyCommandSeq}, args...).Slice()
	if err != nil {
		return "", false, fmt.Errorf("record delivery: %w", err)
	}
	if len(res) != 2 {
		return "", false, fmt.Errorf("record delivery: the script answered %v", res)
	}
	seen, _ := res[0].(int64)
	id, _ = res[1].(string)
	return id, seen == 1, nil
}

// SaveCommand replaces the record of an accepted command, as it progresses.
func (r *Redis) SaveCommand(id string, record []byte) error {
	ctx, cancel := callContext()
	defer cancel()
	if err := r.c.HSet(ctx, keyCommands, id, record).Err(); err != nil {
		return fmt.Errorf("save command %s: %w", id, err)
	}
	return nil
}

// FinishCommand forgets a command that has ended.
func (r *Redis) FinishCommand(id string) error {
	ctx, cancel := callContext()
	defer cancel()
	if err := r.c.HDel(ctx, keyCommands, id).Err(); err != nil {
		return fmt.Errorf("finish command %s: %w", id, err)
	}
	return nil
}

// Commands returns the commands accepted and not finished, oldest first.
func (r *Redis) Commands() ([]Command, error) {
	ctx, cancel := callContext()
	defer cancel()
	all, err := r.c.HGetAll(ctx, keyCommands).Result()
	if err != nil {
		return nil, fmt.Errorf("list commands: %w", err)
	}
	out := make([]Command, 0, len(all))
	for id, record := range all {
		out = append(out, Command{ID: id, Record: []byte(record)})
	}
	// Ids are zero-padded, so their order is the order of acceptance.
	slices.SortFunc(out, func(a, b Command) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
