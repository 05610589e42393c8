package store

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// savePlanScript is Bolt.SavePlan in one step.
//
// KEYS: lease, the group's plans, the group's plan files.
// ARGV: token, name, metadata, file.
var savePlanScript = redis.NewScript(fencePrelude + `
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('HSET', KEYS[3], ARGV[2], ARGV[4])
return 1
`)

// SavePlan is Bolt.SavePlan, in one Lua script.
func (r *Redis) SavePlan(f Fence, group string, p Plan) error {
	err := checkPlan(f, group, p)
	if err == nil {
		ctx, cancel := callContext()
		defer cancel()
		_, err = r.runFenced(ctx, savePlanScript, f, []string{keyPlansPrefix + group, keyPlanFilesPrefix + group}, p.Name, p.Meta, p.File)
	}
	if err != nil {
		return fmt.Errorf("save plan %s of %s: %w", p.Name, group, err)
	}
	return nil
}

// Plans is Bolt.Plans.
func (r *Redis) Plans(group string) ([]Plan, error) {
	ctx, cancel := callContext()
	defer cancel()
	all, err := r.c.HGetAll(ctx, keyPlansPrefix+group).Result()
	if err != nil {
		return nil, fmt.Errorf("list the plans of %s: %w", group, err)
	}
	var out []Plan
	for name, meta := range all {
		out = append(out, Plan{Name: name, Meta: []byte(meta)})
	}
	slices.SortFunc(out, func(a, b Plan) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// PlanFile is Bolt.PlanFile.
func (r *Redis) PlanFile(group, name string) ([]byte, error) {
	ctx, cancel := callContext()
	defer cancel()
	file, err := r.c.HGet(ctx, keyPlanFilesPrefix+group, name).Bytes()
	if errors.Is(err, redis.Nil) {
		err = errNoPlan
	}
	if err != nil {
		return nil, fmt.Errorf("read plan file %s of %s: %w", name, group, err)
	}
	return file, nil
}

// dropPlansScript is Bolt.DropPlans in one step.
//
// KEYS: lease, the group's plans, the group's plan files.
// ARGV: token, "1" to drop all, else the names.
var dropPlansScript = redis.NewScript(fencePrelude + `
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[2], KEYS[3])
  return 1
end
for i = 3, #ARGV do
  redis.call('HDEL', KEYS[2], ARGV[i])
  redis.call('HDEL', KEYS[3], ARGV[i])
end
return 1
`)

// DropPlans is Bolt.DropPlans, in one Lua script.
func (r *Redis) DropPlans(f Fence, group string, names []string) error {
	ctx, cancel := callContext()
	defer cancel()
	args := []any{"0"}
	if names == nil {
		args[0] = "1"
	}
	for _, n := range names {
		args = append(args, n)
	}
	if _, err := r.runFenced(ctx, dropPlansScript, f, []string{keyPlansPrefix + group, keyPlanFilesPrefix + group}, args...); err != nil {
		return fmt.Errorf("drop the plans of %s: %w", group, err)
	}
	return nil
}

// appendLogScript is Bolt.AppendLog in one step: past the bound, the log
// keeps its end, cut at a UTF-8 character's start, behind the note.
//
// KEYS: logs, log ages. ARGV: job id, now, chunk, MaxLogs, MaxLogBytes, the note.
var appendLogScript = redis.NewScript(`
local text = (redis.call('HGET', KEYS[1], ARGV[1]) or '') .. ARGV[3]
local limit = tonumber(ARGV[5])
if #text > limit then
  local from = #text - (limit - #ARGV[6]) + 1
  while from <= #text do
    local b = string.byte(text, from)
    if b < 128 or b >= 192 then break end
    from = from + 1
  end
  text = ARGV[6] .. string.sub(text, from)
end
redis.call('HSET', KEYS[1], ARGV[1], text)
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  for _, id in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess - 1)) do
    redis.call('HDEL', KEYS[1], id)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)
end
return 1
`)

// AppendLog is Bolt.AppendLog, in one Lua script.
func (r *Redis) AppendLog(id string, chunk []byte, now time.Time) error {
	ctx, cancel := callContext()
	defer cancel()
	err := appendLogScript.Run(ctx, r.c, []string{keyLogs, keyLogAges}, id, now.UnixMilli(), chunk, MaxLogs, MaxLogBytes, truncatedNote).Err()
	if err != nil {
		return fmt.Errorf("append to the log of %s: %w", id, err)
	}
	return nil
}

// Log is Bolt.Log.
func (r *Redis) Log(id string) ([]byte, bool, error) {
	ctx, cancel := callContext()
	defer cancel()
	text, err := r.c.HGet(ctx, keyLogs, id).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read the log of %s: %w", id, err)
	}
	return text, true, nil
}
