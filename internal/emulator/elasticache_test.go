package emulator_test

// The ElastiCache calls motoext adds to moto, through the AWS SDK as the
// provider makes them.

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/aws/aws-sdk-go-v2/service/elasticache/types"
)

const (
	devAccount  = "222222222222"
	prodAccount = "333333333333"
)

func elastiCache(cfg aws.Config) *elasticache.Client {
	return elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = aws.String(server.URL) })
}

func createParameterGroup(t *testing.T, ec *elasticache.Client, name, family string) *types.CacheParameterGroup {
	t.Helper()
	out, err := ec.CreateCacheParameterGroup(context.Background(), &elasticache.CreateCacheParameterGroupInput{
		CacheParameterGroupName:   aws.String(name),
		CacheParameterGroupFamily: aws.String(family),
		Description:               aws.String("paved test " + name),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.CacheParameterGroup
}

// parameters reads a group's parameters, filtered by source unless it is
// empty, in pages of 20 so every read also walks the markers.
func parameters(t *testing.T, ec *elasticache.Client, group, source string) map[string]types.Parameter {
	t.Helper()
	in := &elasticache.DescribeCacheParametersInput{CacheParameterGroupName: aws.String(group), MaxRecords: aws.Int32(20)}
	if source != "" {
		in.Source = aws.String(source)
	}
	out := map[string]types.Parameter{}
	for p := elasticache.NewDescribeCacheParametersPaginator(ec, in); p.HasMorePages(); {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, param := range page.Parameters {
			name := aws.ToString(param.ParameterName)
			if _, dup := out[name]; dup {
				t.Fatalf("parameter %s listed twice", name)
			}
			out[name] = param
		}
	}
	return out
}

func modify(ec *elasticache.Client, group string, nameValues ...string) error {
	in := &elasticache.ModifyCacheParameterGroupInput{CacheParameterGroupName: aws.String(group)}
	for i := 0; i+1 < len(nameValues); i += 2 {
		in.ParameterNameValues = append(in.ParameterNameValues, types.ParameterNameValue{
			ParameterName: aws.String(nameValues[i]), ParameterValue: aws.String(nameValues[i+1]),
		})
	}
	_, err := ec.ModifyCacheParameterGroup(context.Background(), in)
	return err
}

func TestParameterGroupLifecycle(t *testing.T) {
	ctx := context.Background()
	ec := elastiCache(accountConfig(devAccount))

	group := createParameterGroup(t, ec, "Lifecycle", "redis7")
	// AWS keeps parameter group names in lower case.
	if got, want := aws.ToString(group.ARN), "arn:aws:elasticache:eu-west-1:222222222222:parametergroup:lifecycle"; got != want {
		t.Errorf("ARN %s, want %s", got, want)
	}
	if aws.ToString(group.CacheParameterGroupName) != "lifecycle" || aws.ToString(group.CacheParameterGroupFamily) != "redis7" ||
		aws.ToString(group.Description) != "paved test Lifecycle" || aws.ToBool(group.IsGlobal) {
		t.Errorf("created %+v", group)
	}
	_, err := ec.CreateCacheParameterGroup(ctx, &elasticache.CreateCacheParameterGroupInput{
		CacheParameterGroupName: aws.String("lifecycle"), CacheParameterGroupFamily: aws.String("redis7"), Description: aws.String("again"),
	})
	wantCode(t, err, "CacheParameterGroupAlreadyExists")

	described, err := ec.DescribeCacheParameterGroups(ctx, &elasticache.DescribeCacheParameterGroupsInput{CacheParameterGroupName: aws.String("lifecycle")})
	if err != nil {
		t.Fatal(err)
	}
	if len(described.CacheParameterGroups) != 1 || aws.ToString(described.CacheParameterGroups[0].ARN) != aws.ToString(group.ARN) {
		t.Errorf("described %+v", described.CacheParameterGroups)
	}

	policy := parameters(t, ec, "lifecycle", "")["maxmemory-policy"]
	if aws.ToString(policy.ParameterValue) != "volatile-lru" || aws.ToString(policy.Source) != "system" ||
		aws.ToString(policy.DataType) != "string" || !aws.ToBool(policy.IsModifiable) ||
		!slices.Contains(strings.Split(aws.ToString(policy.AllowedValues), ","), "allkeys-lru") {
		t.Errorf("maxmemory-policy of a new group: %+v", policy)
	}

	out, err := ec.ModifyCacheParameterGroup(ctx, &elasticache.ModifyCacheParameterGroupInput{
		CacheParameterGroupName: aws.String("lifecycle"),
		ParameterNameValues: []types.ParameterNameValue{
			{ParameterName: aws.String("maxmemory-policy"), ParameterValue: aws.String("allkeys-lru")},
			{ParameterName: aws.String("timeout"), ParameterValue: aws.String("300")},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.CacheParameterGroupName) != "lifecycle" {
		t.Errorf("ModifyCacheParameterGroup answered %q", aws.ToString(out.CacheParameterGroupName))
	}
	user := parameters(t, ec, "lifecycle", "user")
	if got := slices.Sorted(maps.Keys(user)); !slices.Equal(got, []string{"maxmemory-policy", "timeout"}) {
		t.Errorf("user parameters %v after modifying two", got)
	}
	if v := aws.ToString(user["maxmemory-policy"].ParameterValue); v != "allkeys-lru" {
		t.Errorf("maxmemory-policy = %s after modifying it", v)
	}

	if _, err := ec.ResetCacheParameterGroup(ctx, &elasticache.ResetCacheParameterGroupInput{
		CacheParameterGroupName: aws.String("lifecycle"),
		ParameterNameValues:     []types.ParameterNameValue{{ParameterName: aws.String("timeout")}},
	}); err != nil {
		t.Fatal(err)
	}
	timeout := parameters(t, ec, "lifecycle", "")["timeout"]
	if aws.ToString(timeout.ParameterValue) != "0" || aws.ToString(timeout.Source) != "system" {
		t.Errorf("timeout after resetting it: %+v", timeout)
	}
	if _, err := ec.ResetCacheParameterGroup(ctx, &elasticache.ResetCacheParameterGroupInput{
		CacheParameterGroupName: aws.String("lifecycle"), ResetAllParameters: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	if user := parameters(t, ec, "lifecycle", "user"); len(user) != 0 {
		t.Errorf("user parameters %v after resetting all", slices.Sorted(maps.Keys(user)))
	}

	if _, err := ec.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{CacheParameterGroupName: aws.String("lifecycle")}); err != nil {
		t.Fatal(err)
	}
	_, err = ec.DescribeCacheParameterGroups(ctx, &elasticache.DescribeCacheParameterGroupsInput{CacheParameterGroupName: aws.String("lifecycle")})
	wantCode(t, err, "CacheParameterGroupNotFound")
	_, err = ec.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{CacheParameterGroupName: aws.String("lifecycle")})
	wantCode(t, err, "CacheParameterGroupNotFound")
}

func TestParameterGroupFamilies(t *testing.T) {
	ec := elastiCache(accountConfig(devAccount))
	required := []string{
		"maxmemory-policy", "maxmemory-samples", "timeout", "tcp-keepalive", "notify-keyspace-events",
		"activedefrag", "lazyfree-lazy-eviction", "cluster-enabled", "reserved-memory-percent",
		"appendonly", "close-on-replica-write",
	}
	for _, family := range []string{"redis6.x", "redis7", "valkey7", "valkey8"} {
		name := "family-" + strings.ReplaceAll(family, ".", "-")
		createParameterGroup(t, ec, name, family)
		params := parameters(t, ec, name, "")
		for _, want := range required {
			if _, ok := params[want]; !ok {
				t.Errorf("%s has no parameter %s", family, want)
			}
		}
		// Every account has the family's default group.
		if _, err := ec.DescribeCacheParameterGroups(context.Background(), &elasticache.DescribeCacheParameterGroupsInput{
			CacheParameterGroupName: aws.String("default." + family),
		}); err != nil {
			t.Errorf("default group of %s: %v", family, err)
		}
	}
	// Redis 7 renamed the ziplist parameters to listpack.
	if err := modify(ec, "family-redis6-x", "hash-max-ziplist-entries", "256"); err != nil {
		t.Error(err)
	}
	wantCode(t, modify(ec, "family-redis6-x", "hash-max-listpack-entries", "256"), "InvalidParameterValue")
	if err := modify(ec, "family-valkey8", "hash-max-listpack-entries", "256"); err != nil {
		t.Error(err)
	}
}

func TestParameterGroupErrors(t *testing.T) {
	ctx := context.Background()
	ec := elastiCache(accountConfig(devAccount))
	createParameterGroup(t, ec, "errors", "redis7")

	_, err := ec.CreateCacheParameterGroup(ctx, &elasticache.CreateCacheParameterGroupInput{
		CacheParameterGroupName: aws.String("no-family"), CacheParameterGroupFamily: aws.String("redis99"), Description: aws.String("x"),
	})
	wantCode(t, err, "InvalidParameterValue")

	err = modify(ec, "errors", "no-such-parameter", "1")
	wantCode(t, err, "InvalidParameterValue")
	if !strings.Contains(err.Error(), "no-such-parameter") {
		t.Errorf("error %q does not name the parameter", err)
	}
	wantCode(t, modify(ec, "errors", "maxclients", "100"), "InvalidParameterValue")             // not modifiable
	wantCode(t, modify(ec, "errors", "maxmemory-policy", "sometimes"), "InvalidParameterValue") // not an allowed value
	wantCode(t, modify(ec, "errors", "timeout", "5"), "InvalidParameterValue")                  // allowed: 0,20-
	wantCode(t, modify(ec, "errors", "timeout", "soon"), "InvalidParameterValue")
	var many []string
	for range 21 {
		many = append(many, "timeout", "30")
	}
	wantCode(t, modify(ec, "errors", many...), "InvalidParameterCombination")
	if user := parameters(t, ec, "errors", "user"); len(user) != 0 {
		t.Errorf("refused modifications changed %v", slices.Sorted(maps.Keys(user)))
	}

	_, err = ec.ResetCacheParameterGroup(ctx, &elasticache.ResetCacheParameterGroupInput{
		CacheParameterGroupName: aws.String("errors"), ResetAllParameters: aws.Bool(true),
		ParameterNameValues: []types.ParameterNameValue{{ParameterName: aws.String("timeout")}},
	})
	wantCode(t, err, "InvalidParameterCombination")

	_, err = ec.DescribeCacheParameters(ctx, &elasticache.DescribeCacheParametersInput{CacheParameterGroupName: aws.String("missing")})
	wantCode(t, err, "CacheParameterGroupNotFound")
	wantCode(t, modify(ec, "missing", "timeout", "30"), "CacheParameterGroupNotFound")

	// Default groups are read-only.
	wantCode(t, modify(ec, "default.redis7", "timeout", "30"), "InvalidParameterValue")
	_, err = ec.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{CacheParameterGroupName: aws.String("default.redis7")})
	wantCode(t, err, "InvalidCacheParameterGroupState")
}

func TestDescribeCacheParametersPages(t *testing.T) {
	ctx := context.Background()
	ec := elastiCache(accountConfig(devAccount))
	createParameterGroup(t, ec, "pages", "valkey7")

	all, err := ec.DescribeCacheParameters(ctx, &elasticache.DescribeCacheParametersInput{CacheParameterGroupName: aws.String("pages")})
	if err != nil {
		t.Fatal(err)
	}
	first, err := ec.DescribeCacheParameters(ctx, &elasticache.DescribeCacheParametersInput{
		CacheParameterGroupName: aws.String("pages"), MaxRecords: aws.Int32(20),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Parameters) <= 20 || all.Marker != nil || len(first.Parameters) != 20 || first.Marker == nil {
		t.Fatalf("%d parameters (marker %v) in one page, %d (marker %v) in a page of 20",
			len(all.Parameters), all.Marker, len(first.Parameters), first.Marker)
	}
	if got := len(parameters(t, ec, "pages", "")); got != len(all.Parameters) {
		t.Errorf("%d parameters in pages of 20, %d in one page", got, len(all.Parameters))
	}
	_, err = ec.DescribeCacheParameters(ctx, &elasticache.DescribeCacheParametersInput{
		CacheParameterGroupName: aws.String("pages"), MaxRecords: aws.Int32(10),
	})
	wantCode(t, err, "InvalidParameterValue") // MaxRecords is 20 to 100
}

func TestParameterGroupsArePerAccount(t *testing.T) {
	ctx := context.Background()
	dev, prod := elastiCache(accountConfig(devAccount)), elastiCache(accountConfig(prodAccount))

	group := createParameterGroup(t, prod, "per-account", "valkey8")
	if !strings.Contains(aws.ToString(group.ARN), ":"+prodAccount+":") {
		t.Errorf("ARN %s not in account %s", aws.ToString(group.ARN), prodAccount)
	}
	_, err := dev.DescribeCacheParameterGroups(ctx, &elasticache.DescribeCacheParameterGroupsInput{CacheParameterGroupName: aws.String("per-account")})
	wantCode(t, err, "CacheParameterGroupNotFound")
	list, err := dev.DescribeCacheParameterGroups(ctx, &elasticache.DescribeCacheParameterGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range list.CacheParameterGroups {
		if aws.ToString(g.CacheParameterGroupName) == "per-account" {
			t.Errorf("account %s lists %s", devAccount, aws.ToString(g.ARN))
		}
	}
	// The same name in another account is another group.
	createParameterGroup(t, dev, "per-account", "redis6.x")
	out, err := prod.DescribeCacheParameterGroups(ctx, &elasticache.DescribeCacheParameterGroupsInput{CacheParameterGroupName: aws.String("per-account")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.CacheParameterGroups[0].CacheParameterGroupFamily); got != "valkey8" {
		t.Errorf("family in %s is %s after creating the name in %s", prodAccount, got, devAccount)
	}
}

func TestParameterGroupTags(t *testing.T) {
	ctx := context.Background()
	ec := elastiCache(accountConfig(devAccount))
	out, err := ec.CreateCacheParameterGroup(ctx, &elasticache.CreateCacheParameterGroupInput{
		CacheParameterGroupName: aws.String("tagged"), CacheParameterGroupFamily: aws.String("redis7"), Description: aws.String("x"),
		Tags: []types.Tag{{Key: aws.String("team"), Value: aws.String("payments")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := out.CacheParameterGroup.ARN
	tags := func() map[string]string {
		t.Helper()
		out, err := ec.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: arn})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, tag := range out.TagList {
			m[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
		return m
	}
	if got := tags(); !maps.Equal(got, map[string]string{"team": "payments"}) {
		t.Errorf("tags at creation: %v", got)
	}
	if _, err := ec.AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{
		ResourceName: arn, Tags: []types.Tag{{Key: aws.String("env"), Value: aws.String("dev")}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := ec.RemoveTagsFromResource(ctx, &elasticache.RemoveTagsFromResourceInput{ResourceName: arn, TagKeys: []string{"team"}}); err != nil {
		t.Fatal(err)
	}
	if got := tags(); !maps.Equal(got, map[string]string{"env": "dev"}) {
		t.Errorf("tags after adding env and removing team: %v", got)
	}
	// Tags go with the group.
	if _, err := ec.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{CacheParameterGroupName: aws.String("tagged")}); err != nil {
		t.Fatal(err)
	}
	createParameterGroup(t, ec, "tagged", "redis7")
	if got := tags(); len(got) != 0 {
		t.Errorf("a new group of a deleted one's name has tags %v", got)
	}
}

// network creates a VPC with two subnets in account, and a cache subnet group
// of the first.
func network(t *testing.T, cfg aws.Config, subnetGroup string) (vpcID string, subnetIDs []string) {
	t.Helper()
	ctx := context.Background()
	client := ec2.NewFromConfig(cfg, func(o *ec2.Options) { o.BaseEndpoint = aws.String(server.URL) })
	vpc, err := client.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	vpcID = aws.ToString(vpc.Vpc.VpcId)
	for i, az := range []string{"eu-west-1a", "eu-west-1b"} {
		subnet, err := client.CreateSubnet(ctx, &ec2.CreateSubnetInput{
			VpcId: aws.String(vpcID), AvailabilityZone: aws.String(az), CidrBlock: aws.String([]string{"10.20.1.0/24", "10.20.2.0/24"}[i]),
		})
		if err != nil {
			t.Fatal(err)
		}
		subnetIDs = append(subnetIDs, aws.ToString(subnet.Subnet.SubnetId))
	}
	if _, err := elastiCache(cfg).CreateCacheSubnetGroup(ctx, &elasticache.CreateCacheSubnetGroupInput{
		CacheSubnetGroupName: aws.String(subnetGroup), CacheSubnetGroupDescription: aws.String("one subnet"), SubnetIds: subnetIDs[:1],
	}); err != nil {
		t.Fatal(err)
	}
	return vpcID, subnetIDs
}

func createReplicationGroup(ec *elasticache.Client, id, version, parameterGroup, subnetGroup string) error {
	_, err := ec.CreateReplicationGroup(context.Background(), &elasticache.CreateReplicationGroupInput{
		ReplicationGroupId:          aws.String(id),
		ReplicationGroupDescription: aws.String("paved test"),
		Engine:                      aws.String("redis"),
		EngineVersion:               aws.String(version),
		CacheNodeType:               aws.String("cache.t4g.small"),
		CacheParameterGroupName:     aws.String(parameterGroup),
		CacheSubnetGroupName:        aws.String(subnetGroup),
	})
	return err
}

// deleteReplicationGroup deletes a replication group and polls, as a client
// does, until the emulator no longer knows it.
func deleteReplicationGroup(t *testing.T, ec *elasticache.Client, id string) {
	t.Helper()
	ctx := context.Background()
	out, err := ec.DeleteReplicationGroup(ctx, &elasticache.DeleteReplicationGroupInput{ReplicationGroupId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.ReplicationGroup.Status); got != "deleting" {
		t.Errorf("status %s on deleting %s", got, id)
	}
	for range 10 {
		out, err := ec.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(id)})
		var notFound *types.ReplicationGroupNotFoundFault
		if errors.As(err, &notFound) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.ReplicationGroups[0].Status); got != "deleting" {
			t.Fatalf("status %s while %s is deleted", got, id)
		}
	}
	t.Fatalf("replication group %s still described after 10 polls", id)
}

func TestCacheSubnetGroups(t *testing.T) {
	ctx := context.Background()
	cfg := accountConfig(prodAccount)
	ec := elastiCache(cfg)
	vpcID, subnetIDs := network(t, cfg, "subnets")

	out, err := ec.ModifyCacheSubnetGroup(ctx, &elasticache.ModifyCacheSubnetGroupInput{
		CacheSubnetGroupName: aws.String("subnets"), CacheSubnetGroupDescription: aws.String("two subnets"), SubnetIds: subnetIDs,
	})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.CacheSubnetGroup; aws.ToString(g.CacheSubnetGroupDescription) != "two subnets" || len(g.Subnets) != 2 || aws.ToString(g.VpcId) != vpcID {
		t.Errorf("modified subnet group: %+v", g)
	}
	_, err = ec.ModifyCacheSubnetGroup(ctx, &elasticache.ModifyCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("missing"), SubnetIds: subnetIDs})
	wantCode(t, err, "CacheSubnetGroupNotFoundFault")

	createParameterGroup(t, ec, "subnets-test", "redis7")
	if err := createReplicationGroup(ec, "subnets-test", "7.1", "subnets-test", "subnets"); err != nil {
		t.Fatal(err)
	}
	_, err = ec.DeleteCacheSubnetGroup(ctx, &elasticache.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("subnets")})
	wantCode(t, err, "CacheSubnetGroupInUse")

	deleteReplicationGroup(t, ec, "subnets-test")
	if _, err := ec.DeleteCacheSubnetGroup(ctx, &elasticache.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("subnets")}); err != nil {
		t.Fatal(err)
	}
	_, err = ec.DescribeCacheSubnetGroups(ctx, &elasticache.DescribeCacheSubnetGroupsInput{CacheSubnetGroupName: aws.String("subnets")})
	wantCode(t, err, "CacheSubnetGroupNotFoundFault")
	_, err = ec.DeleteCacheSubnetGroup(ctx, &elasticache.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("subnets")})
	wantCode(t, err, "CacheSubnetGroupNotFoundFault")

}

func TestReplicationGroupParameterGroup(t *testing.T) {
	ctx := context.Background()
	cfg := accountConfig(prodAccount)
	ec := elastiCache(cfg)
	network(t, cfg, "rg-subnets")
	createParameterGroup(t, ec, "rg-redis6", "redis6.x")
	createParameterGroup(t, ec, "rg-redis7-a", "redis7")
	createParameterGroup(t, ec, "rg-redis7-b", "redis7")

	wantCode(t, createReplicationGroup(ec, "rg", "7.1", "missing", "rg-subnets"), "CacheParameterGroupNotFound")
	wantCode(t, createReplicationGroup(ec, "rg", "7.1", "rg-redis7-a", "missing"), "CacheSubnetGroupNotFoundFault")
	wantCode(t, createReplicationGroup(ec, "rg", "7.1", "rg-redis6", "rg-subnets"), "InvalidParameterCombination")
	if err := createReplicationGroup(ec, "rg", "6.2", "rg-redis6", "rg-subnets"); err != nil {
		t.Fatal(err)
	}

	deleteGroup := func(name string) error {
		_, err := ec.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{CacheParameterGroupName: aws.String(name)})
		return err
	}
	modifyGroup := func(version, parameterGroup string) error {
		in := &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String("rg"), ApplyImmediately: aws.Bool(true)}
		if version != "" {
			in.EngineVersion = aws.String(version)
		}
		if parameterGroup != "" {
			in.CacheParameterGroupName = aws.String(parameterGroup)
		}
		_, err := ec.ModifyReplicationGroup(ctx, in)
		return err
	}
	wantCode(t, deleteGroup("rg-redis6"), "InvalidCacheParameterGroupState")
	wantCode(t, modifyGroup("", "missing"), "CacheParameterGroupNotFound")
	// A major upgrade needs a parameter group of the new family.
	wantCode(t, modifyGroup("7.1", ""), "InvalidParameterCombination")
	if err := modifyGroup("7.1", "rg-redis7-a"); err != nil {
		t.Fatal(err)
	}
	if err := deleteGroup("rg-redis6"); err != nil {
		t.Errorf("deleting the group the replication group left: %v", err)
	}
	if err := modifyGroup("", "rg-redis7-b"); err != nil {
		t.Fatal(err)
	}
	if err := deleteGroup("rg-redis7-a"); err != nil {
		t.Errorf("deleting the group the replication group left: %v", err)
	}
	wantCode(t, deleteGroup("rg-redis7-b"), "InvalidCacheParameterGroupState")

	deleteReplicationGroup(t, ec, "rg")
	if err := deleteGroup("rg-redis7-b"); err != nil {
		t.Errorf("deleting the group of a deleted replication group: %v", err)
	}
}

// member describes a node of a replication group with DescribeCacheClusters,
// where AWS reports its parameter group, security groups and windows.
func member(t *testing.T, ec *elasticache.Client, id string) types.CacheCluster {
	t.Helper()
	out, err := ec.DescribeCacheClusters(context.Background(), &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	return out.CacheClusters[0]
}

func TestReplicationGroupMembers(t *testing.T) {
	ctx := context.Background()
	cfg := accountConfig(prodAccount)
	ec := elastiCache(cfg)
	network(t, cfg, "members-subnets")
	createParameterGroup(t, ec, "members", "valkey8")
	out, err := ec.CreateReplicationGroup(ctx, &elasticache.CreateReplicationGroupInput{
		ReplicationGroupId:          aws.String("members"),
		ReplicationGroupDescription: aws.String("paved test"),
		Engine:                      aws.String("valkey"),
		EngineVersion:               aws.String("8.0"),
		CacheNodeType:               aws.String("cache.t4g.small"),
		NumCacheClusters:            aws.Int32(2),
		CacheParameterGroupName:     aws.String("members"),
		CacheSubnetGroupName:        aws.String("members-subnets"),
		SecurityGroupIds:            []string{"sg-0a1b2c3d"},
		PreferredMaintenanceWindow:  aws.String("sun:05:00-sun:06:00"),
	})
	if err != nil {
		t.Fatal(err)
	}
	rg := out.ReplicationGroup
	if !slices.Equal(rg.MemberClusters, []string{"members-001", "members-002"}) {
		t.Errorf("NumCacheClusters 2 made members %v", rg.MemberClusters)
	}
	if ng := rg.NodeGroups[0]; ng.PrimaryEndpoint == nil || ng.ReaderEndpoint == nil || aws.ToInt32(ng.ReaderEndpoint.Port) != 6379 {
		t.Errorf("node group endpoints: primary %+v, reader %+v", ng.PrimaryEndpoint, ng.ReaderEndpoint)
	}

	node := member(t, ec, "members-002")
	if aws.ToString(node.ReplicationGroupId) != "members" || aws.ToString(node.EngineVersion) != "8.0" ||
		aws.ToString(node.CacheSubnetGroupName) != "members-subnets" ||
		aws.ToString(node.PreferredMaintenanceWindow) != "sun:05:00-sun:06:00" ||
		node.CacheParameterGroup == nil || aws.ToString(node.CacheParameterGroup.CacheParameterGroupName) != "members" ||
		len(node.SecurityGroups) != 1 || aws.ToString(node.SecurityGroups[0].SecurityGroupId) != "sg-0a1b2c3d" {
		t.Errorf("member members-002: %+v", node)
	}
	if want := "arn:aws:elasticache:eu-west-1:333333333333:cluster:members-002"; aws.ToString(node.ARN) != want {
		t.Errorf("member ARN %s, want %s", aws.ToString(node.ARN), want)
	}

	// ModifyReplicationGroup changes what the members report.
	if _, err := ec.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{
		ReplicationGroupId:         aws.String("members"),
		ApplyImmediately:           aws.Bool(true),
		CacheParameterGroupName:    aws.String("default.valkey8"),
		SecurityGroupIds:           []string{"sg-1a2b3c4d", "sg-2b3c4d5e"},
		PreferredMaintenanceWindow: aws.String("wed:06:00-wed:07:00"),
		SnapshotWindow:             aws.String("01:00-02:00"),
	}); err != nil {
		t.Fatal(err)
	}
	node = member(t, ec, "members-001")
	if aws.ToString(node.CacheParameterGroup.CacheParameterGroupName) != "default.valkey8" || len(node.SecurityGroups) != 2 ||
		aws.ToString(node.PreferredMaintenanceWindow) != "wed:06:00-wed:07:00" || aws.ToString(node.SnapshotWindow) != "01:00-02:00" {
		t.Errorf("member members-001 after modifying the group: %+v", node)
	}

	inc, err := ec.IncreaseReplicaCount(ctx, &elasticache.IncreaseReplicaCountInput{
		ReplicationGroupId: aws.String("members"), NewReplicaCount: aws.Int32(3), ApplyImmediately: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := inc.ReplicationGroup.MemberClusters; !slices.Equal(got, []string{"members-001", "members-002", "members-003", "members-004"}) {
		t.Errorf("members after increasing to 3 replicas: %v", got)
	}
	dec, err := ec.DecreaseReplicaCount(ctx, &elasticache.DecreaseReplicaCountInput{
		ReplicationGroupId: aws.String("members"), ReplicasToRemove: []string{"members-002"}, ApplyImmediately: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := dec.ReplicationGroup.MemberClusters; !slices.Equal(got, []string{"members-001", "members-003", "members-004"}) {
		t.Errorf("members after removing members-002: %v", got)
	}
	dec, err = ec.DecreaseReplicaCount(ctx, &elasticache.DecreaseReplicaCountInput{
		ReplicationGroupId: aws.String("members"), NewReplicaCount: aws.Int32(0), ApplyImmediately: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := dec.ReplicationGroup.MemberClusters; !slices.Equal(got, []string{"members-001"}) {
		t.Errorf("members after decreasing to 0 replicas: %v", got)
	}
	_, err = ec.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String("members-003")})
	wantCode(t, err, "CacheClusterNotFound")
	_, err = ec.DecreaseReplicaCount(ctx, &elasticache.DecreaseReplicaCountInput{
		ReplicationGroupId: aws.String("members"), NewReplicaCount: aws.Int32(0), ApplyImmediately: aws.Bool(true),
	})
	wantCode(t, err, "NoOperationFault")
	_, err = ec.IncreaseReplicaCount(ctx, &elasticache.IncreaseReplicaCountInput{
		ReplicationGroupId: aws.String("members"), NewReplicaCount: aws.Int32(6), ApplyImmediately: aws.Bool(true),
	})
	wantCode(t, err, "InvalidParameterValue")

	deleteReplicationGroup(t, ec, "members")
	_, err = ec.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String("members-001")})
	wantCode(t, err, "CacheClusterNotFound")
}
