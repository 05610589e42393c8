package redis

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"

	"github.com/paved-road/paved/provider/timeouts"
)

func (ec *elastiCache) waitAvailable(ctx context.Context, name string, timeout time.Duration) error {
	w := elasticache.NewReplicationGroupAvailableWaiter(ec.client, func(w *elasticache.ReplicationGroupAvailableWaiterOptions) {
		w.MinDelay, w.MaxDelay = timeouts.PollMin, timeouts.PollMax
	})
	return w.Wait(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)}, timeout)
}

// waitApplied waits for the group to be available again after a change,
// unless the call that asked for the change failed with err.
func (ec *elastiCache) waitApplied(ctx context.Context, err error, name string, timeout time.Duration) error {
	if err != nil {
		return err
	}
	return ec.waitAvailable(ctx, name, timeout)
}

func (ec *elastiCache) waitDeleted(ctx context.Context, name string, timeout time.Duration) error {
	w := elasticache.NewReplicationGroupDeletedWaiter(ec.client, func(w *elasticache.ReplicationGroupDeletedWaiterOptions) {
		w.MinDelay, w.MaxDelay = timeouts.PollMin, timeouts.PollMax
	})
	if err := w.Wait(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)}, timeout); err != nil {
		return fmt.Errorf("waiting for replication group %s to be deleted: %w", name, err)
	}
	return nil
}
