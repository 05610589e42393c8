package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/tags"
	"github.com/paved-road/paved/provider/timeouts"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/engines"
	"github.com/paved-road/paved/provider/standards"
)

// redisSpec is a paved_redis in ElastiCache's terms: what Create builds and
// what Update compares.
type redisSpec struct {
	name              string
	arn               string // the replication group's, once it exists
	engine            string
	engineVersion     string
	family            string
	parameterGroup    string
	nodeType          string
	replicas          int32
	multiAZ           bool
	failover          bool
	retention         int32
	snapshotWindow    string
	maintenanceWindow string
	atRest            bool
	transit           bool
	port              int32
	subnetIDs         []string
	securityGroupIDs  []string // the environment's, then the resource's own
	parameters        map[string]string
	tags              map[string]string
}

func redisSpecFrom(ctx context.Context, m *redisModel, env standards.Environment, diags *diag.Diagnostics) redisSpec {
	s := redisSpec{
		name:              m.Name.ValueString(),
		arn:               m.ARN.ValueString(),
		engine:            m.Engine.ValueString(),
		engineVersion:     m.EngineVersion.ValueString(),
		family:            m.ParameterGroupFamily.ValueString(),
		parameterGroup:    m.ParameterGroupName.ValueString(),
		nodeType:          m.NodeType.ValueString(),
		replicas:          int32(m.Replicas.ValueInt64()),
		multiAZ:           m.MultiAZ.ValueBool(),
		failover:          m.AutomaticFailover.ValueBool(),
		retention:         int32(m.SnapshotRetentionDays.ValueInt64()),
		snapshotWindow:    m.SnapshotWindow.ValueString(),
		maintenanceWindow: m.MaintenanceWindow.ValueString(),
		atRest:            m.AtRestEncryption.ValueBool(),
		transit:           m.TransitEncryption.ValueBool(),
		port:              int32(m.Port.ValueInt64()),
		subnetIDs:         env.SubnetIDs,
		securityGroupIDs:  append([]string{}, env.SecurityGroupIDs...),
		parameters:        map[string]string{},
		tags:              map[string]string{},
	}
	var own []string
	if !m.SecurityGroupIDs.IsNull() {
		diags.Append(m.SecurityGroupIDs.ElementsAs(ctx, &own, false)...)
	}
	s.securityGroupIDs = append(s.securityGroupIDs, own...)
	if !m.EffectiveParameters.IsNull() {
		diags.Append(m.EffectiveParameters.ElementsAs(ctx, &s.parameters, false)...)
	}
	if !m.TagsAll.IsNull() {
		diags.Append(m.TagsAll.ElementsAs(ctx, &s.tags, false)...)
	}
	return s
}

// redisOps runs the ElastiCache calls of a paved_redis in one account.
type redisOps struct {
	client *elasticache.Client
}

// errRedisGone means the replication group no longer exists.
var errRedisGone = errors.New("replication group not found")

func isRedisGone(err error) bool { return errors.Is(err, errRedisGone) }

// create builds the three parts in order. If a step fails, the parts made
// so far are removed, newest first, before the error is returned, and the
// error names the step and what happened to the rollback.
func (o *redisOps) create(ctx context.Context, s redisSpec, timeout time.Duration) error {
	var undo []func(context.Context) error
	todo := []steps.Step{
		{Name: "create cache subnet group", Run: func(ctx context.Context) error {
			_, err := o.client.CreateCacheSubnetGroup(ctx, &elasticache.CreateCacheSubnetGroupInput{
				CacheSubnetGroupName:        aws.String(s.name),
				CacheSubnetGroupDescription: aws.String("paved: subnets of " + s.name),
				SubnetIds:                   s.subnetIDs,
				Tags:                        ecTags(s.tags),
			})
			if err == nil {
				undo = append(undo, func(ctx context.Context) error { return o.deleteSubnetGroup(ctx, s.name) })
			}
			return err
		}},
		{Name: "create cache parameter group", Run: func(ctx context.Context) error {
			if err := o.newParameterGroup(ctx, s); err != nil {
				return err
			}
			undo = append(undo, func(ctx context.Context) error { return o.deleteParameterGroup(ctx, s.parameterGroup) })
			return o.setParameters(ctx, s.parameterGroup, s.parameters)
		}},
		{Name: "create replication group", Run: func(ctx context.Context) error {
			_, err := o.client.CreateReplicationGroup(ctx, &elasticache.CreateReplicationGroupInput{
				ReplicationGroupId:          aws.String(s.name),
				ReplicationGroupDescription: aws.String("paved: " + s.name),
				Engine:                      aws.String(s.engine),
				EngineVersion:               aws.String(s.engineVersion),
				CacheNodeType:               aws.String(s.nodeType),
				NumCacheClusters:            aws.Int32(s.replicas + 1),
				MultiAZEnabled:              aws.Bool(s.multiAZ),
				AutomaticFailoverEnabled:    aws.Bool(s.failover),
				CacheParameterGroupName:     aws.String(s.parameterGroup),
				CacheSubnetGroupName:        aws.String(s.name),
				SecurityGroupIds:            s.securityGroupIDs,
				SnapshotRetentionLimit:      aws.Int32(s.retention),
				SnapshotWindow:              aws.String(s.snapshotWindow),
				PreferredMaintenanceWindow:  aws.String(s.maintenanceWindow),
				AtRestEncryptionEnabled:     aws.Bool(s.atRest),
				TransitEncryptionEnabled:    aws.Bool(s.transit),
				Port:                        aws.Int32(s.port),
				Tags:                        ecTags(s.tags),
			})
			if err == nil {
				undo = append(undo, func(ctx context.Context) error { return o.deleteReplicationGroup(ctx, s.name, timeout) })
			}
			return err
		}},
		{Name: "wait for the replication group to become available", Run: func(ctx context.Context) error { return o.waitAvailable(ctx, s.name, timeout) }},
	}
	if err := steps.Run(ctx, todo); err != nil {
		return steps.Rollback(ctx, err, undo)
	}
	return nil
}

func (o *redisOps) newParameterGroup(ctx context.Context, s redisSpec) error {
	_, err := o.client.CreateCacheParameterGroup(ctx, &elasticache.CreateCacheParameterGroupInput{
		CacheParameterGroupName:   aws.String(s.parameterGroup),
		CacheParameterGroupFamily: aws.String(s.family),
		Description:               aws.String("paved: " + s.family + " parameters of " + s.name),
		Tags:                      ecTags(s.tags),
	})
	return err
}

// setParameters writes parameters in batches of 20, the API's limit.
func (o *redisOps) setParameters(ctx context.Context, group string, params map[string]string) error {
	names := convert.SortedKeys(params)
	for start := 0; start < len(names); start += 20 {
		var batch []ectypes.ParameterNameValue
		for _, n := range names[start:min(start+20, len(names))] {
			batch = append(batch, ectypes.ParameterNameValue{ParameterName: aws.String(n), ParameterValue: aws.String(params[n])})
		}
		if _, err := o.client.ModifyCacheParameterGroup(ctx, &elasticache.ModifyCacheParameterGroupInput{
			CacheParameterGroupName: aws.String(group), ParameterNameValues: batch,
		}); err != nil {
			return fmt.Errorf("ModifyCacheParameterGroup %s: %w", group, err)
		}
	}
	return nil
}

// resetParameters returns parameters to the family's defaults, 20 at a time.
func (o *redisOps) resetParameters(ctx context.Context, group string, names []string) error {
	for start := 0; start < len(names); start += 20 {
		var batch []ectypes.ParameterNameValue
		for _, n := range names[start:min(start+20, len(names))] {
			batch = append(batch, ectypes.ParameterNameValue{ParameterName: aws.String(n)})
		}
		if _, err := o.client.ResetCacheParameterGroup(ctx, &elasticache.ResetCacheParameterGroupInput{
			CacheParameterGroupName: aws.String(group), ParameterNameValues: batch,
		}); err != nil {
			return fmt.Errorf("ResetCacheParameterGroup %s: %w", group, err)
		}
	}
	return nil
}

func (o *redisOps) waitAvailable(ctx context.Context, name string, timeout time.Duration) error {
	w := elasticache.NewReplicationGroupAvailableWaiter(o.client, func(w *elasticache.ReplicationGroupAvailableWaiterOptions) {
		w.MinDelay, w.MaxDelay = timeouts.PollMin, timeouts.PollMax
	})
	return w.Wait(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)}, timeout)
}

// read refreshes m from ElastiCache in five calls, enough to see drift in
// all three parts: the group, its primary node (engine version, parameter
// group, maintenance window, security groups), the parameters set in the
// parameter group, the subnet group, and the tags.
func (o *redisOps) read(ctx context.Context, m *redisModel, meta *accounts.Meta) error {
	name := m.Name.ValueString()
	importing := m.ARN.IsNull() // an imported resource has only its id so far
	env, err := meta.Standards.Environment(m.Environment.ValueString())
	if err != nil {
		return err
	}
	out, err := o.client.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)})
	if awserr.Is(err, "ReplicationGroupNotFoundFault") {
		return errRedisGone
	}
	if err != nil {
		return fmt.Errorf("DescribeReplicationGroups %s: %w", name, err)
	}
	if len(out.ReplicationGroups) != 1 || aws.ToString(out.ReplicationGroups[0].Status) == "deleting" {
		return errRedisGone
	}
	rg := out.ReplicationGroups[0]
	if len(rg.MemberClusters) == 0 {
		return fmt.Errorf("replication group %s has no member clusters", name)
	}
	clusters, err := o.client.DescribeCacheClusters(ctx, &elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(rg.MemberClusters[0])})
	if err != nil {
		return fmt.Errorf("DescribeCacheClusters %s: %w", rg.MemberClusters[0], err)
	}
	if len(clusters.CacheClusters) != 1 {
		return fmt.Errorf("DescribeCacheClusters %s: no cluster", rg.MemberClusters[0])
	}
	node := clusters.CacheClusters[0]

	var diags diag.Diagnostics
	m.ID = types.StringValue(m.Environment.ValueString() + "/" + name)
	m.ARN = types.StringValue(aws.ToString(rg.ARN))
	m.Engine = types.StringValue(aws.ToString(rg.Engine))
	m.EngineVersion = types.StringValue(majorMinor(aws.ToString(node.EngineVersion)))
	m.NodeType = types.StringValue(aws.ToString(rg.CacheNodeType))
	m.Replicas = types.Int64Value(int64(len(rg.MemberClusters) - 1))
	m.MultiAZ = types.BoolValue(rg.MultiAZ == ectypes.MultiAZStatusEnabled)
	m.AutomaticFailover = types.BoolValue(rg.AutomaticFailover == ectypes.AutomaticFailoverStatusEnabled ||
		rg.AutomaticFailover == ectypes.AutomaticFailoverStatusEnabling)
	m.SnapshotRetentionDays = types.Int64Value(int64(aws.ToInt32(rg.SnapshotRetentionLimit)))
	m.SnapshotWindow = types.StringValue(aws.ToString(rg.SnapshotWindow))
	m.MaintenanceWindow = types.StringValue(aws.ToString(node.PreferredMaintenanceWindow))
	m.AtRestEncryption = types.BoolValue(aws.ToBool(rg.AtRestEncryptionEnabled))
	m.TransitEncryption = types.BoolValue(aws.ToBool(rg.TransitEncryptionEnabled))
	m.MemberClusters, diags = types.ListValueFrom(ctx, types.StringType, rg.MemberClusters)
	if len(rg.NodeGroups) > 0 {
		ng := rg.NodeGroups[0]
		if ng.PrimaryEndpoint != nil {
			m.PrimaryEndpoint = types.StringValue(aws.ToString(ng.PrimaryEndpoint.Address))
			m.Port = types.Int64Value(int64(aws.ToInt32(ng.PrimaryEndpoint.Port)))
		}
		if ng.ReaderEndpoint != nil {
			m.ReaderEndpoint = types.StringValue(aws.ToString(ng.ReaderEndpoint.Address))
		}
	}
	var sgs []string
	for _, sg := range node.SecurityGroups {
		if id := aws.ToString(sg.SecurityGroupId); !slices.Contains(env.SecurityGroupIDs, id) {
			sgs = append(sgs, id)
		}
	}
	if len(sgs) > 0 || !m.SecurityGroupIDs.IsNull() {
		m.SecurityGroupIDs, _ = types.SetValueFrom(ctx, types.StringType, sgs)
	}

	group := ""
	if node.CacheParameterGroup != nil {
		group = aws.ToString(node.CacheParameterGroup.CacheParameterGroupName)
	}
	m.ParameterGroupName = types.StringValue(group)
	if family, err := engines.Family(m.Engine.ValueString(), m.EngineVersion.ValueString()); err == nil {
		m.ParameterGroupFamily = types.StringValue(family)
	}
	params, err := o.userParameters(ctx, group)
	if err != nil {
		return err
	}
	// A parameter the resource sets itself shows its drift once, under
	// parameters, where the configuration can take it back or accept it:
	// effective_parameters keeps the value applied for it. update compares
	// with the group itself, not with this.
	effective := maps.Clone(params)
	applied := m.EffectiveParameters.Elements()
	for k := range m.Parameters.Elements() {
		if v, ok := applied[k].(types.String); ok {
			effective[k] = v.ValueString()
		}
	}
	m.EffectiveParameters, _ = types.MapValueFrom(ctx, types.StringType, effective)
	standard := env.Redis.Parameters[m.ParameterGroupFamily.ValueString()]
	if own := tags.OwnEntries(m.Parameters, params, standard, importing); len(own) > 0 || !m.Parameters.IsNull() {
		m.Parameters, _ = types.MapValueFrom(ctx, types.StringType, own)
	}

	if err := o.readSubnetGroup(ctx, m, aws.ToString(node.CacheSubnetGroupName)); err != nil {
		return err
	}

	tags, err := o.client.ListTagsForResource(ctx, &elasticache.ListTagsForResourceInput{ResourceName: rg.ARN})
	if err != nil {
		return fmt.Errorf("ListTagsForResource %s: %w", aws.ToString(rg.ARN), err)
	}
	all := map[string]string{}
	for _, t := range tags.TagList {
		all[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	m.TagsAll, _ = types.MapValueFrom(ctx, types.StringType, all)
	if importing {
		m.Team, m.Service = types.StringValue(all["team"]), types.StringValue(all["service"])
	}
	if own := meta.OwnTags(m.Tags, all, redisStandardTags(m), importing); len(own) > 0 || !m.Tags.IsNull() {
		m.Tags, _ = types.MapValueFrom(ctx, types.StringType, own)
	}
	if diags.HasError() {
		return fmt.Errorf("converting %s: %v", name, diags)
	}
	return nil
}

// userParameters returns the parameters set in a group (Source=user): the
// ones paved wrote, and any set outside Terraform.
func (o *redisOps) userParameters(ctx context.Context, group string) (map[string]string, error) {
	params := map[string]string{}
	if group == "" {
		return params, nil
	}
	pages := elasticache.NewDescribeCacheParametersPaginator(o.client, &elasticache.DescribeCacheParametersInput{
		CacheParameterGroupName: aws.String(group), Source: aws.String("user"),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if awserr.Is(err, "CacheParameterGroupNotFound") {
			return params, nil
		}
		if err != nil {
			return nil, fmt.Errorf("DescribeCacheParameters %s: %w", group, err)
		}
		for _, p := range page.Parameters {
			params[aws.ToString(p.ParameterName)] = aws.ToString(p.ParameterValue)
		}
	}
	return params, nil
}

func (o *redisOps) readSubnetGroup(ctx context.Context, m *redisModel, name string) error {
	m.SubnetGroupName = types.StringValue(name)
	out, err := o.client.DescribeCacheSubnetGroups(ctx, &elasticache.DescribeCacheSubnetGroupsInput{CacheSubnetGroupName: aws.String(name)})
	if awserr.Is(err, "CacheSubnetGroupNotFoundFault") {
		m.SubnetIDs, _ = types.ListValueFrom(ctx, types.StringType, []string{})
		return nil
	}
	if err != nil {
		return fmt.Errorf("DescribeCacheSubnetGroups %s: %w", name, err)
	}
	var ids []string
	for _, g := range out.CacheSubnetGroups {
		for _, s := range g.Subnets {
			ids = append(ids, aws.ToString(s.SubnetIdentifier))
		}
	}
	m.SubnetIDs, _ = types.ListValueFrom(ctx, types.StringType, ids)
	return nil
}

// update moves the three parts from have to want. Replicas are added before
// and removed after the group modification, so that Multi-AZ is never on
// without a replica to fail over to.
func (o *redisOps) update(ctx context.Context, have, want redisSpec, timeout time.Duration) error {
	name := want.name
	crossFamily := have.parameterGroup != want.parameterGroup
	todo := []steps.Step{
		{Name: "modify cache subnet group", Run: func(ctx context.Context) error {
			if slices.Equal(convert.Sorted(have.subnetIDs), convert.Sorted(want.subnetIDs)) {
				return nil
			}
			_, err := o.client.ModifyCacheSubnetGroup(ctx, &elasticache.ModifyCacheSubnetGroupInput{
				CacheSubnetGroupName: aws.String(name), SubnetIds: want.subnetIDs,
			})
			return err
		}},
		{Name: "update parameters", Run: func(ctx context.Context) error {
			if crossFamily {
				if err := o.newParameterGroup(ctx, want); err != nil {
					return err
				}
				if err := o.setParameters(ctx, want.parameterGroup, want.parameters); err != nil {
					return steps.Rollback(ctx, err, []func(context.Context) error{
						func(ctx context.Context) error { return o.deleteParameterGroup(ctx, want.parameterGroup) },
					})
				}
				return nil
			}
			// The group as it is, since the state's effective_parameters
			// keeps the applied value of a parameter that drifted (see read).
			current, err := o.userParameters(ctx, want.parameterGroup)
			if err != nil {
				return err
			}
			set, remove := tags.Diff(current, want.parameters)
			if err := o.setParameters(ctx, want.parameterGroup, set); err != nil {
				return err
			}
			return o.resetParameters(ctx, want.parameterGroup, remove)
		}},
		{Name: "add replicas", Run: func(ctx context.Context) error {
			if want.replicas <= have.replicas {
				return nil
			}
			if _, err := o.client.IncreaseReplicaCount(ctx, &elasticache.IncreaseReplicaCountInput{
				ReplicationGroupId: aws.String(name), NewReplicaCount: aws.Int32(want.replicas), ApplyImmediately: aws.Bool(true),
			}); err != nil {
				return err
			}
			return o.waitAvailable(ctx, name, timeout)
		}},
		{Name: "modify replication group", Run: func(ctx context.Context) error {
			in, changed := modifyInput(have, want)
			if !changed {
				return nil
			}
			if _, err := o.client.ModifyReplicationGroup(ctx, in); err != nil {
				return err
			}
			return o.waitAvailable(ctx, name, timeout)
		}},
		{Name: "remove replicas", Run: func(ctx context.Context) error {
			if want.replicas >= have.replicas {
				return nil
			}
			if _, err := o.client.DecreaseReplicaCount(ctx, &elasticache.DecreaseReplicaCountInput{
				ReplicationGroupId: aws.String(name), NewReplicaCount: aws.Int32(want.replicas), ApplyImmediately: aws.Bool(true),
			}); err != nil {
				return err
			}
			return o.waitAvailable(ctx, name, timeout)
		}},
		{Name: "delete the previous family's parameter group", Run: func(ctx context.Context) error {
			if !crossFamily {
				return nil
			}
			return o.deleteParameterGroup(ctx, have.parameterGroup)
		}},
		{Name: "update tags", Run: func(ctx context.Context) error {
			return o.retag(ctx, name, have.arn, want.parameterGroup, have.tags, want.tags)
		}},
	}
	if err := steps.Run(ctx, todo); err != nil {
		return fmt.Errorf("replication group %s: %w", name, err)
	}
	return nil
}

// modifyInput builds one ModifyReplicationGroup call for everything that
// changed, applied immediately rather than in the next maintenance window.
func modifyInput(have, want redisSpec) (*elasticache.ModifyReplicationGroupInput, bool) {
	in := &elasticache.ModifyReplicationGroupInput{ReplicationGroupId: aws.String(want.name), ApplyImmediately: aws.Bool(true)}
	changed := false
	str := func(dst **string, h, w string) {
		if h != w {
			*dst, changed = aws.String(w), true
		}
	}
	str(&in.CacheNodeType, have.nodeType, want.nodeType)
	str(&in.EngineVersion, have.engineVersion, want.engineVersion)
	str(&in.CacheParameterGroupName, have.parameterGroup, want.parameterGroup)
	str(&in.SnapshotWindow, have.snapshotWindow, want.snapshotWindow)
	str(&in.PreferredMaintenanceWindow, have.maintenanceWindow, want.maintenanceWindow)
	if have.multiAZ != want.multiAZ {
		in.MultiAZEnabled, changed = aws.Bool(want.multiAZ), true
	}
	if have.failover != want.failover {
		in.AutomaticFailoverEnabled, changed = aws.Bool(want.failover), true
	}
	if have.retention != want.retention {
		in.SnapshotRetentionLimit, changed = aws.Int32(want.retention), true
	}
	if !slices.Equal(convert.Sorted(have.securityGroupIDs), convert.Sorted(want.securityGroupIDs)) {
		in.SecurityGroupIds, changed = want.securityGroupIDs, true
	}
	return in, changed
}

// retag moves the tags of all three parts, which share the same tags; their
// ARNs follow from the group's ARN, known from the state.
func (o *redisOps) retag(ctx context.Context, name, groupARN, parameterGroup string, have, want map[string]string) error {
	if maps.Equal(have, want) {
		return nil
	}
	a, err := arn.Parse(groupARN)
	if err != nil {
		return fmt.Errorf("replication group ARN: %w", err)
	}
	prefix := fmt.Sprintf("arn:%s:elasticache:%s:%s:", a.Partition, a.Region, a.AccountID)
	for _, resource := range []string{"replicationgroup:" + name, "parametergroup:" + parameterGroup, "subnetgroup:" + name} {
		target := aws.String(prefix + resource)
		err := tags.Retag(ctx, have, want, tags.Calls{
			Untag: func(ctx context.Context, keys []string) error {
				_, err := o.client.RemoveTagsFromResource(ctx, &elasticache.RemoveTagsFromResourceInput{ResourceName: target, TagKeys: keys})
				return awserr.Wrap("RemoveTagsFromResource "+*target, err)
			},
			Tag: func(ctx context.Context, set map[string]string) error {
				_, err := o.client.AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{ResourceName: target, Tags: ecTags(set)})
				return awserr.Wrap("AddTagsToResource "+*target, err)
			},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// deleteAll removes the replication group, waits until it is gone, then the
// parameter and subnet groups it used. Parts already gone are skipped.
func (o *redisOps) deleteAll(ctx context.Context, name, parameterGroup string, timeout time.Duration) error {
	if err := o.deleteReplicationGroup(ctx, name, timeout); err != nil {
		return err
	}
	if err := o.deleteParameterGroup(ctx, parameterGroup); err != nil {
		return err
	}
	return o.deleteSubnetGroup(ctx, name)
}

func (o *redisOps) deleteReplicationGroup(ctx context.Context, name string, timeout time.Duration) error {
	_, err := o.client.DeleteReplicationGroup(ctx, &elasticache.DeleteReplicationGroupInput{ReplicationGroupId: aws.String(name)})
	if awserr.Is(err, "ReplicationGroupNotFoundFault") {
		return nil
	}
	if err != nil && !awserr.Is(err, "InvalidReplicationGroupState") {
		return fmt.Errorf("DeleteReplicationGroup %s: %w", name, err)
	}
	w := elasticache.NewReplicationGroupDeletedWaiter(o.client, func(w *elasticache.ReplicationGroupDeletedWaiterOptions) {
		w.MinDelay, w.MaxDelay = timeouts.PollMin, timeouts.PollMax
	})
	if err := w.Wait(ctx, &elasticache.DescribeReplicationGroupsInput{ReplicationGroupId: aws.String(name)}, timeout); err != nil {
		return fmt.Errorf("waiting for replication group %s to be deleted: %w", name, err)
	}
	return nil
}

func (o *redisOps) deleteParameterGroup(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	_, err := o.client.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{CacheParameterGroupName: aws.String(name)})
	if err != nil && !awserr.Is(err, "CacheParameterGroupNotFound") {
		return fmt.Errorf("DeleteCacheParameterGroup %s: %w", name, err)
	}
	return nil
}

func (o *redisOps) deleteSubnetGroup(ctx context.Context, name string) error {
	_, err := o.client.DeleteCacheSubnetGroup(ctx, &elasticache.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String(name)})
	if err != nil && !awserr.Is(err, "CacheSubnetGroupNotFoundFault") {
		return fmt.Errorf("DeleteCacheSubnetGroup %s: %w", name, err)
	}
	return nil
}

func ecTags(set map[string]string) []ectypes.Tag {
	return tags.SDK(set, func(k, v *string) ectypes.Tag { return ectypes.Tag{Key: k, Value: v} })
}

// majorMinor turns an engine version as a node reports it (7.1.0) into the
// form the resource takes (7.1).
func majorMinor(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	return parts[0] + "." + parts[1]
}
