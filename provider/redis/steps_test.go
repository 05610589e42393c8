package redis_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"

	"github.com/paved-road/paved/internal/emulator"
	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/redis"
)

// TestAccRedisCreateInterrupted cancels a create while it waits for the
// replication group, as Ctrl-C does, and expects the wait to stop and the
// parts made so far to be removed.
func TestAccRedisCreateInterrupted(t *testing.T) {
	acctest.PreCheck(t)
	proxy, err := emulator.NewProxy(acctest.EmulatorURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proxy.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	proxy.OnCall("DescribeReplicationGroups", func() { once.Do(cancel) })

	cfg := acctest.AccountConfig(t, acctest.DevAccount)
	cfg.Region = acctest.Region[acctest.DevAccount]
	client := elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = aws.String(proxy.URL) })
	const name = "acc-interrupted"
	err = redis.CreateSteps(ctx, client, name, time.Hour)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("create after Ctrl-C: %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), `step "wait for the replication group to become available" failed`) ||
		!strings.Contains(err.Error(), "removed again") {
		t.Errorf("error does not name the step and the rollback: %v", err)
	}
	if err := noCachePartsAnywhere(t, name); err != nil {
		t.Fatal(err)
	}
}
