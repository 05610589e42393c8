package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/tags"
	"github.com/paved-road/paved/provider/validate"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/timeouts"

	"github.com/paved-road/paved/provider/engines"
	"github.com/paved-road/paved/provider/standards"
)

var (
	_ resource.ResourceWithConfigure   = (*redisResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*redisResource)(nil)
	_ resource.ResourceWithImportState = (*redisResource)(nil)
)

// Default waits, overridable with the timeouts block. Creating a Multi-AZ
// replication group on AWS typically takes 10-20 minutes.
const (
	redisCreateTimeout = 60 * time.Minute
	redisUpdateTimeout = 80 * time.Minute
	redisDeleteTimeout = 40 * time.Minute
)

// NewRedisResource is company-standard Redis: a replication group with its
// own cache subnet group and parameter group.
func NewRedisResource() resource.Resource { return &redisResource{} }

type redisResource struct{ meta *accounts.Meta }

type redisModel struct {
	ID                    types.String   `tfsdk:"id"`
	Environment           types.String   `tfsdk:"environment"`
	Name                  types.String   `tfsdk:"name"`
	Team                  types.String   `tfsdk:"team"`
	Service               types.String   `tfsdk:"service"`
	Engine                types.String   `tfsdk:"engine"`
	EngineVersion         types.String   `tfsdk:"engine_version"`
	NodeType              types.String   `tfsdk:"node_type"`
	Replicas              types.Int64    `tfsdk:"replicas"`
	MultiAZ               types.Bool     `tfsdk:"multi_az"`
	AutomaticFailover     types.Bool     `tfsdk:"automatic_failover"`
	SnapshotRetentionDays types.Int64    `tfsdk:"snapshot_retention_days"`
	SnapshotWindow        types.String   `tfsdk:"snapshot_window"`
	MaintenanceWindow     types.String   `tfsdk:"maintenance_window"`
	AtRestEncryption      types.Bool     `tfsdk:"at_rest_encryption"`
	TransitEncryption     types.Bool     `tfsdk:"transit_encryption"`
	Port                  types.Int64    `tfsdk:"port"`
	SecurityGroupIDs      types.Set      `tfsdk:"security_group_ids"`
	Parameters            types.Map      `tfsdk:"parameters"`
	EffectiveParameters   types.Map      `tfsdk:"effective_parameters"`
	Tags                  types.Map      `tfsdk:"tags"`
	TagsAll               types.Map      `tfsdk:"tags_all"`
	Timeouts              timeouts.Value `tfsdk:"timeouts"`

	ARN                  types.String `tfsdk:"arn"`
	PrimaryEndpoint      types.String `tfsdk:"primary_endpoint"`
	ReaderEndpoint       types.String `tfsdk:"reader_endpoint"`
	MemberClusters       types.List   `tfsdk:"member_clusters"`
	ParameterGroupName   types.String `tfsdk:"parameter_group_name"`
	ParameterGroupFamily types.String `tfsdk:"parameter_group_family"`
	SubnetGroupName      types.String `tfsdk:"subnet_group_name"`
	SubnetIDs            types.List   `tfsdk:"subnet_ids"`
}

// redisName is the rule of replication group ids. The subnet group, named
// the same, and the parameter group, `<name>-<family>`, allow 255 characters.
var redisName = validate.NameRule{
	Pattern: validate.LowercaseName, Chars: validate.LowercaseChars, Max: 40,
	Why: "it is the replication group id, which ElastiCache limits to 40 characters",
}

func (r *redisResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_redis"
}

func (r *redisResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	fromStandards := func(what string) string {
		return what + " Defaults to the environment's Redis defaults in the standards."
	}
	resp.Schema = schema.Schema{
		Description: "Company-standard Redis (or Valkey) in an environment account: an ElastiCache replication group " +
			"with its own cache subnet group (from the environment's subnets) and parameter group (the standard " +
			"parameters for the engine family, merged with `parameters`), all carrying the standard tags.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "`<environment>/<name>`, the import id."},
			"environment": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Description: "Environment from the standards. Changing it replaces the resource.",
			},
			"name": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Validators: redisName.Validators(),
				Description: "Replication group id, at most 40 characters: lowercase letters, digits and single hyphens, " +
					"starting with a letter. Also the name of the subnet group and the prefix of the parameter group. " +
					"Changing it replaces the resource.",
			},
			"team":    schema.StringAttribute{Required: true, Description: "Owning team; one of the standards' `teams`. Tagged as `team`."},
			"service": schema.StringAttribute{Required: true, Description: "Service that uses this Redis. Tagged as `service`."},
			"engine": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Validators:  []validator.String{stringvalidator.OneOf(engines.Names()...)},
				Description: "`redis` or `valkey`. Changing it replaces the resource.",
			},
			"engine_version": schema.StringAttribute{
				Required: true,
				Description: "Engine version, major.minor: redis 6.0, 6.2, 7.0, 7.1; valkey 7.2, 8.0, 8.1. An upgrade " +
					"within a family modifies the group in place; across families (redis 6 to 7, valkey 7 to 8) paved " +
					"creates the new family's parameter group, moves the group to it and deletes the old one.",
			},
			"node_type": schema.StringAttribute{
				Optional: true, Computed: true,
				Validators: []validator.String{stringvalidator.RegexMatches(regexp.MustCompile(`^cache\.[a-z0-9]+\.[a-z0-9]+$`),
					"must be an ElastiCache node type such as cache.r7g.large")},
				Description: fromStandards("Node type, such as `cache.r7g.large`."),
			},
			"replicas": schema.Int64Attribute{
				Optional: true, Computed: true,
				Validators:  []validator.Int64{int64validator.Between(0, 5)},
				Description: fromStandards("Read replicas beside the primary, 0-5."),
			},
			"multi_az": schema.BoolAttribute{
				Optional: true, Computed: true,
				Description: fromStandards("Spread nodes across availability zones; needs at least one replica and automatic failover."),
			},
			"automatic_failover": schema.BoolAttribute{
				Optional: true, Computed: true,
				Description: fromStandards("Promote a replica when the primary fails; needs at least one replica."),
			},
			"snapshot_retention_days": schema.Int64Attribute{
				Optional: true, Computed: true,
				Validators:  []validator.Int64{int64validator.Between(0, 35)},
				Description: fromStandards("Days automatic snapshots are kept, 0-35; 0 turns snapshots off."),
			},
			"snapshot_window": schema.StringAttribute{
				Optional: true, Computed: true,
				Validators:  []validator.String{validate.Window(standards.CheckSnapshotWindow)},
				Description: fromStandards("Daily snapshot window, `hh:mm-hh:mm` UTC, at least 60 minutes."),
			},
			"maintenance_window": schema.StringAttribute{
				Optional: true, Computed: true,
				Validators:  []validator.String{validate.Window(standards.CheckMaintenanceWindow)},
				Description: fromStandards("Weekly maintenance window, `ddd:hh:mm-ddd:hh:mm` UTC, at least 60 minutes, not overlapping the snapshot window."),
			},
			"at_rest_encryption": schema.BoolAttribute{
				Optional: true, Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
				Description: fromStandards("Encryption at rest. Changing it replaces the resource."),
			},
			"transit_encryption": schema.BoolAttribute{
				Optional: true, Computed: true, PlanModifiers: []planmodifier.Bool{boolplanmodifier.RequiresReplace()},
				Description: fromStandards("TLS between clients and nodes. Changing it replaces the resource."),
			},
			"port": schema.Int64Attribute{
				Optional: true, Computed: true, PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
				Validators:  []validator.Int64{int64validator.Between(1024, 65535)},
				Description: fromStandards("Port. Changing it replaces the resource."),
			},
			"security_group_ids": schema.SetAttribute{
				Optional: true, ElementType: types.StringType,
				Validators: []validator.Set{setvalidator.ValueStringsAre(stringvalidator.RegexMatches(
					regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`), "must be a security group id such as sg-0123abcd"))},
				Description: "Security groups added to the environment's standard ones.",
			},
			"parameters": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				Description: "Engine parameters merged over the standard parameters for the engine family. " +
					"Names are checked against the family at plan time.",
			},
			"effective_parameters": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "The parameters set in the parameter group: the standard ones merged with `parameters`. " +
					"A parameter changed outside Terraform shows here in the plan, unless `parameters` sets it: then it shows there.",
			},
			"tags": schema.MapAttribute{Optional: true, ElementType: types.StringType, Description: "Tags, on top of `default_tags`."},
			"tags_all": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "All tags on the three parts: team, service, environment and managed-by, `default_tags` and `tags`.",
			},
			"timeouts": redisTimeouts(ctx),

			"arn":              schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "Replication group ARN."},
			"primary_endpoint": schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "Address of the primary (read-write) endpoint."},
			"reader_endpoint":  schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "Address of the reader endpoint, spread over replicas."},
			"member_clusters": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "Cache cluster ids of the group's nodes.",
			},
			"parameter_group_name":   schema.StringAttribute{Computed: true, Description: "Name of the cache parameter group paved owns."},
			"parameter_group_family": schema.StringAttribute{Computed: true, Description: "Its family, such as `redis7` or `valkey8`."},
			"subnet_group_name":      schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "Name of the cache subnet group paved owns."},
			"subnet_ids": schema.ListAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "Subnets of the subnet group: the environment's subnets from the standards.",
			},
		},
	}
}

// redisTimeouts is the timeouts attribute, described for the docs.
func redisTimeouts(ctx context.Context) schema.Attribute {
	return timeouts.Attribute(ctx, timeouts.Opts{
		CreateDescription: "How long create may wait for the group to become available, such as `90m`. Defaults to 60m.",
		UpdateDescription: "How long each update step may wait, such as `2h`. Defaults to 80m.",
		DeleteDescription: "How long delete may wait for the group to be gone. Defaults to 40m.",
	}, "How long paved waits on ElastiCache before giving up; an interrupted create removes what it made.")
}

func (r *redisResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.meta = accounts.MetaFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan fills every unset option from the environment's standards and
// checks, at plan time, what needs the standards or several attributes at
// once: the team, the engine version, parameter names for the family,
// replicas against multi-AZ and failover, and overlapping windows.
func (r *redisResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.meta == nil {
		return
	}
	var plan, config redisModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() || plan.Environment.IsUnknown() {
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
	applyRedisDefaults(&plan, &config, env.Redis)
	checkRedisTopology(&plan, &resp.Diagnostics)

	if !plan.Name.IsUnknown() {
		name := plan.Name.ValueString()
		plan.ID = types.StringValue(plan.Environment.ValueString() + "/" + name)
		plan.SubnetGroupName = types.StringValue(name)
		plan.SubnetIDs, _ = types.ListValueFrom(ctx, types.StringType, env.SubnetIDs)
		plan.ARN = types.StringValue(fmt.Sprintf("arn:aws:elasticache:%s:%s:replicationgroup:%s", env.Region, env.AccountID, name))
	}
	if !plan.Engine.IsUnknown() && !plan.EngineVersion.IsUnknown() {
		family, err := engines.Family(plan.Engine.ValueString(), plan.EngineVersion.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("engine_version"), "Unsupported engine version", err.Error())
			return
		}
		plan.ParameterGroupFamily = types.StringValue(family)
		if !plan.Name.IsUnknown() {
			plan.ParameterGroupName = types.StringValue(parameterGroupName(plan.Name.ValueString(), family))
		}
		plan.EffectiveParameters = r.effectiveParameters(ctx, plan.Parameters, family, env, &resp.Diagnostics)
	}
	if !plan.Team.IsUnknown() && !plan.Service.IsUnknown() {
		plan.TagsAll, _ = r.meta.Tags(ctx, plan.Tags, redisStandardTags(&plan), &resp.Diagnostics)
	} else {
		plan.TagsAll = types.MapUnknown(types.StringType)
	}
	if !req.State.Raw.IsNull() {
		var state redisModel
		resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
		// A new default in the standards reaches these after the attribute
		// plan modifiers ran, so replacement is requested here too.
		if !plan.AtRestEncryption.Equal(state.AtRestEncryption) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("at_rest_encryption"))
		}
		if !plan.TransitEncryption.Equal(state.TransitEncryption) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("transit_encryption"))
		}
		if !plan.Port.Equal(state.Port) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("port"))
		}
		if !plan.Replicas.Equal(state.Replicas) {
			plan.MemberClusters = types.ListUnknown(types.StringType)
		} else {
			plan.MemberClusters = state.MemberClusters
		}
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// applyRedisDefaults copies the environment's Redis defaults into every
// option the configuration leaves unset.
func applyRedisDefaults(plan, config *redisModel, d standards.RedisDefaults) {
	str := func(dst *types.String, cfg types.String, def string) {
		if cfg.IsNull() {
			*dst = types.StringValue(def)
		}
	}
	num := func(dst *types.Int64, cfg types.Int64, def int) {
		if cfg.IsNull() {
			*dst = types.Int64Value(int64(def))
		}
	}
	flag := func(dst *types.Bool, cfg types.Bool, def bool) {
		if cfg.IsNull() {
			*dst = types.BoolValue(def)
		}
	}
	str(&plan.NodeType, config.NodeType, d.NodeType)
	num(&plan.Replicas, config.Replicas, d.Replicas)
	flag(&plan.MultiAZ, config.MultiAZ, d.MultiAZ)
	flag(&plan.AutomaticFailover, config.AutomaticFailover, d.AutomaticFailover)
	num(&plan.SnapshotRetentionDays, config.SnapshotRetentionDays, d.SnapshotRetentionDays)
	str(&plan.SnapshotWindow, config.SnapshotWindow, d.SnapshotWindow)
	str(&plan.MaintenanceWindow, config.MaintenanceWindow, d.MaintenanceWindow)
	flag(&plan.AtRestEncryption, config.AtRestEncryption, d.AtRestEncryption)
	flag(&plan.TransitEncryption, config.TransitEncryption, d.TransitEncryption)
	num(&plan.Port, config.Port, d.Port)
	// Overriding replicas to 0 in a Multi-AZ environment is a common wish
	// for a cheap cache; follow it through rather than refusing it.
	if config.Replicas.ValueInt64() == 0 && !config.Replicas.IsNull() {
		flag(&plan.MultiAZ, config.MultiAZ, false)
		flag(&plan.AutomaticFailover, config.AutomaticFailover, false)
	}
}

// checkRedisTopology enforces what ElastiCache enforces at create time.
func checkRedisTopology(plan *redisModel, diags *diag.Diagnostics) {
	if plan.Replicas.IsUnknown() || plan.MultiAZ.IsUnknown() || plan.AutomaticFailover.IsUnknown() {
		return
	}
	replicas := plan.Replicas.ValueInt64()
	if plan.MultiAZ.ValueBool() && replicas == 0 {
		diags.AddAttributeError(path.Root("multi_az"), "Multi-AZ needs a replica",
			"multi_az = true needs replicas of at least 1: with no replica there is no node in another zone to fail over to")
	}
	if plan.MultiAZ.ValueBool() && !plan.AutomaticFailover.ValueBool() {
		diags.AddAttributeError(path.Root("automatic_failover"), "Multi-AZ needs automatic failover",
			"multi_az = true needs automatic_failover = true")
	}
	if plan.AutomaticFailover.ValueBool() && replicas == 0 {
		diags.AddAttributeError(path.Root("automatic_failover"), "Automatic failover needs a replica",
			"automatic_failover = true needs replicas of at least 1")
	}
	if !plan.SnapshotWindow.IsUnknown() && !plan.MaintenanceWindow.IsUnknown() &&
		standards.WindowsOverlap(plan.SnapshotWindow.ValueString(), plan.MaintenanceWindow.ValueString()) {
		diags.AddAttributeError(path.Root("maintenance_window"), "Overlapping windows",
			fmt.Sprintf("maintenance_window %q overlaps snapshot_window %q, which recurs daily",
				plan.MaintenanceWindow.ValueString(), plan.SnapshotWindow.ValueString()))
	}
}

// effectiveParameters merges the resource's parameters over the standard
// ones for the family, refusing names the family does not have.
func (r *redisResource) effectiveParameters(ctx context.Context, params types.Map, family string, env standards.Environment, diags *diag.Diagnostics) types.Map {
	if params.IsUnknown() {
		return types.MapUnknown(types.StringType)
	}
	merged := map[string]string{}
	for k, v := range env.Redis.Parameters[family] {
		merged[k] = v
	}
	own := map[string]string{}
	diags.Append(params.ElementsAs(ctx, &own, false)...)
	for _, k := range convert.SortedKeys(own) {
		if err := engines.CheckParameter(family, k); err != nil {
			diags.AddAttributeError(path.Root("parameters").AtMapKey(k), "Unknown parameter", err.Error())
		}
		merged[k] = own[k]
	}
	out, d := types.MapValueFrom(ctx, types.StringType, merged)
	diags.Append(d...)
	return out
}

func redisStandardTags(m *redisModel) map[string]string {
	return map[string]string{
		"team":        m.Team.ValueString(),
		"service":     m.Service.ValueString(),
		"environment": m.Environment.ValueString(),
		"managed-by":  tags.ManagedBy,
	}
}

// parameterGroupName names the group after the resource and the family, so
// that a cross-family upgrade can create the new group beside the old.
func parameterGroupName(name, family string) string {
	return name + "-" + strings.ReplaceAll(family, ".", "-")
}

func (r *redisResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan redisModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, redisCreateTimeout)
	resp.Diagnostics.Append(d...)
	ops, env := r.ops(ctx, &plan, "Creating Redis", &resp.Diagnostics)
	spec := redisSpecFrom(ctx, &plan, env, &resp.Diagnostics)
	if ops == nil || resp.Diagnostics.HasError() {
		return
	}
	if err := ops.create(ctx, spec, timeout); err != nil {
		resp.Diagnostics.AddError("Creating Redis", err.Error())
		return
	}
	if err := ops.read(ctx, &plan, r.meta); err != nil {
		resp.Diagnostics.AddError("Reading Redis after create", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *redisResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state redisModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ops := r.client(ctx, state.Environment.ValueString(), "Reading Redis", &resp.Diagnostics)
	if ops == nil {
		return
	}
	err := ops.read(ctx, &state, r.meta)
	if isRedisGone(err) {
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		resp.Diagnostics.AddError("Reading Redis", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *redisResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state redisModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, redisUpdateTimeout)
	resp.Diagnostics.Append(d...)
	ops, env := r.ops(ctx, &plan, "Updating Redis", &resp.Diagnostics)
	want := redisSpecFrom(ctx, &plan, env, &resp.Diagnostics)
	have := redisSpecFrom(ctx, &state, env, &resp.Diagnostics)
	if ops == nil || resp.Diagnostics.HasError() {
		return
	}
	if err := ops.update(ctx, have, want, timeout); err != nil {
		resp.Diagnostics.AddError("Updating Redis", err.Error())
		return
	}
	if err := ops.read(ctx, &plan, r.meta); err != nil {
		resp.Diagnostics.AddError("Reading Redis after update", err.Error())
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *redisResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state redisModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, redisDeleteTimeout)
	resp.Diagnostics.Append(d...)
	ops := r.client(ctx, state.Environment.ValueString(), "Deleting Redis", &resp.Diagnostics)
	if ops == nil {
		return
	}
	if err := ops.deleteAll(ctx, state.Name.ValueString(), state.ParameterGroupName.ValueString(), timeout); err != nil {
		resp.Diagnostics.AddError("Deleting Redis", err.Error())
	}
}

func (r *redisResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.meta.ImportTarget(ctx, req, resp, redisName.Valid, "prod/orders-cache")
}

// client returns the ElastiCache operations in env's account, or nil after
// reporting why under the given summary.
func (r *redisResource) client(ctx context.Context, env, summary string, diags *diag.Diagnostics) *redisOps {
	client, err := r.meta.Sessions.ElastiCache(ctx, env)
	if err != nil {
		diags.AddError(summary, err.Error())
		return nil
	}
	return &redisOps{client: client}
}

// ops returns the operations in m's account and the environment m is in.
func (r *redisResource) ops(ctx context.Context, m *redisModel, summary string, diags *diag.Diagnostics) (*redisOps, standards.Environment) {
	env, err := r.meta.Standards.Environment(m.Environment.ValueString())
	if err != nil {
		diags.AddError(summary, err.Error())
		return nil, env
	}
	return r.client(ctx, env.Name, summary, diags), env
}
