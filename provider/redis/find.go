package redis

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/pages"
)

// cache is what ElastiCache holds of a paved_redis.
type cache struct {
	group ectypes.ReplicationGroup
	// node is the group's first member, which reports what the group does
	// not: engine version, parameter group, maintenance window, security
	// groups and subnet group.
	node         ectypes.CacheCluster
	parameters   map[string]string // set in the node's parameter group (Source=user)
	subnetGroups []ectypes.CacheSubnetGroup
	tags         map[string]string // the group's
}

// find reads a paved_redis in five calls, enough to see drift in all three
// parts: the group, its first node, the parameters set in its parameter
// group, its subnet group, and the tags. A parameter or subnet group gone
// behind Terraform's back is drift, not a missing resource: it shows as
// no parameters or no subnets.
func (ec *elastiCache) find(ctx context.Context, name string) (*cache, error) {
	rg, err := ec.findReplicationGroup(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(rg.MemberClusters) == 0 {
		return nil, fmt.Errorf("replication group %s has no member clusters", name)
	}
	node, err := ec.findNode(ctx, rg.MemberClusters[0])
	if err != nil {
		return nil, err
	}
	c := &cache{group: rg, node: node}
	if c.parameters, err = ec.userParameters(ctx, parameterGroupOf(node)); err != nil {
		return nil, err
	}
	subnetGroup := aws.ToString(node.CacheSubnetGroupName)
	c.subnetGroups, err = ec.findSubnetGroups(ctx, subnetGroup)
	if err != nil && !awserr.IsNotFound(err) {
		return nil, err
	}
	if c.tags, err = ec.findTags(ctx, rg.ARN); err != nil {
		return nil, err
	}
	return c, nil
}

// findReplicationGroup counts a group being deleted as gone already.
func (ec *elastiCache) findReplicationGroup(ctx context.Context, name string) (ectypes.ReplicationGroup, error) {
	out, err := ec.client.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)})
	if awserr.Is(err, "ReplicationGroupNotFoundFault") {
		return ectypes.ReplicationGroup{}, awserr.NotFound(err, "replication group %s", name)
	}
	if err != nil {
		return ectypes.ReplicationGroup{}, fmt.Errorf("DescribeReplicationGroups %s: %w", name, err)
	}
	if len(out.ReplicationGroups) != 1 || aws.ToString(out.ReplicationGroups[0].Status) == "deleting" {
		return ectypes.ReplicationGroup{}, awserr.NotFound(nil, "replication group %s", name)
	}
	return out.ReplicationGroups[0], nil
}

// findNode reads a member of a group that exists, so that its absence is an
// error, not a missing resource.
func (ec *elastiCache) findNode(ctx context.Context, id string) (ectypes.CacheCluster, error) {
	out, err := ec.client.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(id)})
	if err != nil {
		return ectypes.CacheCluster{}, fmt.Errorf("DescribeCacheClusters %s: %w", id, err)
	}
	if len(out.CacheClusters) != 1 {
		return ectypes.CacheCluster{}, fmt.Errorf("DescribeCacheClusters %s: no cluster", id)
	}
	return out.CacheClusters[0], nil
}

func parameterGroupOf(node ectypes.CacheCluster) string {
	if node.CacheParameterGroup == nil {
		return ""
	}
	return aws.ToString(node.CacheParameterGroup.CacheParameterGroupName)
}

// userParameters are the parameters set in a group (Source=user): the ones
// paved wrote, and any set outside Terraform. A group that is gone, or
// none, has none.
func (ec *elastiCache) userParameters(ctx context.Context, group string) (map[string]string, error) {
	params, err := ec.findParameters(ctx, group)
	if awserr.IsNotFound(err) {
		return map[string]string{}, nil
	}
	return params, err
}

func (ec *elastiCache) findParameters(ctx context.Context, group string) (map[string]string, error) {
	params := map[string]string{}
	if group == "" {
		return params, nil
	}
	list, err := pages.All(ctx, elasticache.NewDescribeCacheParametersPaginator(ec.client, &elasticache.DescribeCacheParametersInput{
		CacheParameterGroupName: aws.String(group), Source: aws.String("user"),
	}), func(p *elasticache.DescribeCacheParametersOutput) []ectypes.Parameter { return p.Parameters })
	if awserr.Is(err, "CacheParameterGroupNotFound") {
		return nil, awserr.NotFound(err, "cache parameter group %s", group)
	}
	if err != nil {
		return nil, fmt.Errorf("DescribeCacheParameters %s: %w", group, err)
	}
	for _, p := range list {
		params[aws.ToString(p.ParameterName)] = aws.ToString(p.ParameterValue)
	}
	return params, nil
}

func (ec *elastiCache) findSubnetGroups(ctx context.Context, name string) ([]ectypes.CacheSubnetGroup, error) {
	out, err := ec.client.DescribeCacheSubnetGroups(ctx, &elasticache.DescribeCacheSubnetGroupsInput{CacheSubnetGroupName: aws.String(name)})
	if awserr.Is(err, "CacheSubnetGroupNotFoundFault") {
		return nil, awserr.NotFound(err, "cache subnet group %s", name)
	}
	if err != nil {
		return nil, fmt.Errorf("DescribeCacheSubnetGroups %s: %w", name, err)
	}
	return out.CacheSubnetGroups, nil
}

func (ec *elastiCache) findTags(ctx context.Context, resourceARN *string) (map[string]string, error) {
	out, err := ec.client.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: resourceARN})
	if err != nil {
		return nil, fmt.Errorf("ListTagsForResource %s: %w", aws.ToString(resourceARN), err)
	}
	all := map[string]string{}
	for _, t := range out.TagList {
		all[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return all, nil
}
