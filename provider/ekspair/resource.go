package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/paved-road/paved/provider/bluegreen"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/tags"
	"github.com/paved-road/paved/provider/validate"

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

	"github.com/paved-road/paved/provider/timeouts"

	"github.com/paved-road/paved/provider/standards"
)

var (
	_ resource.ResourceWithConfigure   = (*eksClusterPairResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*eksClusterPairResource)(nil)
	_ resource.ResourceWithImportState = (*eksClusterPairResource)(nil)
)

// Default waits, overridable with the timeouts block. An EKS cluster takes
// 10-15 minutes to create and about 10 to delete, a node group about 5 each
// way; an update may replace one side, which is both.
const (
	eksCreateTimeout = 60 * time.Minute
	eksUpdateTimeout = 90 * time.Minute
	eksDeleteTimeout = 60 * time.Minute
)

// eksVersions are the Kubernetes minor versions a side may run: those EKS
// offers in standard or extended support.
var eksVersions = []string{"1.28", "1.29", "1.30", "1.31", "1.32", "1.33"}

// eksPairName is the rule of pair names. Of the names derived from one
// (see eksNames), the cluster role `<name>-green-cluster` meets its limit
// first: IAM allows 64 characters for a role name, while EKS allows 100 for
// a cluster (`<name>-green`) and 63 for a node group (`<name>-green-nodes`).
var eksPairName = validate.NameRule{
	Pattern: validate.LowercaseName, Chars: validate.LowercaseChars, Max: 64 - len("-green-cluster"),
	Why: "the cluster role of a side is named <name>-<side>-cluster, and IAM limits role names to 64 characters",
}

// NewEKSClusterPairResource is a blue/green pair of EKS clusters, each side
// with its own IAM roles and optional managed node group.
func NewEKSClusterPairResource() resource.Resource { return &eksClusterPairResource{} }

type eksClusterPairResource struct{ meta *accounts.Meta }

type eksPairModel struct {
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

type eksSideModel struct {
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

type eksNodeGroupModel struct {
	InstanceTypes types.List  `tfsdk:"instance_types"`
	MinSize       types.Int64 `tfsdk:"min_size"`
	MaxSize       types.Int64 `tfsdk:"max_size"`
	DesiredSize   types.Int64 `tfsdk:"desired_size"`
	Labels        types.Map   `tfsdk:"labels"`
}

// The object types of the nested attributes, taken from the schema so the
// two cannot disagree.
var (
	eksSideType      = eksSideAttribute("").GetType().(types.ObjectType)
	eksNodeGroupType = eksNodeGroupAttribute().GetType().(types.ObjectType)
)

func (r *eksClusterPairResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_eks_cluster_pair"
}

func (r *eksClusterPairResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
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
				Validators: eksPairName.Validators(),
				Description: fmt.Sprintf("Name of the pair, at most %d characters: lowercase letters, digits and single "+
					"hyphens, starting with a letter. The clusters are `<name>-blue` and `<name>-green`; the longest name "+
					"derived from it is the cluster role `<name>-green-cluster`, which IAM limits to 64 characters. "+
					"Changing it replaces the pair.", eksPairName.Max),
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
			"blue":  eksSideAttribute("blue"),
			"green": eksSideAttribute("green"),
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
			"timeouts": eksTimeouts(ctx),
		},
	}
}

// eksSideAttribute is the schema of one side; side only colours the descriptions.
func eksSideAttribute(side string) schema.SingleNestedAttribute {
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
				Validators: []validator.String{stringvalidator.OneOf(eksVersions...)},
				Description: "Kubernetes minor version, one of " + strings.Join(eksVersions, ", ") + ". Changing it " +
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
			"node_group":            eksNodeGroupAttribute(),
			"cluster_name":          computed("Name of the EKS cluster, `<name>-<side>`."),
			"arn":                   computed("ARN of the EKS cluster."),
			"endpoint":              computed("URL of the Kubernetes API server."),
			"certificate_authority": computed("Base64-encoded certificate authority data of the cluster, for kubeconfig."),
			"oidc_issuer":           computed("OIDC issuer URL of the cluster, for IAM roles for service accounts."),
			"node_group_name":       computed("Name of the managed node group, `<name>-<side>-nodes`; null without `node_group`."),
		},
	}
}

func eksNodeGroupAttribute() schema.SingleNestedAttribute {
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

// eksTimeouts is the timeouts attribute, described for the docs.
func eksTimeouts(ctx context.Context) schema.Attribute {
	return timeouts.Attribute(ctx, timeouts.Opts{
		CreateDescription: "How long creating the sides may take in all, such as `90m`. Defaults to 60m.",
		UpdateDescription: "How long an update may take in all, including replacing a side, such as `2h`. Defaults to 90m.",
		DeleteDescription: "How long deleting node groups, clusters and roles may take in all. Defaults to 60m.",
	}, "How long paved waits on EKS before giving up; an interrupted create removes what it made.")
}

func (r *eksClusterPairResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.meta = accounts.MetaFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks against the standards and the prior state what a plan
// may do to the pair, and plans every value apply can know in advance:
// names, ARNs, tags and the binding, so that paved_alb_target_binding can
// check its weights against the sides at plan time. A side that is
// replaced, deleted or created again gets a warning saying so; a change
// that would delete or replace the live side is refused.
func (r *eksClusterPairResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.meta == nil {
		return // destroying the whole pair is allowed
	}
	var plan, config eksPairModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	plan.Binding = eksBinding(ctx, &plan)
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

	var state *eksPairModel
	if !req.State.Raw.IsNull() {
		state = &eksPairModel{}
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
	plan.ID = types.StringValue(plan.Environment.ValueString() + "/" + plan.Name.ValueString())

	p := pairPlanner{names: eksNames{pair: plan.Name.ValueString(), env: env}}
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

// planTags plans tags_all: the standard tags over default_tags and tags,
// and paved:live on the clusters.
func (r *eksClusterPairResource) planTags(ctx context.Context, plan *eksPairModel, diags *diag.Diagnostics) {
	if _, ok := plan.Tags.Elements()[eksLiveTag]; ok {
		diags.AddAttributeError(path.Root("tags").AtMapKey(eksLiveTag), "Reserved tag",
			fmt.Sprintf("tag %q is set by paved from `live` and cannot be set in tags", eksLiveTag))
	}
	if plan.Team.IsUnknown() || plan.Service.IsUnknown() || plan.Live.IsUnknown() {
		plan.TagsAll = types.MapUnknown(types.StringType)
		return
	}
	tags, ok := r.meta.Tags(ctx, plan.Tags, eksStandardTags(plan), diags)
	if !ok {
		plan.TagsAll = tags
		return
	}
	all := tags.Elements()
	all[eksLiveTag] = plan.Live
	plan.TagsAll = types.MapValueMust(types.StringType, all)
}

func eksStandardTags(m *eksPairModel) map[string]string {
	return map[string]string{
		"team":        m.Team.ValueString(),
		"service":     m.Service.ValueString(),
		"environment": m.Environment.ValueString(),
		"managed-by":  tags.ManagedBy,
	}
}

// eksBinding derives the binding from the pair, each field known as soon
// as what it depends on is.
func eksBinding(ctx context.Context, m *eksPairModel) types.Object {
	b := bluegreen.Binding{
		ID: types.StringUnknown(), Environment: m.Environment, Name: m.Name, Live: m.Live,
		Sides: types.ListUnknown(types.StringType),
	}
	if !m.Environment.IsUnknown() && !m.Name.IsUnknown() {
		b.ID = types.StringValue(m.Environment.ValueString() + "/" + m.Name.ValueString())
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
	obj, _ := types.ObjectValueFrom(ctx, bluegreen.BindingType.AttrTypes, b) // strings and a list of strings always convert
	return obj
}

func (r *eksClusterPairResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan eksPairModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, eksCreateTimeout)
	resp.Diagnostics.Append(d...)
	ops := r.ops(ctx, &plan, "Creating EKS cluster pair", &resp.Diagnostics)
	if ops == nil || resp.Diagnostics.HasError() {
		return
	}
	changes := diffPair(ctx, nil, &plan, &resp.Diagnostics)
	want := ops.spec(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ops.apply(ctx, changes, eksPairSpec{}, want, timeout); err != nil {
		resp.Diagnostics.AddError("Creating EKS cluster pair", err.Error())
		return
	}
	if _, err := ops.read(ctx, &plan, r.meta); err != nil {
		resp.Diagnostics.AddError("Reading EKS cluster pair after create", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes both sides. A side whose cluster is gone keeps its
// configuration but loses its computed values, so the next plan shows it
// created again; a node group that is gone likewise loses node_group_name.
// Only when no cluster of the pair is left is the pair gone.
func (r *eksClusterPairResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state eksPairModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ops := r.ops(ctx, &state, "Reading EKS cluster pair", &resp.Diagnostics)
	if ops == nil {
		return
	}
	found, err := ops.read(ctx, &state, r.meta)
	if err != nil {
		resp.Diagnostics.AddError("Reading EKS cluster pair", err.Error())
		return
	}
	if !found {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update applies the side changes ModifyPlan planned. If a step fails, what
// this apply created is removed again and the state is what AWS then holds,
// so the next plan shows what is left to do.
func (r *eksClusterPairResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state eksPairModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, eksUpdateTimeout)
	resp.Diagnostics.Append(d...)
	ops := r.ops(ctx, &plan, "Updating EKS cluster pair", &resp.Diagnostics)
	if ops == nil || resp.Diagnostics.HasError() {
		return
	}
	changes := diffPair(ctx, &state, &plan, &resp.Diagnostics)
	have, want := ops.spec(ctx, &state, &resp.Diagnostics), ops.spec(ctx, &plan, &resp.Diagnostics)
	// Values unknown at plan time are known now: check the live side again.
	checkLive(changes, &state, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ops.apply(ctx, changes, have, want, timeout); err != nil {
		resp.Diagnostics.AddError("Updating EKS cluster pair", err.Error())
		if _, readErr := ops.read(ctx, &state, r.meta); readErr != nil {
			resp.Diagnostics.AddError("Reading EKS cluster pair after a failed update", readErr.Error())
			return
		}
		resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
		return
	}
	if _, err := ops.read(ctx, &plan, r.meta); err != nil {
		resp.Diagnostics.AddError("Reading EKS cluster pair after update", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *eksClusterPairResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state eksPairModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, eksDeleteTimeout)
	resp.Diagnostics.Append(d...)
	ops := r.ops(ctx, &state, "Deleting EKS cluster pair", &resp.Diagnostics)
	if ops == nil || resp.Diagnostics.HasError() {
		return
	}
	have := ops.spec(ctx, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ops.deleteAll(ctx, have, timeout); err != nil {
		resp.Diagnostics.AddError("Deleting EKS cluster pair", err.Error())
	}
}

// ImportState takes `<environment>/<name>`; Read then finds the sides by
// their cluster names and `live` from the paved:live tag.
func (r *eksClusterPairResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.meta.ImportTarget(ctx, req, resp, eksPairName.Valid, "prod/shop")
}

// ops returns the EKS and IAM operations in m's environment, or nil after
// reporting why under the given summary.
func (r *eksClusterPairResource) ops(ctx context.Context, m *eksPairModel, summary string, diags *diag.Diagnostics) *eksPairOps {
	env, err := r.meta.Standards.Environment(m.Environment.ValueString())
	if err != nil {
		diags.AddError(summary, err.Error())
		return nil
	}
	eksClient, err := r.meta.Sessions.EKS(ctx, env.Name)
	if err != nil {
		diags.AddError(summary, err.Error())
		return nil
	}
	iamClient, err := r.meta.Sessions.IAM(ctx, env.Name)
	if err != nil {
		diags.AddError(summary, err.Error())
		return nil
	}
	return &eksPairOps{eks: eksClient, iam: iamClient, names: eksNames{pair: m.Name.ValueString(), env: env}}
}

// sideObject returns the attribute of the named side.
func (m *eksPairModel) sideObject(side string) *types.Object {
	if side == "blue" {
		return &m.Blue
	}
	return &m.Green
}

// eksNames derives every name and ARN of a pair from its name and
// environment, so that plans know them before apply.
type eksNames struct {
	pair string
	env  standards.Environment
}

func (n eksNames) cluster(side string) string   { return n.pair + "-" + side }
func (n eksNames) nodeGroup(side string) string { return n.pair + "-" + side + "-nodes" }
func (n eksNames) clusterRole(side string) string {
	return n.pair + "-" + side + "-cluster"
}
func (n eksNames) nodeRole(side string) string { return n.pair + "-" + side + "-node" }
func (n eksNames) roleARN(role string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", n.env.AccountID, role)
}
func (n eksNames) clusterARN(side string) string {
	return fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", n.env.Region, n.env.AccountID, n.cluster(side))
}
