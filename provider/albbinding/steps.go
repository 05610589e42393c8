package albbinding

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/paved-road/paved/provider/awserr"
	"github.com/paved-road/paved/provider/bluegreen"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/steps"
	"github.com/paved-road/paved/provider/tags"
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

func bindingSpecFrom(ctx context.Context, m *bindingModel, diags *diag.Diagnostics) bindingSpec {
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

func targetGroupName(name, side string) string { return name + "-" + side }

// ops runs the ELBv2 calls of a paved_alb_target_binding in one account.
type ops struct {
	client *elasticloadbalancingv2.Client
}

// create makes one target group per side, then the listener rule that
// forwards to them, after removing what a binding of the same name left
// behind. If a step fails, what was made so far is removed, newest first,
// and the error names the step. It returns the rule's ARN.
func (o *ops) create(ctx context.Context, s bindingSpec) (string, error) {
	var undo []func(context.Context) error
	arns := map[string]string{}
	var ruleARN string
	todo := []steps.Step{{Name: "remove leftover target groups", Run: func(ctx context.Context) error {
		return o.removeLeftovers(ctx, s)
	}}}
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

// removeLeftovers deletes the target groups a binding of the same name and
// environment left behind when Read dropped it from the state (its rule
// was deleted outside Terraform): they hold the names create needs. Target
// groups paved did not tag as this binding's are kept; CreateTargetGroup
// then reports the name taken.
func (o *ops) removeLeftovers(ctx context.Context, s bindingSpec) error {
	groups, err := o.targetGroups(ctx, s.name)
	if err != nil {
		return err
	}
	for _, side := range convert.SortedKeys(groups) {
		arn := aws.ToString(groups[side].TargetGroupArn)
		have, err := o.tags(ctx, arn)
		if err != nil {
			return err
		}
		if have["managed-by"] != tags.ManagedBy || have["paved:binding"] != s.name || have["environment"] != s.tags["environment"] {
			continue
		}
		if err := o.deleteTargetGroup(ctx, arn); err != nil {
			return err
		}
	}
	return nil
}

func (o *ops) createTargetGroup(ctx context.Context, s bindingSpec, side string) (string, error) {
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
func (o *ops) createTargetGroupStep(s bindingSpec, side string, arns map[string]string, undo *[]func(context.Context) error) steps.Step {
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
func (o *ops) update(ctx context.Context, have, want bindingSpec) error {
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
		if len(undo) > 0 {
			return steps.Rollback(ctx, err, undo)
		}
		return err
	}
	return nil
}

func (o *ops) modifyHealthCheck(ctx context.Context, arn string, h healthCheck) error {
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
func (o *ops) retag(ctx context.Context, arns []string, have, want map[string]string) error {
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

// deleteAll removes the rule, then the target groups it forwarded to. Parts
// already gone are skipped.
func (o *ops) deleteAll(ctx context.Context, name, ruleARN string, targetGroups map[string]string) error {
	var todo []steps.Step
	if ruleARN != "" {
		todo = append(todo, steps.Step{Name: "delete listener rule", Run: func(ctx context.Context) error {
			_, err := o.client.DeleteRule(ctx, &elasticloadbalancingv2.DeleteRuleInput{RuleArn: aws.String(ruleARN)})
			if err != nil && !awserr.Is(err, "RuleNotFound") {
				return fmt.Errorf("DeleteRule %s: %w", ruleARN, err)
			}
			return nil
		}})
	}
	for _, side := range convert.SortedKeys(targetGroups) {
		arn := targetGroups[side]
		todo = append(todo, steps.Step{Name: "delete target group " + targetGroupName(name, side), Run: func(ctx context.Context) error {
			return o.deleteTargetGroup(ctx, arn)
		}})
	}
	return steps.Run(ctx, todo)
}

func (o *ops) deleteTargetGroup(ctx context.Context, arn string) error {
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

func elbTags(set map[string]string) []elbtypes.Tag {
	return tags.SDK(set, func(k, v *string) elbtypes.Tag { return elbtypes.Tag{Key: k, Value: v} })
}
