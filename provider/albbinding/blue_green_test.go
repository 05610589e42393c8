package albbinding_test

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/paved-road/paved/provider/acctest"
)

const (
	eksPairAddr = "paved_eks_cluster_pair.test"
	// eksLiveTag is the tag paved_eks_cluster_pair puts the live side in.
	eksLiveTag = "paved:live"
)

// blueGreenStep is what one apply of the upgrade should leave in the
// emulator: the clusters by side with their versions, the live side, and
// the rule's forward weights by side (also the sides with a target group).
type blueGreenStep struct {
	versions map[string]string
	live     string
	weights  map[string]int32
}

// TestAccBlueGreenUpgrade is the whole blue/green upgrade, with both
// resources in one configuration (the binding takes
// `cluster_pair = paved_eks_cluster_pair.test.binding`) and one apply per
// step, reading the dev account back from the emulator after each.
//
// The issue's sequence is "blue only at weight 100; add green; 90/10;
// 0/100; flip live; drop blue". paved keeps the live side serving: while
// blue is live it needs a weight above 0, so 0/100 before the flip is
// refused at plan time (step 4 expects exactly that). The closest sequence
// it allows flips live before blue's weight reaches 0:
//
//  1. blue only (1.29), weights {blue = 100}
//  2. add green (1.30), weights {blue = 100, green = 0}
//  3. 90/10
//  4. 0/100 with blue still live: refused; removing the live side: refused
//  5. flip live to green, with the weights 10/90
//  6. 0/100
//  7. removing the now live green side: refused
//  8. drop blue, weights {green = 100}
//
// The flip (5) and the last shift (6) are separate applies so that both the
// flip with traffic on both sides and a weight change under the new live
// side are checked; a flip with 0/100 in one apply is allowed too
// (TestAccALBTargetBinding_blueGreen), and is what the guide's third pull
// request does. The rule and blue's target group keep the ARNs of step 1,
// green's target group that of step 2, through every weight shift and the
// flip; in step 8 blue's target group goes and the others stay. No step
// replaces a cluster it keeps.
func TestAccBlueGreenUpgrade(t *testing.T) {
	acctest.PreCheck(t)
	const name = "bg-shop"
	f := newALBFixture(t, name)
	config := func(live, weights string, sides ...string) string {
		var body strings.Builder
		for _, s := range sides {
			version := map[string]string{"blue": "1.29", "green": "1.30"}[s]
			fmt.Fprintf(&body, `
  %s = {
    version    = %q
    node_group = { min_size = 1, max_size = 2, desired_size = 1 }
  }`, s, version)
		}
		return f.provider("") + fmt.Sprintf(`
resource "paved_eks_cluster_pair" "test" {
  environment = "dev"
  name        = %[1]q
  team        = "payments"
  service     = "shop"
  live        = %[2]q
%[3]s
}

resource "paved_alb_target_binding" "test" {
  environment  = "dev"
  name         = %[1]q
  listener_arn = %[4]q
  cluster_pair = paved_eks_cluster_pair.test.binding
  service      = { namespace = "shop", name = "web", port = 8080 }
  host_headers = ["shop.example.com"]
  priority     = 10
  weights      = %[5]s
}
`, name, live, body.String(), f.listenerARN, weights)
	}

	// arns are the emulator's ARNs of the rule ("rule") and of each side's
	// target group, as first seen; each step checks that those that still
	// exist kept them.
	arns := map[string]string{}
	var clusterIDs map[string]string // side -> certificate: a new cluster gets a new one
	expect := func(want blueGreenStep) resource.TestCheckFunc {
		return resource.ComposeTestCheckFunc(
			// Target groups (one per side with a weight), the one rule and
			// its weights, state against the emulator, the manifests, and
			// the live side's weight.
			f.expectBinding(t, name, bindingWant{weights: want.weights, namespace: "shop", live: want.live}),
			func(*terraform.State) error { return checkBlueGreen(t, f, name, want, arns, &clusterIDs) },
		)
	}
	weightsOnly := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(eksPairAddr, plancheck.ResourceActionNoop),
		plancheck.ExpectResourceAction(albAddr, plancheck.ResourceActionUpdate),
		acctest.ExpectChanged(albAddr, "weights"),
	}}
	both := []string{"blue", "green"}
	versions := map[string]string{"blue": "1.29", "green": "1.30"}

	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy: func(*terraform.State) error {
			if err := f.noBindingParts(t, name); err != nil {
				return err
			}
			return acctest.NoEKSPartsAnywhere(t, name)
		},
		Steps: []resource.TestStep{
			{
				// 1. Blue only, all traffic to it.
				Config: config("blue", `{ blue = 100 }`, "blue"),
				Check: expect(blueGreenStep{
					versions: map[string]string{"blue": "1.29"}, live: "blue", weights: map[string]int32{"blue": 100},
				}),
			},
			{
				// 2. Add green at the new version, at weight 0: the pair creates
				// green's cluster, then the binding green's target group; blue's
				// cluster, its target group and the rule stay.
				Config: config("blue", `{ blue = 100, green = 0 }`, both...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(eksPairAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(albAddr, plancheck.ResourceActionUpdate),
				}},
				Check: expect(blueGreenStep{versions: versions, live: "blue", weights: map[string]int32{"blue": 100, "green": 0}}),
			},
			{
				// 3. Shift 10% to green: the rule is modified in place.
				Config:           config("blue", `{ blue = 90, green = 10 }`, both...),
				ConfigPlanChecks: weightsOnly,
				Check:            expect(blueGreenStep{versions: versions, live: "blue", weights: map[string]int32{"blue": 90, "green": 10}}),
			},
			{
				// 4. The 0/100 while blue is still live: refused, the
				// live side must keep traffic.
				Config:   config("blue", `{ blue = 0, green = 100 }`, both...),
				PlanOnly: true,
				ExpectError: acctest.DiagnosticPattern("Live side without traffic", `the live side "blue" has weight 0`,
					`flip live first`),
			},
			{
				// 4. Removing the live side: refused, with a message to flip live first.
				Config:      config("blue", `{ green = 100 }`, "green"),
				PlanOnly:    true,
				ExpectError: acctest.DiagnosticPattern("Change to the live side", "blue is the live side and removing blue would delete", "cluster "+name+"-blue", `Set live = "green" first`),
			},
			{
				// Nothing the refused plans proposed reached the account.
				Config:           config("blue", `{ blue = 90, green = 10 }`, both...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				Check:            expect(blueGreenStep{versions: versions, live: "blue", weights: map[string]int32{"blue": 90, "green": 10}}),
			},
			{
				// 5. Flip live to green with traffic on both sides: the pair only
				// retags its clusters, the binding retags and reweights the rule.
				Config: config("green", `{ blue = 10, green = 90 }`, both...),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(eksPairAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(albAddr, plancheck.ResourceActionUpdate),
					acctest.ExpectChanged(eksPairAddr, "live", "tags_all", "binding"),
					acctest.ExpectChanged(albAddr, "cluster_pair", "weights", "tags_all"),
				}},
				Check: expect(blueGreenStep{versions: versions, live: "green", weights: map[string]int32{"blue": 10, "green": 90}}),
			},
			{
				// 6. All traffic to green; blue, no longer live, may go to 0.
				Config:           config("green", `{ blue = 0, green = 100 }`, both...),
				ConfigPlanChecks: weightsOnly,
				Check:            expect(blueGreenStep{versions: versions, live: "green", weights: map[string]int32{"blue": 0, "green": 100}}),
			},
			{
				// 7. Green is live now: removing it is refused.
				Config:      config("green", `{ blue = 100 }`, "blue"),
				PlanOnly:    true,
				ExpectError: acctest.DiagnosticPattern("Change to the live side", "green is the live side and removing green would delete", `Set live = "blue" first`),
			},
			{
				// 8. Drop blue: its cluster, node group and roles go, then its
				// target group, once the rule no longer forwards to it.
				Config: config("green", `{ green = 100 }`, "green"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(eksPairAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectResourceAction(albAddr, plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					expect(blueGreenStep{versions: map[string]string{"green": "1.30"}, live: "green", weights: map[string]int32{"green": 100}}),
					func(*terraform.State) error {
						roles, err := acctest.RoleNames(t, acctest.DevAccount, name+"-blue")
						if err != nil {
							return err
						}
						return check(len(roles) == 0, "roles of blue left: %v", roles)
					},
				),
			},
		},
	})
}

// checkBlueGreen reads the dev account from the emulator and checks one
// step of the upgrade: exactly the expected clusters, at their versions
// with node groups at the same version, each tagged with the live side; the
// live side's cluster active and forwarded to at a weight above 0; the
// rule tagged with the same live side; and that the rule and the target
// groups kept the ARNs recorded in arns. clusterIDs tells a cluster from a
// new one of the same name, so that no step replaces a cluster it keeps.
func checkBlueGreen(t *testing.T, f albFixture, name string, want blueGreenStep, arns map[string]string, clusterIDs *map[string]string) error {
	t.Helper()
	dev := acctest.ListEKSParts(t, acctest.DevAccount, name+"-")
	var wantNames []string
	for _, side := range slices.Sorted(maps.Keys(want.versions)) {
		wantNames = append(wantNames, name+"-"+side)
	}
	if got := dev.Names(); !reflect.DeepEqual(got, wantNames) {
		return fmt.Errorf("clusters %v, want %v", got, wantNames)
	}
	ids := map[string]string{}
	for side, version := range want.versions {
		c := dev.Clusters[name+"-"+side]
		if got := aws.ToString(c.Version); got != version {
			return fmt.Errorf("cluster %s runs %s, want %s", aws.ToString(c.Name), got, version)
		}
		if got := c.Tags[eksLiveTag]; got != want.live {
			return fmt.Errorf("cluster %s tagged %s = %q, want %q", aws.ToString(c.Name), eksLiveTag, got, want.live)
		}
		ng, ok := dev.NodeGroups[name+"-"+side+"-nodes"]
		if !ok || aws.ToString(ng.Version) != version {
			return fmt.Errorf("node group of %s: %v, want one at %s", aws.ToString(c.Name), aws.ToString(ng.Version), version)
		}
		ids[side] = aws.ToString(c.CertificateAuthority.Data)
		if before, ok := (*clusterIDs)[side]; ok && before != ids[side] {
			return fmt.Errorf("cluster %s was replaced", aws.ToString(c.Name))
		}
	}
	*clusterIDs = ids

	rules := f.rules(t)
	if len(rules) != 1 {
		return fmt.Errorf("listener has %d rules besides the default, want 1", len(rules))
	}
	rule := rules[0]
	weights := forwardBySide(rule, name)
	live, ok := dev.Clusters[name+"-"+want.live]
	if !ok || live.Status != ekstypes.ClusterStatusActive || weights[want.live] <= 0 {
		return fmt.Errorf("live side %s: cluster present %t (%s), weight %d", want.live, ok, live.Status, weights[want.live])
	}
	if tags := albTags(t, aws.ToString(rule.RuleArn)); tags["paved:live"] != want.live {
		return fmt.Errorf("rule tagged paved:live = %q, want %q", tags["paved:live"], want.live)
	}

	seen := map[string]string{"rule": aws.ToString(rule.RuleArn)}
	for n, g := range targetGroupsNamed(t, acctest.DevAccount, name+"-") {
		seen[strings.TrimPrefix(n, name+"-")] = aws.ToString(g.TargetGroupArn)
	}
	for k, arn := range seen {
		if before, ok := arns[k]; ok && before != arn {
			return fmt.Errorf("the ARN of %s changed from %s to %s", k, before, arn)
		}
		arns[k] = arn
	}
	for k := range arns {
		if _, ok := seen[k]; !ok {
			delete(arns, k) // a side dropped; were it added again, it would be new
		}
	}
	return nil
}
