package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/paved-road/paved/internal/redisserver"
)

func TestRedisClaimKeepsOneBotPerStore(t *testing.T) {
	srv := redisserver.Start(t)
	first, second := redisAt(t, srv.URL()), redisAt(t, srv.URL())
	defer func() { _ = first.Close(); _ = second.Close() }()
	ctx := context.Background()
	release, err := first.Claim(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Renewed past its expiry, the claim still keeps the second bot out.
	time.Sleep(claimTTL + claimRenew)
	if _, err := second.Claim(ctx, 0); !errors.Is(err, ErrClaimed) {
		t.Fatalf("a second bot's claim: %v, want ErrClaimed", err)
	}
	release()
	again, err := second.Claim(ctx, 0)
	if err != nil {
		t.Fatalf("a claim after the first bot released it: %v", err)
	}
	again()
}
