package redis

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/elasticache"
)

// NameRule is the rule of a paved_redis name, for the name tests.
var NameRule = nameRule

// CreateSteps runs the steps of a create, as Create does, for a small Redis
// 7.1 group with one replica and one parameter set, in the dev account the
// client is in, so that a test can interrupt it where it likes.
func CreateSteps(ctx context.Context, client *elasticache.Client, name string, timeout time.Duration) error {
	s := spec{
		name: name, engine: "redis", engineVersion: "7.1", family: "redis7", parameterGroup: name + "-redis7",
		nodeType: "cache.t4g.small", replicas: 1, snapshotWindow: "03:00-04:00", maintenanceWindow: "sun:05:00-sun:06:00",
		port: 6379, subnetIDs: []string{"subnet-0a1b2c3d"}, parameters: map[string]string{"timeout": "60"},
		tags: map[string]string{"managed-by": "paved"},
	}
	return (&elastiCache{client: client}).create(ctx, s, timeout)
}
