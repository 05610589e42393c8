package redis

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/engines"
	"github.com/paved-road/paved/provider/standards"
	"github.com/paved-road/paved/provider/tags"
)

// flatten refreshes m from what find found. What m held before decides
// which parameters, tags and security groups are the resource's own; an
// imported resource, which has only its id so far, takes as its own what
// the standards do not explain.
func flatten(ctx context.Context, c *cache, m *model, env standards.Environment, meta *accounts.Meta, diags *diag.Diagnostics) {
	importing := m.ARN.IsNull()
	rg, node := c.group, c.node
	m.ID = types.StringValue(m.id())
	flattenConnection(ctx, c, &m.connection, diags)
	m.NodeType = types.StringValue(aws.ToString(rg.CacheNodeType))
	m.Replicas = types.Int64Value(int64(len(rg.MemberClusters) - 1))
	m.MultiAZ = types.BoolValue(rg.MultiAZ == ectypes.MultiAZStatusEnabled)
	m.AutomaticFailover = types.BoolValue(rg.AutomaticFailover == ectypes.AutomaticFailoverStatusEnabled ||
		rg.AutomaticFailover == ectypes.AutomaticFailoverStatusEnabling)
	m.SnapshotRetentionDays = types.Int64Value(int64(aws.ToInt32(rg.SnapshotRetentionLimit)))
	m.SnapshotWindow = types.StringValue(aws.ToString(rg.SnapshotWindow))
	m.MaintenanceWindow = types.StringValue(aws.ToString(node.PreferredMaintenanceWindow))
	m.AtRestEncryption = types.BoolValue(aws.ToBool(rg.AtRestEncryptionEnabled))
	var sgs []string
	for _, sg := range node.SecurityGroups {
		if id := aws.ToString(sg.SecurityGroupId); !slices.Contains(env.SecurityGroupIDs, id) {
			sgs = append(sgs, id)
		}
	}
	if len(sgs) > 0 || !m.SecurityGroupIDs.IsNull() {
		var d diag.Diagnostics
		m.SecurityGroupIDs, d = types.SetValueFrom(ctx, types.StringType, sgs)
		diags.Append(d...)
	}

	m.ParameterGroupName = types.StringValue(parameterGroupOf(node))
	if family, err := engines.Family(m.Engine.ValueString(), m.EngineVersion.ValueString()); err == nil {
		m.ParameterGroupFamily = types.StringValue(family)
	}
	// A parameter the resource sets itself shows its drift once, under
	// parameters, where the configuration can take it back or accept it:
	// effective_parameters keeps the value applied for it. update compares
	// with the group itself, not with this.
	effective := maps.Clone(c.parameters)
	applied := m.EffectiveParameters.Elements()
	for k := range m.Parameters.Elements() {
		if v, ok := applied[k].(types.String); ok {
			effective[k] = v.ValueString()
		}
	}
	m.EffectiveParameters = convert.MapValue(ctx, effective, diags)
	standard := env.Redis.Parameters[m.ParameterGroupFamily.ValueString()]
	if own := tags.OwnEntries(m.Parameters, c.parameters, standard, importing); len(own) > 0 || !m.Parameters.IsNull() {
		m.Parameters = convert.MapValue(ctx, own, diags)
	}

	m.SubnetGroupName = types.StringValue(aws.ToString(node.CacheSubnetGroupName))
	var subnets []string
	for _, g := range c.subnetGroups {
		for _, s := range g.Subnets {
			subnets = append(subnets, aws.ToString(s.SubnetIdentifier))
		}
	}
	m.SubnetIDs = convert.ListValue(ctx, convert.NonNil(subnets), diags)

	m.TagsAll = convert.MapValue(ctx, c.tags, diags)
	if importing {
		m.Team, m.Service = types.StringValue(c.tags["team"]), types.StringValue(c.tags["service"])
	}
	if own := meta.OwnTags(m.Tags, c.tags, standardTags(m), importing); len(own) > 0 || !m.Tags.IsNull() {
		m.Tags = convert.MapValue(ctx, own, diags)
	}
}

// flattenConnection fills what the resource and the data source both show
// of a group.
func flattenConnection(ctx context.Context, c *cache, m *connection, diags *diag.Diagnostics) {
	rg := c.group
	m.ARN = types.StringValue(aws.ToString(rg.ARN))
	m.Engine = types.StringValue(aws.ToString(rg.Engine))
	m.EngineVersion = types.StringValue(majorMinor(aws.ToString(c.node.EngineVersion)))
	m.TransitEncryption = types.BoolValue(aws.ToBool(rg.TransitEncryptionEnabled))
	m.MemberClusters = convert.ListValue(ctx, rg.MemberClusters, diags)
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
