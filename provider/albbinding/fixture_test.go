package albbinding_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/internal/emulator"
	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/pages"
)

const albAddr = "paved_alb_target_binding.test"

// albFixture is the pre-provisioned load balancer a binding needs, made in
// the dev account with clients independent of the provider: a VPC with two
// subnets (moto, like AWS, wants real subnets for an ALB), a security
// group, an internet-facing ALB and an HTTP listener; and a standards file
// whose dev environment is that VPC.
type albFixture struct {
	vpcID, securityGroup, listenerARN string
	standardsFile                     string
}

// fixtureTag marks what newALBFixture makes, so that the sweeper can tell
// a fixture a test failed to remove from anything else in the account.
const fixtureTag = "paved-test-fixture"

func newALBFixture(t *testing.T, name string) albFixture {
	t.Helper()
	ctx := context.Background()
	// Cleanups run newest first: the load balancer, then the security
	// group and the subnets, then the VPC.
	cleanup := func(what string, remove func(context.Context) error) {
		t.Cleanup(func() {
			if err := remove(context.Background()); err != nil {
				t.Errorf("removing the fixture's %s: %v", what, err)
			}
		})
	}
	cfg := acctest.AccountConfig(t, acctest.DevAccount)
	cfg.Region = acctest.Region[acctest.DevAccount]
	vpcs := ec2.NewFromConfig(cfg)
	vpc, err := vpcs.CreateVpc(ctx, &ec2.CreateVpcInput{
		CidrBlock: aws.String("10.20.0.0/16"),
		TagSpecifications: []ec2types.TagSpecification{{
			ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String(fixtureTag), Value: aws.String(name)}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f := albFixture{vpcID: aws.ToString(vpc.Vpc.VpcId)}
	cleanup("VPC", func(ctx context.Context) error {
		_, err := vpcs.DeleteVpc(ctx, &ec2.DeleteVpcInput{VpcId: vpc.Vpc.VpcId})
		return err
	})
	var subnets []string
	for i, zone := range []string{"eu-west-1a", "eu-west-1b"} {
		s, err := vpcs.CreateSubnet(ctx, &ec2.CreateSubnetInput{
			VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(zone), CidrBlock: aws.String(fmt.Sprintf("10.20.%d.0/24", i)),
		})
		if err != nil {
			t.Fatal(err)
		}
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
		cleanup("subnet", func(ctx context.Context) error {
			_, err := vpcs.DeleteSubnet(ctx, &ec2.DeleteSubnetInput{SubnetId: s.Subnet.SubnetId})
			return err
		})
	}
	sg, err := vpcs.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(name + "-alb"), Description: aws.String("test load balancer"), VpcId: vpc.Vpc.VpcId,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.securityGroup = aws.ToString(sg.GroupId)
	cleanup("security group", func(ctx context.Context) error {
		_, err := vpcs.DeleteSecurityGroup(ctx, &ec2.DeleteSecurityGroupInput{GroupId: sg.GroupId})
		return err
	})

	lbs := albTestClient(t, acctest.DevAccount)
	lb, err := lbs.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: subnets, SecurityGroups: []string{f.securityGroup},
		Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing, Type: elbtypes.LoadBalancerTypeEnumApplication,
		Tags: []elbtypes.Tag{{Key: aws.String(fixtureTag), Value: aws.String(name)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := lb.LoadBalancers[0].LoadBalancerArn
	cleanup("load balancer", func(ctx context.Context) error {
		_, err := lbs.DeleteLoadBalancer(ctx, &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: lbARN})
		return err
	})
	listener, err := lbs.CreateListener(ctx, &elasticloadbalancingv2.CreateListenerInput{
		LoadBalancerArn: lbARN, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{
			Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("404")},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	f.listenerARN = aws.ToString(listener.Listeners[0].ListenerArn)

	// The package's standards with the dev environment moved into this VPC.
	doc := strings.NewReplacer(
		"vpc_id: vpc-0a1b2c3d", "vpc_id: "+f.vpcID,
		"subnet_ids: [subnet-0a1b2c3d, subnet-1a2b3c4d]", "subnet_ids: ["+strings.Join(subnets, ", ")+"]",
		"security_group_ids: [sg-0a1b2c3d]", "security_group_ids: ["+f.securityGroup+"]",
	).Replace(acctest.Standards)
	if !strings.Contains(doc, f.vpcID) {
		t.Fatal("the test standards no longer have the dev VPC this fixture replaces")
	}
	f.standardsFile = filepath.Join(t.TempDir(), "standards.yaml")
	if err := os.WriteFile(f.standardsFile, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// provider is the provider block on the fixture's standards, with ELBv2
// calls sent to elbv2URL, the emulator unless a test puts a proxy there.
func (f albFixture) provider(elbv2URL string) string {
	return acctest.ProviderBlockOn(f.standardsFile, map[string]string{"elbv2": elbv2URL}, "")
}

// pairLiteral is the cluster pair's binding object written out, as tests
// pass it while paved_eks_cluster_pair is not in the configuration.
func pairLiteral(live string, sides ...string) string {
	return fmt.Sprintf(`{ id = "dev/shop", environment = "dev", name = "shop", live = %q, sides = ["%s"] }`, live, strings.Join(sides, `", "`))
}

// bindingConfig is a binding named name on the fixture's listener, blue only
// at weight 100, with attributes overridden or (with "") removed.
func (f albFixture) bindingConfig(provider, name string, overrides map[string]string) string {
	attrs := map[string]string{
		"environment":  `"dev"`,
		"name":         fmt.Sprintf("%q", name),
		"listener_arn": fmt.Sprintf("%q", f.listenerARN),
		"cluster_pair": pairLiteral("blue", "blue"),
		"service":      `{ namespace = "shop", name = "web", port = 8080 }`,
		"host_headers": `["shop.example.com"]`,
		"priority":     "10",
		"weights":      `{ blue = 100 }`,
	}
	for k, v := range overrides {
		attrs[k] = v
	}
	var b strings.Builder
	b.WriteString(provider)
	b.WriteString("\nresource \"paved_alb_target_binding\" \"test\" {\n")
	for _, k := range convert.SortedKeys(attrs) {
		if attrs[k] != "" {
			fmt.Fprintf(&b, "  %s = %s\n", k, attrs[k])
		}
	}
	b.WriteString("}\n")
	return b.String()
}

func albTestClient(t *testing.T, account string) *elasticloadbalancingv2.Client {
	t.Helper()
	cfg := acctest.AccountConfig(t, account)
	cfg.Region = acctest.Region[account]
	return elasticloadbalancingv2.NewFromConfig(cfg)
}

// targetGroupsNamed returns, by name, an account's target groups whose
// names start with prefix.
func targetGroupsNamed(t *testing.T, account, prefix string) map[string]elbtypes.TargetGroup {
	t.Helper()
	groups, err := pages.All(context.Background(), elasticloadbalancingv2.NewDescribeTargetGroupsPaginator(albTestClient(t, account), &elasticloadbalancingv2.DescribeTargetGroupsInput{}),
		func(p *elasticloadbalancingv2.DescribeTargetGroupsOutput) []elbtypes.TargetGroup {
			return p.TargetGroups
		})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]elbtypes.TargetGroup{}
	for _, g := range groups {
		if name := aws.ToString(g.TargetGroupName); strings.HasPrefix(name, prefix) {
			out[name] = g
		}
	}
	return out
}

// rules returns the listener's rules other than the default one.
func (f albFixture) rules(t *testing.T) []elbtypes.Rule {
	t.Helper()
	out, err := albTestClient(t, acctest.DevAccount).DescribeRules(context.Background(), &elasticloadbalancingv2.DescribeRulesInput{ListenerArn: aws.String(f.listenerARN)})
	if err != nil {
		t.Fatal(err)
	}
	var rules []elbtypes.Rule
	for _, r := range out.Rules {
		if !aws.ToBool(r.IsDefault) {
			rules = append(rules, r)
		}
	}
	return rules
}

// forwardBySide returns a rule's forward weights by side, the side being
// what follows `<name>-` in the target group's name.
func forwardBySide(rule elbtypes.Rule, name string) map[string]int32 {
	out := map[string]int32{}
	for _, a := range rule.Actions {
		if a.ForwardConfig == nil {
			continue
		}
		for _, g := range a.ForwardConfig.TargetGroups {
			tgName := strings.Split(aws.ToString(g.TargetGroupArn), "/")[1] // arn:…:targetgroup/<name>/<id>
			out[strings.TrimPrefix(tgName, name+"-")] = aws.ToInt32(g.Weight)
		}
	}
	return out
}

// albTags returns the tags of an ELBv2 resource in the dev account.
func albTags(t *testing.T, arn string) map[string]string {
	t.Helper()
	set, err := elbTagsOf(context.Background(), albTestClient(t, acctest.DevAccount), arn)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// tgbManifest is what a test reads of a TargetGroupBinding, with
// Kubernetes' field names, independent of the provider's types.
type tgbManifest struct {
	APIVersion string `yaml:"apiVersion"`
	Kind       string `yaml:"kind"`
	Metadata   struct {
		Name      string `yaml:"name"`
		Namespace string `yaml:"namespace"`
	} `yaml:"metadata"`
	Spec struct {
		ServiceRef struct {
			Name string `yaml:"name"`
			Port int    `yaml:"port"`
		} `yaml:"serviceRef"`
		TargetGroupARN string `yaml:"targetGroupARN"`
		TargetType     string `yaml:"targetType"`
		Networking     struct {
			Ingress []struct {
				From []struct {
					SecurityGroup struct {
						GroupID string `yaml:"groupID"`
					} `yaml:"securityGroup"`
				} `yaml:"from"`
				Ports []struct {
					Protocol string `yaml:"protocol"`
					Port     int    `yaml:"port"`
				} `yaml:"ports"`
			} `yaml:"ingress"`
		} `yaml:"networking"`
	} `yaml:"spec"`
}

// bindingWant is what a binding should amount to in the emulator.
type bindingWant struct {
	weights   map[string]int32 // by side; also the sides that must have a target group
	namespace string
	live      string
}

// expectBinding checks from the emulator that the dev account holds exactly
// one target group per side, in the fixture's VPC on the service port, and
// one rule on the listener forwarding by the weights; that state names
// them; and that each side's manifest parses and binds the service to the
// side's target group.
func (f albFixture) expectBinding(t *testing.T, name string, want bindingWant) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		attrs := s.RootModule().Resources[albAddr].Primary.Attributes
		groups := targetGroupsNamed(t, acctest.DevAccount, name+"-")
		if len(groups) != len(want.weights) {
			return fmt.Errorf("target groups %v, want one per side of %v", convert.SortedKeys(groups), want.weights)
		}
		for side := range want.weights {
			g, ok := groups[name+"-"+side]
			if !ok {
				return fmt.Errorf("no target group %s-%s; have %v", name, side, convert.SortedKeys(groups))
			}
			arn := aws.ToString(g.TargetGroupArn)
			if aws.ToString(g.VpcId) != f.vpcID || aws.ToInt32(g.Port) != 8080 || g.TargetType != elbtypes.TargetTypeEnumIp ||
				g.Protocol != elbtypes.ProtocolEnumHttp {
				return fmt.Errorf("target group %s: vpc %s port %d type %s protocol %s", arn, aws.ToString(g.VpcId), aws.ToInt32(g.Port), g.TargetType, g.Protocol)
			}
			if got := attrs["target_group_arns."+side]; got != arn {
				return fmt.Errorf("state target_group_arns.%s = %s, emulator has %s", side, got, arn)
			}
			var m tgbManifest
			if err := yaml.Unmarshal([]byte(attrs["manifests."+side]), &m); err != nil {
				return fmt.Errorf("manifest of %s: %w\n%s", side, err, attrs["manifests."+side])
			}
			if m.APIVersion != "elbv2.k8s.aws/v1beta1" || m.Kind != "TargetGroupBinding" || m.Metadata.Name != name+"-"+side ||
				m.Metadata.Namespace != want.namespace || m.Spec.TargetGroupARN != arn || m.Spec.TargetType != "ip" ||
				m.Spec.ServiceRef.Name != "web" || m.Spec.ServiceRef.Port != 8080 || len(m.Spec.Networking.Ingress) != 1 ||
				len(m.Spec.Networking.Ingress[0].From) != 1 || m.Spec.Networking.Ingress[0].From[0].SecurityGroup.GroupID != f.securityGroup ||
				len(m.Spec.Networking.Ingress[0].Ports) != 1 || m.Spec.Networking.Ingress[0].Ports[0].Port != 8080 {
				return fmt.Errorf("manifest of %s: %+v", side, m)
			}
		}
		if n := attrs["manifests.%"]; n != fmt.Sprint(len(want.weights)) {
			return fmt.Errorf("%s manifests, want %d", n, len(want.weights))
		}
		rules := f.rules(t)
		if len(rules) != 1 {
			return fmt.Errorf("listener has %d rules besides the default, want 1", len(rules))
		}
		if got := aws.ToString(rules[0].RuleArn); attrs["rule_arn"] != got {
			return fmt.Errorf("state rule_arn %s, emulator has %s", attrs["rule_arn"], got)
		}
		if got := forwardBySide(rules[0], name); !reflect.DeepEqual(got, want.weights) {
			return fmt.Errorf("rule forwards %v, want %v", got, want.weights)
		}
		if w := want.weights[want.live]; w == 0 {
			return fmt.Errorf("the live side %s has weight %d", want.live, w)
		}
		return nil
	}
}

// expectRule checks the priority of the binding's one rule on the
// listener, and its conditions: exactly these fields with these values.
func (f albFixture) expectRule(t *testing.T, priority string, conditions map[string][]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		rule := f.rules(t)[0]
		if got := aws.ToString(rule.Priority); got != priority {
			return fmt.Errorf("rule priority %s, want %s", got, priority)
		}
		got := map[string][]string{}
		for _, c := range rule.Conditions {
			switch field := aws.ToString(c.Field); {
			case field == "host-header" && c.HostHeaderConfig != nil:
				got[field] = c.HostHeaderConfig.Values
			case field == "path-pattern" && c.PathPatternConfig != nil:
				got[field] = c.PathPatternConfig.Values
			default:
				got[field] = c.Values
			}
		}
		return check(reflect.DeepEqual(got, conditions), "rule conditions %v, want %v", got, conditions)
	}
}

// wantHealth is a target group's expected health check.
type wantHealth struct {
	path, matcher     string
	interval, timeout int32
}

// expectHealthCheck checks the health check of each of the binding's
// target groups.
func expectHealthCheck(t *testing.T, name string, want wantHealth) resource.TestCheckFunc {
	return func(*terraform.State) error {
		for n, g := range targetGroupsNamed(t, acctest.DevAccount, name+"-") {
			got := wantHealth{path: aws.ToString(g.HealthCheckPath), interval: aws.ToInt32(g.HealthCheckIntervalSeconds), timeout: aws.ToInt32(g.HealthCheckTimeoutSeconds)}
			if g.Matcher != nil {
				got.matcher = aws.ToString(g.Matcher.HttpCode)
			}
			if got != want {
				return fmt.Errorf("health check of %s: %+v, want %+v", n, got, want)
			}
		}
		return nil
	}
}

// expectTags checks that the rule and each of the binding's target groups
// carry exactly the tags want.
func (f albFixture) expectTags(t *testing.T, name string, want map[string]string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		arns := []string{aws.ToString(f.rules(t)[0].RuleArn)}
		for _, g := range targetGroupsNamed(t, acctest.DevAccount, name+"-") {
			arns = append(arns, aws.ToString(g.TargetGroupArn))
		}
		for _, arn := range arns {
			if got := albTags(t, arn); !reflect.DeepEqual(got, want) {
				return fmt.Errorf("tags of %s = %v, want %v", arn, got, want)
			}
		}
		return nil
	}
}

// noBindingParts checks that neither environment holds a target group of
// the binding, and that the listener has no rule but the default.
func (f albFixture) noBindingParts(t *testing.T, name string) error {
	for _, account := range []string{acctest.DevAccount, acctest.ProdAccount} {
		if groups := targetGroupsNamed(t, account, name+"-"); len(groups) > 0 {
			return fmt.Errorf("account %s still holds target groups %v", account, convert.SortedKeys(groups))
		}
	}
	if rules := f.rules(t); len(rules) > 0 {
		return fmt.Errorf("the listener still has rule %s", aws.ToString(rules[0].RuleArn))
	}
	return nil
}

// albProxy starts a failure-injecting proxy in front of the emulator.
func albProxy(t *testing.T) *emulator.Proxy {
	t.Helper()
	proxy, err := emulator.NewProxy(acctest.EmulatorURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = proxy.Close() })
	return proxy
}

// check is cond, or an error saying what was found instead.
func check(cond bool, format string, args ...any) error {
	if !cond {
		return fmt.Errorf(format, args...)
	}
	return nil
}
