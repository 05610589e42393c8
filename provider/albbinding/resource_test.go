package albbinding_test

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/paved-road/paved/internal/emulator"
	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/albbinding"
	"github.com/paved-road/paved/provider/convert"
)

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
	update := func(changed ...string) resource.ConfigPlanChecks {
		return resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
			plancheck.ExpectResourceAction(albAddr, plancheck.ResourceActionUpdate),
			acctest.ExpectChanged(albAddr, changed...),
		}}
	}
	// The rule and each side's target group keep the ARN they had when
	// first seen, for as long as the side stays.
	ruleARN := statecheck.CompareValue(compare.ValuesSame())
	blueARN, greenARN := statecheck.CompareValue(compare.ValuesSame()), statecheck.CompareValue(compare.ValuesSame())
	groupARN := map[string]func(string, tfjsonpath.Path) statecheck.StateCheck{"blue": blueARN.AddStateValue, "green": greenARN.AddStateValue}
	sameARNs := func(sides ...string) []statecheck.StateCheck {
		checks := []statecheck.StateCheck{ruleARN.AddStateValue(albAddr, tfjsonpath.New("rule_arn"))}
		for _, side := range sides {
			checks = append(checks, groupARN[side](albAddr, tfjsonpath.New("target_group_arns").AtMapKey(side)))
		}
		return checks
	}
	tags := func(live, service string, extra map[string]string) map[string]string {
		want := map[string]string{
			"environment": "dev", "managed-by": "paved", "cost-center": "platform", "paved:binding": name,
			"paved:cluster-pair": "dev/shop", "paved:live": live, "paved:service": service,
		}
		maps.Copy(want, extra)
		return want
	}
	changed := map[string]string{
		"cluster_pair": pairLiteral("green", "blue", "green"), "weights": `{ blue = 0, green = 100 }`,
		"priority": "20", "path_patterns": `["/api/*", "/v2/*"]`, "host_headers": "",
		"health_check": `{ path = "/ready", interval_seconds = 15 }`,
		"service":      `{ namespace = "shop-v2", name = "web", port = 8080 }`,
		"tags":         `{ tier = "gold" }`,
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return f.noBindingParts(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config(map[string]string{"path_patterns": `["/api/*"]`}),
				Check: resource.ComposeTestCheckFunc(
					f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 100}, namespace: "shop", live: "blue"}),
					f.expectRule(t, "10", map[string][]string{"host-header": {"shop.example.com"}, "path-pattern": {"/api/*"}}),
					expectHealthCheck(t, name, wantHealth{path: "/healthz", matcher: "200", interval: 30, timeout: 5}),
					f.expectTags(t, name, tags("blue", "shop/web", nil)),
				),
				ConfigStateChecks: append(sameARNs("blue"),
					statecheck.ExpectKnownValue(albAddr, tfjsonpath.New("id"), knownvalue.StringExact("dev/"+name)),
					statecheck.ExpectKnownValue(albAddr, tfjsonpath.New("vpc_id"), knownvalue.StringExact(f.vpcID)),
					statecheck.ExpectKnownValue(albAddr, tfjsonpath.New("health_check").AtMapKey("path"), knownvalue.StringExact("/healthz")),
				),
			},
			{
				// The pair gains green: a second target group, at weight 0.
				Config:            config(map[string]string{"path_patterns": `["/api/*"]`, "cluster_pair": both, "weights": `{ blue = 100, green = 0 }`}),
				ConfigPlanChecks:  update("cluster_pair", "weights"), // the new side's ARN and manifest are unknown
				Check:             f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 100, "green": 0}, namespace: "shop", live: "blue"}),
				ConfigStateChecks: sameARNs("blue", "green"),
			},
			{
				Config:            config(map[string]string{"path_patterns": `["/api/*"]`, "cluster_pair": both, "weights": `{ blue = 90, green = 10 }`}),
				ConfigPlanChecks:  update("weights"),
				Check:             f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 90, "green": 10}, namespace: "shop", live: "blue"}),
				ConfigStateChecks: sameARNs("blue", "green"),
			},
			{
				// Flip live to green, then take blue to 0.
				Config: config(map[string]string{
					"path_patterns": `["/api/*"]`, "cluster_pair": pairLiteral("green", "blue", "green"), "weights": `{ blue = 0, green = 100 }`,
				}),
				ConfigPlanChecks: update("cluster_pair", "weights", "tags_all"),
				Check: resource.ComposeTestCheckFunc(
					f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 0, "green": 100}, namespace: "shop", live: "green"}),
					f.expectTags(t, name, tags("green", "shop/web", nil)),
				),
				ConfigStateChecks: sameARNs("blue", "green"),
			},
			{
				// Priority, conditions, health check and namespace, in place.
				Config:           config(changed),
				ConfigPlanChecks: update("priority", "host_headers", "path_patterns", "health_check", "service", "manifests", "tags", "tags_all"),
				Check: resource.ComposeTestCheckFunc(
					f.expectBinding(t, name, bindingWant{weights: map[string]int32{"blue": 0, "green": 100}, namespace: "shop-v2", live: "green"}),
					f.expectRule(t, "20", map[string][]string{"path-pattern": {"/api/*", "/v2/*"}}),
					expectHealthCheck(t, name, wantHealth{path: "/ready", matcher: "200", interval: 15, timeout: 5}),
					f.expectTags(t, name, tags("green", "shop-v2/web", map[string]string{"tier": "gold"})),
				),
				ConfigStateChecks: sameARNs("blue", "green"),
			},
			{
				ResourceName:      albAddr,
				ImportState:       true,
				ImportStateId:     "dev/" + name,
				ImportStateVerify: true,
			},
			{
				// The pair drops blue: its target group goes, after the rule stopped using it.
				Config: config(with(changed, map[string]string{
					"cluster_pair": pairLiteral("green", "green"), "weights": `{ green = 100 }`,
				})),
				ConfigPlanChecks:  update("cluster_pair", "weights", "target_group_arns", "manifests"),
				Check:             f.expectBinding(t, name, bindingWant{weights: map[string]int32{"green": 100}, namespace: "shop-v2", live: "green"}),
				ConfigStateChecks: sameARNs("green"),
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

// with is base with the overrides.
func with(base, overrides map[string]string) map[string]string {
	out := maps.Clone(base)
	maps.Copy(out, overrides)
	return out
}

// TestAccALBTargetBinding_drift changes the rule behind Terraform's back,
// expects the plan to show it and the apply to repair it, then deletes the
// rule and expects the binding to leave the state and be created again.
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
			// Read drops the binding from the state, so the plan creates it
			// again.
			acctest.GoneStep(config, albAddr, func() {
				if _, err := client().DeleteRule(context.Background(), &elasticloadbalancingv2.DeleteRuleInput{RuleArn: f.rules(t)[0].RuleArn}); err != nil {
					t.Fatal(err)
				}
			}),
			{
				// The apply restores it, in place of the target groups the
				// rule left behind.
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(albAddr, plancheck.ResourceActionCreate),
				}},
				Check: f.expectBinding(t, name, want),
			},
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
				ExpectError: acctest.DiagnosticPattern("creating paved_alb_target_binding dev/"+name+":", `step "create listener rule" failed`, "InvalidParameterValue", "injected failure", "removed again"),
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
				ExpectError: acctest.DiagnosticPattern("creating paved_alb_target_binding dev/"+name+":", `step "create target group acc-fail-tg-green" failed`, "injected failure", "removed again"),
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
					ExpectError: acctest.DiagnosticPattern("updating paved_alb_target_binding dev/"+name+":", `step "modify listener rule" failed`, "injected failure", "removed again"),
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

func TestNameRule(t *testing.T) {
	acctest.CheckNameRule(t, albbinding.BindingName, 26,
		"the target groups are named <name>-blue and <name>-green, and ELBv2 limits target group names to 32 characters")
}
