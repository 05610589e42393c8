package ekspair

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"

	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/tags"
)

// planTags plans tags_all: the standard tags over default_tags and tags,
// and paved:live on the clusters.
func (r *pairResource) planTags(ctx context.Context, plan *pairModel, diags *diag.Diagnostics) {
	if _, ok := plan.Tags.Elements()[liveTag]; ok {
		diags.AddAttributeError(path.Root("tags").AtMapKey(liveTag), "Reserved tag",
			fmt.Sprintf("tag %q is set by paved from `live` and cannot be set in tags", liveTag))
	}
	if plan.Team.IsUnknown() || plan.Service.IsUnknown() || plan.Live.IsUnknown() {
		plan.TagsAll = types.MapUnknown(types.StringType)
		return
	}
	tags, ok := r.meta.Tags(ctx, plan.Tags, standardTags(plan), diags)
	if !ok {
		plan.TagsAll = tags
		return
	}
	all := tags.Elements()
	all[liveTag] = plan.Live
	plan.TagsAll = types.MapValueMust(types.StringType, all)
}

func standardTags(m *pairModel) map[string]string {
	return map[string]string{
		"team":        m.Team.ValueString(),
		"service":     m.Service.ValueString(),
		"environment": m.Environment.ValueString(),
		"managed-by":  tags.ManagedBy,
	}
}

// bindingOf derives the binding from the pair, each field known as soon
// as what it depends on is.
func bindingOf(ctx context.Context, m *pairModel, diags *diag.Diagnostics) types.Object {
	b := bluegreen.Binding{
		ID: types.StringUnknown(), Environment: m.Environment, Name: m.Name, Live: m.Live,
		Sides: types.ListUnknown(types.StringType),
	}
	if !m.Environment.IsUnknown() && !m.Name.IsUnknown() {
		b.ID = types.StringValue(m.id())
	}
	if !m.Blue.IsUnknown() && !m.Green.IsUnknown() {
		present := []attr.Value{}
		for _, side := range bluegreen.Sides {
			if !m.sideObject(side).IsNull() {
				present = append(present, types.StringValue(side))
			}
		}
		b.Sides = types.ListValueMust(types.StringType, present)
	}
	obj, d := types.ObjectValueFrom(ctx, bluegreen.BindingType.AttrTypes, b)
	diags.Append(d...)
	return obj
}

// sideAction is what an apply does to one side's cluster.
type sideAction int

const (
	sideAbsent   sideAction = iota // in neither the state nor the plan
	sideKeep                       // in both: unchanged, or changed in place
	sideCreate                     // new in the plan
	sideRecreate                   // in the state, but its cluster is gone
	sideReplace                    // version or role changed: the cluster is deleted and created again
	sideRemove                     // gone from the plan
)

// nodeGroupAction is what an apply does to the node group of a kept side;
// a side created, replaced or removed takes its node group with it.
type nodeGroupAction int

const (
	nodeGroupNone    nodeGroupAction = iota // none before or after, or the side is not kept
	nodeGroupKeep                           // unchanged, or sizes and labels changed in place
	nodeGroupCreate                         // added, or gone since the last refresh
	nodeGroupReplace                        // instance types changed
	nodeGroupRemove                         // removed from the side
)

// sideChange is what an apply does to one side, and why.
type sideChange struct {
	side      string
	action    sideAction
	why       string    // what forces a replacement, within the side, such as "version 1.29 → 1.30"
	whyPath   path.Path // the attribute that forces it
	nodeGroup nodeGroupAction
}

// destructive reports whether the change deletes a running cluster or node group.
func (c sideChange) destructive() bool {
	return c.action == sideReplace || c.action == sideRemove ||
		c.nodeGroup == nodeGroupReplace || c.nodeGroup == nodeGroupRemove
}

// sideModels is one side as the framework holds it, its node group parsed.
type sideModels struct {
	side sideModel
	ng   *nodeGroupModel // nil without a node group
}

// parseSide reads a side attribute; nil when the side is absent.
func parseSide(ctx context.Context, obj types.Object, diags *diag.Diagnostics) *sideModels {
	if obj.IsNull() || obj.IsUnknown() {
		return nil
	}
	var s sideModels
	diags.Append(obj.As(ctx, &s.side, basetypes.ObjectAsOptions{})...)
	if !s.side.NodeGroup.IsNull() && !s.side.NodeGroup.IsUnknown() {
		s.ng = &nodeGroupModel{}
		diags.Append(s.side.NodeGroup.As(ctx, s.ng, basetypes.ObjectAsOptions{})...)
	}
	return &s
}

// object turns the side back into its attribute value.
func (s *sideModels) object(ctx context.Context, diags *diag.Diagnostics) types.Object {
	if s.ng != nil {
		ng, d := types.ObjectValueFrom(ctx, nodeGroupType.AttrTypes, s.ng)
		diags.Append(d...)
		s.side.NodeGroup = ng
	} else {
		s.side.NodeGroup = types.ObjectNull(nodeGroupType.AttrTypes)
	}
	obj, d := types.ObjectValueFrom(ctx, sideType.AttrTypes, s.side)
	diags.Append(d...)
	return obj
}

// compareSide decides what an apply does to a side, from the state (st)
// and the plan (pl); either may be nil. A value unknown at plan time counts
// as a change, so that a plan never promises less than apply may do.
func compareSide(side string, st, pl *sideModels) sideChange {
	c := sideChange{side: side}
	switch {
	case st == nil && pl == nil:
		c.action = sideAbsent
	case st == nil:
		c.action = sideCreate
	case pl == nil:
		c.action = sideRemove
	case st.side.ARN.IsNull():
		c.action = sideRecreate
	case !st.side.Version.Equal(pl.side.Version):
		c.action, c.whyPath = sideReplace, path.Root(side).AtName("version")
		c.why = fmt.Sprintf("version %s → %s", shown(st.side.Version), shown(pl.side.Version))
	case !st.side.RoleARN.Equal(pl.side.RoleARN):
		c.action, c.whyPath = sideReplace, path.Root(side).AtName("role_arn")
		c.why = fmt.Sprintf("role_arn %s → %s", shown(st.side.RoleARN), shown(pl.side.RoleARN))
	default:
		c.action = sideKeep
		c.nodeGroup, c.why, c.whyPath = compareNodeGroup(side, st, pl)
	}
	return c
}

func compareNodeGroup(side string, st, pl *sideModels) (nodeGroupAction, string, path.Path) {
	at := path.Root(side).AtName("node_group")
	switch {
	case st.ng == nil && pl.ng == nil:
		return nodeGroupNone, "", at
	case st.ng == nil:
		return nodeGroupCreate, "", at
	case pl.ng == nil:
		return nodeGroupRemove, "", at
	case st.side.NodeGroupName.IsNull():
		return nodeGroupCreate, "", at
	case !st.ng.InstanceTypes.Equal(pl.ng.InstanceTypes):
		return nodeGroupReplace, fmt.Sprintf("node_group.instance_types %s → %s", st.ng.InstanceTypes, pl.ng.InstanceTypes),
			at.AtName("instance_types")
	}
	return nodeGroupKeep, "", at
}

func shown(v types.String) string {
	if v.IsUnknown() {
		return "(known after apply)"
	}
	return v.ValueString()
}

// diffPair compares every side of the state (nil when creating) with the plan.
func diffPair(ctx context.Context, state, plan *pairModel, diags *diag.Diagnostics) []sideChange {
	changes := make([]sideChange, 0, len(bluegreen.Sides))
	for _, side := range bluegreen.Sides {
		var st *sideModels
		if state != nil {
			st = parseSide(ctx, *state.sideObject(side), diags)
		}
		changes = append(changes, compareSide(side, st, parseSide(ctx, *plan.sideObject(side), diags)))
	}
	return changes
}

// pairPlanner fills in, at plan time, what apply will set on each side.
type pairPlanner struct{ names pairNames }

// planSide plans one side's computed values: names and ARNs are known in
// advance; endpoint, certificate and issuer are kept from the state unless
// the cluster is new. It also checks what the schema cannot: node group
// sizes against each other and one architecture across instance types.
func (p pairPlanner) planSide(ctx context.Context, side string, plan, config, state *pairModel, diags *diag.Diagnostics) sideChange {
	var st *sideModels
	if state != nil {
		st = parseSide(ctx, *state.sideObject(side), diags)
	}
	pl := parseSide(ctx, *plan.sideObject(side), diags)
	if pl == nil {
		return compareSide(side, st, nil)
	}
	if cfg := parseSide(ctx, *config.sideObject(side), diags); cfg != nil && cfg.side.RoleARN.IsNull() {
		pl.side.RoleARN = types.StringValue(p.names.roleARN(p.names.clusterRole(side)))
	}
	pl.side.ClusterName = types.StringValue(p.names.cluster(side))
	pl.side.ARN = types.StringValue(p.names.clusterARN(side))
	pl.side.NodeGroupName = types.StringNull()
	if pl.ng != nil {
		pl.side.NodeGroupName = types.StringValue(p.names.nodeGroup(side))
		checkNodeGroup(ctx, side, pl.ng, diags)
	}
	c := compareSide(side, st, pl)
	if c.action == sideKeep {
		pl.side.Endpoint, pl.side.CertificateAuthority, pl.side.OIDCIssuer = st.side.Endpoint, st.side.CertificateAuthority, st.side.OIDCIssuer
	} else {
		pl.side.Endpoint, pl.side.CertificateAuthority, pl.side.OIDCIssuer = types.StringUnknown(), types.StringUnknown(), types.StringUnknown()
	}
	*plan.sideObject(side) = pl.object(ctx, diags)
	return c
}

// checkNodeGroup refuses sizes EKS would refuse, and instance types of two
// architectures, which no one AMI runs.
func checkNodeGroup(ctx context.Context, side string, ng *nodeGroupModel, diags *diag.Diagnostics) {
	at := path.Root(side).AtName("node_group")
	minSize, maxSize, desired := ng.MinSize, ng.MaxSize, ng.DesiredSize
	if !minSize.IsUnknown() && !maxSize.IsUnknown() && minSize.ValueInt64() > maxSize.ValueInt64() {
		diags.AddAttributeError(at.AtName("min_size"), "Inconsistent node group sizes",
			fmt.Sprintf("%s %d is above max_size %d", at.AtName("min_size"), minSize.ValueInt64(), maxSize.ValueInt64()))
		return
	}
	if !desired.IsUnknown() && !minSize.IsUnknown() && !maxSize.IsUnknown() &&
		(desired.ValueInt64() < minSize.ValueInt64() || desired.ValueInt64() > maxSize.ValueInt64()) {
		diags.AddAttributeError(at.AtName("desired_size"), "Inconsistent node group sizes",
			fmt.Sprintf("%s %d must be between min_size %d and max_size %d",
				at.AtName("desired_size"), desired.ValueInt64(), minSize.ValueInt64(), maxSize.ValueInt64()))
	}
	instanceTypes, known := convert.Strings(ng.InstanceTypes)
	if !known {
		return
	}
	if _, err := amiTypeFor(instanceTypes); err != nil {
		diags.AddAttributeError(at.AtName("instance_types"), "Mixed architectures", fmt.Sprintf("%s: %s", at.AtName("instance_types"), err))
	}
}

// gravitonFamily matches the instance families that run arm64: a "g"
// after the generation digit (m7g, c6gn, r8gd, g5g, im4gn), and the first
// Graviton, a1.
var gravitonFamily = regexp.MustCompile(`^([a-z]+\d+g|a1$)`)

// amiTypeFor picks the Amazon Linux 2023 node AMI for the architecture of
// the instance types; EKS stops publishing Amazon Linux 2 AMIs at 1.33.
func amiTypeFor(instanceTypes []string) (string, error) {
	var arm, x86 []string
	for _, t := range instanceTypes {
		family, _, _ := strings.Cut(t, ".")
		if gravitonFamily.MatchString(family) {
			arm = append(arm, t)
		} else {
			x86 = append(x86, t)
		}
	}
	switch {
	case len(arm) > 0 && len(x86) > 0:
		return "", fmt.Errorf("instance types mix arm64 (%s) and x86_64 (%s); a node group runs one AMI, so use one architecture",
			strings.Join(arm, ", "), strings.Join(x86, ", "))
	case len(arm) > 0:
		return "AL2023_ARM_64_STANDARD", nil
	default:
		return "AL2023_x86_64_STANDARD", nil
	}
}

// checkLive refuses a plan that would take away the side that serves:
//   - while live stays on a side, that side's cluster and node group may
//     not be deleted or replaced;
//   - live may move only to a side that already exists and is kept as it
//     is, so that something serves throughout. The side it leaves may then
//     go in the same apply.
//
// live must also name a side that is present.
func checkLive(changes []sideChange, state, plan *pairModel, diags *diag.Diagnostics) {
	if plan.Live.IsUnknown() || plan.Live.IsNull() {
		return
	}
	live := plan.Live.ValueString()
	other := otherSide(live)
	byName := map[string]sideChange{}
	for _, c := range changes {
		byName[c.side] = c
	}
	c := byName[live]
	if state != nil && state.Live.ValueString() == live && c.destructive() {
		what := fmt.Sprintf("removing %s would delete cluster %s", live, state.Name.ValueString()+"-"+live)
		switch {
		case c.action == sideReplace:
			what = fmt.Sprintf("this plan would replace its cluster (%s.%s)", live, c.why)
		case c.nodeGroup == nodeGroupReplace:
			what = fmt.Sprintf("this plan would replace its node group (%s.%s)", live, c.why)
		case c.nodeGroup == nodeGroupRemove:
			what = fmt.Sprintf("this plan would delete its node group (%s.node_group removed)", live)
		}
		// At the side itself: the CLI cannot point within it (at blue.version)
		// and would show the resource's first line instead.
		diags.AddAttributeError(path.Root(live), "Change to the live side",
			fmt.Sprintf("%s is the live side and %s. %s", live, what, takeOver(byName[other], c)))
		return
	}
	if plan.sideObject(live).IsNull() {
		diags.AddAttributeError(path.Root("live"), "Live side absent",
			fmt.Sprintf("live = %q, but the pair has no %s side; live must name a side that is present", live, live))
		return
	}
	if state != nil && state.Live.ValueString() != live {
		if why := notReady(c); why != "" {
			diags.AddAttributeError(path.Root("live"), "Live side not ready",
				fmt.Sprintf("live would move to %s, whose %s in this plan: a side must exist before it serves. "+
					"Apply the change to %s first, then set live = %q in a separate apply.", live, why, live, live))
		}
	}
}

// takeOver advises how the other side (o), as this plan leaves it, can
// start serving, so that the change to the live side (c) can follow.
func takeOver(o, c sideChange) string {
	then := "change " + c.side
	if c.action == sideRemove {
		then = "remove " + c.side
	}
	switch why := notReady(o); {
	case o.action == sideAbsent:
		advice := fmt.Sprintf("The pair has no %[1]s side to take over: add %[1]s, then set live = %[1]q once it serves, "+
			"each in a separate apply, then %[2]s.", o.side, then)
		if c.action == sideRemove {
			advice += " To delete the pair instead, remove the whole paved_eks_cluster_pair resource."
		}
		return advice
	case o.action == sideRemove:
		return fmt.Sprintf("%[1]s, which could take over, is removed in this plan too: keep %[1]s, set live = %[1]q "+
			"in a separate apply, then %[2]s.", o.side, then)
	case why != "":
		return fmt.Sprintf("%[1]s cannot take over yet, since its %[2]s in this plan: apply that first, then set "+
			"live = %[1]q, then %[3]s, each in a separate apply.", o.side, why, then)
	}
	return fmt.Sprintf("Set live = %q first, in a separate apply, then %s.", o.side, then)
}

// notReady says why a side cannot take over serving in the same apply, or "".
func notReady(c sideChange) string {
	switch {
	case c.action == sideCreate:
		return "cluster is created"
	case c.action == sideRecreate:
		return "cluster is created again"
	case c.action == sideReplace:
		return fmt.Sprintf("cluster is replaced (%s.%s)", c.side, c.why)
	case c.nodeGroup == nodeGroupCreate:
		return "node group is created"
	case c.nodeGroup == nodeGroupReplace:
		return fmt.Sprintf("node group is replaced (%s.%s)", c.side, c.why)
	case c.nodeGroup == nodeGroupRemove:
		return "node group is deleted"
	}
	return ""
}

func otherSide(side string) string {
	if side == "blue" {
		return "green"
	}
	return "blue"
}

// warnChanges says in the plan what happens to each side beyond an update
// in place, since Terraform shows the whole pair as updated in place.
func warnChanges(changes []sideChange, names pairNames, live types.String, diags *diag.Diagnostics) {
	serving := ""
	if !live.IsUnknown() && !live.IsNull() {
		serving = fmt.Sprintf("; %s keeps serving", live.ValueString())
	}
	for _, c := range changes {
		cluster := names.cluster(c.side)
		switch {
		case c.action == sideReplace:
			diags.AddAttributeWarning(c.whyPath, fmt.Sprintf("%s cluster will be replaced", c.side),
				fmt.Sprintf("%s cluster %s will be replaced: %s%s", c.side, cluster, c.why, serving))
		case c.action == sideRemove:
			diags.AddAttributeWarning(path.Root(c.side), fmt.Sprintf("%s cluster will be deleted", c.side),
				fmt.Sprintf("%s cluster %s will be deleted, with its node group and the roles paved created for it%s",
					c.side, cluster, serving))
		case c.action == sideRecreate:
			diags.AddAttributeWarning(path.Root(c.side), fmt.Sprintf("%s cluster is gone", c.side),
				fmt.Sprintf("%s cluster %s no longer exists; it will be created again", c.side, cluster))
		case c.nodeGroup == nodeGroupReplace:
			diags.AddAttributeWarning(c.whyPath, fmt.Sprintf("%s node group will be replaced", c.side),
				fmt.Sprintf("%s node group %s will be replaced: %s%s", c.side, names.nodeGroup(c.side), c.why, serving))
		}
	}
}
