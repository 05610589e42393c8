package albbinding

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/standards"
)

// flatten sets m to what ELBv2 holds of the binding: the rule (priority,
// conditions, weights), the target groups named after the binding (ARNs,
// port, VPC, health check), the rule's tags and, for the manifests, the
// load balancer's security groups. importing means m has only its id so
// far.
func flatten(ctx context.Context, m *bindingModel, b found, env standards.Environment, meta *accounts.Meta, importing bool, diags *diag.Diagnostics) error {
	arns, sideOf := map[string]string{}, map[string]string{}
	for side, g := range b.groups {
		arns[side] = aws.ToString(g.TargetGroupArn)
		sideOf[arns[side]] = side
	}
	m.ID = types.StringValue(env.Name + "/" + m.Name.ValueString())
	m.ListenerARN = types.StringValue(b.listenerARN)
	m.TargetGroupARNs = convert.MapValue(ctx, arns, diags)
	if err := flattenRule(ctx, m, b.rule, sideOf, importing, diags); err != nil {
		return err
	}
	flattenTargetGroups(ctx, m, b.groups, diags)
	if err := flattenTags(ctx, m, meta, b.rule, b.ruleTags, arns, importing, diags); err != nil {
		return err
	}
	return flattenManifests(ctx, m, arns, b.lb.securityGroups, diags)
}

// flattenRule reads the rule's priority, conditions and weights. Weights keep
// the sides m had, plus any side given traffic outside Terraform, so that
// a side left out of `weights` (forwarding 0) is not drift; on import every
// side is read. A target group paved does not own, added to the rule by
// hand, is left out: the next weight change removes it.
func flattenRule(ctx context.Context, m *bindingModel, rule elbtypes.Rule, sideOf map[string]string, importing bool, diags *diag.Diagnostics) error {
	m.RuleARN = types.StringValue(aws.ToString(rule.RuleArn))
	priority, err := strconv.ParseInt(aws.ToString(rule.Priority), 10, 64)
	if err != nil {
		return fmt.Errorf("rule %s has priority %q: %w", aws.ToString(rule.RuleArn), aws.ToString(rule.Priority), err)
	}
	m.Priority = types.Int64Value(priority)
	var hosts, paths []string
	for _, c := range rule.Conditions {
		switch aws.ToString(c.Field) {
		case "host-header":
			hosts = c.Values
			if c.HostHeaderConfig != nil {
				hosts = c.HostHeaderConfig.Values
			}
		case "path-pattern":
			paths = c.Values
			if c.PathPatternConfig != nil {
				paths = c.PathPatternConfig.Values
			}
		}
	}
	m.HostHeaders, m.PathPatterns = convert.ListOrNull(ctx, hosts, diags), convert.ListOrNull(ctx, paths, diags)

	prior := m.Weights.Elements()
	weights := map[string]attr.Value{}
	for arn, w := range ruleForwards(rule) {
		side, ok := sideOf[arn]
		if !ok {
			continue
		}
		if _, had := prior[side]; had || importing || w != 0 {
			weights[side] = types.Int64Value(int64(w))
		}
	}
	var d diag.Diagnostics
	m.Weights, d = types.MapValue(types.Int64Type, weights)
	diags.Append(d...)
	return nil
}

// targetGroupSettings is what a binding configures on each target group.
type targetGroupSettings struct {
	health healthCheck
	port   int32
	vpcID  string
}

func settingsOf(g elbtypes.TargetGroup) targetGroupSettings {
	h := healthCheck{
		Path:      aws.ToString(g.HealthCheckPath),
		Interval:  aws.ToInt32(g.HealthCheckIntervalSeconds),
		Timeout:   aws.ToInt32(g.HealthCheckTimeoutSeconds),
		Healthy:   aws.ToInt32(g.HealthyThresholdCount),
		Unhealthy: aws.ToInt32(g.UnhealthyThresholdCount),
	}
	if g.Matcher != nil {
		h.Matcher = aws.ToString(g.Matcher.HttpCode)
	}
	return targetGroupSettings{health: h, port: aws.ToInt32(g.Port), vpcID: aws.ToString(g.VpcId)}
}

// flattenTargetGroups reads the settings the target groups share. When they
// differ, the first that differs from m is taken, so that drift in any
// target group shows in the plan.
func flattenTargetGroups(ctx context.Context, m *bindingModel, groups map[string]elbtypes.TargetGroup, diags *diag.Diagnostics) {
	if len(groups) == 0 {
		return
	}
	svc, _ := convert.ObjectAs[serviceModel](ctx, m.Service)
	prior := targetGroupSettings{vpcID: m.VPCID.ValueString(), port: int32(svc.Port.ValueInt64())}
	if hc, ok := convert.ObjectAs[healthCheckModel](ctx, m.HealthCheck); ok {
		prior.health = healthOf(hc)
	}
	sides := convert.SortedKeys(groups)
	got := settingsOf(groups[sides[0]])
	for _, side := range sides {
		if s := settingsOf(groups[side]); s != prior {
			got = s
			break
		}
	}
	m.VPCID = types.StringValue(got.vpcID)
	svc.Port = types.Int64Value(int64(got.port))
	var d diag.Diagnostics
	m.Service, d = types.ObjectValueFrom(ctx, serviceAttrTypes, svc)
	diags.Append(d...)
	m.HealthCheck, d = types.ObjectValueFrom(ctx, healthCheckAttrTypes, got.health.model())
	diags.Append(d...)
}

func (h healthCheck) model() healthCheckModel {
	return healthCheckModel{
		Path: types.StringValue(h.Path), Matcher: types.StringValue(h.Matcher),
		IntervalSeconds: types.Int64Value(int64(h.Interval)), TimeoutSeconds: types.Int64Value(int64(h.Timeout)),
		HealthyThreshold: types.Int64Value(int64(h.Healthy)), UnhealthyThreshold: types.Int64Value(int64(h.Unhealthy)),
	}
}

// flattenTags reads the tags the rule carries, which the target groups
// share. On import they also give what ELBv2 does not know: the cluster
// pair and the Kubernetes service.
func flattenTags(ctx context.Context, m *bindingModel, meta *accounts.Meta, rule elbtypes.Rule, all, arns map[string]string, importing bool, diags *diag.Diagnostics) error {
	m.TagsAll = convert.MapValue(ctx, all, diags)
	if importing {
		if all["paved:binding"] != m.Name.ValueString() {
			return fmt.Errorf("%s is not tagged paved:binding = %s: it was not made by paved_alb_target_binding %s", aws.ToString(rule.RuleArn), m.Name.ValueString(), m.Name.ValueString())
		}
		pairID := all["paved:cluster-pair"]
		sides := convert.SortedKeys(arns)
		sideList, d := types.ListValueFrom(ctx, types.StringType, sides)
		diags.Append(d...)
		m.ClusterPair, d = types.ObjectValueFrom(ctx, bluegreen.BindingType.AttrTypes, bluegreen.Binding{
			ID:          types.StringValue(pairID),
			Environment: m.Environment,
			Name:        types.StringValue(pairID[strings.LastIndex(pairID, "/")+1:]), // pair ids are <environment>/<name>
			Live:        types.StringValue(all["paved:live"]),
			Sides:       sideList,
		})
		diags.Append(d...)
		svc, _ := convert.ObjectAs[serviceModel](ctx, m.Service)
		namespace, svcName, _ := strings.Cut(all["paved:service"], "/")
		svc.Namespace, svc.Name = types.StringValue(namespace), types.StringValue(svcName)
		m.Service, d = types.ObjectValueFrom(ctx, serviceAttrTypes, svc)
		diags.Append(d...)
	}
	standard, _ := bindingStandardTags(ctx, m)
	if own := meta.OwnTags(m.Tags, all, standard, importing); len(own) > 0 || !m.Tags.IsNull() {
		m.Tags = convert.MapValue(ctx, own, diags)
	}
	return nil
}

// flattenManifests renders the TargetGroupBinding of each target group
// with the load balancer's current security groups.
func flattenManifests(ctx context.Context, m *bindingModel, arns map[string]string, securityGroups []string, diags *diag.Diagnostics) error {
	svc, _ := convert.ObjectAs[serviceModel](ctx, m.Service)
	manifests := map[string]string{}
	for side, arn := range arns {
		text, err := targetGroupBindingManifest(m.Name.ValueString(), side, serviceOf(svc), arn, securityGroups)
		if err != nil {
			return err
		}
		manifests[side] = text
	}
	m.Manifests = convert.MapValue(ctx, manifests, diags)
	return nil
}
