// Package redis is paved_redis, company-standard Redis (or Valkey) in an
// environment account, and data.paved_redis, which looks one up.
package redis

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

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

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/engines"
	"github.com/paved-road/paved/provider/standards"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/timeouts"
	"github.com/paved-road/paved/provider/validate"
)

var (
	_ resource.ResourceWithConfigure   = (*redisResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*redisResource)(nil)
	_ resource.ResourceWithImportState = (*redisResource)(nil)
)

// typeName is the resource's type, as diagnostics name it.
const typeName = "paved_redis"

// Default waits, overridable with the timeouts block. Creating a Multi-AZ
// replication group on AWS typically takes 10-20 minutes.
const (
	createTimeout = 60 * time.Minute
	updateTimeout = 80 * time.Minute
	deleteTimeout = 40 * time.Minute
)

// NewResource is company-standard Redis: a replication group with its own
// cache subnet group and parameter group.
func NewResource() resource.Resource { return &redisResource{} }

type redisResource struct{ meta *accounts.Meta }

type model struct {
	ID                    types.String   `tfsdk:"id"`
	Environment           types.String   `tfsdk:"environment"`
	Name                  types.String   `tfsdk:"name"`
	Team                  types.String   `tfsdk:"team"`
	Service               types.String   `tfsdk:"service"`
	NodeType              types.String   `tfsdk:"node_type"`
	Replicas              types.Int64    `tfsdk:"replicas"`
	MultiAZ               types.Bool     `tfsdk:"multi_az"`
	AutomaticFailover     types.Bool     `tfsdk:"automatic_failover"`
	SnapshotRetentionDays types.Int64    `tfsdk:"snapshot_retention_days"`
	SnapshotWindow        types.String   `tfsdk:"snapshot_window"`
	MaintenanceWindow     types.String   `tfsdk:"maintenance_window"`
	AtRestEncryption      types.Bool     `tfsdk:"at_rest_encryption"`
	SecurityGroupIDs      types.Set      `tfsdk:"security_group_ids"`
	Parameters            types.Map      `tfsdk:"parameters"`
	EffectiveParameters   types.Map      `tfsdk:"effective_parameters"`
	Tags                  types.Map      `tfsdk:"tags"`
	TagsAll               types.Map      `tfsdk:"tags_all"`
	Timeouts              timeouts.Value `tfsdk:"timeouts"`

	// engine, engine_version, port, transit_encryption, arn, the
	// endpoints and member_clusters, which the data source shows too.
	connection

	ParameterGroupName   types.String `tfsdk:"parameter_group_name"`
	ParameterGroupFamily types.String `tfsdk:"parameter_group_family"`
	SubnetGroupName      types.String `tfsdk:"subnet_group_name"`
	SubnetIDs            types.List   `tfsdk:"subnet_ids"`
}

// connection is what a replication group is and how clients reach it.
type connection struct {
	ARN               types.String `tfsdk:"arn"`
	Engine            types.String `tfsdk:"engine"`
	EngineVersion     types.String `tfsdk:"engine_version"`
	PrimaryEndpoint   types.String `tfsdk:"primary_endpoint"`
	ReaderEndpoint    types.String `tfsdk:"reader_endpoint"`
	Port              types.Int64  `tfsdk:"port"`
	MemberClusters    types.List   `tfsdk:"member_clusters"`
	TransitEncryption types.Bool   `tfsdk:"transit_encryption"`
}

// id is the resource's import id, <environment>/<name>, also when the
// plan does not know it yet.
func (m *model) id() string { return m.Environment.ValueString() + "/" + m.Name.ValueString() }

// nameRule is the rule of replication group ids. The subnet group, named
// the same, and the parameter group, `<name>-<family>`, allow 255 characters.
var nameRule = validate.NameRule{
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
				Validators: nameRule.Validators(),
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
			"timeouts": timeoutsAttribute(ctx),

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

// timeoutsAttribute is the timeouts attribute, described for the docs.
func timeoutsAttribute(ctx context.Context) schema.Attribute {
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
	var plan, config model
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
	applyDefaults(&plan, &config, env.Redis)
	checkTopology(&plan, &resp.Diagnostics)

	if !plan.Name.IsUnknown() {
		name := plan.Name.ValueString()
		plan.ID = types.StringValue(plan.id())
		plan.SubnetGroupName = types.StringValue(name)
		plan.SubnetIDs = convert.ListValue(ctx, env.SubnetIDs, &resp.Diagnostics)
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
		plan.EffectiveParameters = effectiveParameters(ctx, plan.Parameters, family, env, &resp.Diagnostics)
	}
	if !plan.Team.IsUnknown() && !plan.Service.IsUnknown() {
		plan.TagsAll, _ = r.meta.Tags(ctx, plan.Tags, standardTags(&plan), &resp.Diagnostics)
	} else {
		plan.TagsAll = types.MapUnknown(types.StringType)
	}
	if !req.State.Raw.IsNull() {
		var state model
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

func (r *redisResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan model
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Create(ctx, createTimeout)
	resp.Diagnostics.Append(d...)
	ec, env, err := r.elastiCache(ctx, &plan)
	if err != nil {
		addFailure(&resp.Diagnostics, "Creating Redis", "creating", &plan, err)
		return
	}
	s := specFrom(ctx, &plan, env, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ec.create(ctx, s, timeout); err != nil {
		addFailure(&resp.Diagnostics, "Creating Redis", "creating", &plan, err)
		return
	}
	if r.readBack(ctx, ec, env, &plan, "Reading Redis after create", &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

func (r *redisResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state model
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	ec, env, err := r.elastiCache(ctx, &state)
	if err != nil {
		addFailure(&resp.Diagnostics, "Reading Redis", "reading", &state, err)
		return
	}
	found, err := ec.find(ctx, state.Name.ValueString())
	if awserr.IsNotFound(err) {
		steps.Gone(ctx, resp, typeName, state.id(), err)
		return
	}
	if err != nil {
		addFailure(&resp.Diagnostics, "Reading Redis", "reading", &state, err)
		return
	}
	flatten(ctx, found, &state, env, r.meta, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *redisResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state model
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := plan.Timeouts.Update(ctx, updateTimeout)
	resp.Diagnostics.Append(d...)
	ec, env, err := r.elastiCache(ctx, &plan)
	if err != nil {
		addFailure(&resp.Diagnostics, "Updating Redis", "updating", &plan, err)
		return
	}
	want := specFrom(ctx, &plan, env, &resp.Diagnostics)
	have := specFrom(ctx, &state, env, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := ec.update(ctx, have, want, timeout); err != nil {
		addFailure(&resp.Diagnostics, "Updating Redis", "updating", &plan, err)
		return
	}
	if r.readBack(ctx, ec, env, &plan, "Reading Redis after update", &resp.Diagnostics) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
}

// Delete removes the three parts; those already gone count as deleted.
func (r *redisResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state model
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	timeout, d := state.Timeouts.Delete(ctx, deleteTimeout)
	resp.Diagnostics.Append(d...)
	ec, _, err := r.elastiCache(ctx, &state)
	if err == nil {
		err = ec.deleteAll(ctx, state.Name.ValueString(), state.ParameterGroupName.ValueString(), timeout)
	}
	if err != nil {
		addFailure(&resp.Diagnostics, "Deleting Redis", "deleting", &state, err)
	}
}

func (r *redisResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.meta.ImportTarget(ctx, req, resp, nameRule.Valid, "prod/orders-cache")
}

// elastiCache returns the ElastiCache calls in the account of m's
// environment, and the environment.
func (r *redisResource) elastiCache(ctx context.Context, m *model) (*elastiCache, standards.Environment, error) {
	env, err := r.meta.Standards.Environment(m.Environment.ValueString())
	if err != nil {
		return nil, env, err
	}
	client, err := r.meta.Sessions.ElastiCache(ctx, env.Name)
	if err != nil {
		return nil, env, err
	}
	return &elastiCache{client: client}, env, nil
}

// readBack refreshes m from what a create or an update made, reporting a
// failure under summary; false when it failed.
func (r *redisResource) readBack(ctx context.Context, ec *elastiCache, env standards.Environment, m *model, summary string, diags *diag.Diagnostics) bool {
	found, err := ec.find(ctx, m.Name.ValueString())
	if err != nil {
		addFailure(diags, summary, "reading", m, err)
		return false
	}
	flatten(ctx, found, m, env, r.meta, diags)
	return !diags.HasError()
}

// addFailure reports err under summary, worded as every resource words a
// failed action.
func addFailure(diags *diag.Diagnostics, summary, action string, m *model, err error) {
	diags.AddError(summary, steps.Failure(action, typeName, m.id(), err))
}
