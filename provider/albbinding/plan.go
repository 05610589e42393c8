package albbinding

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/standards"
	"github.com/paved-road/paved/provider/tags"
)

// checkBinding enforces the rules between attributes, skipping what is not
// known yet: the pair's environment and live side, and weights that only
// name sides of the pair, are not all zero and give the live side traffic.
func checkBinding(ctx context.Context, m *bindingModel, diags *diag.Diagnostics) {
	hosts, hostsKnown := convert.Strings(m.HostHeaders)
	paths, pathsKnown := convert.Strings(m.PathPatterns)
	if hostsKnown && pathsKnown && len(hosts)+len(paths) > maxConditionValues {
		diags.AddAttributeError(path.Root("path_patterns"), "Too many conditions",
			fmt.Sprintf("host_headers and path_patterns have %d values together; ELBv2 allows %d per rule", len(hosts)+len(paths), maxConditionValues))
	}
	if hc, ok := convert.ObjectAs[healthCheckModel](ctx, m.HealthCheck); ok && !hc.TimeoutSeconds.IsUnknown() && !hc.IntervalSeconds.IsUnknown() {
		// In ValidateConfig an omitted field is still null: its default applies.
		timeout, interval := int64(defaultHealthCheck.Timeout), int64(defaultHealthCheck.Interval)
		if !hc.TimeoutSeconds.IsNull() {
			timeout = hc.TimeoutSeconds.ValueInt64()
		}
		if !hc.IntervalSeconds.IsNull() {
			interval = hc.IntervalSeconds.ValueInt64()
		}
		if timeout >= interval {
			diags.AddAttributeError(path.Root("health_check"), "Health check timeout too long",
				fmt.Sprintf("health_check.timeout_seconds (%d) must be less than health_check.interval_seconds (%d)", timeout, interval))
		}
	}

	pair, ok := convert.ObjectAs[bluegreen.Binding](ctx, m.ClusterPair)
	if !ok {
		return
	}
	// Terraform cannot point into an object written inline, so errors on
	// the pair's fields name the whole attribute.
	pairPath := path.Root("cluster_pair")
	if !pair.Environment.IsUnknown() && !m.Environment.IsUnknown() && !pair.Environment.Equal(m.Environment) {
		diags.AddAttributeError(pairPath, "Cluster pair in another environment",
			fmt.Sprintf("cluster_pair.environment: the pair %s is in environment %q but the binding is in %q: the target groups must be in the pair's account and VPC",
				pair.ID.ValueString(), pair.Environment.ValueString(), m.Environment.ValueString()))
	}
	sides, ok := convert.Strings(pair.Sides)
	if !ok {
		return
	}
	live := pair.Live.ValueString()
	if !pair.Live.IsUnknown() && !slices.Contains(sides, live) {
		diags.AddAttributeError(pairPath, "Live side absent",
			fmt.Sprintf("cluster_pair.live %q is not one of the pair's sides %v", live, sides))
		return
	}
	if m.Weights.IsUnknown() || m.Weights.IsNull() {
		return
	}
	weights := m.Weights.Elements()
	allKnown, anyTraffic := true, false
	for _, s := range convert.SortedKeys(weights) {
		if !slices.Contains(sides, s) {
			diags.AddAttributeError(path.Root("weights").AtMapKey(s), "Weight for a side the pair does not have",
				fmt.Sprintf("%q is not a side of the cluster pair %s; its sides are %v", s, pair.ID.ValueString(), sides))
		}
		w, _ := weights[s].(types.Int64)
		allKnown = allKnown && !w.IsUnknown()
		anyTraffic = anyTraffic || w.ValueInt64() > 0
	}
	if allKnown && !anyTraffic {
		diags.AddAttributeError(path.Root("weights"), "All weights zero",
			"at least one side needs a weight above 0, or the rule would forward no traffic")
		return
	}
	if pair.Live.IsUnknown() {
		return
	}
	switch w, ok := weights[live].(types.Int64); {
	case !ok:
		diags.AddAttributeError(path.Root("weights"), "No weight for the live side",
			fmt.Sprintf("the live side %q needs a weight above 0, so that traffic always reaches it; to stop serving from it, flip live first", live))
	case !w.IsUnknown() && w.ValueInt64() == 0:
		diags.AddAttributeError(path.Root("weights").AtMapKey(live), "Live side without traffic",
			fmt.Sprintf("the live side %q has weight 0; it needs a weight above 0, so that traffic always reaches it; to stop serving from it, flip live first", live))
	}
}

// checkListener looks at the listener at plan time: that it exists in the
// environment's account and VPC, and that no other rule on it has the
// priority. It returns the load balancer's security groups for the
// manifests, and whether they are known.
func (r *bindingResource) checkListener(ctx context.Context, env standards.Environment, plan, state *bindingModel, diags *diag.Diagnostics) ([]string, bool) {
	if plan.ListenerARN.IsUnknown() {
		return nil, false
	}
	o, err := r.client(ctx, env.Name)
	if err != nil {
		diags.AddError("Planning ALB target binding", err.Error())
		return nil, false
	}
	listener := plan.ListenerARN.ValueString()
	lb, err := o.loadBalancerOf(ctx, listener)
	if awserr.IsNotFound(err) {
		diags.AddAttributeError(path.Root("listener_arn"), "Listener not found",
			fmt.Sprintf("there is no listener %s in environment %q (account %s, region %s); the listener must exist before the binding",
				listener, env.Name, env.AccountID, env.Region))
		return nil, false
	}
	if err != nil {
		diags.AddError("Planning ALB target binding", err.Error())
		return nil, false
	}
	if vpc := lb.vpcID; vpc != env.VPCID {
		diags.AddAttributeError(path.Root("listener_arn"), "Listener in another VPC",
			fmt.Sprintf("listener %s belongs to load balancer %s in %s, but environment %q has VPC %s in the standards; "+
				"the target groups must be in the load balancer's VPC", listener, lb.arn, vpc, env.Name, env.VPCID))
	}
	if plan.Priority.IsUnknown() {
		return lb.securityGroups, true
	}
	rules, err := o.listenerRules(ctx, listener)
	if err != nil {
		diags.AddError("Planning ALB target binding", err.Error())
		return nil, false
	}
	own := ""
	if state != nil {
		own = state.RuleARN.ValueString()
	}
	priority := strconv.FormatInt(plan.Priority.ValueInt64(), 10)
	for _, rule := range rules {
		if arn := aws.ToString(rule.RuleArn); aws.ToString(rule.Priority) == priority && arn != own {
			diags.AddAttributeError(path.Root("priority"), "Priority taken",
				fmt.Sprintf("priority %s is already taken on listener %s by rule %s; choose a free priority", priority, listener, arn))
		}
	}
	return lb.securityGroups, true
}

// plannedOutputs plans target_group_arns and manifests: one entry per side
// of the pair, known for target groups that stay, unknown for new ones.
func plannedOutputs(ctx context.Context, plan, state *bindingModel, securityGroups []string, sgKnown bool, diags *diag.Diagnostics) (types.Map, types.Map) {
	unknown := types.MapUnknown(types.StringType)
	pair, ok := convert.ObjectAs[bluegreen.Binding](ctx, plan.ClusterPair)
	if !ok {
		return unknown, unknown
	}
	sides, ok := convert.Strings(pair.Sides)
	if !ok {
		return unknown, unknown
	}
	have := map[string]string{}
	if state != nil {
		have = convert.StringMap(state.TargetGroupARNs)
	}
	svc, svcKnown := convert.ObjectAs[serviceModel](ctx, plan.Service)
	svcKnown = svcKnown && !svc.Namespace.IsUnknown() && !svc.Name.IsUnknown() && !svc.Port.IsUnknown()
	arns, manifests := map[string]attr.Value{}, map[string]attr.Value{}
	for _, side := range sides {
		arns[side], manifests[side] = types.StringUnknown(), types.StringUnknown()
		arn, ok := have[side]
		if !ok {
			continue
		}
		arns[side] = types.StringValue(arn)
		if svcKnown && sgKnown && !plan.Name.IsUnknown() {
			text, err := targetGroupBindingManifest(plan.Name.ValueString(), side, serviceOf(svc), arn, securityGroups)
			if err != nil {
				diags.AddError("Planning the TargetGroupBinding manifest", err.Error())
				continue
			}
			manifests[side] = types.StringValue(text)
		}
	}
	a, d := types.MapValue(types.StringType, arns)
	diags.Append(d...)
	m, d := types.MapValue(types.StringType, manifests)
	diags.Append(d...)
	return a, m
}

// bindingStandardTags are the tags paved sets on the rule and the target
// groups; false while any of them is unknown.
func bindingStandardTags(ctx context.Context, m *bindingModel) (map[string]string, bool) {
	pair, ok := convert.ObjectAs[bluegreen.Binding](ctx, m.ClusterPair)
	if !ok || pair.ID.IsUnknown() || pair.Live.IsUnknown() {
		return nil, false
	}
	svc, ok := convert.ObjectAs[serviceModel](ctx, m.Service)
	if !ok || svc.Namespace.IsUnknown() || svc.Name.IsUnknown() || m.Name.IsUnknown() || m.Environment.IsUnknown() {
		return nil, false
	}
	return map[string]string{
		"environment":        m.Environment.ValueString(),
		"managed-by":         tags.ManagedBy,
		"paved:binding":      m.Name.ValueString(),
		"paved:cluster-pair": pair.ID.ValueString(),
		"paved:live":         pair.Live.ValueString(),
		"paved:service":      svc.Namespace.ValueString() + "/" + svc.Name.ValueString(),
	}, true
}
