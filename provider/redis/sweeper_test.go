package redis_test

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"

	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/tags"
)

func init() { acctest.AddSweeper("redis", sweep) }

// part is one thing a paved_redis makes, and how to remove it.
type part struct {
	what   string // such as "replication group acc-life"
	arn    *string
	remove func(context.Context) error
}

// sweep removes, in the account and region of cfg, every replication
// group, cache parameter group and cache subnet group that carries
// paved's managed-by tag, groups first since they hold the others, and
// names what it removed.
func sweep(ctx context.Context, cfg aws.Config) ([]string, error) {
	client := elasticache.NewFromConfig(cfg)
	parts, err := listParts(ctx, client)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, p := range parts {
		out, err := client.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: p.arn})
		if err != nil {
			return removed, fmt.Errorf("tags of %s: %w", p.what, err)
		}
		if !managedByPaved(out.TagList) {
			continue
		}
		if err := p.remove(ctx); err != nil {
			return removed, fmt.Errorf("removing %s: %w", p.what, err)
		}
		removed = append(removed, p.what)
	}
	return removed, nil
}

func listParts(ctx context.Context, client *elasticache.Client) ([]part, error) {
	var parts []part
	groups := elasticache.NewDescribeReplicationGroupsPaginator(client, &elasticache.DescribeReplicationGroupsInput{})
	for groups.HasMorePages() {
		page, err := groups.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.ReplicationGroups {
			id := aws.ToString(g.ReplicationGroupId)
			parts = append(parts, part{"replication group " + id, g.ARN, func(ctx context.Context) error {
				return deleteReplicationGroup(ctx, client, id)
			}})
		}
	}
	parameterGroups := elasticache.NewDescribeCacheParameterGroupsPaginator(client, &elasticache.DescribeCacheParameterGroupsInput{})
	for parameterGroups.HasMorePages() {
		page, err := parameterGroups.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.CacheParameterGroups {
			name := aws.ToString(g.CacheParameterGroupName)
			if strings.HasPrefix(name, "default.") { // ElastiCache's own, which cannot be deleted
				continue
			}
			parts = append(parts, part{"cache parameter group " + name, g.ARN, func(ctx context.Context) error {
				_, err := client.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{CacheParameterGroupName: aws.String(name)})
				return err
			}})
		}
	}
	subnetGroups := elasticache.NewDescribeCacheSubnetGroupsPaginator(client, &elasticache.DescribeCacheSubnetGroupsInput{})
	for subnetGroups.HasMorePages() {
		page, err := subnetGroups.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, g := range page.CacheSubnetGroups {
			name := aws.ToString(g.CacheSubnetGroupName)
			parts = append(parts, part{"cache subnet group " + name, g.ARN, func(ctx context.Context) error {
				_, err := client.DeleteCacheSubnetGroup(ctx, &elasticache.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String(name)})
				return err
			}})
		}
	}
	return parts, nil
}

func managedByPaved(list []ectypes.Tag) bool {
	for _, t := range list {
		if aws.ToString(t.Key) == "managed-by" && aws.ToString(t.Value) == tags.ManagedBy {
			return true
		}
	}
	return false
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
