// Package accessrole is paved_access_role: a zero-trust login role in an
// environment account that only named hub-account principals may assume.
package accessrole

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws/arn"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/setvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/iamrole"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/tags"
	"github.com/paved-road/paved/provider/validate"
)

var (
	_ resource.ResourceWithConfigure   = (*accessRoleResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*accessRoleResource)(nil)
	_ resource.ResourceWithImportState = (*accessRoleResource)(nil)
)

const (
	typeName = "paved_access_role"
	// inlinePolicyName is the name of the one inline policy paved manages on
	// an access role.
	inlinePolicyName = "paved-inline"
)

// NewResource is the zero-trust login role in an environment account.
func NewResource() resource.Resource { return &accessRoleResource{} }

type accessRoleResource struct{ meta *accounts.Meta }

type accessRoleModel struct {
	ID                    types.String         `tfsdk:"id"`
	Environment           types.String         `tfsdk:"environment"`
	Name                  types.String         `tfsdk:"name"`
	Description           types.String         `tfsdk:"description"`
	TrustedPrincipals     types.Set            `tfsdk:"trusted_principals"`
	ManagedPolicyARNs     types.Set            `tfsdk:"managed_policy_arns"`
	InlinePolicy          jsontypes.Normalized `tfsdk:"inline_policy"`
	MaxSessionDuration    timetypes.GoDuration `tfsdk:"max_session_duration"`
	RequireMFA            types.Bool           `tfsdk:"require_mfa"`
	RequireSourceIdentity types.Bool           `tfsdk:"require_source_identity"`
	Tags                  types.Map            `tfsdk:"tags"`
	TagsAll               types.Map            `tfsdk:"tags_all"`
	ARN                   types.String         `tfsdk:"arn"`
	UniqueID              types.String         `tfsdk:"unique_id"`
	AccountID             types.String         `tfsdk:"account_id"`
	TrustPolicy           types.String         `tfsdk:"trust_policy"`
}

func (r *accessRoleResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_access_role"
}

func (r *accessRoleResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		Description: "A zero-trust login role in an environment account: only the named principals of the hub account " +
			"may assume it, with MFA and a source identity, for a bounded session, with the given policies.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "`<environment>/<name>`, the import id.",
			},
			"environment": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Description: "Environment from the standards; the role is created in its account. Changing it replaces the role.",
			},
			"name": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Validators:  []validator.String{validate.RoleName},
				Description: "Role name, 1-64 characters. Changing it replaces the role.",
			},
			"description": schema.StringAttribute{
				Optional: true, Computed: true, Default: stringdefault.StaticString(""),
				Validators:  []validator.String{stringvalidator.LengthAtMost(1000)},
				Description: "What the role is for; shown in the IAM console.",
			},
			"trusted_principals": schema.SetAttribute{
				Required: true, ElementType: types.StringType,
				Validators: []validator.Set{
					setvalidator.SizeBetween(1, 100),
					setvalidator.ValueStringsAre(validate.PrincipalARN),
				},
				Description: "ARNs of the hub-account users or roles that may assume this role. " +
					"Principals outside the hub account named by the standards are refused at plan time.",
			},
			"managed_policy_arns": schema.SetAttribute{
				Optional: true, ElementType: types.StringType,
				Validators: []validator.Set{
					setvalidator.SizeAtMost(20),
					setvalidator.ValueStringsAre(validate.PolicyARN),
				},
				Description: "Managed policies attached to the role (at most 20, the IAM quota).",
			},
			"inline_policy": schema.StringAttribute{
				Optional: true, CustomType: jsontypes.NormalizedType{},
				Validators:  []validator.String{validate.PolicyJSON()},
				Description: "An IAM policy document (JSON) attached inline as `" + inlinePolicyName + "`.",
			},
			"max_session_duration": schema.StringAttribute{
				Optional: true, Computed: true, CustomType: timetypes.GoDurationType{},
				Default:     stringdefault.StaticString("1h"),
				Validators:  []validator.String{validate.DurationBetween(time.Hour, 12*time.Hour)},
				Description: "Longest session a login may last, between `1h` and `12h`. Defaults to `1h`.",
			},
			"require_mfa": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				Description: "Whether the trust policy requires MFA (`aws:MultiFactorAuthPresent`). Defaults to true.",
			},
			"require_source_identity": schema.BoolAttribute{
				Optional: true, Computed: true, Default: booldefault.StaticBool(true),
				Description: "Whether the trust policy requires a source identity, so CloudTrail shows the person " +
					"behind every session. Defaults to true.",
			},
			"tags": schema.MapAttribute{
				Optional: true, ElementType: types.StringType,
				Description: "Tags of this role, on top of the provider's `default_tags`.",
			},
			"tags_all": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "All tags on the role: standard tags, `default_tags` and `tags`.",
			},
			"arn": schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "Role ARN."},
			"unique_id": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "IAM's unique id for the role (`AROA…`).",
			},
			"account_id": schema.StringAttribute{Computed: true, PlanModifiers: keep, Description: "Account the role is in."},
			"trust_policy": schema.StringAttribute{
				Computed:    true,
				Description: "The trust policy as IAM holds it, normalized; a change made outside Terraform shows here in the plan.",
			},
		},
	}
}

func (r *accessRoleResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.meta = accounts.MetaFrom(req.ProviderData, &resp.Diagnostics)
}

// ModifyPlan checks what needs the standards (the environment, the hub
// account of each principal, the required tags) so that mistakes surface
// at plan time, and plans the trust policy and tags that apply will write.
func (r *accessRoleResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.meta == nil {
		return
	}
	var plan accessRoleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if !plan.Environment.IsUnknown() {
		env, err := r.meta.Standards.Environment(plan.Environment.ValueString())
		if err != nil {
			resp.Diagnostics.AddAttributeError(path.Root("environment"), "Unknown environment", err.Error())
			return
		}
		plan.AccountID = types.StringValue(env.AccountID)
		if !plan.Name.IsUnknown() {
			plan.ID = types.StringValue(resourceID(&plan))
			plan.ARN = types.StringValue(fmt.Sprintf("arn:aws:iam::%s:role/%s", env.AccountID, plan.Name.ValueString()))
		}
	}

	principals, known := convert.Strings(plan.TrustedPrincipals)
	if known {
		r.checkHubPrincipals(principals, &resp.Diagnostics)
		if !plan.RequireMFA.IsUnknown() && !plan.RequireSourceIdentity.IsUnknown() {
			plan.TrustPolicy = types.StringValue(trustPolicy(principals, plan.RequireMFA.ValueBool(), plan.RequireSourceIdentity.ValueBool()))
		}
	} else {
		plan.TrustPolicy = types.StringUnknown()
	}

	if !plan.Environment.IsUnknown() {
		tagsAll, _ := r.meta.Tags(ctx, plan.Tags, standardTags(plan.Environment.ValueString()), &resp.Diagnostics)
		plan.TagsAll = tagsAll
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *accessRoleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan accessRoleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, "creating", &plan, &resp.Diagnostics)
	if client == nil {
		return
	}
	desired, diags := desiredRole(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := create(ctx, client, plan.Name.ValueString(), desired); err != nil {
		addFailure(&resp.Diagnostics, "creating", &plan, err)
		return
	}
	r.refresh(ctx, client, "creating", &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *accessRoleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state accessRoleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, "reading", &state, &resp.Diagnostics)
	if client == nil {
		return
	}
	role, err := findRole(ctx, client, state.Name.ValueString())
	if awserr.IsNotFound(err) {
		steps.Gone(ctx, resp, typeName, resourceID(&state), err)
		return
	}
	if err != nil {
		addFailure(&resp.Diagnostics, "reading", &state, err)
		return
	}
	resp.Diagnostics.Append(r.flatten(ctx, role, &state)...)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *accessRoleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state accessRoleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, "updating", &plan, &resp.Diagnostics)
	if client == nil {
		return
	}
	desired, diags := desiredRole(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	current, diags := desiredRole(ctx, &state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	if err := steps.Run(ctx, updateSteps(client, plan.Name.ValueString(), current, desired)); err != nil {
		addFailure(&resp.Diagnostics, "updating", &plan, err)
		return
	}
	r.refresh(ctx, client, "updating", &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *accessRoleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state accessRoleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, "deleting", &state, &resp.Diagnostics)
	if client == nil {
		return
	}
	// A role already gone counts as deleted.
	if err := iamrole.Delete(ctx, client, state.Name.ValueString()); err != nil {
		addFailure(&resp.Diagnostics, "deleting", &state, err)
	}
}

func (r *accessRoleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	valid := func(name string) bool { return name != "" && !strings.Contains(name, "/") }
	r.meta.ImportTarget(ctx, req, resp, valid, "prod/sre-admin")
}

// checkHubPrincipals refuses principals outside the hub account: the role is
// a door from the hub, not from anywhere.
func (r *accessRoleResource) checkHubPrincipals(principals []string, diags *diag.Diagnostics) {
	hub := r.meta.Standards.HubAccountID
	for _, p := range principals {
		a, err := arn.Parse(p)
		if err != nil || a.AccountID != hub {
			diags.AddAttributeError(path.Root("trusted_principals"), "Principal outside the hub account",
				fmt.Sprintf("%q is not in the hub account %s named by %s; access roles trust hub-account principals only",
					p, hub, r.meta.Standards.File))
		}
	}
}

// standardTags are the tags every access role carries, beneath
// default_tags and its own.
func standardTags(env string) map[string]string {
	return map[string]string{"environment": env, "managed-by": tags.ManagedBy}
}

// client returns an IAM client in m's account, or nil after reporting why.
func (r *accessRoleResource) client(ctx context.Context, action string, m *accessRoleModel, diags *diag.Diagnostics) *iam.Client {
	client, err := r.meta.Sessions.IAM(ctx, m.Environment.ValueString())
	if err != nil {
		addFailure(diags, action, m, err)
		return nil
	}
	return client
}

// refresh reads back what Create or Update wrote, so that the state holds
// what IAM holds.
func (r *accessRoleResource) refresh(ctx context.Context, client *iam.Client, action string, m *accessRoleModel, diags *diag.Diagnostics) {
	role, err := findRole(ctx, client, m.Name.ValueString())
	if err != nil {
		addFailure(diags, action, m, err)
		return
	}
	diags.Append(r.flatten(ctx, role, m)...)
}

// resourceID is the resource's import id, known from the plan on.
func resourceID(m *accessRoleModel) string {
	return m.Environment.ValueString() + "/" + m.Name.ValueString()
}

// addFailure reports err under the action's summary, such as "Creating
// access role", worded as every resource words a failure.
func addFailure(diags *diag.Diagnostics, action string, m *accessRoleModel, err error) {
	diags.AddError(strings.ToUpper(action[:1])+action[1:]+" access role", steps.Failure(action, typeName, resourceID(m), err))
}
