package albbinding

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/pages"
	"github.com/paved-road/paved/provider/standards"
)

// found is what ELBv2 holds of one binding.
type found struct {
	rule        elbtypes.Rule
	ruleTags    map[string]string
	listenerARN string
	groups      map[string]elbtypes.TargetGroup // by side; a side can be missing
	lb          loadBalancer                    // of the listener
}

// find reads binding name of env: by its rule's ARN, or on import
// (listenerARN "") by the rule that forwards to the target groups named
// after it, on the load balancers of env's VPC. A rule or listener gone is
// awserr.NotFound; a target group gone, while the rule is not, is drift
// that the next apply repairs.
func (o *ops) find(ctx context.Context, env standards.Environment, name, ruleARN, listenerARN string) (found, error) {
	b := found{listenerARN: listenerARN}
	var err error
	if listenerARN != "" {
		if ruleARN == "" {
			// States written before the not-found convention record a rule
			// deleted outside Terraform as a null rule_arn.
			return b, awserr.NotFound(nil, "listener rule of %s", name)
		}
		if b.rule, err = o.rule(ctx, ruleARN); err != nil {
			return b, err
		}
	}
	if b.groups, err = o.targetGroups(ctx, name); err != nil {
		return b, err
	}
	if listenerARN == "" {
		if len(b.groups) == 0 {
			return b, awserr.NotFound(nil, "target group %s or %s in environment %s",
				targetGroupName(name, "blue"), targetGroupName(name, "green"), env.Name)
		}
		if b.rule, b.listenerARN, err = o.findRule(ctx, env.VPCID, name, b.groups); err != nil {
			return b, err
		}
	}
	if b.ruleTags, err = o.tags(ctx, aws.ToString(b.rule.RuleArn)); err != nil {
		return b, err
	}
	b.lb, err = o.loadBalancerOf(ctx, b.listenerARN)
	return b, err
}

// loadBalancer is what a binding needs to know of the listener's load balancer.
type loadBalancer struct {
	arn, vpcID     string
	securityGroups []string
}

// loadBalancerOf returns the load balancer of a listener.
func (o *ops) loadBalancerOf(ctx context.Context, listenerARN string) (loadBalancer, error) {
	ls, err := o.client.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{ListenerArns: []string{listenerARN}})
	if awserr.Is(err, "ListenerNotFound") || (err == nil && len(ls.Listeners) != 1) {
		return loadBalancer{}, awserr.NotFound(err, "listener %s", listenerARN)
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
func (o *ops) listenerRules(ctx context.Context, listenerARN string) ([]elbtypes.Rule, error) {
	rules, err := pages.All(ctx, elasticloadbalancingv2.NewDescribeRulesPaginator(o.client, &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(listenerARN)}),
		func(p *elasticloadbalancingv2.DescribeRulesOutput) []elbtypes.Rule { return p.Rules })
	if err != nil {
		return nil, fmt.Errorf("DescribeRules on listener %s: %w", listenerARN, err)
	}
	return rules, nil
}

// targetGroups returns the binding's target groups by side.
func (o *ops) targetGroups(ctx context.Context, name string) (map[string]elbtypes.TargetGroup, error) {
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

// rule returns the rule with the ARN.
func (o *ops) rule(ctx context.Context, arn string) (elbtypes.Rule, error) {
	out, err := o.client.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{RuleArns: []string{arn}})
	if awserr.Is(err, "RuleNotFound") || (err == nil && len(out.Rules) != 1) {
		return elbtypes.Rule{}, awserr.NotFound(err, "listener rule %s", arn)
	}
	if err != nil {
		return elbtypes.Rule{}, fmt.Errorf("DescribeRules %s: %w", arn, err)
	}
	return out.Rules[0], nil
}

// findRule looks for the rule forwarding to binding name's target groups on
// the listeners of the application load balancers in the VPC, returning it
// and its listener's ARN.
func (o *ops) findRule(ctx context.Context, vpcID, name string, groups map[string]elbtypes.TargetGroup) (elbtypes.Rule, string, error) {
	ours := map[string]bool{}
	for _, g := range groups {
		ours[aws.ToString(g.TargetGroupArn)] = true
	}
	lbs := elasticloadbalancingv2.NewDescribeLoadBalancersPaginator(o.client, &elasticloadbalancingv2.DescribeLoadBalancersInput{})
	for lbs.HasMorePages() {
		page, err := lbs.NextPage(ctx)
		if err != nil {
			return elbtypes.Rule{}, "", fmt.Errorf("DescribeLoadBalancers: %w", err)
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
					return elbtypes.Rule{}, "", fmt.Errorf("DescribeListeners of %s: %w", aws.ToString(lb.LoadBalancerArn), err)
				}
				for _, l := range lp.Listeners {
					rules, err := o.listenerRules(ctx, aws.ToString(l.ListenerArn))
					if err != nil {
						return elbtypes.Rule{}, "", err
					}
					for i := range rules {
						for arn := range ruleForwards(rules[i]) {
							if ours[arn] {
								return rules[i], aws.ToString(l.ListenerArn), nil
							}
						}
					}
				}
			}
		}
	}
	return elbtypes.Rule{}, "", awserr.NotFound(nil, "listener rule on the load balancers of VPC %s forwarding to the target groups of %s", vpcID, name)
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

// tags returns the tags of an ELBv2 resource.
func (o *ops) tags(ctx context.Context, arn string) (map[string]string, error) {
	out, err := o.client.DescribeTags(ctx, &elasticloadbalancingv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		return nil, fmt.Errorf("DescribeTags %s: %w", arn, err)
	}
	set := map[string]string{}
	for _, d := range out.TagDescriptions {
		for _, t := range d.Tags {
			set[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return set, nil
}
