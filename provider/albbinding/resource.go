// Package albbinding is paved_alb_target_binding: an ALB listener rule that
// forwards to one target group per side of an EKS cluster pair, by weight.
package albbinding

import (
	"context"
	"fmt"
	"regexp"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/listvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/mapvalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/objectdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/validate"
)

var (
	_ resource.ResourceWithConfigure        = (*bindingResource)(nil)
	_ resource.ResourceWithConfigValidators = (*bindingResource)(nil)
	_ resource.ResourceWithValidateConfig   = (*bindingResource)(nil)
	_ resource.ResourceWithModifyPlan       = (*bindingResource)(nil)
	_ resource.ResourceWithImportState      = (*bindingResource)(nil)
)

// bindingName keeps `<name>-green` within ELBv2's 32-character limit on
// target group names.
var bindingName = validate.NameRule{
	Pattern: regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`),
	Chars:   "must be lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
	Max:     32 - len("-green"),
	Why:     "the target groups are named <name>-blue and <name>-green, and ELBv2 limits target group names to 32 characters",
}

// maxConditionValues is ELBv2's limit on condition values per rule.
const maxConditionValues = 5

const typeName = "paved_alb_target_binding"

// NewResource is paved_alb_target_binding, which routes a pre-provisioned
// ALB listener to the sides of an EKS cluster pair by weight.
func NewResource() resource.Resource { return &bindingResource{} }

type bindingResource struct{ meta *accounts.Meta }

type bindingModel struct {
	ID              types.String `tfsdk:"id"`
	Environment     types.String `tfsdk:"environment"`
	Name            types.String `tfsdk:"name"`
	ListenerARN     types.String `tfsdk:"listener_arn"`
	ClusterPair     types.Object `tfsdk:"cluster_pair"`
	Service         types.Object `tfsdk:"service"`
	HostHeaders     types.List   `tfsdk:"host_headers"`
	PathPatterns    types.List   `tfsdk:"path_patterns"`
	Priority        types.Int64  `tfsdk:"priority"`
	Weights         types.Map    `tfsdk:"weights"`
	HealthCheck     types.Object `tfsdk:"health_check"`
	Tags            types.Map    `tfsdk:"tags"`
	TagsAll         types.Map    `tfsdk:"tags_all"`
	VPCID           types.String `tfsdk:"vpc_id"`
	RuleARN         types.String `tfsdk:"rule_arn"`
	TargetGroupARNs types.Map    `tfsdk:"target_group_arns"`
	Manifests       types.Map    `tfsdk:"manifests"`
}

type serviceModel struct {
	Namespace types.String `tfsdk:"namespace"`
	Name      types.String `tfsdk:"name"`
	Port      types.Int64  `tfsdk:"port"`
}

type healthCheckModel struct {
	Path               types.String `tfsdk:"path"`
	Matcher            types.String `tfsdk:"matcher"`
	IntervalSeconds    types.Int64  `tfsdk:"interval_seconds"`
	TimeoutSeconds     types.Int64  `tfsdk:"timeout_seconds"`
	HealthyThreshold   types.Int64  `tfsdk:"healthy_threshold"`
	UnhealthyThreshold types.Int64  `tfsdk:"unhealthy_threshold"`
}

var (
	serviceAttrTypes     = map[string]attr.Type{"namespace": types.StringType, "name": types.StringType, "port": types.Int64Type}
	healthCheckAttrTypes = map[string]attr.Type{
		"path": types.StringType, "matcher": types.StringType, "interval_seconds": types.Int64Type,
		"timeout_seconds": types.Int64Type, "healthy_threshold": types.Int64Type, "unhealthy_threshold": types.Int64Type,
	}
)

// defaultHealthCheck is ELBv2's default for HTTP targets, on the path and
// status code Kubernetes services conventionally answer.
var defaultHealthCheck = healthCheck{Path: "/healthz", Matcher: "200", Interval: 30, Timeout: 5, Healthy: 5, Unhealthy: 2}

var (
	listenerARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener/app/[\w-]+/[0-9a-f]+/[0-9a-f]+$`)
	// Kubernetes names: a namespace is a DNS-1123 label, a service a DNS-1035 label.
	namespacePattern   = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$`)
	serviceNamePattern = regexp.MustCompile(`^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$`)
	httpCodesPattern   = regexp.MustCompile(`^\d{3}(-\d{3})?(,\d{3}(-\d{3})?)*$`)
)

func (r *bindingResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_alb_target_binding"
}

func (r *bindingResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	replace := []planmodifier.String{stringplanmodifier.RequiresReplace()}
	keep := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	side := stringvalidator.OneOf(bluegreen.Sides...)
	conditionValues := func(what string) schema.ListAttribute {
		return schema.ListAttribute{
			Optional: true, ElementType: types.StringType,
			Validators: []validator.List{
				listvalidator.SizeBetween(1, maxConditionValues),
				listvalidator.ValueStringsAre(stringvalidator.LengthBetween(1, 128)),
			},
			Description: what + " Set `host_headers`, `path_patterns` or both; together at most 5 values, ELBv2's limit per rule.",
		}
	}
	resp.Schema = schema.Schema{
		Description: "Routes a pre-provisioned ALB listener to the sides of an EKS cluster pair by weight: one target group " +
			"(target type `ip`) per side of the pair and one listener rule forwarding to them. A weight change modifies the " +
			"rule in place, so the rule and target groups keep their ARNs while traffic shifts. `manifests` holds, per side, " +
			"the TargetGroupBinding to apply in that side's cluster so that the AWS Load Balancer Controller registers the " +
			"service's pods in the side's target group.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "`<environment>/<name>`, the import id: `terraform import paved_alb_target_binding.shop dev/shop`. " +
					"The target group names identify the binding in the environment's account; the rule is found on the " +
					"load balancers of the environment's VPC.",
			},
			"environment": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Description: "Environment from the standards; the load balancer must be in its VPC. Changing it replaces the resource.",
			},
			"name": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Validators: bindingName.Validators(),
				Description: fmt.Sprintf("Name of the binding, at most %d characters: the target groups are `<name>-blue` and "+
					"`<name>-green`, which ELBv2 limits to 32 characters, and the TargetGroupBindings `<name>-<side>`. "+
					"Changing it replaces the resource.", bindingName.Max),
			},
			"listener_arn": schema.StringAttribute{
				Required: true, PlanModifiers: replace,
				Validators: []validator.String{stringvalidator.RegexMatches(listenerARNPattern,
					"must be the ARN of an application load balancer listener")},
				Description: "ARN of the pre-provisioned ALB listener the rule is added to, in the environment's account, " +
					"region and VPC; checked at plan time. Changing it replaces the resource.",
			},
			"cluster_pair": schema.SingleNestedAttribute{
				Required: true,
				Description: "The cluster pair to route to: the `binding` attribute of a `paved_eks_cluster_pair` " +
					"(`cluster_pair = paved_eks_cluster_pair.shop.binding`), or the same object written out. One target " +
					"group exists per side in `sides`; a side added to or removed from the pair adds or removes its target group.",
				Attributes: map[string]schema.Attribute{
					"id":          schema.StringAttribute{Required: true, Description: "The pair's id, `<environment>/<name>`. Tagged as `paved:cluster-pair`."},
					"environment": schema.StringAttribute{Required: true, Description: "The pair's environment; must be the binding's `environment`."},
					"name":        schema.StringAttribute{Required: true, Description: "The pair's name."},
					"live": schema.StringAttribute{
						Required: true, Validators: []validator.String{side},
						Description: "The side that serves, `blue` or `green`: it must be in `sides` and have a weight above 0. Tagged as `paved:live`.",
					},
					"sides": schema.ListAttribute{
						Required: true, ElementType: types.StringType,
						Validators: []validator.List{
							listvalidator.SizeBetween(1, len(bluegreen.Sides)), listvalidator.UniqueValues(), listvalidator.ValueStringsAre(side),
						},
						Description: "The sides the pair has, `blue` and/or `green`.",
					},
				},
			},
			"service": schema.SingleNestedAttribute{
				Required:    true,
				Description: "The Kubernetes service whose pods receive the traffic, the same in both clusters.",
				Attributes: map[string]schema.Attribute{
					"namespace": schema.StringAttribute{
						Required: true, Validators: []validator.String{stringvalidator.RegexMatches(namespacePattern, "must be a Kubernetes namespace name")},
						Description: "Namespace of the service, and of the TargetGroupBindings.",
					},
					"name": schema.StringAttribute{
						Required: true, Validators: []validator.String{stringvalidator.RegexMatches(serviceNamePattern, "must be a Kubernetes service name")},
						Description: "Name of the service.",
					},
					"port": schema.Int64Attribute{
						Required: true, Validators: []validator.Int64{int64validator.Between(1, 65535)},
						PlanModifiers: []planmodifier.Int64{int64planmodifier.RequiresReplace()},
						Description: "Service port: the TargetGroupBindings' service port, the target groups' port and the port the " +
							"load balancer's security groups are allowed to reach. Changing it replaces the resource.",
					},
				},
			},
			"host_headers":  conditionValues("Host names the rule matches, such as `shop.example.com` or `*.example.com`."),
			"path_patterns": conditionValues("URL paths the rule matches, such as `/api/*`."),
			"priority": schema.Int64Attribute{
				Required: true, Validators: []validator.Int64{int64validator.Between(1, 50000)},
				Description: "Rule priority on the listener, 1-50000, lower first; it must not be taken by another rule " +
					"(checked at plan time). A change is applied in place.",
			},
			"weights": schema.MapAttribute{
				Required: true, ElementType: types.Int64Type,
				Validators: []validator.Map{mapvalidator.ValueInt64sAre(int64validator.Between(0, 999))},
				Description: "Share of traffic per side, 0-999, relative to the others, such as `{ blue = 90, green = 10 }`. " +
					"Only sides of the pair; a side of the pair without a weight gets 0. The live side must have a weight above 0. " +
					"A change modifies the rule in place.",
			},
			"health_check": schema.SingleNestedAttribute{
				Optional: true, Computed: true,
				Default: objectdefault.StaticValue(types.ObjectValueMust(healthCheckAttrTypes, map[string]attr.Value{
					"path": types.StringValue(defaultHealthCheck.Path), "matcher": types.StringValue(defaultHealthCheck.Matcher),
					"interval_seconds": types.Int64Value(int64(defaultHealthCheck.Interval)), "timeout_seconds": types.Int64Value(int64(defaultHealthCheck.Timeout)),
					"healthy_threshold": types.Int64Value(int64(defaultHealthCheck.Healthy)), "unhealthy_threshold": types.Int64Value(int64(defaultHealthCheck.Unhealthy)),
				})),
				Description: "HTTP health check of the target groups. A change is applied in place.",
				Attributes: map[string]schema.Attribute{
					"path": schema.StringAttribute{
						Optional: true, Computed: true, Default: stringdefault.StaticString(defaultHealthCheck.Path),
						Validators: []validator.String{
							stringvalidator.LengthBetween(1, 1024),
							stringvalidator.RegexMatches(regexp.MustCompile(`^/`), "must start with /"),
						},
						Description: "Path requested. Defaults to `/healthz`.",
					},
					"matcher": schema.StringAttribute{
						Optional: true, Computed: true, Default: stringdefault.StaticString(defaultHealthCheck.Matcher),
						Validators:  []validator.String{stringvalidator.RegexMatches(httpCodesPattern, "must be HTTP codes such as 200, 200,202 or 200-299")},
						Description: "HTTP codes that mean healthy, such as `200`, `200,204` or `200-299`. Defaults to `200`.",
					},
					"interval_seconds": schema.Int64Attribute{
						Optional: true, Computed: true, Default: int64default.StaticInt64(int64(defaultHealthCheck.Interval)),
						Validators:  []validator.Int64{int64validator.Between(5, 300)},
						Description: "Seconds between checks, 5-300. Defaults to 30.",
					},
					"timeout_seconds": schema.Int64Attribute{
						Optional: true, Computed: true, Default: int64default.StaticInt64(int64(defaultHealthCheck.Timeout)),
						Validators:  []validator.Int64{int64validator.Between(2, 120)},
						Description: "Seconds without an answer that mean a failed check, 2-120 and less than `interval_seconds`. Defaults to 5.",
					},
					"healthy_threshold": schema.Int64Attribute{
						Optional: true, Computed: true, Default: int64default.StaticInt64(int64(defaultHealthCheck.Healthy)),
						Validators:  []validator.Int64{int64validator.Between(2, 10)},
						Description: "Consecutive successes before a target is healthy, 2-10. Defaults to 5.",
					},
					"unhealthy_threshold": schema.Int64Attribute{
						Optional: true, Computed: true, Default: int64default.StaticInt64(int64(defaultHealthCheck.Unhealthy)),
						Validators:  []validator.Int64{int64validator.Between(2, 10)},
						Description: "Consecutive failures before a target is unhealthy, 2-10. Defaults to 2.",
					},
				},
			},
			"tags": schema.MapAttribute{Optional: true, ElementType: types.StringType, Description: "Tags, on top of `default_tags`."},
			"tags_all": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "All tags on the rule and the target groups: environment, managed-by, `paved:binding` (the name), " +
					"`paved:cluster-pair`, `paved:live`, `paved:service` (`<namespace>/<name>`), `default_tags` and `tags`.",
			},
			"vpc_id": schema.StringAttribute{
				Computed:    true,
				Description: "VPC of the target groups: the environment's, from the standards. A change in the standards replaces the resource.",
			},
			"rule_arn": schema.StringAttribute{
				Computed: true, PlanModifiers: keep,
				Description: "ARN of the listener rule. A rule deleted outside Terraform removes the binding from the state, and the next plan creates it again.",
			},
			"target_group_arns": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "Target group ARN per side.",
			},
			"manifests": schema.MapAttribute{
				Computed: true, ElementType: types.StringType,
				Description: "Per side, the TargetGroupBinding (`elbv2.k8s.aws/v1beta1`) to apply in that side's cluster, as YAML: " +
					"it binds `service` to the side's target group with target type `ip` and lets the load balancer's security " +
					"groups reach the service port.",
			},
		},
	}
}

func (r *bindingResource) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	r.meta = accounts.MetaFrom(req.ProviderData, &resp.Diagnostics)
}

func (r *bindingResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.AtLeastOneOf(path.MatchRoot("host_headers"), path.MatchRoot("path_patterns")),
	}
}

// ValidateConfig checks what the configuration alone decides. Terraform and
// OpenTofu call it again while planning (and applying) with the
// configuration evaluated, so a cluster pair taken from another resource,
// unknown at `terraform validate`, is checked as soon as it is known.
func (r *bindingResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var config bindingModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	checkBinding(ctx, &config, &resp.Diagnostics)
}

// ModifyPlan runs the checks that need the standards or ELBv2: the
// environment, the listener (that it exists, in the environment's VPC) and
// the priority (not taken by another rule). It plans the outputs it can
// already know: the ARNs of target groups that stay, and their manifests.
func (r *bindingResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() || r.meta == nil {
		return
	}
	var plan bindingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	var state *bindingModel
	if !req.State.Raw.IsNull() {
		state = &bindingModel{}
		resp.Diagnostics.Append(req.State.Get(ctx, state)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if plan.Environment.IsUnknown() || !r.meta.CheckEnvironment(plan.Environment.ValueString(), &resp.Diagnostics) {
		return
	}
	env, _ := r.meta.Standards.Environment(plan.Environment.ValueString())
	if !plan.Name.IsUnknown() {
		plan.ID = types.StringValue(env.Name + "/" + plan.Name.ValueString())
	}
	plan.VPCID = types.StringValue(env.VPCID)
	if tags, ok := bindingStandardTags(ctx, &plan); ok {
		plan.TagsAll, _ = r.meta.Tags(ctx, plan.Tags, tags, &resp.Diagnostics)
	} else {
		plan.TagsAll = types.MapUnknown(types.StringType)
	}
	if state != nil {
		if !plan.VPCID.Equal(state.VPCID) {
			resp.RequiresReplace = append(resp.RequiresReplace, path.Root("vpc_id"))
		}
	}
	securityGroups, known := r.checkListener(ctx, env, &plan, state, &resp.Diagnostics)
	plan.TargetGroupARNs, plan.Manifests = plannedOutputs(ctx, &plan, state, securityGroups, known, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

func (r *bindingResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	var plan bindingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	if resp.Diagnostics.HasError() {
		return
	}
	spec := bindingSpecFrom(ctx, &plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := plan.ID.ValueString()
	var ruleARN string
	o, err := r.client(ctx, plan.Environment.ValueString())
	if err == nil {
		ruleARN, err = o.create(ctx, spec)
	}
	if err != nil {
		failed(&resp.Diagnostics, "Creating ALB target binding", "creating", id, err)
		return
	}
	plan.RuleARN = types.StringValue(ruleARN)
	if err := r.refresh(ctx, o, &plan, &resp.Diagnostics); err != nil {
		failed(&resp.Diagnostics, "Reading ALB target binding after create", "creating", id, err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

// Read refreshes the binding; on import, when it has only its id so far,
// it finds the rest. A binding whose rule is gone leaves the state.
func (r *bindingResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	var state bindingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id, action := state.ID.ValueString(), "reading"
	if state.ListenerARN.IsNull() {
		action = "importing"
	}
	o, err := r.client(ctx, state.Environment.ValueString())
	if err == nil {
		err = r.refresh(ctx, o, &state, &resp.Diagnostics)
	}
	if awserr.IsNotFound(err) {
		steps.Gone(ctx, resp, typeName, id, err)
		return
	}
	if err != nil {
		failed(&resp.Diagnostics, "Reading ALB target binding", action, id, err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *bindingResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	var plan, state bindingModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	want := bindingSpecFrom(ctx, &plan, &resp.Diagnostics)
	have := bindingSpecFrom(ctx, &state, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	o, err := r.client(ctx, plan.Environment.ValueString())
	if err == nil {
		err = o.update(ctx, have, want)
	}
	if err != nil {
		failed(&resp.Diagnostics, "Updating ALB target binding", "updating", id, err)
		return
	}
	if err := r.refresh(ctx, o, &plan, &resp.Diagnostics); err != nil {
		failed(&resp.Diagnostics, "Reading ALB target binding after update", "updating", id, err)
		return
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
}

func (r *bindingResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var state bindingModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	id := state.ID.ValueString()
	o, err := r.client(ctx, state.Environment.ValueString())
	if err == nil {
		err = o.deleteAll(ctx, state.Name.ValueString(), state.RuleARN.ValueString(), convert.StringMap(state.TargetGroupARNs))
	}
	if err != nil {
		failed(&resp.Diagnostics, "Deleting ALB target binding", "deleting", id, err)
	}
}

func (r *bindingResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.meta.ImportTarget(ctx, req, resp, bindingName.Valid, "dev/shop")
}

// client returns the ELBv2 operations in env's account.
func (r *bindingResource) client(ctx context.Context, env string) (*ops, error) {
	client, err := r.meta.Sessions.ELBv2(ctx, env)
	if err != nil {
		return nil, err
	}
	return &ops{client: client}, nil
}

// refresh reads m back from ELBv2; a binding that is gone is
// awserr.NotFound.
func (r *bindingResource) refresh(ctx context.Context, o *ops, m *bindingModel, diags *diag.Diagnostics) error {
	env, err := r.meta.Standards.Environment(m.Environment.ValueString())
	if err != nil {
		return err
	}
	importing := m.ListenerARN.IsNull()
	b, err := o.find(ctx, env, m.Name.ValueString(), m.RuleARN.ValueString(), m.ListenerARN.ValueString())
	if err != nil {
		return err
	}
	return flatten(ctx, m, b, env, r.meta, importing, diags)
}

// failed reports that action on the binding id failed, in the wording
// every paved resource uses.
func failed(diags *diag.Diagnostics, summary, action, id string, err error) {
	diags.AddError(summary, steps.Failure(action, typeName, id, err))
}
