package provider

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
)

// TestAccRedisCreateInterrupted cancels a create while it waits for the
// replication group, as Ctrl-C does, and expects the wait to stop and the
// parts made so far to be removed.
func TestAccRedisCreateInterrupted(t *testing.T) {
	testAccPreCheck(t)
	proxy, err := emulator.NewProxy(testEmulator.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = proxy.Close() }()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	proxy.OnCall("DescribeReplicationGroups", func() { once.Do(cancel) })

	cfg := accountConfig(t, devAccount)
	cfg.Region = envRegion[devAccount]
	ops := &redisOps{client: elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = aws.String(proxy.URL) })}
	const name = "acc-interrupted"
	spec := redisSpec{
		name: name, engine: "redis", engineVersion: "7.1", family: "redis7", parameterGroup: name + "-redis7",
		nodeType: "cache.t4g.small", replicas: 1, snapshotWindow: "03:00-04:00", maintenanceWindow: "sun:05:00-sun:06:00",
		port: 6379, subnetIDs: []string{"subnet-0a1b2c3d"}, parameters: map[string]string{"timeout": "60"},
		tags: map[string]string{"managed-by": "paved"},
	}
	err = ops.create(ctx, spec, time.Hour)
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
