package store

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// acceptScript is Bolt.Accept in one step: refuse a delivery any of whose
// keys is known, else remember its keys, forget those past the window or
// the count bound, and record its command under the next id at the end of
// its group, where it is the head if the group had no other.
//
// KEYS: deliveries, commands, command sequence, groups, heads, the group's
// list, ready.
// ARGV: now, cutoff, MaxDeliveries, "1" if there is a record, the record,
// the group, then the delivery keys.
var acceptScript = redis.NewScript(`
for i = 7, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    return {0, ''}
  end
end
for i = 7, #ARGV do
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
if ARGV[6] == '' then
  redis.call('ZADD', KEYS[5], 0, id)
else
  redis.call('HSET', KEYS[4], id, ARGV[6])
  if redis.call('RPUSH', KEYS[6], id) == 1 then
    redis.call('ZADD', KEYS[5], 0, id)
    local t = redis.call('TIME')
    redis.call('HSET', KEYS[7], id, t[1] * 1000 + math.floor(t[2] / 1000))
  end
end
return {1, id}
`)

// Accept is Bolt.Accept, in one Lua script.
func (r *Redis) Accept(keys []string, now time.Time, group string, record []byte) (id string, first bool, err error) {
	ctx, cancel := callContext()
	defer cancel()
	hasRecord := "0"
	if record != nil {
		hasRecord = "1"
	}
	args := []any{now.UnixMilli(), now.Add(-DeliveryWindow).UnixMilli(), MaxDeliveries, hasRecord, record, group}
	for _, k := range keys {
		args = append(args, k)
	}
	res, err := acceptScript.Run(ctx, r.c, []string{keyDeliveries, keyCommands, keyCommandSeq, keyGroups, keyHeads, keyGroupPrefix + group, keyReady}, args...).Slice()
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

// The scripts that return commands return each as four strings: id, group,
// record and lease (as keyLeasePrefix keeps it, "" for none).

// claimScript is Bolt.Claim: the first head whose lease is absent or
// expired gets a new one. A head never claimed, whose group's previous
// command another owner ran, waits up to the affinity for that owner.
//
// KEYS: heads, fence counter, commands, groups, ready.
// ARGV: now, the lease's expiry, owner, keyLeasePrefix, affinity (ms), keyLastPrefix.
var claimScript = redis.NewScript(`
local t = redis.call('TIME')
local clock = t[1] * 1000 + math.floor(t[2] / 1000)
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local key = ARGV[4] .. id
  local lease = redis.call('GET', key)
  local free = not lease or tonumber(string.match(lease, '|(%-?%d+)$')) <= tonumber(ARGV[1])
  if free and not lease and tonumber(ARGV[5]) > 0 then
    local group = redis.call('HGET', KEYS[4], id)
    local last = group and redis.call('GET', ARGV[6] .. group)
    if last and last ~= ARGV[3] and clock < tonumber(redis.call('HGET', KEYS[5], id) or '0') + tonumber(ARGV[5]) then
      free = false
    end
  end
  if free then
    lease = string.format('%d', redis.call('INCR', KEYS[2])) .. '|' .. ARGV[3] .. '|' .. ARGV[2]
    redis.call('SET', key, lease)
    return {id, redis.call('HGET', KEYS[4], id) or '', redis.call('HGET', KEYS[3], id) or '', lease}
  end
end
return {}
`)

// Claim is Bolt.Claim, in one Lua script.
func (r *Redis) Claim(owner string, now time.Time, ttl time.Duration) (Command, bool, error) {
	if owner == "" {
		return Command{}, false, errors.New("claim a command: no owner named")
	}
	ctx, cancel := callContext()
	defer cancel()
	res, err := claimScript.Run(ctx, r.c, []string{keyHeads, keyFence, keyCommands, keyGroups, keyReady},
		now.UnixMilli(), expiry(now, ttl), owner, keyLeasePrefix, r.Affinity.Milliseconds(), keyLastPrefix).Slice()
	if err == nil {
		var cmds []Command
		if cmds, err = scriptCommands(res); err == nil && len(cmds) == 1 {
			return cmds[0], true, nil
		}
	}
	if err != nil {
		return Command{}, false, fmt.Errorf("claim a command for %s: %w", owner, err)
	}
	return Command{}, false, nil
}

// renewScript moves the fence's lease's expiry.
//
// KEYS: lease. ARGV: token, expiry.
var renewScript = redis.NewScript(fencePrelude + `
local owner = string.match(lease, '^%d+|(.*)|')
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. owner .. '|' .. ARGV[2])
return 1
`)

// Renew is Bolt.Renew, in one Lua script.
func (r *Redis) Renew(f Fence, now time.Time, ttl time.Duration) error {
	if err := r.runCommand(f, renewScript, nil, expiry(now, ttl)); err != nil {
		return fmt.Errorf("renew the lease on command %s: %w", f.ID, err)
	}
	return nil
}

// saveCommandScript replaces the fence's command's record.
//
// KEYS: lease, commands. ARGV: token, id, record.
var saveCommandScript = redis.NewScript(fencePrelude + `
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
return 1
`)

// SaveCommand is Bolt.SaveCommand, in one Lua script.
func (r *Redis) SaveCommand(f Fence, record []byte) error {
	if err := r.runCommand(f, saveCommandScript, []string{keyCommands}, f.ID, record); err != nil {
		return fmt.Errorf("save command %s: %w", f.ID, err)
	}
	return nil
}

// finishScript forgets the fence's command and makes the next of its
// group the head.
//
// KEYS: lease, commands, groups, heads, ready.
// ARGV: token, id, keyGroupPrefix, keyLastPrefix.
var finishScript = redis.NewScript(fencePrelude + `
local group = redis.call('HGET', KEYS[3], ARGV[2])
redis.call('DEL', KEYS[1])
redis.call('HDEL', KEYS[2], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
redis.call('HDEL', KEYS[5], ARGV[2])
redis.call('ZREM', KEYS[4], ARGV[2])
if group then
  local list = ARGV[3] .. group
  redis.call('LREM', list, 1, ARGV[2])
  redis.call('SET', ARGV[4] .. group, string.match(lease, '^%d+|(.*)|'), 'PX', 3600000)
  local next = redis.call('LINDEX', list, 0)
  if next then
    redis.call('ZADD', KEYS[4], 0, next)
    local t = redis.call('TIME')
    redis.call('HSET', KEYS[5], next, t[1] * 1000 + math.floor(t[2] / 1000))
  end
end
return 1
`)

// FinishCommand is Bolt.FinishCommand, in one Lua script.
func (r *Redis) FinishCommand(f Fence) error {
	if err := r.runCommand(f, finishScript, []string{keyCommands, keyGroups, keyHeads, keyReady}, f.ID, keyGroupPrefix, keyLastPrefix); err != nil {
		return fmt.Errorf("finish command %s: %w", f.ID, err)
	}
	return nil
}

// runCommand runs a fenced script for a command write, which needs a lease.
func (r *Redis) runCommand(f Fence, s *redis.Script, keys []string, args ...any) error {
	if f == (Fence{}) {
		return errUnfenced
	}
	ctx, cancel := callContext()
	defer cancel()
	_, err := r.runFenced(ctx, s, f, keys, args...)
	return err
}

// commandsScript returns every unfinished command.
//
// KEYS: commands, groups. ARGV: keyLeasePrefix.
var commandsScript = redis.NewScript(`
local all = redis.call('HGETALL', KEYS[1])
local out = {}
for i = 1, #all, 2 do
  local id = all[i]
  out[#out + 1] = id
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
  out[#out + 1] = all[i + 1]
  out[#out + 1] = redis.call('GET', ARGV[1] .. id) or ''
end
return out
`)

// Commands is Bolt.Commands, read in one Lua script so that records and
// leases are of one moment.
func (r *Redis) Commands() ([]Command, error) {
	ctx, cancel := callContext()
	defer cancel()
	res, err := commandsScript.Run(ctx, r.c, []string{keyCommands, keyGroups}, keyLeasePrefix).Slice()
	var cmds []Command
	if err == nil {
		cmds, err = scriptCommands(res)
	}
	if err != nil {
		return nil, fmt.Errorf("list commands: %w", err)
	}
	return cmds, nil
}

// groupScript returns the unfinished commands of one group.
//
// KEYS: the group's list, commands. ARGV: group, keyLeasePrefix.
var groupScript = redis.NewScript(`
local out = {}
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  out[#out + 1] = id
  out[#out + 1] = ARGV[1]
  out[#out + 1] = redis.call('HGET', KEYS[2], id) or ''
  out[#out + 1] = redis.call('GET', ARGV[2] .. id) or ''
end
return out
`)

// Group is Bolt.Group, read in one Lua script.
func (r *Redis) Group(group string) ([]Command, error) {
	if group == "" {
		return nil, nil
	}
	ctx, cancel := callContext()
	defer cancel()
	res, err := groupScript.Run(ctx, r.c, []string{keyGroupPrefix + group, keyCommands}, group, keyLeasePrefix).Slice()
	var cmds []Command
	if err == nil {
		cmds, err = scriptCommands(res)
	}
	if err != nil {
		return nil, fmt.Errorf("list the commands of %s: %w", group, err)
	}
	return cmds, nil
}

// scriptCommands reads the commands a script returned, in id order.
func scriptCommands(res []any) ([]Command, error) {
	if len(res)%4 != 0 {
		return nil, fmt.Errorf("the script answered %d values, not commands of 4", len(res))
	}
	out := make([]Command, 0, len(res)/4)
	for i := 0; i < len(res); i += 4 {
		var s [4]string
		for j := range s {
			s[j], _ = res[i+j].(string)
		}
		c := Command{ID: s[0], Group: s[1], Record: []byte(s[2])}
		if s[3] != "" {
			var err error
			if c.Token, c.Owner, c.Expires, err = parseLease(s[3]); err != nil {
				return nil, fmt.Errorf("command %s: %w", c.ID, err)
			}
		}
		out = append(out, c)
	}
	// Ids are zero-padded, so their order is the order of acceptance.
	slices.SortFunc(out, func(a, b Command) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// parseLease reads "token|owner|expiry"; the owner may hold a "|".
func parseLease(lease string) (token int64, owner string, expires time.Time, err error) {
	t, rest, ok := strings.Cut(lease, "|")
	i := strings.LastIndex(rest, "|")
	if !ok || i < 0 {
		return 0, "", time.Time{}, fmt.Errorf("lease %q is not token|owner|expiry", lease)
	}
	if token, err = strconv.ParseInt(t, 10, 64); err != nil {
		return 0, "", time.Time{}, fmt.Errorf("lease %q: bad token: %w", lease, err)
	}
	ms, err := strconv.ParseInt(rest[i+1:], 10, 64)
	if err != nil {
		return 0, "", time.Time{}, fmt.Errorf("lease %q: bad expiry: %w", lease, err)
	}
	return token, rest[:i], fromMilli(ms), nil
}
