package albbinding_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/paved-road/paved/provider/convert"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"go.yaml.in/yaml/v3"

	"github.com/paved-road/paved/internal/emulator"
	"github.com/paved-road/paved/provider/acctest"
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

func newALBFixture(t *testing.T, name string) albFixture {
	t.Helper()
	ctx := context.Background()
	cfg := acctest.AccountConfig(t, acctest.DevAccount)
	cfg.Region = acctest.Region[acctest.DevAccount]
	vpcs := ec2.NewFromConfig(cfg)
	vpc, err := vpcs.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.20.0.0/16")})
	if err != nil {
		t.Fatal(err)
	}
	f := albFixture{vpcID: aws.ToString(vpc.Vpc.VpcId)}
	var subnets []string
	for i, zone := range []string{"eu-west-1a", "eu-west-1b"} {
		s, err := vpcs.CreateSubnet(ctx, &ec2.CreateSubnetInput{
			VpcId: vpc.Vpc.VpcId, AvailabilityZone: aws.String(zone), CidrBlock: aws.String(fmt.Sprintf("10.20.%d.0/24", i)),
		})
		if err != nil {
			t.Fatal(err)
		}
		subnets = append(subnets, aws.ToString(s.Subnet.SubnetId))
	}
	sg, err := vpcs.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{
		GroupName: aws.String(name + "-alb"), Description: aws.String("test load balancer"), VpcId: vpc.Vpc.VpcId,
	})
	if err != nil {
		t.Fatal(err)
	}
	f.securityGroup = aws.ToString(sg.GroupId)

	lbs := albTestClient(t, acctest.DevAccount)
	lb, err := lbs.CreateLoadBalancer(ctx, &elasticloadbalancingv2.CreateLoadBalancerInput{
		Name: aws.String(name), Subnets: subnets, SecurityGroups: []string{f.securityGroup},
		Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing, Type: elbtypes.LoadBalancerTypeEnumApplication,
	})
	if err != nil {
		t.Fatal(err)
	}
	lbARN := lb.LoadBalancers[0].LoadBalancerArn
	t.Cleanup(func() {
		if _, err := lbs.DeleteLoadBalancer(context.Background(), &elasticloadbalancingv2.DeleteLoadBalancerInput{LoadBalancerArn: lbARN}); err != nil {
			t.Error(err)
		}
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
	out := map[string]elbtypes.TargetGroup{}
	pages := elasticloadbalancingv2.NewDescribeTargetGroupsPaginator(albTestClient(t, account), &elasticloadbalancingv2.DescribeTargetGroupsInput{})
	for pages.HasMorePages() {
		page, err := pages.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range page.TargetGroups {
			if name := aws.ToString(g.TargetGroupName); strings.HasPrefix(name, prefix) {
				out[name] = g
			}
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

func albTags(t *testing.T, arn string) map[string]string {
	t.Helper()
	out, err := albTestClient(t, acctest.DevAccount).DescribeTags(context.Background(), &elasticloadbalancingv2.DescribeTagsInput{ResourceArns: []string{arn}})
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]string{}
	for _, d := range out.TagDescriptions {
		for _, tag := range d.Tags {
			tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
		}
	}
	return tags
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

// sameARNs checks that the rule and each target group keep the ARN they
// had when first seen.
func sameARNs(seen map[string]string) resource.TestCheckFunc {
	return func(s *terraform.State) error {
		for k, v := range s.RootModule().Resources[albAddr].Primary.Attributes {
			if k != "rule_arn" && !strings.HasPrefix(k, "target_group_arns.") || k == "target_group_arns.%" {
				continue
			}
			if before, ok := seen[k]; ok && before != v {
				return fmt.Errorf("%s changed from %s to %s", k, before, v)
			}
			seen[k] = v
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

// TestAccALBTargetBinding_blueGreen walks a blue/green shift with the pair
// written out: blue only at 100; add green at 0; 90/10; flip live to green
// at 0/100; other in-place changes; import; drop blue; import; destroy.
// After each step it reads the account from the emulator and checks that
// the rule and target groups kept their ARNs.
func TestAccALBTargetBinding_blueGreen(t *testing.T) {
	acctest.PreCheck(t)
	const name = "acc-bg"
	f := newALBFixture(t, name)
	config := func(overrides map[string]string) string { return f.bindingConfig(f.provider(""), name, overrides) }
	both := pairLiteral("blue", "blue", "green")
	arns := map[string]string{}
	update := func(changed ...string) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(albAddr, plancheck.ResourceActionUpdate),
			acctest.ExpectChanged(albAddr, changed...),
		}}
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return f.noBindingParts(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config(map[string]string{"path_patterns": `["/api/*"]`}),
				Check: resource.ComposeTestCheckFunc(
					f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 100}, namespace: "shop", live: "blue"}),
					sameARNs(arns),
					resource.TestCheckResourceAttr(albAddr, "id", "dev/"+name),
					resource.TestCheckResourceAttr(albAddr, "vpc_id", f.vpcID),
					resource.TestCheckResourceAttr(albAddr, "health_check.path", "/healthz"),
					func(s *terraform.State) error {
						rule := f.rules(t)[0]
						if err := check(aws.ToString(rule.Priority) == "10", "priority %s", aws.ToString(rule.Priority)); err != nil {
							return err
						}
						var conditions []string
						for _, c := range rule.Conditions {
							switch aws.ToString(c.Field) {
							case "host-header":
								conditions = append(conditions, c.HostHeaderConfig.Values...)
							case "path-pattern":
								conditions = append(conditions, c.PathPatternConfig.Values...)
							}
						}
						if err := check(reflect.DeepEqual(conditions, []string{"shop.example.com", "/api/*"}), "conditions %v", conditions); err != nil {
							return err
						}
						g := targetGroupsNamed(t, acctest.DevAccount, name+"-blue")[name+"-blue"]
						if err := check(aws.ToString(g.HealthCheckPath) == "/healthz" && aws.ToString(g.Matcher.HttpCode) == "200",
							"health check %s %s", aws.ToString(g.HealthCheckPath), aws.ToString(g.Matcher.HttpCode)); err != nil {
							return err
						}
						want := map[string]string{
							"environment": "dev", "managed-by": "paved", "cost-center": "platform", "paved:binding": name,
							"paved:cluster-pair": "dev/shop", "paved:live": "blue", "paved:service": "shop/web",
						}
						for _, arn := range []string{aws.ToString(rule.RuleArn), aws.ToString(g.TargetGroupArn)} {
							if got := albTags(t, arn); !reflect.DeepEqual(got, want) {
								return fmt.Errorf("tags of %s = %v, want %v", arn, got, want)
							}
						}
						return nil
					},
				),
			},
			{
				// The pair gains green: a second target group, at weight 0.
				Config:           config(map[string]string{"path_patterns": `["/api/*"]`, "cluster_pair": both, "weights": `{ blue = 100, green = 0 }`}),
				ConfigPlanChecks: update("cluster_pair", "weights"), // the new side's ARN and manifest are unknown
				Check: resource.ComposeTestCheckFunc(
					f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 100, "green": 0}, namespace: "shop", live: "blue"}),
					sameARNs(arns),
				),
			},
			{
				Config:           config(map[string]string{"path_patterns": `["/api/*"]`, "cluster_pair": both, "weights": `{ blue = 90, green = 10 }`}),
				ConfigPlanChecks: update("weights"),
				Check: resource.ComposeTestCheckFunc(
					f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 90, "green": 10}, namespace: "shop", live: "blue"}),
					sameARNs(arns),
				),
			},
			{
				// Flip live to green, then take blue to 0.
				Config: config(map[string]string{
					"path_patterns": `["/api/*"]`, "cluster_pair": pairLiteral("green", "blue", "green"), "weights": `{ blue = 0, green = 100 }`,
				}),
				ConfigPlanChecks: update("cluster_pair", "weights", "tags_all"),
				Check: resource.ComposeTestCheckFunc(
					f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 0, "green": 100}, namespace: "shop", live: "green"}),
					sameARNs(arns),
					func(*terraform.State) error {
						tags := albTags(t, aws.ToString(f.rules(t)[0].RuleArn))
						return check(tags["paved:live"] == "green", "rule tags %v", tags)
					},
				),
			},
			{
				// Priority, conditions, health check and namespace, in place.
				Config: config(map[string]string{
					"cluster_pair": pairLiteral("green", "blue", "green"), "weights": `{ blue = 0, green = 100 }`,
					"priority": "20", "path_patterns": `["/api/*", "/v2/*"]`, "host_headers": "",
					"health_check": `{ path = "/ready", interval_seconds = 15 }`,
					"service":      `{ namespace = "shop-v2", name = "web", port = 8080 }`,
					"tags":         `{ tier = "gold" }`,
				}),
				ConfigPlanChecks: update("priority", "host_headers", "path_patterns", "health_check", "service", "manifests", "tags", "tags_all"),
				Check: resource.ComposeTestCheckFunc(
					f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 0, "green": 100}, namespace: "shop-v2", live: "green"}),
					sameARNs(arns),
					func(*terraform.State) error {
						rule := f.rules(t)[0]
						if err := check(aws.ToString(rule.Priority) == "20", "priority %s", aws.ToString(rule.Priority)); err != nil {
							return err
						}
						if err := check(len(rule.Conditions) == 1 && reflect.DeepEqual(rule.Conditions[0].PathPatternConfig.Values, []string{"/api/*", "/v2/*"}),
							"conditions %+v", rule.Conditions); err != nil {
							return err
						}
						if tags := albTags(t, aws.ToString(rule.RuleArn)); tags["tier"] != "gold" || tags["paved:service"] != "shop-v2/web" {
							return fmt.Errorf("rule tags %v", tags)
						}
						for n, g := range targetGroupsNamed(t, acctest.DevAccount, name+"-") {
							if tags := albTags(t, aws.ToString(g.TargetGroupArn)); tags["tier"] != "gold" {
								return fmt.Errorf("tags of %s: %v", n, tags)
							}
							if aws.ToString(g.HealthCheckPath) != "/ready" || aws.ToInt32(g.HealthCheckIntervalSeconds) != 15 || aws.ToInt32(g.HealthCheckTimeoutSeconds) != 5 {
								return fmt.Errorf("health check of %s: %s every %ds", n, aws.ToString(g.HealthCheckPath), aws.ToInt32(g.HealthCheckIntervalSeconds))
							}
						}
						return nil
					},
				),
			},
			{
				ResourceName:      albAddr,
				ImportState:       true,
				ImportStateId:     "dev/" + name,
				ImportStateVerify: true,
			},
			{
				// The pair drops blue: its target group goes, after the rule stopped using it.
				Config: config(map[string]string{
					"cluster_pair": pairLiteral("green", "green"), "weights": `{ green = 100 }`,
					"priority": "20", "path_patterns": `["/api/*", "/v2/*"]`, "host_headers": "",
					"health_check": `{ path = "/ready", interval_seconds = 15 }`,
					"service":      `{ namespace = "shop-v2", name = "web", port = 8080 }`,
					"tags":         `{ tier = "gold" }`,
				}),
				ConfigPlanChecks: update("cluster_pair", "weights", "target_group_arns", "manifests"),
				Check: resource.ComposeTestCheckFunc(
					f.expectBinding(t, name, bindingWant{weights: map[string]int32{"green": 100}, namespace: "shop-v2", live: "green"}),
					sameARNs(arns),
				),
			},
			{
				ResourceName:      albAddr,
				ImportState:       true,
				ImportStateId:     "dev/" + name,
				ImportStateVerify: true,
			},
		},
	})
}

// TestAccALBTargetBinding_drift changes the rule behind Terraform's back,
// expects the plan to show it and the apply to repair it, then deletes the
// rule and expects the binding to be recreated.
func TestAccALBTargetBinding_drift(t *testing.T) {
	acctest.PreCheck(t)
	const name = "acc-drift"
	f := newALBFixture(t, name)
	config := f.bindingConfig(f.provider(""), name, map[string]string{
		"cluster_pair": pairLiteral("blue", "blue", "green"), "weights": `{ blue = 90, green = 10 }`, "path_patterns": `["/api/*"]`,
	})
	want := bindingWant{weights: map[string]int32{"blue": 90, "green": 10}, namespace: "shop", live: "blue"}
	client := func() *elasticloadbalancingv2.Client { return albTestClient(t, acctest.DevAccount) }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return f.noBindingParts(t, name) },
		Steps: []resource.TestStep{
			{Config: config, Check: f.expectBinding(t, name, want)},
			{
				PreConfig: func() {
					rule := f.rules(t)[0]
					groups := targetGroupsNamed(t, acctest.DevAccount, name+"-")
					if _, err := client().ModifyRule(context.Background(), &elasticloadbalancingv2.ModifyRuleInput{
						RuleArn: rule.RuleArn,
						Conditions: []elbtypes.RuleCondition{
							{Field: aws.String("host-header"), HostHeaderConfig: &elbtypes.HostHeaderConditionConfig{Values: []string{"shop.example.com"}}},
							{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/elsewhere/*"}}},
						},
						Actions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, ForwardConfig: &elbtypes.ForwardActionConfig{
							TargetGroups: []elbtypes.TargetGroupTuple{
								{TargetGroupArn: groups[name+"-blue"].TargetGroupArn, Weight: aws.Int32(50)},
								{TargetGroupArn: groups[name+"-green"].TargetGroupArn, Weight: aws.Int32(50)},
							},
						}}},
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(albAddr, plancheck.ResourceActionUpdate),
					acctest.ExpectChanged(albAddr, "weights", "path_patterns"),
				}},
			},
			{Config: config, Check: f.expectBinding(t, name, want)},
			{
				PreConfig: func() {
					if _, err := client().DeleteRule(context.Background(), &elasticloadbalancingv2.DeleteRuleInput{RuleArn: f.rules(t)[0].RuleArn}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(albAddr, plancheck.ResourceActionDestroyBeforeCreate),
				}},
			},
			{Config: config, Check: f.expectBinding(t, name, want)},
		},
	})
}

// TestAccALBTargetBinding_badInput expects each mistake to stop terraform
// plan with a diagnostic naming the attribute, before anything is created.
func TestAccALBTargetBinding_badInput(t *testing.T) {
	acctest.PreCheck(t)
	const name = "acc-bad"
	f := newALBFixture(t, name)
	taken, err := albTestClient(t, acctest.DevAccount).CreateRule(context.Background(), &elasticloadbalancingv2.CreateRuleInput{
		ListenerArn: aws.String(f.listenerARN), Priority: aws.Int32(5),
		Conditions: []elbtypes.RuleCondition{{Field: aws.String("path-pattern"), PathPatternConfig: &elbtypes.PathPatternConditionConfig{Values: []string{"/taken"}}}},
		Actions: []elbtypes.Action{{
			Type: elbtypes.ActionTypeEnumFixedResponse, FixedResponseConfig: &elbtypes.FixedResponseActionConfig{StatusCode: aws.String("503")},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	takenARN := aws.ToString(taken.Rules[0].RuleArn)
	missingListener := regexp.MustCompile(`/[0-9a-f]+$`).ReplaceAllString(f.listenerARN, "/0123456789abcdef")
	both := pairLiteral("blue", "blue", "green")
	cases := []struct {
		name      string
		provider  string // the fixture's unless set
		overrides map[string]string
		want      []string // in order, each as Terraform prints it, maybe wrapped
	}{
		{"weight for a side the pair lacks", "", map[string]string{"weights": `{ blue = 100, green = 10 }`},
			[]string{"Weight for a side the pair does not have", "weights = ", `"green" is not a side of the cluster pair dev/shop`}},
		{"weight for a side the pair lacks, pair known only at plan", "", map[string]string{
			"cluster_pair": "terraform_data.pair.input", "weights": `{ blue = 100, green = 10 }`,
		}, []string{"Weight for a side the pair does not have", "weights = ", `"green" is not a side`}},
		{"all weights zero", "", map[string]string{"cluster_pair": both, "weights": `{ blue = 0, green = 0 }`},
			[]string{"All weights zero", "weights = ", "at least one side needs a weight above 0"}},
		{"weight above 999", "", map[string]string{"weights": `{ blue = 1000 }`},
			[]string{"weights = ", "must be between 0 and 999, got: 1000"}},
		{"live side at weight 0", "", map[string]string{"cluster_pair": both, "weights": `{ blue = 0, green = 100 }`},
			[]string{"Live side without traffic", "weights = ", `the live side "blue" has weight 0`, "flip live first"}},
		{"live side without a weight", "", map[string]string{"cluster_pair": both, "weights": `{ green = 100 }`},
			[]string{"No weight for the live side", "weights = ", `the live side "blue" needs a weight above 0`}},
		{"live side absent from the pair", "", map[string]string{"cluster_pair": pairLiteral("green", "blue")},
			[]string{"Live side absent", "cluster_pair = ", `cluster_pair.live "green" is not one of the pair's sides [blue]`}},
		{"pair in another environment", "", map[string]string{
			"cluster_pair": `{ id = "prod/shop", environment = "prod", name = "shop", live = "blue", sides = ["blue"] }`,
		}, []string{"Cluster pair in another environment", "cluster_pair = ", `is in environment "prod" but the binding is in "dev"`}},
		{"side that is neither blue nor green", "", map[string]string{"cluster_pair": pairLiteral("blue", "blue", "purple")},
			[]string{`Attribute cluster_pair.sides[1] value must be one of: ["blue" "green"], got: "purple"`}},
		{"name too long", "", map[string]string{"name": `"` + strings.Repeat("a", 27) + `"`},
			[]string{"Name too long", "name = ", "has 27 characters, at most 26 fit", "limits target group names to 32 characters"}},
		{"priority taken", "", map[string]string{"priority": "5"},
			[]string{"Priority taken", "priority = 5", "priority 5 is already taken on listener " + f.listenerARN + " by rule " + takenARN}},
		{"priority out of range", "", map[string]string{"priority": "50001"},
			[]string{"priority = 50001", "must be between 1 and 50000"}},
		{"listener missing", "", map[string]string{"listener_arn": fmt.Sprintf("%q", missingListener)},
			[]string{"Listener not found", "listener_arn = ", "there is no listener " + missingListener + ` in environment "dev"`}},
		{"listener outside the environment's VPC", acctest.ProviderBlock(""), nil,
			[]string{"Listener in another VPC", "listener_arn = ", "in " + f.vpcID + `, but environment "dev" has VPC vpc-0a1b2c3d`}},
		{"too many conditions", "", map[string]string{"path_patterns": `["/a", "/b", "/c", "/d", "/e"]`},
			[]string{"Too many conditions", "path_patterns = ", "host_headers and path_patterns have 6 values together; ELBv2 allows 5 per rule"}},
		{"no condition", "", map[string]string{"host_headers": ""},
			[]string{"At least one of these attributes must be configured: [host_headers,path_patterns]"}},
		{"health check timeout not below interval", "", map[string]string{"health_check": `{ interval_seconds = 5, timeout_seconds = 5 }`},
			[]string{"Health check timeout too long", "health_check = ", "health_check.timeout_seconds (5) must be less than health_check.interval_seconds (5)"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			provider := tc.provider
			if provider == "" {
				provider = f.provider("")
			}
			config := f.bindingConfig(provider, name, tc.overrides)
			if tc.overrides["cluster_pair"] == "terraform_data.pair.input" {
				// Another resource's attribute is unknown while the configuration
				// is validated and known in the plan, as a pair's binding is: the
				// plan must catch the mistake.
				config += `
resource "terraform_data" "pair" {
  input = { id = "dev/shop", environment = "dev", name = "shop", live = "blue", sides = ["blue"] }
}
`
			}
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps:                    []resource.TestStep{{Config: config, PlanOnly: true, ExpectError: acctest.DiagnosticPattern(tc.want...)}},
			})
			if groups := targetGroupsNamed(t, acctest.DevAccount, name+"-"); len(groups) > 0 {
				t.Fatalf("plan created target groups %v", convert.SortedKeys(groups))
			}
		})
	}
}

// TestAccALBTargetBinding_failedStep fails a step of create or update at the
// wire and expects an error naming the step, with what the step's
// operation had created removed again.
func TestAccALBTargetBinding_failedStep(t *testing.T) {
	acctest.PreCheck(t)
	injected := emulator.Failure{Status: 400, Code: "InvalidParameterValue", Message: "injected failure", Times: 1}
	t.Run("create rule", func(t *testing.T) {
		const name = "acc-fail-rule"
		f := newALBFixture(t, name)
		proxy := albProxy(t)
		proxy.Fail("CreateRule", injected)
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: f.bindingConfig(f.provider(proxy.URL), name, map[string]string{
					"cluster_pair": pairLiteral("blue", "blue", "green"), "weights": `{ blue = 100 }`,
				}),
				ExpectError: regexp.MustCompile(`step "create listener rule" failed[\s\S]*InvalidParameterValue[\s\S]*injected\s+failure[\s\S]*removed\s+again`),
			}},
		})
		if err := f.noBindingParts(t, name); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("second target group", func(t *testing.T) {
		const name = "acc-fail-tg"
		f := newALBFixture(t, name)
		proxy := albProxy(t)
		calls := 0
		proxy.OnCall("CreateTargetGroup", func() {
			if calls++; calls == 2 {
				proxy.Fail("CreateTargetGroup", injected)
			}
		})
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			Steps: []resource.TestStep{{
				Config: f.bindingConfig(f.provider(proxy.URL), name, map[string]string{
					"cluster_pair": pairLiteral("blue", "blue", "green"), "weights": `{ blue = 100 }`,
				}),
				ExpectError: regexp.MustCompile(`step "create target group acc-fail-tg-green" failed[\s\S]*injected\s+failure[\s\S]*removed\s+again`),
			}},
		})
		if err := f.noBindingParts(t, name); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("add a side", func(t *testing.T) {
		const name = "acc-fail-add"
		f := newALBFixture(t, name)
		proxy := albProxy(t)
		blue := f.bindingConfig(f.provider(proxy.URL), name, nil)
		both := f.bindingConfig(f.provider(proxy.URL), name, map[string]string{
			"cluster_pair": pairLiteral("blue", "blue", "green"), "weights": `{ blue = 100, green = 0 }`,
		})
		resource.Test(t, resource.TestCase{
			ProtoV6ProviderFactories: acctest.ProviderFactories,
			CheckDestroy:             func(*terraform.State) error { return f.noBindingParts(t, name) },
			Steps: []resource.TestStep{
				{Config: blue},
				{
					PreConfig:   func() { proxy.Fail("ModifyRule", injected) },
					Config:      both,
					ExpectError: regexp.MustCompile(`step "modify listener rule" failed[\s\S]*injected\s+failure[\s\S]*removed\s+again`),
				},
				{
					// Green's target group was removed again and blue still serves;
					// the same change then goes through.
					Config: blue,
					Check:  f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 100}, namespace: "shop", live: "blue"}),
				},
				{
					Config: both,
					Check:  f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 100, "green": 0}, namespace: "shop", live: "blue"}),
				},
			},
		})
	})
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
