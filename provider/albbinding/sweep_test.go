package albbinding_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"

	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/pages"
	"github.com/paved-road/paved/provider/tags"
)

// TestMain runs the package's tests against one emulator, then the sweeper.
func TestMain(m *testing.M) { acctest.Main(m) }

func init() { acctest.AddSweeper("paved_alb_target_binding", sweep) }

// sideName is how paved names a binding's target groups: <name>-<side>.
var sideName = regexp.MustCompile(`^[a-z0-9-]+-(blue|green)$`)

// sweep removes what the binding tests may have left in one account and
// region: the listener rules and target groups paved made (tagged
// managed-by = paved, or target groups named as paved names them), rules
// first since ELBv2 refuses to delete a target group a rule forwards to;
// then the load balancers and VPCs newALBFixture made (tagged fixtureTag),
// which each test's cleanup should have removed.
func sweep(ctx context.Context, cfg aws.Config) ([]string, error) {
	elb := elasticloadbalancingv2.NewFromConfig(cfg)
	lbs, err := pages.All(ctx, elasticloadbalancingv2.NewDescribeLoadBalancersPaginator(elb, &elasticloadbalancingv2.DescribeLoadBalancersInput{}),
		func(p *elasticloadbalancingv2.DescribeLoadBalancersOutput) []elbtypes.LoadBalancer {
			return p.LoadBalancers
		})
	if err != nil {
		return nil, err
	}
	groups, err := pages.All(ctx, elasticloadbalancingv2.NewDescribeTargetGroupsPaginator(elb, &elasticloadbalancingv2.DescribeTargetGroupsInput{}),
		func(p *elasticloadbalancingv2.DescribeTargetGroupsOutput) []elbtypes.TargetGroup {
			return p.TargetGroups
		})
	if err != nil {
		return nil, err
	}
	tagged := func(arn *string, want func(map[string]string) bool) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			set, err := elbTagsOf(ctx, elb, aws.ToString(arn))
			return err == nil && want(set), err
		}
	}
	pavedTag := func(set map[string]string) bool { return set["managed-by"] == tags.ManagedBy }
	var found []acctest.Leftover
	for _, lb := range lbs {
		rules, err := rulesOf(ctx, elb, lb)
		if err != nil {
			return nil, err
		}
		for _, r := range rules {
			found = append(found, acctest.Leftover{What: "listener rule " + aws.ToString(r.RuleArn), Paved: tagged(r.RuleArn, pavedTag),
				Remove: func(ctx context.Context) error {
					_, err := elb.DeleteRule(ctx, &elasticloadbalancingv2.DeleteRuleInput{RuleArn: r.RuleArn})
					return err
				}})
		}
	}
	for _, g := range groups {
		named := sideName.MatchString(aws.ToString(g.TargetGroupName))
		found = append(found, acctest.Leftover{What: "target group " + aws.ToString(g.TargetGroupName),
			Paved: tagged(g.TargetGroupArn, func(set map[string]string) bool { return named || pavedTag(set) }),
			Remove: func(ctx context.Context) error {
				_, err := elb.DeleteTargetGroup(ctx, &elasticloadbalancingv2.DeleteTargetGroupInput{TargetGroupArn: g.TargetGroupArn})
				return err
			}})
	}
	for _, lb := range lbs {
		found = append(found, acctest.Leftover{What: "fixture load balancer " + aws.ToString(lb.LoadBalancerName),
			Paved: tagged(lb.LoadBalancerArn, func(set map[string]string) bool { return set[fixtureTag] != "" }),
			Remove: func(ctx context.Context) error {
				_, err := elb.DeleteLoadBalancer(ctx, &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: lb.LoadBalancerArn})
				return err
			}})
	}
	removed, err := acctest.RemovePaved(ctx, found)
	if err != nil {
		return removed, err
	}
	vpcs, err := sweepFixtureVPCs(ctx, ec2.NewFromConfig(cfg))
	return append(removed, vpcs...), err
}

// rulesOf lists the rules of a load balancer's listeners, the default
// ones, which go with their listener, left out.
func rulesOf(ctx context.Context, elb *elasticloadbalancingv2.Client, lb elbtypes.LoadBalancer) ([]elbtypes.Rule, error) {
	listeners, err := elb.DescribeListeners(ctx, &elasticloadbalancingv2.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
	if err != nil {
		return nil, err
	}
	var out []elbtypes.Rule
	for _, l := range listeners.Listeners {
		rules, err := elb.DescribeRules(ctx, &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: l.ListenerArn})
		if err != nil {
			return nil, err
		}
		for _, r := range rules.Rules {
			if !aws.ToBool(r.IsDefault) {
				out = append(out, r)
			}
		}
	}
	return out, nil
}

// sweepFixtureVPCs removes the VPCs tagged fixtureTag, with their security
// groups and subnets.
func sweepFixtureVPCs(ctx context.Context, client *ec2.Client) ([]string, error) {
	var removed []string
	vpcs, err := client.DescribeVpcs(ctx, &ec2.DescribeVpcsInput{Filters: []ec2types.Filter{{Name: aws.String("tag-key"), Values: []string{fixtureTag}}}})
	if err != nil {
		return nil, err
	}
	for _, vpc := range vpcs.Vpcs {
		inVPC := []ec2types.Filter{{Name: aws.String("vpc-id"), Values: []string{aws.ToString(vpc.VpcId)}}}
		groups, err := client.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{Filters: inVPC})
		if err != nil {
			return removed, err
		}
		for _, g := range groups.SecurityGroups {
			if aws.ToString(g.GroupName) == "default" {
				continue // goes with the VPC
			}
			if _, err := client.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: g.GroupId}); err != nil {
				return removed, err
			}
		}
		subnets, err := client.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: inVPC})
		if err != nil {
			return removed, err
		}
		for _, s := range subnets.Subnets {
			if _, err := client.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.SubnetId}); err != nil {
				return removed, err
			}
		}
		if _, err := client.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.VpcId}); err != nil {
			return removed, err
		}
		removed = append(removed, fmt.Sprintf("fixture VPC %s with its %d subnets", aws.ToString(vpc.VpcId), len(subnets.Subnets)))
	}
	return removed, nil
}

// elbTagsOf returns the tags of an ELBv2 resource.
func elbTagsOf(ctx context.Context, client *elasticloadbalancingv2.Client, arn string) (map[string]string, error) {
	out, err := client.DescribeTags(ctx, &elasticloadbalancingv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		return nil, err
	}
	set := map[string]string{}
	for _, d := range out.TagDescriptions {
		for _, t := range d.Tags {
			set[aws.ToString(t.Key)] = aws.ToString(t.Value)
		}
	}
	return set, nil
}
