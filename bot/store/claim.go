package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Until several replicas can share a store (each would run the commands it
// finds unfinished at start), a running bot claims its Redis store as bbolt's
// file lock claims a data dir. The claim is a key with a short expiry that
// the bot renews, so a killed bot's claim lapses by itself.
const (
	keyOwner   = "paved:owner"
	claimTTL   = 15 * time.Second
	claimRenew = 5 * time.Second
)

// renewScript extends the claim only while this bot holds it.
var renewScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)

// releaseScript deletes the claim only while this bot holds it.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// ErrClaimed reports a store another running bot uses.
var ErrClaimed = errors.New("another paved-bot uses this store")

// Claim makes this process the store's one bot, waiting up to wait for the
// claim of a bot that stopped without releasing it to lapse. It renews the
// claim until release is called, which gives it up.
func (r *Redis) Claim(ctx context.Context, wait time.Duration) (release func(), err error) {
	host, _ := os.Hostname()
	owner := host + ":" + strconv.Itoa(os.Getpid()) + ":" + strconv.FormatInt(time.Now().UnixNano(), 36)
	deadline := time.Now().Add(wait)
	for {
		ok, err := r.c.SetNX(ctx, keyOwner, owner, claimTTL).Result()
		if err != nil {
			return nil, fmt.Errorf("claim the store: %w", err)
		}
		if ok {
			break
		}
		holder, _ := r.c.Get(ctx, keyOwner).Result()
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%w (%s); several replicas on one store are not supported yet", ErrClaimed, holder)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Second):
		}
	}
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(claimRenew)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				ctx, cancel := callContext()
				_ = renewScript.Run(ctx, r.c, []string{keyOwner}, owner, claimTTL.Milliseconds()).Err()
				cancel()
			}
		}
	}()
	return func() {
		close(stop)
		<-done
		ctx, cancel := callContext()
		defer cancel()
		_ = releaseScript.Run(ctx, r.c, []string{keyOwner}, owner).Err()
	}, nil
}
