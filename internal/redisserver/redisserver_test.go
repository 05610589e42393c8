package redisserver

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestRestartKeepsWhatTheAppendOnlyFileHolds(t *testing.T) {
	s := Start(t)
	opts, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	s.Restart(t)
	if got, err := c.Get(ctx, "k").Result(); err != nil || got != "v" {
		t.Fatalf("after a restart: %q %v", got, err)
	}
}

func TestPasswordServerIsReady(t *testing.T) {
	s := Start(t, "--requirepass", "s3cret")
	opts, err := redis.ParseURL(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	opts.Password = "s3cret"
	c := redis.NewClient(opts)
	defer func() { _ = c.Close() }()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
}

// outcome records whether Start skipped or failed the test it was given.
type outcome struct {
	testing.TB
	skipped, failed bool
}

func (o *outcome) Skip(...any)  { o.skipped = true; runtime.Goexit() }
func (o *outcome) Fatal(...any) { o.failed = true; runtime.Goexit() }

func TestMissingServerSkipsUnlessAcceptance(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	for _, acc := range []string{"", "1"} {
		t.Setenv("TF_ACC", acc)
		o := &outcome{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Start(o)
		}()
		<-done
		if o.skipped != (acc == "") || o.failed != (acc != "") {
			t.Errorf("TF_ACC=%q: skipped %v, failed %v", acc, o.skipped, o.failed)
		}
	}
}
