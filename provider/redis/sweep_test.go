package redis_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"

	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/pages"
	"github.com/paved-road/paved/provider/tags"
)

// TestMain runs the package's tests against one emulator, then the sweeper.
func TestMain(m *testing.M) { acctest.Main(m) }

func init() { acctest.AddSweeper("redis", sweep) }

// sweep removes, in the account and region of cfg, every replication
// group, cache parameter group and cache subnet group that carries
// paved's managed-by tag, groups first since they hold the others, and
// names what it removed.
func sweep(ctx context.Context, cfg aws.Config) ([]string, error) {
	client := elasticache.NewFromConfig(cfg)
	groups, err := pages.All(ctx, elasticache.NewDescribeReplicationGroupsPaginator(client, &elasticache.DescribeReplicationGroupsInput{}),
		func(p *elasticache.DescribeReplicationGroupsOutput) []ectypes.ReplicationGroup {
			return p.ReplicationGroups
		})
	if err != nil {
		return nil, err
	}
	parameterGroups, err := pages.All(ctx, elasticache.NewDescribeCacheParameterGroupsPaginator(client, &elasticache.DescribeCacheParameterGroupsInput{}),
		func(p *elasticache.DescribeCacheParameterGroupsOutput) []ectypes.CacheParameterGroup {
			return p.CacheParameterGroups
		})
	if err != nil {
		return nil, err
	}
	subnetGroups, err := pages.All(ctx, elasticache.NewDescribeCacheSubnetGroupsPaginator(client, &elasticache.DescribeCacheSubnetGroupsInput{}),
		func(p *elasticache.DescribeCacheSubnetGroupsOutput) []ectypes.CacheSubnetGroup {
			return p.CacheSubnetGroups
		})
	if err != nil {
		return nil, err
	}
	var found []acctest.Leftover
	leftover := func(what string, arn *string, remove func(context.Context) error) {
		found = append(found, acctest.Leftover{What: what, Paved: func(ctx context.Context) (bool, error) {
			out, err := client.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: arn})
			return err == nil && slices.ContainsFunc(out.TagList, func(t ectypes.Tag) bool { return tags.IsManagedBy(t.Key, t.Value) }), err
		}, Remove: remove})
	}
	for _, g := range groups {
		id := aws.ToString(g.ReplicationGroupId)
		leftover("replication group "+id, g.ARN, func(ctx context.Context) error { return deleteReplicationGroup(ctx, client, id) })
	}
	for _, g := range parameterGroups {
		name := aws.ToString(g.CacheParameterGroupName)
		if strings.HasPrefix(name, "default.") { // ElastiCache's own, which cannot be deleted
			continue
		}
		leftover("cache parameter group "+name, g.ARN, func(ctx context.Context) error {
			_, err := client.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{CacheParameterGroupName: aws.String(name)})
			return err
		})
	}
	for _, g := range subnetGroups {
		name := aws.ToString(g.CacheSubnetGroupName)
		leftover("cache subnet group "+name, g.ARN, func(ctx context.Context) error {
			_, err := client.DeleteCacheSubnetGroup(ctx, &elasticache.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String(name)})
			return err
		})
	}
	return acctest.RemovePaved(ctx, found)
}

// deleteReplicationGroup deletes a group and waits until it is gone, so
// that its parameter and subnet groups can go too.
func deleteReplicationGroup(ctx context.Context, client *elasticache.Client, id string) error {
	if _, err := client.DeleteReplicationGroup(ctx, &elasticache.DeleteReplicationGroupInput{ReplicationGroupId: aws.String(id)}); err != nil {
		return err
	}
	w := elasticache.NewReplicationGroupDeletedWaiter(client, func(o *elasticache.ReplicationGroupDeletedWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Second, 5*time.Second
	})
	return w.Wait(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)}, 10*time.Minute)
}
