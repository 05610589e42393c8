package provider

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/paved-road/paved/provider/iamrole"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/tags"
	"github.com/paved-road/paved/provider/validate"

	"github.com/aws/aws-sdk-go-v2/aws"
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
)

var (
	_ resource.ResourceWithConfigure   = (*accessRoleResource)(nil)
	_ resource.ResourceWithModifyPlan  = (*accessRoleResource)(nil)
	_ resource.ResourceWithImportState = (*accessRoleResource)(nil)
)

// inlinePolicyName is the name of the one inline policy paved manages on an
// access role.
const inlinePolicyName = "paved-inline"

// NewAccessRoleResource is the zero-trust login role in an environment account.
func NewAccessRoleResource() resource.Resource { return &accessRoleResource{} }

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
			plan.ID = types.StringValue(plan.Environment.ValueString() + "/" + plan.Name.ValueString())
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
		tagsAll, _ := r.meta.Tags(ctx, plan.Tags, r.standardTags(plan.Environment.ValueString()), &resp.Diagnostics)
		plan.TagsAll = tagsAll
	}
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
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

func (r *accessRoleResource) standardTags(env string) map[string]string {
	return map[string]string{"environment": env, "managed-by": tags.ManagedBy}
}

func (r *accessRoleResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan accessRoleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, plan.Environment.ValueString(), "Creating access role", &resp.Diagnostics)
	if client == nil {
		return
	}
	desired, diags := r.desired(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}

	name := plan.Name.ValueString()
	_, err := client.CreateRole(ctx, &iam.CreateRoleInput{
		RoleName:                 aws.String(name),
		AssumeRolePolicyDocument: aws.String(desired.trustPolicy),
		Description:              convert.NonEmpty(desired.description),
		MaxSessionDuration:       aws.Int32(desired.maxSessionSeconds),
		Tags:                     iamrole.Tags(desired.tags),
	})
	if err != nil {
		resp.Diagnostics.AddError("Creating access role", fmt.Sprintf("step CreateRole %q: %s", name, err))
		return
	}
	if err := applyPolicies(ctx, client, name, roleState{}, desired); err != nil {
		// Nothing half-created: remove the role before reporting.
		if cleanupErr := iamrole.Delete(ctx, client, name); cleanupErr != nil {
			err = fmt.Errorf("%w; removing the half-created role also failed: %w", err, cleanupErr)
		} else {
			err = fmt.Errorf("%w; the role was removed again", err)
		}
		resp.Diagnostics.AddError("Creating access role", err.Error())
		return
	}
	r.readInto(ctx, client, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *accessRoleResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state accessRoleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, state.Environment.ValueString(), "Reading access role", &resp.Diagnostics)
	if client == nil {
		return
	}
	if found := r.readInto(ctx, client, &state, &resp.Diagnostics); !found {
		resp.State.RemoveResource(ctx)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *accessRoleResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state accessRoleModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, plan.Environment.ValueString(), "Updating access role", &resp.Diagnostics)
	if client == nil {
		return
	}
	desired, diags := r.desired(ctx, &plan)
	resp.Diagnostics.Append(diags...)
	current, diags := r.desired(ctx, &state)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	name := plan.Name.ValueString()
	todo := []steps.Step{
		{Name: "UpdateAssumeRolePolicy", Run: func(ctx context.Context) error {
			if state.TrustPolicy.ValueString() == desired.trustPolicy {
				return nil
			}
			_, err := client.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{
				RoleName: aws.String(name), PolicyDocument: aws.String(desired.trustPolicy),
			})
			return err
		}},
		{Name: "UpdateRole", Run: func(ctx context.Context) error {
			if current.description == desired.description && current.maxSessionSeconds == desired.maxSessionSeconds {
				return nil
			}
			_, err := client.UpdateRole(ctx, &iam.UpdateRoleInput{
				RoleName: aws.String(name), Description: aws.String(desired.description),
				MaxSessionDuration: aws.Int32(desired.maxSessionSeconds),
			})
			return err
		}},
		{Name: "policies", Run: func(ctx context.Context) error { return applyPolicies(ctx, client, name, current, desired) }},
		{Name: "tags", Run: func(ctx context.Context) error {
			return iamrole.ApplyTags(ctx, client, name, current.tags, desired.tags)
		}},
	}
	if err := steps.Run(ctx, todo); err != nil {
		resp.Diagnostics.AddError("Updating access role", fmt.Sprintf("role %q: %s", name, err))
		return
	}
	r.readInto(ctx, client, &plan, &resp.Diagnostics)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *accessRoleResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state accessRoleModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	client := r.client(ctx, state.Environment.ValueString(), "Deleting access role", &resp.Diagnostics)
	if client == nil {
		return
	}
	if err := iamrole.Delete(ctx, client, state.Name.ValueString()); err != nil {
		resp.Diagnostics.AddError("Deleting access role", err.Error())
	}
}

func (r *accessRoleResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	valid := func(name string) bool { return name != "" && !strings.Contains(name, "/") }
	r.meta.ImportTarget(ctx, req, resp, valid, "prod/sre-admin")
}

// client returns an IAM client in env's account, or nil after reporting why
// under the given summary.
func (r *accessRoleResource) client(ctx context.Context, env, summary string, diags *diag.Diagnostics) *iam.Client {
	client, err := r.meta.Sessions.IAM(ctx, env)
	if err != nil {
		diags.AddError(summary, err.Error())
		return nil
	}
	return client
}

// roleState is what paved manages on a role, in AWS terms, so that Create
// and Update can compare the planned and the current role.
type roleState struct {
	trustPolicy       string
	description       string
	maxSessionSeconds int32
	managedPolicies   []string
	inlinePolicy      string
	tags              map[string]string
}

func (r *accessRoleResource) desired(ctx context.Context, m *accessRoleModel) (roleState, diag.Diagnostics) {
	var diags diag.Diagnostics
	s := roleState{
		trustPolicy:  m.TrustPolicy.ValueString(),
		description:  m.Description.ValueString(),
		inlinePolicy: m.InlinePolicy.ValueString(),
		tags:         map[string]string{},
	}
	if !m.MaxSessionDuration.IsNull() {
		d, dd := m.MaxSessionDuration.ValueGoDuration()
		diags.Append(dd...)
		s.maxSessionSeconds = int32(d / time.Second)
	}
	if !m.ManagedPolicyARNs.IsNull() {
		diags.Append(m.ManagedPolicyARNs.ElementsAs(ctx, &s.managedPolicies, false)...)
	}
	if !m.TagsAll.IsNull() {
		diags.Append(m.TagsAll.ElementsAs(ctx, &s.tags, false)...)
	}
	return s, diags
}

// readInto refreshes m from IAM; it reports false when the role is gone.
// Every attribute that paved writes is read back, so drift made outside
// Terraform shows in the next plan.
func (r *accessRoleResource) readInto(ctx context.Context, client *iam.Client, m *accessRoleModel, diags *diag.Diagnostics) bool {
	name := m.Name.ValueString()
	env := m.Environment.ValueString()
	importing := m.ARN.IsNull() // an imported resource has only its id so far
	out, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if awserr.Is(err, "NoSuchEntity") {
		return false
	}
	if err != nil {
		diags.AddError("Reading access role", fmt.Sprintf("GetRole %q: %s", name, err))
		return false
	}
	role := out.Role
	a, _ := arn.Parse(aws.ToString(role.Arn))
	m.ID = types.StringValue(env + "/" + name)
	m.ARN = types.StringValue(aws.ToString(role.Arn))
	m.UniqueID = types.StringValue(aws.ToString(role.RoleId))
	m.AccountID = types.StringValue(a.AccountID)
	m.Description = types.StringValue(aws.ToString(role.Description))
	m.MaxSessionDuration = timetypes.NewGoDurationValueFromStringMust(convert.ShortDuration(time.Duration(aws.ToInt32(role.MaxSessionDuration)) * time.Second))

	trust, err := iamrole.Normalize(aws.ToString(role.AssumeRolePolicyDocument))
	if err != nil {
		diags.AddError("Reading access role", fmt.Sprintf("trust policy of %q: %s", name, err))
		return false
	}
	m.TrustPolicy = types.StringValue(trust)
	r.readTrustSettings(ctx, trust, m, diags)

	if err := r.readPolicies(ctx, client, m); err != nil {
		diags.AddError("Reading access role", fmt.Sprintf("policies of %q: %s", name, err))
		return false
	}

	tags := map[string]string{}
	for _, t := range role.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	var d diag.Diagnostics
	m.TagsAll, d = types.MapValueFrom(ctx, types.StringType, tags)
	diags.Append(d...)
	own := r.meta.OwnTags(m.Tags, tags, r.standardTags(env), importing)
	if len(own) > 0 || !m.Tags.IsNull() {
		m.Tags, d = types.MapValueFrom(ctx, types.StringType, own)
		diags.Append(d...)
	}
	return true
}

// readTrustSettings recovers the principals and the MFA and source-identity
// switches from a trust policy paved wrote, so import fills them in and a
// principal added outside Terraform shows as drift on trusted_principals.
func (r *accessRoleResource) readTrustSettings(ctx context.Context, trust string, m *accessRoleModel, diags *diag.Diagnostics) {
	var doc iamrole.Document
	if err := json.Unmarshal([]byte(trust), &doc); err != nil || len(doc.Statement) != 1 {
		return
	}
	st := doc.Statement[0]
	principals := st.Principal["AWS"]
	mfa := st.Condition["Bool"]["aws:MultiFactorAuthPresent"] == "true"
	source := st.Condition["Null"]["sts:SourceIdentity"] == "false"
	if trustPolicy(principals, mfa, source) != trust {
		return // not a document paved wrote: trust_policy alone carries the drift
	}
	set, d := types.SetValueFrom(ctx, types.StringType, principals)
	diags.Append(d...)
	m.TrustedPrincipals = set
	m.RequireMFA = types.BoolValue(mfa)
	m.RequireSourceIdentity = types.BoolValue(source)
}

func (r *accessRoleResource) readPolicies(ctx context.Context, client *iam.Client, m *accessRoleModel) error {
	name := m.Name.ValueString()
	var attached []string
	pages := iam.NewListAttachedRolePoliciesPaginator(client, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return fmt.Errorf("ListAttachedRolePolicies: %w", err)
		}
		for _, p := range page.AttachedPolicies {
			attached = append(attached, aws.ToString(p.PolicyArn))
		}
	}
	if len(attached) > 0 || !m.ManagedPolicyARNs.IsNull() {
		set, d := types.SetValueFrom(ctx, types.StringType, attached)
		if d.HasError() {
			return errors.New("converting managed policy ARNs")
		}
		m.ManagedPolicyARNs = set
	}

	out, err := client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName)})
	switch {
	case awserr.Is(err, "NoSuchEntity"):
		m.InlinePolicy = jsontypes.NewNormalizedNull()
	case err != nil:
		return fmt.Errorf("GetRolePolicy: %w", err)
	default:
		doc, err := url.QueryUnescape(aws.ToString(out.PolicyDocument))
		if err != nil {
			return fmt.Errorf("decoding inline policy: %w", err)
		}
		m.InlinePolicy = jsontypes.NewNormalizedValue(doc)
	}
	return nil
}

// applyPolicies moves the role's managed and inline policies from current to
// desired, naming the step that failed.
func applyPolicies(ctx context.Context, client *iam.Client, name string, current, desired roleState) error {
	add, remove := convert.SetDiff(current.managedPolicies, desired.managedPolicies)
	for _, p := range add {
		if _, err := client.AttachRolePolicy(ctx, &iam.AttachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}); err != nil {
			return fmt.Errorf("step AttachRolePolicy %s: %w", p, err)
		}
	}
	for _, p := range remove {
		if _, err := client.DetachRolePolicy(ctx, &iam.DetachRolePolicyInput{RoleName: aws.String(name), PolicyArn: aws.String(p)}); err != nil {
			return fmt.Errorf("step DetachRolePolicy %s: %w", p, err)
		}
	}
	switch {
	case desired.inlinePolicy != "" && desired.inlinePolicy != current.inlinePolicy:
		if _, err := client.PutRolePolicy(ctx, &iam.PutRolePolicyInput{
			RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName), PolicyDocument: aws.String(desired.inlinePolicy),
		}); err != nil {
			return fmt.Errorf("step PutRolePolicy: %w", err)
		}
	case desired.inlinePolicy == "" && current.inlinePolicy != "":
		if _, err := client.DeleteRolePolicy(ctx, &iam.DeleteRolePolicyInput{
			RoleName: aws.String(name), PolicyName: aws.String(inlinePolicyName),
		}); err != nil && !awserr.Is(err, "NoSuchEntity") {
			return fmt.Errorf("step DeleteRolePolicy: %w", err)
		}
	}
	return nil
}
