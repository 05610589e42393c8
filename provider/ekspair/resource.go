// Package ekspair is paved_eks_cluster_pair: a blue/green pair of EKS
// clusters, each side with its own IAM roles and optional managed node
// group, upgraded by replacing a side rather than upgrading it in place.
package ekspair

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/listdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/standards"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/timeouts"
	"github.com/paved-road/paved/provider/validate"
)

// typeName is the resource type, as diagnostics name it.
const typeName = "paved_eks_cluster_pair"

// liveTag on both clusters names the live side: AWS has no other record
// of it, and import reads it back from there.
const liveTag = "paved:live"

var (
	_ resource.ResourceWithConfigure   = (*pairResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*pairResource)(nil)
	_ resource.ResourceWithImportState = (*pairResource)(nil)
)

// Default waits, overridable with the timeouts block. An EKS cluster takes
// 10-15 minutes to create and about 10 to delete, a node group about 5 each
// way; an update may replace one side, which is both.
const (
	createTimeout = 60 * time.Minute
	updateTimeout = 90 * time.Minute
	deleteTimeout = 60 * time.Minute
)

// kubernetesVersions are the Kubernetes minor versions a side may run:
// those EKS offers in standard or extended support.
var kubernetesVersions = []string{"1.28", "1.29", "1.30", "1.31", "1.32", "1.33"}

// pairName is the rule of pair names. Of the names derived from one
// (see pairNames), the cluster role `<name>-green-cluster` meets its limit
// first: IAM allows 64 characters for a role name, while EKS allows 100 for
// a cluster (`<name>-green`) and 63 for a node group (`<name>-green-nodes`).
var pairName = validate.NameRule{
	Pattern: validate.LowercaseName, Chars: validate.LowercaseChars, Max: 64 - len("-green-cluster"),
	Why: "the cluster role of a side is named <name>-<side>-cluster, and IAM limits role names to 64 characters",
}

// NewResource is paved_eks_cluster_pair: a blue/green pair of EKS
// clusters, each side with its own IAM roles and optional managed node group.
func NewResource() resource.Resource { return &pairResource{} }

type pairResource struct{ meta *accounts.Meta }

type pairModel struct {
	ID          types.String   `tfsdk:"id"`
	Environment types.String   `tfsdk:"environment"`
	Name        types.String   `tfsdk:"name"`
	Team        types.String   `tfsdk:"team"`
	Service     types.String   `tfsdk:"service"`
	Live        types.String   `tfsdk:"live"`
	Blue        types.Object   `tfsdk:"blue"`
	Green       types.Object   `tfsdk:"green"`
	Tags        types.Map      `tfsdk:"tags"`
	TagsAll     types.Map      `tfsdk:"tags_all"`
	Binding     types.Object   `tfsdk:"binding"`
	Timeouts    timeouts.Value `tfsdk:"timeouts"`
}

type sideModel struct {
	Version               types.String `tfsdk:"version"`
	EndpointPublicAccess  types.Bool   `tfsdk:"endpoint_public_access"`
	EndpointPrivateAccess types.Bool   `tfsdk:"endpoint_private_access"`
	RoleARN               types.String `tfsdk:"role_arn"`
	NodeGroup             types.Object `tfsdk:"node_group"`
	ClusterName           types.String `tfsdk:"cluster_name"`
	ARN                   types.String `tfsdk:"arn"`
	Endpoint              types.String `tfsdk:"endpoint"`
	CertificateAuthority  types.String `tfsdk:"certificate_authority"`
	OIDCIssuer            types.String `tfsdk:"oidc_issuer"`
	NodeGroupName         types.String `tfsdk:"node_group_name"`
}

type nodeGroupModel struct {
	InstanceTypes types.List  `tfsdk:"instance_types"`
	MinSize       types.Int64 `tfsdk:"min_size"`
	MaxSize       types.Int64 `tfsdk:"max_size"`
	DesiredSize   types.Int64 `tfsdk:"desired_size"`
	Labels        types.Map   `tfsdk:"labels"`
}

// The object types of the nested attributes, taken from the schema so the
// two cannot disagree.
var (
	sideType      = sideAttribute("").GetType().(types.ObjectType)
	nodeGroupType = nodeGroupAttribute().GetType().(types.ObjectType)
)

func (r *pairResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_eks_cluster_pair"
}

func (r *pairResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	resp.Schema = schema.Schema{
		Description: "A blue/green pair of EKS clusters in an environment account, for upgrading Kubernetes by " +
			"replacing a cluster rather than upgrading it in place: add the side at the new version, shift traffic " +
			"to it (paved_alb_target_binding), flip `live`, drop the old side. Each side has its own cluster IAM " +
			"role and optional managed node group, in the environment's subnets and security groups, with the " +
			"standard tags. A change of a side's version replaces that side's cluster, never the pair, and paved " +
			"refuses at plan time any change that would delete or replace the live side.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, PlanModifiers: []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
				Description: "`<environment>/<name>`, the import id.",
			},
			"environment": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Description: "Environment from the standards; the clusters are created in its account, region, subnets " +
					"and security groups. Changing it replaces the pair.",
			},
			"name": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Validators: pairName.Validators(),
				Description: fmt.Sprintf("Name of the pair, at most %d characters: lowercase letters, digits and single "+
					"hyphens, starting with a letter. The clusters are `<name>-blue` and `<name>-green`; the longest name "+
					"derived from it is the cluster role `<name>-green-cluster`, which IAM limits to 64 characters. "+
					"Changing it replaces the pair.", pairName.Max),
			},
			"team": schema.StringAttribute{Required: true, Description: "Owning team; one of the standards' `teams`. Tagged as `team`."},
			"service": schema.StringAttribute{
				Required: true, Description: "Service that runs on the clusters. Tagged as `service`.",
			},
			"live": schema.StringAttribute{
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(bluegreen.Sides...)},
				Description: "The side that serves: `blue` or `green`; it must be present. paved refuses a plan that would " +
					"delete or replace the live side, or its node group; flip `live` to the other side first. Recorded " +
					"on both clusters as the `paved:live` tag, from which import reads it.",
			},
			"blue":  sideAttribute("blue"),
			"green": sideAttribute("green"),
			"tags": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				Description: "Tags, on top of `default_tags`, on the clusters, node groups and the roles paved creates.",
			},
			"tags_all": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "All tags on the clusters: team, service, environment and managed-by, `default_tags`, `tags`, " +
					"and `paved:live` naming the live side. Node groups and roles carry the same tags without `paved:live`. " +
					"A tag changed outside Terraform on either cluster shows here in the plan.",
			},
			"binding":  bluegreen.BindingAttribute(),
			"timeouts": timeoutsAttribute(ctx),
		},
	}
}

// sideAttribute is the schema of one side; side only colours the descriptions.
func sideAttribute(side string) schema.SingleNestedAttribute {
	computed := func(what string) schema.StringAttribute {
		return schema.StringAttribute{Computed: true, Description: what}
	}
	return schema.SingleNestedAttribute{
		Optional: true,
		Description: fmt.Sprintf("The %s side: cluster `<name>-%s`. Adding it creates the cluster; removing it deletes "+
			"the cluster, its node group and the roles paved created for it. A change of `version` or `role_arn` "+
			"replaces this side's cluster only, and the plan says so in a warning.", side, side),
		Attributes: map[string]schema.Attribute{
			"version": schema.StringAttribute{
				Required:   true,
				Validators: []validator.String{stringvalidator.OneOf(kubernetesVersions...)},
				Description: "Kubernetes minor version, one of " + strings.Join(kubernetesVersions, ", ") + ". Changing it " +
					"replaces this side's cluster (EKS upgrades in place one way only; a pair upgrades by replacement).",
			},
			"endpoint_public_access": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(false),
				Description: "Whether the Kubernetes API is reachable from the internet. Defaults to false.",
			},
			"endpoint_private_access": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				Description: "Whether the Kubernetes API is reachable from inside the VPC. Defaults to true.",
			},
			"role_arn": schema.StringAttribute{
				Optional: true, Computed: true,
				Validators: []validator.String{validate.RoleARN},
				Description: "Cluster IAM role to use. When unset, paved creates `<name>-<side>-cluster`, trusting " +
					"eks.amazonaws.com, with AmazonEKSClusterPolicy. Changing it replaces this side's cluster.",
			},
			"node_group":            nodeGroupAttribute(),
			"cluster_name":          computed("Name of the EKS cluster, `<name>-<side>`."),
			"arn":                   computed("ARN of the EKS cluster."),
			"endpoint":              computed("URL of the Kubernetes API server."),
			"certificate_authority": computed("Base64-encoded certificate authority data of the cluster, for kubeconfig."),
			"oidc_issuer":           computed("OIDC issuer URL of the cluster, for IAM roles for service accounts."),
			"node_group_name":       computed("Name of the managed node group, `<name>-<side>-nodes`; null without `node_group`."),
		},
	}
}

func nodeGroupAttribute() schema.SingleNestedAttribute {
	size := func(what string, least, def int64) schema.Int64Attribute {
		return schema.Int64Attribute{
			Optional: true, Computed: true, Default: int64default.StaticInt64(def),
			Validators:  []validator.Int64{int64validator.Between(least, 1000)},
			Description: fmt.Sprintf("%s Defaults to %d.", what, def),
		}
	}
	return schema.SingleNestedAttribute{
		Optional: true,
		Description: "A managed node group `<name>-<side>-nodes` in the environment's subnets, with a node role " +
			"`<name>-<side>-node` paved creates (AmazonEKSWorkerNodePolicy, AmazonEKS_CNI_Policy, " +
			"AmazonEC2ContainerRegistryReadOnly). Sizes and labels change in place; a change of `instance_types` " +
			"replaces the node group.",
		Attributes: map[string]schema.Attribute{
			"instance_types": schema.ListAttribute{
				Optional: true, Computed: true, ElementType: types.StringType,
				Default: listdefault.StaticValue(types.ListValueMust(types.StringType, []attr.Value{types.StringValue("m7g.large")})),
				Validators: []validator.List{
					listvalidator.SizeBetween(1, 20),
					listvalidator.ValueStringsAre(stringvalidator.RegexMatches(regexp.MustCompile(`^[a-z][a-z0-9-]*\.[a-z0-9]+$`),
						"must be an EC2 instance type such as m7g.large")),
				},
				Description: "EC2 instance types, all Graviton (arm64) or all x86_64: paved picks the Amazon Linux 2023 " +
					"AMI for their architecture. Defaults to `[\"m7g.large\"]`. Changing it replaces the node group.",
			},
			"min_size":     size("Fewest nodes.", 0, 2),
			"max_size":     size("Most nodes, at least 1.", 1, 4),
			"desired_size": size("Nodes to run now, between `min_size` and `max_size`.", 0, 2),
			"labels": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				Description: "Kubernetes labels on the nodes.",
			},
		},
	}
}

// timeoutsAttribute is the timeouts attribute, described for the docs.
func timeoutsAttribute(ctx context.Context) schema.Attribute {
	return timeouts.Attribute(ctx, timeouts.Opts{
		CreateDescription: "How long creating the sides may take in all, such as `90m`. Defaults to 60m.",
		UpdateDescription: "How long an update may take in all, including replacing a side, such as `2h`. Defaults to 90m.",
		DeleteDescription: "How long deleting node groups, clusters and roles may take in all. Defaults to 60m.",
	}, "How long paved waits on EKS before giving up; an interrupted create removes what it made.")
}

func (r *pairResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.meta = accounts.MetaFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks against the standards and the prior state what a plan
// may do to the pair, and plans every value apply can know in advance:
// names, ARNs, tags and the binding, so that paved_alb_target_binding can
// check its weights against the sides at plan time. A side that is
// replaced, deleted or created again gets a warning saying so; a change
// that would delete or replace the live side is refused.
func (r *pairResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.meta == nil {
		return // destroying the whole pair is allowed
	}
	var plan, config pairModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.Binding = bindingOf(ctx, &plan, &resp.Diagnostics)
	if plan.Environment.IsUnknown() {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	env, err := r.meta.Standards.Environment(plan.Environment.ValueString())
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("environment"), "Unknown environment", err.Error())
		return
	}
	if t := plan.Team.ValueString(); !plan.Team.IsUnknown() && !r.meta.Standards.HasTeam(t) {
		resp.Diagnostics.AddAttributeError(path.Root("team"), "Unknown team",
			fmt.Sprintf("%q is not a team in %s; known teams: %s", t, r.meta.Standards.File, strings.Join(r.meta.Standards.Teams, ", ")))
	}
	r.planTags(ctx, &plan, &resp.Diagnostics)

	var state *pairModel
	if !req.State.Raw.IsNull() {
		state = &pairModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
		// A new environment or name replaces the whole pair: every side is new.
		if !state.Environment.Equal(plan.Environment) || !state.Name.Equal(plan.Name) {
			state = nil
		}
	}
	if plan.Name.IsUnknown() || plan.Blue.IsUnknown() || plan.Green.IsUnknown() {
		// Apply checks the sides once they are known (see Update).
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}
	plan.ID = types.StringValue(plan.id())

	p := pairPlanner{names: pairNames{pair: plan.Name.ValueString(), env: env}}
	changes := make([]sideChange, 0, len(bluegreen.Sides))
	for _, side := range bluegreen.Sides {
		planned := p.planSide(ctx, side, &plan, &config, state, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		changes = append(changes, planned)
	}
	checkLive(changes, state, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	warnChanges(changes, p.names, plan.Live, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *pairResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan pairModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, createTimeout)
	resp.Diagnostics.Append(d...)
	const summary, action = "Creating EKS cluster pair", "creating"
	ops := r.ops(ctx, &plan, summary, action, &resp.Diagnostics)
	if ops == nil || resp.Diagnostics.HasError() {
		return
	}
	changes := diffPair(ctx, nil, &plan, &resp.Diagnostics)
	want, err := ops.spec(ctx, &plan, &resp.Diagnostics)
	if err != nil {
		report(&resp.Diagnostics, summary, action, &plan, err)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ops.apply(ctx, changes, pairSpec{}, want, timeout); err != nil {
		report(&resp.Diagnostics, summary, action, &plan, err)
		return
	}
	if r.readBack(ctx, ops, &plan, "Reading EKS cluster pair after create", &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// Read refreshes both sides. A side whose cluster is gone keeps its
// configuration but loses its computed values, so the next plan shows it
// created again; a node group that is gone likewise loses node_group_name.
// Only when no cluster of the pair is left is the pair gone.
func (r *pairResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state pairModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	const summary, action = "Reading EKS cluster pair", "reading"
	ops := r.ops(ctx, &state, summary, action, &resp.Diagnostics)
	if ops == nil {
		return
	}
	found, err := ops.findPair(ctx, lookups(ctx, &state, &resp.Diagnostics))
	if awserr.IsNotFound(err) {
		steps.Gone(ctx, resp, typeName, state.id(), err)
		return
	}
	if err != nil {
		report(&resp.Diagnostics, summary, action, &state, err)
		return
	}
	resp.Diagnostics.Append(flattenPair(ctx, &state, found, r.meta)...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update applies the side changes ModifyPlan planned. If a step fails, what
// this apply created is removed again and the state is what AWS then holds,
// so the next plan shows what is left to do.
func (r *pairResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state pairModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, updateTimeout)
	resp.Diagnostics.Append(d...)
	const summary, action = "Updating EKS cluster pair", "updating"
	ops := r.ops(ctx, &plan, summary, action, &resp.Diagnostics)
	if ops == nil || resp.Diagnostics.HasError() {
		return
	}
	changes := diffPair(ctx, &state, &plan, &resp.Diagnostics)
	have, err := ops.spec(ctx, &state, &resp.Diagnostics)
	if err != nil {
		report(&resp.Diagnostics, summary, action, &plan, err)
	}
	want, err := ops.spec(ctx, &plan, &resp.Diagnostics)
	if err != nil {
		report(&resp.Diagnostics, summary, action, &plan, err)
	}
	// Values unknown at plan time are known now: check the live side again.
	checkLive(changes, &state, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ops.apply(ctx, changes, have, want, timeout); err != nil {
		report(&resp.Diagnostics, summary, action, &plan, err)
		if r.readBack(ctx, ops, &state, "Reading EKS cluster pair after a failed update", &resp.Diagnostics) {
			resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		}
		return
	}
	if r.readBack(ctx, ops, &plan, "Reading EKS cluster pair after update", &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// Delete takes down every side; what is already gone counts as deleted.
func (r *pairResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state pairModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, deleteTimeout)
	resp.Diagnostics.Append(d...)
	const summary, action = "Deleting EKS cluster pair", "deleting"
	ops := r.ops(ctx, &state, summary, action, &resp.Diagnostics)
	if ops == nil || resp.Diagnostics.HasError() {
		return
	}
	have, err := ops.spec(ctx, &state, &resp.Diagnostics)
	if err != nil {
		report(&resp.Diagnostics, summary, action, &state, err)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ops.deleteAll(ctx, have, timeout); err != nil {
		report(&resp.Diagnostics, summary, action, &state, err)
	}
}

// ImportState takes `<environment>/<name>`; Read then finds the sides by
// their cluster names and `live` from the paved:live tag.
func (r *pairResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.meta.ImportTarget(ctx, req, resp, pairName.Valid, "prod/shop")
}

// readBack refreshes m after an apply, and reports whether it could. Unlike
// Read it keeps a pair of which no cluster is left, its sides marked gone,
// so that the next plan creates them again: a failed update may have
// removed everything it made.
func (r *pairResource) readBack(ctx context.Context, ops *pairOps, m *pairModel, summary string, diags *diag.Diagnostics) bool {
	found, err := ops.findPair(ctx, lookups(ctx, m, diags))
	if err != nil && !awserr.IsNotFound(err) {
		report(diags, summary, "reading", m, err)
		return false
	}
	d := flattenPair(ctx, m, found, r.meta)
	diags.Append(d...)
	return !d.HasError()
}

// ops returns the EKS and IAM operations in m's environment, or nil after
// reporting why.
func (r *pairResource) ops(ctx context.Context, m *pairModel, summary, action string, diags *diag.Diagnostics) *pairOps {
	env, err := r.meta.Standards.Environment(m.Environment.ValueString())
	if err != nil {
		report(diags, summary, action, m, err)
		return nil
	}
	eksClient, err := r.meta.Sessions.EKS(ctx, env.Name)
	if err != nil {
		report(diags, summary, action, m, err)
		return nil
	}
	iamClient, err := r.meta.Sessions.IAM(ctx, env.Name)
	if err != nil {
		report(diags, summary, action, m, err)
		return nil
	}
	return &pairOps{eks: eksClient, iam: iamClient, names: pairNames{pair: m.Name.ValueString(), env: env}}
}

// report adds err under summary, worded as every paved resource words a
// failed action: the action, the pair, then what failed.
func report(diags *diag.Diagnostics, summary, action string, m *pairModel, err error) {
	diags.AddError(summary, steps.Failure(action, typeName, m.id(), err))
}

// id is the pair's `<environment>/<name>`.
func (m *pairModel) id() string { return m.Environment.ValueString() + "/" + m.Name.ValueString() }

// sideObject returns the attribute of the named side.
func (m *pairModel) sideObject(side string) *types.Object {
	if side == "blue" {
		return &m.Blue
	}
	return &m.Green
}

// pairNames derives every name and ARN of a pair from its name and
// environment, so that plans know them before apply.
type pairNames struct {
	pair string
	env  standards.Environment
}

func (n pairNames) cluster(side string) string   { return n.pair + "-" + side }
func (n pairNames) nodeGroup(side string) string { return n.pair + "-" + side + "-nodes" }
func (n pairNames) clusterRole(side string) string {
	return n.pair + "-" + side + "-cluster"
}
func (n pairNames) nodeRole(side string) string { return n.pair + "-" + side + "-node" }
func (n pairNames) roleARN(role string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", n.env.AccountID, role)
}
func (n pairNames) clusterARN(side string) string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", n.env.Region, n.env.AccountID, n.cluster(side))
}
