package albbinding

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/paved-road/paved/provider/bluegreen"

	"github.com/paved-road/paved/provider/accounts"
	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/tags"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// bindingSpec is a paved_alb_target_binding in ELBv2's terms: what Create
// builds and what Update compares.
type bindingSpec struct {
	name         string
	listenerARN  string
	vpcID        string
	service      k8sService
	sides        []string         // sorted
	weights      map[string]int32 // a side without one forwards 0
	hostHeaders  []string
	pathPatterns []string
	priority     int32
	health       healthCheck
	tags         map[string]string
	ruleARN      string
	targetGroups map[string]string // side -> ARN, of an existing binding
}

// healthCheck is a target group's health check.
type healthCheck struct {
	Path, Matcher                         string
	Interval, Timeout, Healthy, Unhealthy int32
}

func bindingSpecFrom(ctx context.Context, m *albTargetBindingModel, diags *diag.Diagnostics) bindingSpec {
	s := bindingSpec{
		name:         m.Name.ValueString(),
		listenerARN:  m.ListenerARN.ValueString(),
		vpcID:        m.VPCID.ValueString(),
		priority:     int32(m.Priority.ValueInt64()),
		weights:      map[string]int32{},
		tags:         map[string]string{},
		ruleARN:      m.RuleARN.ValueString(),
		targetGroups: convert.StringMap(m.TargetGroupARNs),
	}
	if pair, ok := convert.ObjectAs[bluegreen.Binding](ctx, m.ClusterPair); ok {
		s.sides, _ = convert.Strings(pair.Sides)
		slices.Sort(s.sides)
	}
	if svc, ok := convert.ObjectAs[serviceModel](ctx, m.Service); ok {
		s.service = serviceOf(svc)
	}
	if hc, ok := convert.ObjectAs[healthCheckModel](ctx, m.HealthCheck); ok {
		s.health = healthOf(hc)
	}
	s.hostHeaders, _ = convert.Strings(m.HostHeaders)
	s.pathPatterns, _ = convert.Strings(m.PathPatterns)
	for side, v := range m.Weights.Elements() {
		if w, ok := v.(types.Int64); ok {
			s.weights[side] = int32(w.ValueInt64())
		}
	}
	if !m.TagsAll.IsNull() {
		diags.Append(m.TagsAll.ElementsAs(ctx, &s.tags, false)...)
	}
	return s
}

func healthOf(m healthCheckModel) healthCheck {
	return healthCheck{
		Path: m.Path.ValueString(), Matcher: m.Matcher.ValueString(),
		Interval: int32(m.IntervalSeconds.ValueInt64()), Timeout: int32(m.TimeoutSeconds.ValueInt64()),
		Healthy: int32(m.HealthyThreshold.ValueInt64()), Unhealthy: int32(m.UnhealthyThreshold.ValueInt64()),
	}
}

func (h healthCheck) model() healthCheckModel {
	return healthCheckModel{
		Path: types.StringValue(h.Path), Matcher: types.StringValue(h.Matcher),
		IntervalSeconds: types.Int64Value(int64(h.Interval)), TimeoutSeconds: types.Int64Value(int64(h.Timeout)),
		HealthyThreshold: types.Int64Value(int64(h.Healthy)), UnhealthyThreshold: types.Int64Value(int64(h.Unhealthy)),
	}
}

func targetGroupName(name, side string) string { return name + "-" + side }

// albBindingOps runs the ELBv2 calls of a paved_alb_target_binding in one account.
type albBindingOps struct {
	client *elasticloadbalancingv2.Client
}

// errListenerNotFound means the listener does not exist in the account and region.
var errListenerNotFound = errors.New("listener not found")

// create makes one target group per side, then the listener rule that
// forwards to them. If a step fails, what was made so far is removed,
// newest first, and the error names the step. It returns the rule's ARN.
func (o *albBindingOps) create(ctx context.Context, s bindingSpec) (string, error) {
	var undo []func(context.Context) error
	arns := map[string]string{}
	var ruleARN string
	var todo []steps.Step
	for _, side := range s.sides {
		todo = append(todo, o.createTargetGroupStep(s, side, arns, &undo))
	}
	todo = append(todo, steps.Step{Name: "create listener rule", Run: func(ctx context.Context) error {
		out, err := o.client.CreateRule(ctx, &elasticloadbalancingv2.CreateRuleInput{
			ListenerArn: aws.String(s.listenerARN),
			Priority:    aws.Int32(s.priority),
			Conditions:  ruleConditions(s),
			Actions:     forwardAction(s.weights, arns),
			Tags:        elbTags(s.tags),
		})
		if err != nil {
			return err
		}
		if len(out.Rules) != 1 {
			return fmt.Errorf("CreateRule answered %d rules", len(out.Rules))
		}
		ruleARN = aws.ToString(out.Rules[0].RuleArn)
		return nil
	}})
	if err := steps.Run(ctx, todo); err != nil {
		return "", steps.Rollback(ctx, err, undo)
	}
	return ruleARN, nil
}

func (o *albBindingOps) createTargetGroup(ctx context.Context, s bindingSpec, side string) (string, error) {
	h := s.health
	out, err := o.client.CreateTargetGroup(ctx, &elasticloadbalancingv2.CreateTargetGroupInput{
		Name:                       aws.String(targetGroupName(s.name, side)),
		TargetType:                 elbtypes.TargetTypeEnumIp,
		Protocol:                   elbtypes.ProtocolEnumHttp,
		Port:                       aws.Int32(s.service.port),
		VpcId:                      aws.String(s.vpcID),
		HealthCheckEnabled:         aws.Bool(true),
		HealthCheckProtocol:        elbtypes.ProtocolEnumHttp,
		HealthCheckPath:            aws.String(h.Path),
		Matcher:                    &elbtypes.Matcher{HttpCode: aws.String(h.Matcher)},
		HealthCheckIntervalSeconds: aws.Int32(h.Interval),
		HealthCheckTimeoutSeconds:  aws.Int32(h.Timeout),
		HealthyThresholdCount:      aws.Int32(h.Healthy),
		UnhealthyThresholdCount:    aws.Int32(h.Unhealthy),
		Tags:                       elbTags(s.tags),
	})
	if err != nil {
		return "", err
	}
	if len(out.TargetGroups) != 1 {
		return "", fmt.Errorf("CreateTargetGroup answered %d target groups", len(out.TargetGroups))
	}
	return aws.ToString(out.TargetGroups[0].TargetGroupArn), nil
}

// ruleConditions are the rule's host-header and path-pattern conditions.
func ruleConditions(s bindingSpec) []elbtypes.RuleCondition {
	var out []elbtypes.RuleCondition
	if len(s.hostHeaders) > 0 {
		out = append(out, elbtypes.RuleCondition{
			Field: aws.String("host-header"), HostHeaderConfig: &elbtypes.HostHeaderConditionConfig{Values: s.hostHeaders},
		})
	}
	if len(s.pathPatterns) > 0 {
		out = append(out, elbtypes.RuleCondition{
			Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: s.pathPatterns},
		})
	}
	return out
}

// forwardAction forwards to each side's target group at the side's weight.
func forwardAction(weights map[string]int32, arns map[string]string) []elbtypes.Action {
	var groups []elbtypes.TargetGroupTuple
	for _, side := range convert.SortedKeys(arns) {
		groups = append(groups, elbtypes.TargetGroupTuple{TargetGroupArn: aws.String(arns[side]), Weight: aws.Int32(weights[side])})
	}
	return []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{TargetGroups: groups}}}
}

// forwardWeights is what a rule forwarding to arns at weights amounts to:
// target group ARN -> weight.
func forwardWeights(weights map[string]int32, arns map[string]string) map[string]int32 {
	out := map[string]int32{}
	for side, arn := range arns {
		out[arn] = weights[side]
	}
	return out
}

// createTargetGroupStep creates side's target group, records its ARN in
// arns and how to delete it again in undo.
func (o *albBindingOps) createTargetGroupStep(s bindingSpec, side string, arns map[string]string, undo *[]func(context.Context) error) steps.Step {
	return steps.Step{Name: "create target group " + targetGroupName(s.name, side), Run: func(ctx context.Context) error {
		arn, err := o.createTargetGroup(ctx, s, side)
		if err != nil {
			return err
		}
		arns[side] = arn
		*undo = append(*undo, func(ctx context.Context) error { return o.deleteTargetGroup(ctx, arn) })
		return nil
	}}
}

// update moves a binding from have to want in place. Target groups of new
// sides are created first and removed again if the rule cannot be pointed
// at them; the target groups of sides that left are deleted only after the
// rule stopped forwarding to them, since ELBv2 refuses to delete a target
// group in use. The rule and the target groups that stay keep their ARNs.
func (o *albBindingOps) update(ctx context.Context, have, want bindingSpec) error {
	arns := map[string]string{} // want's sides -> target group ARN
	var kept []string           // ARNs of the target groups that stay
	for _, side := range want.sides {
		if arn, ok := have.targetGroups[side]; ok {
			arns[side] = arn
			kept = append(kept, arn)
		}
	}
	var undo []func(context.Context) error
	var todo []steps.Step
	for _, side := range want.sides {
		if _, ok := have.targetGroups[side]; ok {
			continue
		}
		todo = append(todo, o.createTargetGroupStep(want, side, arns, &undo))
	}
	todo = append(todo,
		steps.Step{Name: "modify target group health checks", Run: func(ctx context.Context) error {
			if have.health == want.health {
				return nil
			}
			for _, arn := range kept {
				if err := o.modifyHealthCheck(ctx, arn, want.health); err != nil {
					return err
				}
			}
			return nil
		}},
		steps.Step{Name: "modify listener rule", Run: func(ctx context.Context) error {
			if maps.Equal(forwardWeights(have.weights, have.targetGroups), forwardWeights(want.weights, arns)) &&
				slices.Equal(have.hostHeaders, want.hostHeaders) && slices.Equal(have.pathPatterns, want.pathPatterns) {
				return nil
			}
			if _, err := o.client.ModifyRule(ctx, &elasticloadbalancingv2.ModifyRuleInput{
				RuleArn:    aws.String(have.ruleARN),
				Conditions: ruleConditions(want),
				Actions:    forwardAction(want.weights, arns),
			}); err != nil {
				return err
			}
			// The new target groups are in use now: they stay even if a
			// later step fails, and the next refresh records them.
			undo = nil
			return nil
		}},
		steps.Step{Name: "set rule priority", Run: func(ctx context.Context) error {
			if have.priority == want.priority {
				return nil
			}
			_, err := o.client.SetRulePriorities(ctx, &elasticloadbalancingv2.SetRulePrioritiesInput{
				RulePriorities: []elbtypes.RulePriorityPair{{RuleArn: aws.String(have.ruleARN), Priority: aws.Int32(want.priority)}},
			})
			return err
		}},
	)
	for _, side := range convert.SortedKeys(have.targetGroups) {
		if slices.Contains(want.sides, side) {
			continue
		}
		arn := have.targetGroups[side]
		todo = append(todo, steps.Step{Name: "delete target group " + targetGroupName(want.name, side), Run: func(ctx context.Context) error {
			return o.deleteTargetGroup(ctx, arn)
		}})
	}
	todo = append(todo, steps.Step{Name: "update tags", Run: func(ctx context.Context) error {
		return o.retag(ctx, append([]string{have.ruleARN}, kept...), have.tags, want.tags)
	}})
	if err := steps.Run(ctx, todo); err != nil {
		err = fmt.Errorf("binding %s: %w", want.name, err)
		if len(undo) > 0 {
			return steps.Rollback(ctx, err, undo)
		}
		return err
	}
	return nil
}

func (o *albBindingOps) modifyHealthCheck(ctx context.Context, arn string, h healthCheck) error {
	_, err := o.client.ModifyTargetGroup(ctx, &elasticloadbalancingv2.ModifyTargetGroupInput{
		TargetGroupArn:             aws.String(arn),
		HealthCheckPath:            aws.String(h.Path),
		Matcher:                    &elbtypes.Matcher{HttpCode: aws.String(h.Matcher)},
		HealthCheckIntervalSeconds: aws.Int32(h.Interval),
		HealthCheckTimeoutSeconds:  aws.Int32(h.Timeout),
		HealthyThresholdCount:      aws.Int32(h.Healthy),
		UnhealthyThresholdCount:    aws.Int32(h.Unhealthy),
	})
	if err != nil {
		return fmt.Errorf("ModifyTargetGroup %s: %w", arn, err)
	}
	return nil
}

// retag moves the tags of the rule and the target groups, which share them.
func (o *albBindingOps) retag(ctx context.Context, arns []string, have, want map[string]string) error {
	return tags.Retag(ctx, have, want, tags.Calls{
		Untag: func(ctx context.Context, keys []string) error {
			_, err := o.client.RemoveTags(ctx, &elasticloadbalancingv2.RemoveTagsInput{ResourceArns: arns, TagKeys: keys})
			return awserr.Wrap("RemoveTags", err)
		},
		Tag: func(ctx context.Context, set map[string]string) error {
			_, err := o.client.AddTags(ctx, &elasticloadbalancingv2.AddTagsInput{ResourceArns: arns, Tags: elbTags(set)})
			return awserr.Wrap("AddTags", err)
		},
	})
}

// deleteAll removes the rule, then the target groups it forwarded to.
// Parts already gone are skipped.
func (o *albBindingOps) deleteAll(ctx context.Context, ruleARN string, targetGroups map[string]string) error {
	if ruleARN != "" {
		_, err := o.client.DeleteRule(ctx, &elasticloadbalancingv2.DeleteRuleInput{RuleArn: aws.String(ruleARN)})
		if err != nil && !awserr.Is(err, "RuleNotFound") {
			return fmt.Errorf("DeleteRule %s: %w", ruleARN, err)
		}
	}
	for _, side := range convert.SortedKeys(targetGroups) {
		if err := o.deleteTargetGroup(ctx, targetGroups[side]); err != nil {
			return err
		}
	}
	return nil
}

func (o *albBindingOps) deleteTargetGroup(ctx context.Context, arn string) error {
	_, err := o.client.DeleteTargetGroup(ctx, &elasticloadbalancingv2.DeleteTargetGroupInput{TargetGroupArn: aws.String(arn)},
		func(o *elasticloadbalancingv2.Options) {
			// ELBv2 can report a target group in use for a few seconds
			// after the rule that used it was changed or deleted.
			o.Retryer = retry.AddWithMaxAttempts(retry.AddWithErrorCodes(o.Retryer, "ResourceInUse"), 10)
		})
	if err != nil && !awserr.Is(err, "TargetGroupNotFound") {
		return fmt.Errorf("DeleteTargetGroup %s: %w", arn, err)
	}
	return nil
}

// loadBalancer is what a binding needs to know of the listener's load balancer.
type loadBalancer struct {
	arn, vpcID     string
	securityGroups []string
}

// loadBalancerOf returns the load balancer of a listener, or
// errListenerNotFound.
func (o *albBindingOps) loadBalancerOf(ctx context.Context, listenerARN string) (loadBalancer, error) {
	ls, err := o.client.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{ListenerArns: []string{listenerARN}})
	if awserr.Is(err, "ListenerNotFound") || (err == nil && len(ls.Listeners) != 1) {
		return loadBalancer{}, errListenerNotFound
	}
	if err != nil {
		return loadBalancer{}, fmt.Errorf("DescribeListeners %s: %w", listenerARN, err)
	}
	arn := aws.ToString(ls.Listeners[0].LoadBalancerArn)
	lbs, err := o.client.DescribeLoadBalancers(ctx, &elasticloadbalancingv2.DescribeLoadBalancersInput{LoadBalancerArns: []string{arn}})
	if err != nil {
		return loadBalancer{}, fmt.Errorf("DescribeLoadBalancers %s: %w", arn, err)
	}
	if len(lbs.LoadBalancers) != 1 {
		return loadBalancer{}, fmt.Errorf("DescribeLoadBalancers %s: no load balancer", arn)
	}
	lb := lbs.LoadBalancers[0]
	return loadBalancer{arn: arn, vpcID: aws.ToString(lb.VpcId), securityGroups: lb.SecurityGroups}, nil
}

// listenerRules returns every rule of a listener, the default one included.
func (o *albBindingOps) listenerRules(ctx context.Context, listenerARN string) ([]elbtypes.Rule, error) {
	var rules []elbtypes.Rule
	pages := elasticloadbalancingv2.NewDescribeRulesPaginator(o.client, &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(listenerARN)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("DescribeRules on listener %s: %w", listenerARN, err)
		}
		rules = append(rules, page.Rules...)
	}
	return rules, nil
}

// read refreshes m from ELBv2: the rule (priority, conditions, weights),
// the target groups named after the binding (ARNs, port, VPC, health
// check), their tags and the load balancer's security groups for the
// manifests. A rule gone leaves rule_arn null, which makes the next plan
// replace the binding; on import, the rule is found among those of the
// load balancers in the environment's VPC.
func (o *albBindingOps) read(ctx context.Context, m *albTargetBindingModel, meta *accounts.Meta) error {
	name := m.Name.ValueString()
	importing := m.ListenerARN.IsNull() // an imported binding has only its id so far
	env, err := meta.Standards.Environment(m.Environment.ValueString())
	if err != nil {
		return err
	}
	groups, err := o.targetGroups(ctx, name)
	if err != nil {
		return err
	}
	var rule *elbtypes.Rule
	switch {
	case importing:
		if len(groups) == 0 {
			return fmt.Errorf("environment %s has no target group %s or %s", env.Name, targetGroupName(name, "blue"), targetGroupName(name, "green"))
		}
		var listener string
		if rule, listener, err = o.findRule(ctx, env.VPCID, groups); err != nil {
			return err
		}
		if rule == nil {
			return fmt.Errorf("no listener rule on the load balancers of VPC %s forwards to the target groups of %s", env.VPCID, name)
		}
		m.ListenerARN = types.StringValue(listener)
	case !m.RuleARN.IsNull():
		if rule, err = o.rule(ctx, m.RuleARN.ValueString()); err != nil {
			return err
		}
	}

	var diags diag.Diagnostics
	arns, sideOf := map[string]string{}, map[string]string{}
	for side, g := range groups {
		arns[side] = aws.ToString(g.TargetGroupArn)
		sideOf[arns[side]] = side
	}
	m.ID = types.StringValue(env.Name + "/" + name)
	m.TargetGroupARNs = convert.MapValue(ctx, arns, &diags)
	if rule == nil {
		m.RuleARN = types.StringNull()
	} else if err := readRule(ctx, m, rule, sideOf, importing, &diags); err != nil {
		return err
	}
	readTargetGroups(ctx, m, groups, &diags)
	if err := o.readTags(ctx, m, meta, rule, arns, importing, &diags); err != nil {
		return err
	}
	if err := o.readManifests(ctx, m, arns, &diags); err != nil {
		return err
	}
	if diags.HasError() {
		return fmt.Errorf("converting %s: %v", name, diags)
	}
	return nil
}

// targetGroups returns the binding's target groups by side.
func (o *albBindingOps) targetGroups(ctx context.Context, name string) (map[string]elbtypes.TargetGroup, error) {
	out := map[string]elbtypes.TargetGroup{}
	for _, side := range bluegreen.Sides {
		// One name per call: ELBv2 fails the whole call if any name is missing.
		tgName := targetGroupName(name, side)
		page, err := o.client.DescribeTargetGroups(ctx, &elasticloadbalancingv2.DescribeTargetGroupsInput{Names: []string{tgName}})
		if awserr.Is(err, "TargetGroupNotFound") {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("DescribeTargetGroups %s: %w", tgName, err)
		}
		if len(page.TargetGroups) == 1 {
			out[side] = page.TargetGroups[0]
		}
	}
	return out, nil
}

// rule returns the rule with the ARN, or nil if it is gone.
func (o *albBindingOps) rule(ctx context.Context, arn string) (*elbtypes.Rule, error) {
	out, err := o.client.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{RuleArns: []string{arn}})
	if awserr.Is(err, "RuleNotFound") {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("DescribeRules %s: %w", arn, err)
	}
	if len(out.Rules) != 1 {
		return nil, nil
	}
	return &out.Rules[0], nil
}

// findRule looks for the rule forwarding to the binding's target groups on
// the listeners of the application load balancers in the VPC, returning it
// and its listener's ARN, or nil.
func (o *albBindingOps) findRule(ctx context.Context, vpcID string, groups map[string]elbtypes.TargetGroup) (*elbtypes.Rule, string, error) {
	ours := map[string]bool{}
	for _, g := range groups {
		ours[aws.ToString(g.TargetGroupArn)] = true
	}
	lbs := elasticloadbalancingv2.NewDescribeLoadBalancersPaginator(o.client, &elasticloadbalancingv2.DescribeLoadBalancersInput{})
	for lbs.HasMorePages() {
		page, err := lbs.NextPage(ctx)
		if err != nil {
			return nil, "", fmt.Errorf("DescribeLoadBalancers: %w", err)
		}
		for _, lb := range page.LoadBalancers {
			if aws.ToString(lb.VpcId) != vpcID || lb.Type != elbtypes.LoadBalancerTypeEnumApplication {
				continue
			}
			listeners := elasticloadbalancingv2.NewDescribeListenersPaginator(o.client,
				&elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
			for listeners.HasMorePages() {
				lp, err := listeners.NextPage(ctx)
				if err != nil {
					return nil, "", fmt.Errorf("DescribeListeners of %s: %w", aws.ToString(lb.LoadBalancerArn), err)
				}
				for _, l := range lp.Listeners {
					rules, err := o.listenerRules(ctx, aws.ToString(l.ListenerArn))
					if err != nil {
						return nil, "", err
					}
					for i := range rules {
						for arn := range ruleForwards(rules[i]) {
							if ours[arn] {
								return &rules[i], aws.ToString(l.ListenerArn), nil
							}
						}
					}
				}
			}
		}
	}
	return nil, "", nil
}

// ruleForwards returns the target groups a rule forwards to, by ARN, with
// their weights.
func ruleForwards(rule elbtypes.Rule) map[string]int32 {
	out := map[string]int32{}
	for _, a := range rule.Actions {
		if a.Type != elbtypes.ActionTypeEnumForward || a.ForwardConfig == nil {
			continue
		}
		for _, g := range a.ForwardConfig.TargetGroups {
			out[aws.ToString(g.TargetGroupArn)] = aws.ToInt32(g.Weight)
		}
	}
	return out
}

// readRule reads the rule's priority, conditions and weights. Weights keep
// the sides m had, plus any side given traffic outside Terraform, so that
// a side left out of `weights` (forwarding 0) is not drift; on import every
// side is read. A target group paved does not own, added to the rule by
// hand, is left out: the next weight change removes it.
func readRule(ctx context.Context, m *albTargetBindingModel, rule *elbtypes.Rule, sideOf map[string]string, importing bool, diags *diag.Diagnostics) error {
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
	for arn, w := range ruleForwards(*rule) {
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

// readTargetGroups reads the settings the target groups share. When they
// differ, the first that differs from m is taken, so that drift in any
// target group shows in the plan.
func readTargetGroups(ctx context.Context, m *albTargetBindingModel, groups map[string]elbtypes.TargetGroup, diags *diag.Diagnostics) {
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

// readTags reads the tags the rule (or, without a rule, a target group)
// carries. On import they also give what ELBv2 does not know: the cluster
// pair and the Kubernetes service.
func (o *albBindingOps) readTags(ctx context.Context, m *albTargetBindingModel, meta *accounts.Meta, rule *elbtypes.Rule, arns map[string]string, importing bool, diags *diag.Diagnostics) error {
	var resources []string
	if rule != nil {
		resources = append(resources, aws.ToString(rule.RuleArn))
	}
	for _, side := range convert.SortedKeys(arns) {
		resources = append(resources, arns[side])
	}
	if len(resources) == 0 {
		return nil
	}
	out, err := o.client.DescribeTags(ctx, &elasticloadbalancingv2.DescribeTagsInput{ResourceArns: resources})
	if err != nil {
		return fmt.Errorf("DescribeTags: %w", err)
	}
	all := map[string]string{}
	for _, d := range out.TagDescriptions {
		if aws.ToString(d.ResourceArn) == resources[0] {
			for _, t := range d.Tags {
				all[aws.ToString(t.Key)] = aws.ToString(t.Value)
			}
		}
	}
	m.TagsAll = convert.MapValue(ctx, all, diags)
	if importing {
		if all["paved:binding"] != m.Name.ValueString() {
			return fmt.Errorf("%s is not tagged paved:binding = %s: it was not made by paved_alb_target_binding %s", resources[0], m.Name.ValueString(), m.Name.ValueString())
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

// readManifests renders the TargetGroupBinding of each target group with
// the load balancer's current security groups. With the listener gone the
// manifests are left as they were: the plan replaces the binding anyway.
func (o *albBindingOps) readManifests(ctx context.Context, m *albTargetBindingModel, arns map[string]string, diags *diag.Diagnostics) error {
	lb, err := o.loadBalancerOf(ctx, m.ListenerARN.ValueString())
	if errors.Is(err, errListenerNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	svc, _ := convert.ObjectAs[serviceModel](ctx, m.Service)
	manifests := map[string]string{}
	for side, arn := range arns {
		if manifests[side], err = targetGroupBindingManifest(m.Name.ValueString(), side, serviceOf(svc), arn, lb.securityGroups); err != nil {
			return err
		}
	}
	m.Manifests = convert.MapValue(ctx, manifests, diags)
	return nil
}

func elbTags(set map[string]string) []elbtypes.Tag {
	return tags.SDK(set, func(k, v *string) elbtypes.Tag { return elbtypes.Tag{Key: k, Value: v} })
}
