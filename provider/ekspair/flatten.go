package ekspair

import (
	"context"
	"maps"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/convert"
)

// importing reports whether m is an import's, which has only the id so far.
func (m *pairModel) importing() bool { return m.Blue.IsNull() && m.Green.IsNull() }

// lookups is what a refresh of m looks for: the sides m holds (on import,
// every side), each with whether to look for its node group.
func lookups(ctx context.Context, m *pairModel, diags *diag.Diagnostics) map[string]bool {
	want := map[string]bool{}
	for _, side := range bluegreen.Sides {
		sm := parseSide(ctx, *m.sideObject(side), diags)
		switch {
		case m.importing():
			want[side] = true
		case sm != nil:
			want[side] = sm.ng != nil
		}
	}
	return want
}

// flattenPair refreshes m from what findPair found. A side of m that was
// not found keeps its configuration and loses what its cluster reported.
// On import, the sides, team, service, tags and live come from the
// clusters.
func flattenPair(ctx context.Context, m *pairModel, found map[string]sideFound, meta *accounts.Meta) diag.Diagnostics {
	var diags diag.Diagnostics
	importing := m.importing()
	var seen []map[string]string // each cluster's tags
	present := map[string]bool{}
	for _, side := range bluegreen.Sides {
		obj := m.sideObject(side)
		sm := parseSide(ctx, *obj, &diags)
		if sm == nil {
			if !importing {
				continue
			}
			sm = &sideModels{}
		}
		f, ok := found[side]
		if !ok {
			if !importing {
				markGone(sm)
				*obj = sm.object(ctx, &diags)
			}
			continue
		}
		present[side] = true
		seen = append(seen, f.cluster.Tags)
		flattenCluster(sm, f.cluster)
		if importing || sm.ng != nil {
			flattenNodeGroup(ctx, sm, f.nodeGroup, importing, &diags)
		}
		*obj = sm.object(ctx, &diags)
	}
	if len(present) == 0 {
		return diags
	}

	all := observed(convert.StringMap(m.TagsAll), seen, importing)
	m.TagsAll = convert.MapValue(ctx, all, &diags)
	own := maps.Clone(all)
	delete(own, liveTag)
	if importing {
		m.Team, m.Service = types.StringValue(own["team"]), types.StringValue(own["service"])
		m.Live = importedLive(all[liveTag], present)
	}
	if own := meta.OwnTags(m.Tags, own, standardTags(m), importing); len(own) > 0 || !m.Tags.IsNull() {
		m.Tags = convert.MapValue(ctx, own, &diags)
	}
	m.ID = types.StringValue(m.id())
	m.Binding = bindingOf(ctx, m, &diags)
	return diags
}

// flattenCluster sets what a side's cluster reports.
func flattenCluster(sm *sideModels, c *ekstypes.Cluster) {
	sm.side.Version = types.StringValue(aws.ToString(c.Version))
	sm.side.RoleARN = types.StringValue(aws.ToString(c.RoleArn))
	sm.side.ClusterName = types.StringValue(aws.ToString(c.Name))
	sm.side.ARN = types.StringValue(aws.ToString(c.Arn))
	sm.side.Endpoint = types.StringValue(aws.ToString(c.Endpoint))
	sm.side.CertificateAuthority = types.StringNull()
	if c.CertificateAuthority != nil {
		sm.side.CertificateAuthority = types.StringValue(aws.ToString(c.CertificateAuthority.Data))
	}
	sm.side.OIDCIssuer = types.StringNull()
	if c.Identity != nil && c.Identity.Oidc != nil {
		sm.side.OIDCIssuer = types.StringValue(aws.ToString(c.Identity.Oidc.Issuer))
	}
	if v := c.ResourcesVpcConfig; v != nil {
		sm.side.EndpointPublicAccess = types.BoolValue(v.EndpointPublicAccess)
		sm.side.EndpointPrivateAccess = types.BoolValue(v.EndpointPrivateAccess)
	}
}

// flattenNodeGroup sets what a side's node group reports. One that is gone
// (ng nil) keeps its configuration and loses node_group_name, so the plan
// creates it again; on import, the side has none.
func flattenNodeGroup(ctx context.Context, sm *sideModels, ng *ekstypes.Nodegroup, importing bool, diags *diag.Diagnostics) {
	if ng == nil {
		sm.side.NodeGroupName = types.StringNull()
		if importing {
			sm.ng = nil
		}
		return
	}
	if sm.ng == nil {
		sm.ng = &nodeGroupModel{Labels: types.MapNull(types.StringType)}
	}
	sm.side.NodeGroupName = types.StringValue(aws.ToString(ng.NodegroupName))
	sm.ng.InstanceTypes = convert.ListValue(ctx, ng.InstanceTypes, diags)
	if sc := ng.ScalingConfig; sc != nil {
		sm.ng.MinSize = types.Int64Value(int64(aws.ToInt32(sc.MinSize)))
		sm.ng.MaxSize = types.Int64Value(int64(aws.ToInt32(sc.MaxSize)))
		sm.ng.DesiredSize = types.Int64Value(int64(aws.ToInt32(sc.DesiredSize)))
	}
	if len(ng.Labels) > 0 || !sm.ng.Labels.IsNull() {
		sm.ng.Labels = convert.MapValue(ctx, ng.Labels, diags)
	}
}

// markGone clears what a side's cluster reported, keeping its configuration.
func markGone(sm *sideModels) {
	for _, v := range []*types.String{
		&sm.side.ClusterName, &sm.side.ARN, &sm.side.Endpoint, &sm.side.CertificateAuthority, &sm.side.OIDCIssuer, &sm.side.NodeGroupName,
	} {
		*v = types.StringNull()
	}
}

// observed picks, of the tags each cluster reports, the first set that
// differs from what the state held, so drift on either cluster shows; on
// import, the first cluster's.
func observed(prior map[string]string, seen []map[string]string, importing bool) map[string]string {
	if importing {
		return seen[0]
	}
	for _, tags := range seen {
		if !maps.Equal(tags, prior) {
			return tags
		}
	}
	return prior
}

// importedLive reads live from the paved:live tag or, for a pair with one
// side, that side; otherwise it stays null and the configuration decides.
func importedLive(tag string, found map[string]bool) types.String {
	if found[tag] {
		return types.StringValue(tag)
	}
	if len(found) == 1 {
		for side := range found {
			return types.StringValue(side)
		}
	}
	return types.StringNull()
}
