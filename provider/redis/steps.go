package redis

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/standards"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/tags"
)

// spec is a paved_redis in ElastiCache's terms: what Create builds and
// what Update compares.
type spec struct {
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

func specFrom(ctx context.Context, m *model, env standards.Environment, diags *diag.Diagnostics) spec {
	s := spec{
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

// elastiCache runs the ElastiCache calls of a paved_redis in one account.
type elastiCache struct {
	client *elasticache.Client
}

// create builds the three parts in order. If a step fails, the parts made
// so far are removed, newest first, before the error is returned, and the
// error names the step and what happened to the rollback.
func (ec *elastiCache) create(ctx context.Context, s spec, timeout time.Duration) error {
	var undo []func(context.Context) error
	todo := []steps.Step{
		{Name: "create cache subnet group", Run: func(ctx context.Context) error {
			_, err := ec.client.CreateCacheSubnetGroup(ctx, &elasticache.CreateCacheSubnetGroupInput{
				CacheSubnetGroupName:        aws.String(s.name),
				CacheSubnetGroupDescription: aws.String("paved: subnets of " + s.name),
				SubnetIds:                   s.subnetIDs,
				Tags:                        ecTags(s.tags),
			})
			if err == nil {
				undo = append(undo, func(ctx context.Context) error { return ec.deleteSubnetGroup(ctx, s.name) })
			}
			return err
		}},
		{Name: "create cache parameter group", Run: func(ctx context.Context) error {
			if err := ec.newParameterGroup(ctx, s); err != nil {
				return err
			}
			undo = append(undo, func(ctx context.Context) error { return ec.deleteParameterGroup(ctx, s.parameterGroup) })
			return ec.setParameters(ctx, s.parameterGroup, s.parameters)
		}},
		{Name: "create replication group", Run: func(ctx context.Context) error {
			_, err := ec.client.CreateReplicationGroup(ctx, &elasticache.CreateReplicationGroupInput{
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
				undo = append(undo, func(ctx context.Context) error { return ec.deleteReplicationGroup(ctx, s.name, timeout) })
			}
			return err
		}},
		{Name: "wait for the replication group to become available", Run: func(ctx context.Context) error { return ec.waitAvailable(ctx, s.name, timeout) }},
	}
	if err := steps.Run(ctx, todo); err != nil {
		return steps.Rollback(ctx, err, undo)
	}
	return nil
}

func (ec *elastiCache) newParameterGroup(ctx context.Context, s spec) error {
	_, err := ec.client.CreateCacheParameterGroup(ctx, &elasticache.CreateCacheParameterGroupInput{
		CacheParameterGroupName:   aws.String(s.parameterGroup),
		CacheParameterGroupFamily: aws.String(s.family),
		Description:               aws.String("paved: " + s.family + " parameters of " + s.name),
		Tags:                      ecTags(s.tags),
	})
	return err
}

// setParameters writes parameters in batches of 20, the API's limit.
func (ec *elastiCache) setParameters(ctx context.Context, group string, params map[string]string) error {
	names := convert.SortedKeys(params)
	for start := 0; start < len(names); start += 20 {
		var batch []ectypes.ParameterNameValue
		for _, n := range names[start:min(start+20, len(names))] {
			batch = append(batch, ectypes.ParameterNameValue{ParameterName: aws.String(n), ParameterValue: aws.String(params[n])})
		}
		if _, err := ec.client.ModifyCacheParameterGroup(ctx, &elasticache.ModifyCacheParameterGroupInput{
			CacheParameterGroupName: aws.String(group), ParameterNameValues: batch,
		}); err != nil {
			return fmt.Errorf("ModifyCacheParameterGroup %s: %w", group, err)
		}
	}
	return nil
}

// resetParameters returns parameters to the family's defaults, 20 at a time.
func (ec *elastiCache) resetParameters(ctx context.Context, group string, names []string) error {
	for start := 0; start < len(names); start += 20 {
		var batch []ectypes.ParameterNameValue
		for _, n := range names[start:min(start+20, len(names))] {
			batch = append(batch, ectypes.ParameterNameValue{ParameterName: aws.String(n)})
		}
		if _, err := ec.client.ResetCacheParameterGroup(ctx, &elasticache.ResetCacheParameterGroupInput{
			CacheParameterGroupName: aws.String(group), ParameterNameValues: batch,
		}); err != nil {
			return fmt.Errorf("ResetCacheParameterGroup %s: %w", group, err)
		}
	}
	return nil
}

// update moves the three parts from have to want. Replicas are added before
// and removed after the group modification, so that Multi-AZ is never on
// without a replica to fail over to.
func (ec *elastiCache) update(ctx context.Context, have, want spec, timeout time.Duration) error {
	name := want.name
	crossFamily := have.parameterGroup != want.parameterGroup
	todo := []steps.Step{
		{Name: "modify cache subnet group", Run: func(ctx context.Context) error {
			if slices.Equal(convert.Sorted(have.subnetIDs), convert.Sorted(want.subnetIDs)) {
				return nil
			}
			_, err := ec.client.ModifyCacheSubnetGroup(ctx, &elasticache.ModifyCacheSubnetGroupInput{
				CacheSubnetGroupName: aws.String(name), SubnetIds: want.subnetIDs,
			})
			return err
		}},
		{Name: "update parameters", Run: func(ctx context.Context) error {
			if crossFamily {
				if err := ec.newParameterGroup(ctx, want); err != nil {
					return err
				}
				if err := ec.setParameters(ctx, want.parameterGroup, want.parameters); err != nil {
					return steps.Rollback(ctx, err, []func(context.Context) error{
						func(ctx context.Context) error { return ec.deleteParameterGroup(ctx, want.parameterGroup) },
					})
				}
				return nil
			}
			// The group as it is, since the state's effective_parameters
			// keeps the applied value of a parameter that drifted (see flatten).
			current, err := ec.userParameters(ctx, want.parameterGroup)
			if err != nil {
				return err
			}
			set, remove := tags.Diff(current, want.parameters)
			if err := ec.setParameters(ctx, want.parameterGroup, set); err != nil {
				return err
			}
			return ec.resetParameters(ctx, want.parameterGroup, remove)
		}},
		{Name: "add replicas", Run: func(ctx context.Context) error {
			if want.replicas <= have.replicas {
				return nil
			}
			_, err := ec.client.IncreaseReplicaCount(ctx, &elasticache.IncreaseReplicaCountInput{
				ReplicationGroupId: aws.String(name), NewReplicaCount: aws.Int32(want.replicas), ApplyImmediately: aws.Bool(true),
			})
			return ec.waitApplied(ctx, err, name, timeout)
		}},
		{Name: "modify replication group", Run: func(ctx context.Context) error {
			in, changed := modifyInput(have, want)
			if !changed {
				return nil
			}
			_, err := ec.client.ModifyReplicationGroup(ctx, in)
			return ec.waitApplied(ctx, err, name, timeout)
		}},
		{Name: "remove replicas", Run: func(ctx context.Context) error {
			if want.replicas >= have.replicas {
				return nil
			}
			_, err := ec.client.DecreaseReplicaCount(ctx, &elasticache.DecreaseReplicaCountInput{
				ReplicationGroupId: aws.String(name), NewReplicaCount: aws.Int32(want.replicas), ApplyImmediately: aws.Bool(true),
			})
			return ec.waitApplied(ctx, err, name, timeout)
		}},
		{Name: "delete the previous family's parameter group", Run: func(ctx context.Context) error {
			if !crossFamily {
				return nil
			}
			return ec.deleteParameterGroup(ctx, have.parameterGroup)
		}},
		{Name: "update tags", Run: func(ctx context.Context) error {
			return ec.retag(ctx, name, have.arn, want.parameterGroup, have.tags, want.tags)
		}},
	}
	return steps.Run(ctx, todo)
}

// modifyInput builds one ModifyReplicationGroup call for everything that
// changed, applied immediately rather than in the next maintenance window.
func modifyInput(have, want spec) (*elasticache.ModifyReplicationGroupInput, bool) {
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
func (ec *elastiCache) retag(ctx context.Context, name, groupARN, parameterGroup string, have, want map[string]string) error {
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
				_, err := ec.client.RemoveTagsFromResource(ctx, &elasticache.RemoveTagsFromResourceInput{ResourceName: target, TagKeys: keys})
				return awserr.Wrap("RemoveTagsFromResource "+*target, err)
			},
			Tag: func(ctx context.Context, set map[string]string) error {
				_, err := ec.client.AddTagsToResource(ctx, &elasticache.AddTagsToResourceInput{ResourceName: target, Tags: ecTags(set)})
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
func (ec *elastiCache) deleteAll(ctx context.Context, name, parameterGroup string, timeout time.Duration) error {
	if err := ec.deleteReplicationGroup(ctx, name, timeout); err != nil {
		return err
	}
	if err := ec.deleteParameterGroup(ctx, parameterGroup); err != nil {
		return err
	}
	return ec.deleteSubnetGroup(ctx, name)
}

func (ec *elastiCache) deleteReplicationGroup(ctx context.Context, name string, timeout time.Duration) error {
	_, err := ec.client.DeleteReplicationGroup(ctx, &elasticache.DeleteReplicationGroupInput{ReplicationGroupId: aws.String(name)})
	if awserr.Is(err, "ReplicationGroupNotFoundFault") {
		return nil
	}
	// A group already being deleted is waited for like one this call deletes.
	if err != nil && !awserr.Is(err, "InvalidReplicationGroupState") {
		return fmt.Errorf("DeleteReplicationGroup %s: %w", name, err)
	}
	return ec.waitDeleted(ctx, name, timeout)
}

func (ec *elastiCache) deleteParameterGroup(ctx context.Context, name string) error {
	if name == "" {
		return nil
	}
	_, err := ec.client.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{CacheParameterGroupName: aws.String(name)})
	if err != nil && !awserr.Is(err, "CacheParameterGroupNotFound") {
		return fmt.Errorf("DeleteCacheParameterGroup %s: %w", name, err)
	}
	return nil
}

func (ec *elastiCache) deleteSubnetGroup(ctx context.Context, name string) error {
	_, err := ec.client.DeleteCacheSubnetGroup(ctx, &elasticache.DeleteCacheSubnetGroupInput{CacheSubnetGroupName: aws.String(name)})
	if err != nil && !awserr.Is(err, "CacheSubnetGroupNotFoundFault") {
		return fmt.Errorf("DeleteCacheSubnetGroup %s: %w", name, err)
	}
	return nil
}

func ecTags(set map[string]string) []ectypes.Tag {
	return tags.SDK(set, func(k, v *string) ectypes.Tag { return ectypes.Tag{Key: k, Value: v} })
}
