package ekspair_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/paved-road/paved/internal/emulator"
	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/ekspair"
	"github.com/paved-road/paved/provider/iamrole"
)

const (
	pairAddr = "paved_eks_cluster_pair.test"
	liveTag  = "paved:live"
)

// expect is a state check of the pair's attribute at p.
func expect(p tfjsonpath.Path, v knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(pairAddr, p, v)
}

// attr is the path of an attribute, and of keys within it.
func attr(name string, keys ...string) tfjsonpath.Path {
	p := tfjsonpath.New(name)
	for _, k := range keys {
		p = p.AtMapKey(k)
	}
	return p
}

// list is a list of exactly these strings.
func list(values ...string) knownvalue.Check {
	checks := make([]knownvalue.Check, len(values))
	for i, v := range values {
		checks[i] = knownvalue.StringExact(v)
	}
	return knownvalue.ListExact(checks)
}

// nonEmpty is a set string, as TestCheckResourceAttrSet checked it.
var nonEmpty = knownvalue.StringRegexp(regexp.MustCompile(`.`))

func pairConfig(provider, body string) string {
	if provider == "" {
		provider = acctest.ProviderBlock("")
	}
	return provider + `
resource "paved_eks_cluster_pair" "test" {
` + body + `
}
`
}

// arcadePair is a pair of the games team's arcade service in env, with
// the rest of its attributes.
func arcadePair(env, name, live, rest string) string {
	return pairConfig("", fmt.Sprintf(`
  environment = %q
  name        = %q
  team        = "games"
  service     = "arcade"
  live        = %q
%s`, env, name, live, rest))
}

// eksRole is a role in an account as IAM reports it.
type eksRole struct {
	trust    iamrole.Document
	policies []string
	tags     map[string]string
}

func readRole(t *testing.T, account, name string) (eksRole, error) {
	t.Helper()
	client := acctest.AccountIAM(t, account)
	ctx := context.Background()
	out, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
	if err != nil {
		return eksRole{}, err
	}
	var r eksRole
	doc, err := url.QueryUnescape(aws.ToString(out.Role.AssumeRolePolicyDocument))
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(doc), &r.trust); err != nil {
		return r, err
	}
	attached, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(name)})
	if err != nil {
		return r, err
	}
	for _, p := range attached.AttachedPolicies {
		r.policies = append(r.policies, aws.ToString(p.PolicyArn))
	}
	slices.Sort(r.policies)
	r.tags = map[string]string{}
	for _, tag := range out.Role.Tags {
		r.tags[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return r, nil
}

// checkRole checks a role paved created: who may assume it, with which
// actions, its policies and its tags.
func checkRole(t *testing.T, account, name, service string, actions, policies []string, tags map[string]string) error {
	r, err := readRole(t, account, name)
	if err != nil {
		return fmt.Errorf("role %s: %w", name, err)
	}
	if len(r.trust.Statement) != 1 {
		return fmt.Errorf("role %s trust policy %+v", name, r.trust)
	}
	st := r.trust.Statement[0]
	if !reflect.DeepEqual([]string(st.Principal["Service"]), []string{service}) || len(st.Principal) != 1 {
		return fmt.Errorf("role %s trusts %v, want service %s only", name, st.Principal, service)
	}
	if got := slices.Sorted(slices.Values(st.Action)); !reflect.DeepEqual(got, actions) {
		return fmt.Errorf("role %s allows %v, want %v", name, got, actions)
	}
	if !reflect.DeepEqual(r.policies, policies) {
		return fmt.Errorf("role %s has policies %v, want %v", name, r.policies, policies)
	}
	if !reflect.DeepEqual(r.tags, tags) {
		return fmt.Errorf("role %s has tags %v, want %v", name, r.tags, tags)
	}
	return nil
}

// check is nil when cond holds, and otherwise the error format describes.
func check(cond bool, format string, args ...any) error {
	if cond {
		return nil
	}
	return fmt.Errorf(format, args...)
}

func withTag(tags map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for key, val := range tags {
		out[key] = val
	}
	return out
}

// TestAccEKSClusterPair_lifecycle walks a blue/green upgrade as successive
// applies, blue only, add green, upgrade green by replacement, flip live,
// drop blue, then imports the pair and destroys it, reading the account
// back from the emulator after each step.
func TestAccEKSClusterPair_lifecycle(t *testing.T) {
	acctest.PreCheck(t)
	const name = lifecycleName
	side := func(s, version string) string {
		return fmt.Sprintf(`
  %s = {
    version    = %q
    node_group = { min_size = 1, max_size = 3, desired_size = 2, labels = { pool = "general" } }
  }`, s, version)
	}
	config := func(live string, sides ...string) string {
		return pairConfig("", fmt.Sprintf(`
  environment = "dev"
  name        = %q
  team        = "payments"
  service     = "shop"
  live        = %q
%s`, name, live, strings.Join(sides, "\n")))
	}
	l := &lifecycle{t: t}
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(pairAddr, plancheck.ResourceActionUpdate),
	}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return acctest.NoEKSPartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config("blue", side("blue", "1.29")),
				ConfigStateChecks: []statecheck.StateCheck{
					expect(attr("id"), knownvalue.StringExact("dev/"+name)),
					expect(attr("blue", "cluster_name"), knownvalue.StringExact(name+"-blue")),
					expect(attr("blue", "arn"), knownvalue.StringExact("arn:aws:eks:eu-west-1:"+acctest.DevAccount+":cluster/"+name+"-blue")),
					expect(attr("blue", "role_arn"), knownvalue.StringExact(devRoleARN(name+"-blue-cluster"))),
					expect(attr("blue", "node_group_name"), knownvalue.StringExact(name+"-blue-nodes")),
					expect(attr("blue", "node_group", "instance_types"), list("m7g.large")),
					expect(attr("blue", "endpoint"), nonEmpty),
					expect(attr("blue", "certificate_authority"), nonEmpty),
					expect(attr("blue", "oidc_issuer"), nonEmpty),
					expect(attr("green"), knownvalue.Null()),
					expect(attr("binding", "id"), knownvalue.StringExact("dev/"+name)),
					expect(attr("binding", "live"), knownvalue.StringExact("blue")),
					expect(attr("binding", "sides"), list("blue")),
					expect(attr("tags_all", liveTag), knownvalue.StringExact("blue")),
				},
				Check: l.blueOnly,
			},
			{
				// Add green: blue is untouched, and the binding knows both sides at plan time.
				Config: config("blue", side("blue", "1.29"), side("green", "1.29")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(pairAddr, tfjsonpath.New("binding"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id": knownvalue.StringExact("dev/" + name), "environment": knownvalue.StringExact("dev"),
						"name": knownvalue.StringExact(name), "live": knownvalue.StringExact("blue"),
						"sides": list("blue", "green"),
					})),
					plancheck.ExpectKnownValue(pairAddr, tfjsonpath.New("green").AtMapKey("arn"),
						knownvalue.StringExact("arn:aws:eks:eu-west-1:"+acctest.DevAccount+":cluster/"+name+"-green")),
					plancheck.ExpectUnknownValue(pairAddr, tfjsonpath.New("green").AtMapKey("endpoint")),
					plancheck.ExpectKnownValue(pairAddr, tfjsonpath.New("blue").AtMapKey("endpoint"), knownvalue.NotNull()),
				}},
				ConfigStateChecks: []statecheck.StateCheck{expect(attr("binding", "sides"), list("blue", "green"))},
				Check:             l.greenAdded,
			},
			{
				// Upgrade green: a new green cluster, blue untouched.
				Config:            config("blue", side("blue", "1.29"), side("green", "1.30")),
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{expect(attr("green", "version"), knownvalue.StringExact("1.30"))},
				Check:             l.greenUpgraded,
			},
			{
				// Flip live: both clusters retagged, neither replaced.
				Config:            config("green", side("blue", "1.29"), side("green", "1.30")),
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{expect(attr("binding", "live"), knownvalue.StringExact("green"))},
				Check:             l.liveFlipped,
			},
			{
				// Drop blue: its cluster, node group and roles go; green stays.
				Config:            config("green", side("green", "1.30")),
				ConfigPlanChecks:  update,
				ConfigStateChecks: []statecheck.StateCheck{expect(attr("binding", "sides"), list("green"))},
				Check:             l.blueDropped,
			},
			{
				ResourceName:            pairAddr,
				ImportState:             true,
				ImportStateId:           "dev/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// lifecycleName is the pair of TestAccEKSClusterPair_lifecycle.
const lifecycleName = "eks-life"

// lifecycle checks each apply of TestAccEKSClusterPair_lifecycle against
// the accounts, remembering which cluster and node group each side had.
type lifecycle struct {
	t              *testing.T
	blue, green    string // the sides' cluster identities
	greenNodeGroup string // the ARN of green's node group
}

func (l *lifecycle) blueOnly(*terraform.State) error {
	if prod := acctest.ListEKSParts(l.t, acctest.ProdAccount, lifecycleName); len(prod.Clusters) > 0 {
		return fmt.Errorf("prod holds %v", prod.Names())
	}
	dev := l.dev()
	if got := dev.Names(); !reflect.DeepEqual(got, []string{lifecycleName + "-blue"}) {
		return fmt.Errorf("clusters %v, want blue only", got)
	}
	l.blue = identity(dev, lifecycleName+"-blue")
	return l.side(dev, "blue", "1.29", "blue")
}

func (l *lifecycle) greenAdded(*terraform.State) error {
	dev := l.dev()
	if got := dev.Names(); !reflect.DeepEqual(got, []string{lifecycleName + "-blue", lifecycleName + "-green"}) {
		return fmt.Errorf("clusters %v, want blue and green", got)
	}
	if got := identity(dev, lifecycleName+"-blue"); got != l.blue {
		return fmt.Errorf("blue changed: %s, was %s", got, l.blue)
	}
	l.green, l.greenNodeGroup = identity(dev, lifecycleName+"-green"), l.nodeGroupARN(dev, "green")
	if err := l.side(dev, "blue", "1.29", "blue"); err != nil {
		return err
	}
	return l.side(dev, "green", "1.29", "blue")
}

func (l *lifecycle) greenUpgraded(*terraform.State) error {
	dev := l.dev()
	if got := identity(dev, lifecycleName+"-blue"); got != l.blue {
		return fmt.Errorf("blue changed: %s, was %s", got, l.blue)
	}
	if identity(dev, lifecycleName+"-green") == l.green || l.nodeGroupARN(dev, "green") == l.greenNodeGroup {
		return fmt.Errorf("green cluster or node group was not replaced")
	}
	l.green = identity(dev, lifecycleName+"-green")
	if err := l.side(dev, "blue", "1.29", "blue"); err != nil {
		return err
	}
	return l.side(dev, "green", "1.30", "blue")
}

func (l *lifecycle) liveFlipped(*terraform.State) error {
	dev := l.dev()
	if identity(dev, lifecycleName+"-blue") != l.blue || identity(dev, lifecycleName+"-green") != l.green {
		return fmt.Errorf("a cluster was replaced by flipping live")
	}
	if err := l.side(dev, "blue", "1.29", "green"); err != nil {
		return err
	}
	return l.side(dev, "green", "1.30", "green")
}

func (l *lifecycle) blueDropped(*terraform.State) error {
	dev := l.dev()
	if got := dev.Names(); !reflect.DeepEqual(got, []string{lifecycleName + "-green"}) {
		return fmt.Errorf("clusters %v, want green only", got)
	}
	if identity(dev, lifecycleName+"-green") != l.green {
		return fmt.Errorf("green was replaced by dropping blue")
	}
	roles, err := acctest.RoleNames(l.t, acctest.DevAccount, lifecycleName+"-blue")
	if err != nil {
		return err
	}
	if len(roles) > 0 {
		return fmt.Errorf("roles of blue left: %v", roles)
	}
	return l.side(dev, "green", "1.30", "green")
}

func (l *lifecycle) dev() acctest.EKSParts {
	return acctest.ListEKSParts(l.t, acctest.DevAccount, lifecycleName)
}

func (l *lifecycle) nodeGroupARN(parts acctest.EKSParts, s string) string {
	return aws.ToString(parts.NodeGroups[lifecycleName+"-"+s+"-nodes"].NodegroupArn)
}

// side checks one side's cluster, node group and roles in the account.
func (l *lifecycle) side(parts acctest.EKSParts, s, version, live string) error {
	standard := map[string]string{
		"team": "payments", "service": "shop", "environment": "dev", "managed-by": "paved", "cost-center": "platform",
	}
	cluster := lifecycleName + "-" + s
	c, ok := parts.Clusters[cluster]
	if !ok {
		return fmt.Errorf("cluster %s not in dev", cluster)
	}
	v := c.ResourcesVpcConfig
	if aws.ToString(c.Version) != version || aws.ToString(c.RoleArn) != devRoleARN(cluster+"-cluster") ||
		!reflect.DeepEqual(v.SubnetIds, []string{"subnet-0a1b2c3d", "subnet-1a2b3c4d"}) ||
		!reflect.DeepEqual(v.SecurityGroupIds, []string{"sg-0a1b2c3d"}) ||
		v.EndpointPublicAccess || !v.EndpointPrivateAccess {
		return fmt.Errorf("cluster %s: version %s, role %s, vpc config %+v", cluster,
			aws.ToString(c.Version), aws.ToString(c.RoleArn), *v)
	}
	if want := withTag(standard, liveTag, live); !reflect.DeepEqual(c.Tags, want) {
		return fmt.Errorf("cluster %s tags %v, want %v", cluster, c.Tags, want)
	}
	ng, ok := parts.NodeGroups[cluster+"-nodes"]
	if !ok {
		return fmt.Errorf("node group %s-nodes not in dev", cluster)
	}
	sc := ng.ScalingConfig
	if aws.ToInt32(sc.MinSize) != 1 || aws.ToInt32(sc.MaxSize) != 3 || aws.ToInt32(sc.DesiredSize) != 2 ||
		!reflect.DeepEqual(ng.InstanceTypes, []string{"m7g.large"}) || ng.AmiType != ekstypes.AMITypesAl2023Arm64Standard ||
		aws.ToString(ng.NodeRole) != devRoleARN(cluster+"-node") || aws.ToString(ng.Version) != version ||
		!reflect.DeepEqual(ng.Labels, map[string]string{"pool": "general"}) ||
		!reflect.DeepEqual(ng.Subnets, []string{"subnet-0a1b2c3d", "subnet-1a2b3c4d"}) ||
		!reflect.DeepEqual(ng.Tags, standard) {
		return fmt.Errorf("node group %s: %+v", aws.ToString(ng.NodegroupName), ng)
	}
	if err := checkRole(l.t, acctest.DevAccount, cluster+"-cluster", "eks.amazonaws.com",
		[]string{"sts:AssumeRole", "sts:TagSession"}, clusterPolicies, standard); err != nil {
		return err
	}
	return checkRole(l.t, acctest.DevAccount, cluster+"-node", "ec2.amazonaws.com", []string{"sts:AssumeRole"}, nodePolicies, standard)
}

// identity is what tells one cluster from another of the same name: the
// emulator, like EKS, gives each new cluster its own certificate.
func identity(parts acctest.EKSParts, cluster string) string {
	c := parts.Clusters[cluster]
	return aws.ToString(c.CertificateAuthority.Data) + "@" + aws.ToTime(c.CreatedAt).String()
}

// The managed policies of the roles paved creates, sorted.
var (
	clusterPolicies = []string{"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"}
	nodePolicies    = []string{
		"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
		"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
		"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
	}
)

func devRoleARN(role string) string {
	return fmt.Sprintf("arn:aws:iam::%s:role/%s", acctest.DevAccount, role)
}

// TestAccEKSClusterPair_liveGuard expects every plan that would take the
// live side away to be refused before anything changes, the upgrade's last
// pull request, flip live and drop the old side, to pass, and removing the
// side then left to be refused with advice that does not need the other.
func TestAccEKSClusterPair_liveGuard(t *testing.T) {
	acctest.PreCheck(t)
	const name = "eks-guard"
	config := func(live, sides string) string { return arcadePair("prod", name, live, sides) }
	both := `
  blue  = { version = "1.29" }
  green = { version = "1.29" }`
	var blueCA string
	unchanged := func(*terraform.State) error {
		prod := acctest.ListEKSParts(t, acctest.ProdAccount, name)
		if got := prod.Names(); !reflect.DeepEqual(got, []string{name + "-blue", name + "-green"}) {
			return fmt.Errorf("clusters %v", got)
		}
		for _, c := range prod.Clusters {
			if aws.ToString(c.Version) != "1.29" || c.Tags["paved:live"] != "blue" {
				return fmt.Errorf("cluster %s changed: %s %v", aws.ToString(c.Name), aws.ToString(c.Version), c.Tags)
			}
		}
		if got := aws.ToString(prod.Clusters[name+"-blue"].CertificateAuthority.Data); got != blueCA {
			return fmt.Errorf("blue was replaced")
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return acctest.NoEKSPartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config("blue", both),
				Check: func(*terraform.State) error {
					blueCA = aws.ToString(acctest.ListEKSParts(t, acctest.ProdAccount, name).Clusters[name+"-blue"].CertificateAuthority.Data)
					return nil
				},
			},
			{
				// Removing the live side.
				Config:      config("blue", `  green = { version = "1.29" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Change to the live side.*blue is the live side and removing blue would delete\s+cluster\s+eks-guard-blue.*live = "green"\s+first`),
			},
			{
				// Replacing the live side: the error points at the side.
				Config:   config("blue", `  blue  = { version = "1.30" }`+"\n"+`  green = { version = "1.29" }`),
				PlanOnly: true,
				ExpectError: regexp.MustCompile(`(?s)Change to the live side.*\d+:\s+blue  = \{ version = "1.30" \}.*` +
					`replace its cluster\s+\(blue\.version\s+1\.29\s+→\s+1\.30\).*live = "green"\s+first`),
			},
			{
				// Replacing the live side's node group... which it has not: adding one is fine,
				// but flipping live to a side replaced in the same apply is not.
				Config:      config("green", `  blue  = { version = "1.29" }`+"\n"+`  green = { version = "1.30" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Live side not ready.*live would move to green, whose cluster is\s+replaced\s+\(green\.version`),
			},
			{
				// Changing the role of the live side replaces it too.
				Config: config("blue", `  blue  = { version = "1.29", role_arn = "arn:aws:iam::`+acctest.ProdAccount+`:role/byo" }`+"\n"+
					`  green = { version = "1.29" }`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Change to the live side.*replace its cluster\s+\(blue\.role_arn`),
			},
			{
				// Nothing above touched the account.
				Config: config("blue", both),
				Check:  unchanged,
			},
			{
				// Tags change in place on clusters and roles.
				Config: strings.Replace(config("blue", both), `live`, `tags = { tier = "gold" }
  live`, 1),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error {
					if err := unchanged(s); err != nil {
						return err
					}
					for _, c := range acctest.ListEKSParts(t, acctest.ProdAccount, name).Clusters {
						if c.Tags["tier"] != "gold" {
							return fmt.Errorf("cluster %s tags %v", aws.ToString(c.Name), c.Tags)
						}
					}
					for _, role := range []string{name + "-blue-cluster", name + "-green-cluster"} {
						r, err := readRole(t, acctest.ProdAccount, role)
						if err != nil {
							return err
						}
						if r.tags["tier"] != "gold" || r.tags["paved:live"] != "" {
							return fmt.Errorf("role %s tags %v", role, r.tags)
						}
					}
					return nil
				},
			},
			{
				// The upgrade's last pull request: flip live and drop blue together.
				Config: config("green", `  green = { version = "1.29" }`),
				Check: func(*terraform.State) error {
					prod := acctest.ListEKSParts(t, acctest.ProdAccount, name)
					if got := prod.Names(); !reflect.DeepEqual(got, []string{name + "-green"}) {
						return fmt.Errorf("clusters %v, want green only", got)
					}
					if got := prod.Clusters[name+"-green"].Tags["paved:live"]; got != "green" {
						return fmt.Errorf("green's paved:live tag %q", got)
					}
					return nil
				},
			},
			{
				// Removing green, now the only side: with no blue to set live,
				// the advice is to add blue first, or to delete the pair.
				Config:   config("green", ""),
				PlanOnly: true,
				ExpectError: acctest.DiagnosticPattern("Change to the live side",
					"green is the live side and removing green would delete cluster eks-guard-green. "+
						`The pair has no blue side to take over: add blue, then set live = "blue" once it serves, `+
						"each in a separate apply, then remove green. "+
						"To delete the pair instead, remove the whole paved_eks_cluster_pair resource."),
			},
		},
	})
}

// TestAccEKSClusterPair_drift deletes a side's cluster and removes a tag
// behind Terraform's back, and expects the plan to show both and apply to
// repair them.
func TestAccEKSClusterPair_drift(t *testing.T) {
	acctest.PreCheck(t)
	const name = "eks-drift"
	config := arcadePair("dev", name, "blue", `  tags        = { tier = "gold" }
  blue        = { version = "1.31" }
  green = {
    version    = "1.32"
    node_group = { instance_types = ["m7i.large"] }
  }`)
	blueARN := fmt.Sprintf("arn:aws:eks:eu-west-1:%s:cluster/%s-blue", acctest.DevAccount, name)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return acctest.NoEKSPartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					client := acctest.AccountEKS(t, acctest.DevAccount)
					ctx := context.Background()
					if _, err := client.DeleteNodegroup(ctx, &eks.DeleteNodegroupInput{
						ClusterName: aws.String(name + "-green"), NodegroupName: aws.String(name + "-green-nodes"),
					}); err != nil {
						t.Fatal(err)
					}
					if _, err := client.DeleteCluster(ctx, &eks.DeleteClusterInput{Name: aws.String(name + "-green")}); err != nil {
						t.Fatal(err)
					}
					if _, err := client.UntagResource(ctx, &eks.UntagResourceInput{ResourceArn: aws.String(blueARN), TagKeys: []string{"tier"}}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					acctest.ExpectChanged(pairAddr, "green", "tags", "tags_all"),
				}},
			},
			{
				Config: config,
				Check: func(*terraform.State) error {
					dev := acctest.ListEKSParts(t, acctest.DevAccount, name)
					green, ok := dev.Clusters[name+"-green"]
					if !ok || aws.ToString(green.Version) != "1.32" {
						return fmt.Errorf("green not created again: %v", dev.Names())
					}
					if ng, ok := dev.NodeGroups[name+"-green-nodes"]; !ok || ng.AmiType != ekstypes.AMITypesAl2023X8664Standard {
						return fmt.Errorf("green's node group not created again: %+v", ng)
					}
					return check(dev.Clusters[name+"-blue"].Tags["tier"] == "gold", "blue's tag not repaired: %v", dev.Clusters[name+"-blue"].Tags)
				},
			},
		},
	})
}

// TestAccEKSClusterPair_gone deletes the only cluster of a pair behind
// Terraform's back, and expects the refresh to drop the pair from the state,
// the plan to create it again and apply to do so, adopting the cluster role
// paved had created for it.
func TestAccEKSClusterPair_gone(t *testing.T) {
	acctest.PreCheck(t)
	const name = "eks-gone"
	config := arcadePair("dev", name, "blue", `  blue        = { version = "1.31" }`)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return acctest.NoEKSPartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{Config: config},
			acctest.GoneStep(config, pairAddr, func() {
				client := acctest.AccountEKS(t, acctest.DevAccount)
				if _, err := client.DeleteCluster(context.Background(), &eks.DeleteClusterInput{Name: aws.String(name + "-blue")}); err != nil {
					t.Fatal(err)
				}
			}),
			{
				Config:            config,
				ConfigStateChecks: []statecheck.StateCheck{expect(attr("blue", "cluster_name"), knownvalue.StringExact(name+"-blue"))},
				Check: func(*terraform.State) error {
					dev := acctest.ListEKSParts(t, acctest.DevAccount, name)
					if got := dev.Names(); !reflect.DeepEqual(got, []string{name + "-blue"}) {
						return fmt.Errorf("clusters %v, want blue created again", got)
					}
					roles, err := acctest.RoleNames(t, acctest.DevAccount, name)
					if err != nil {
						return err
					}
					return check(reflect.DeepEqual(roles, []string{name + "-blue-cluster"}), "roles %v, want blue's cluster role", roles)
				},
			},
		},
	})
}

// TestAccEKSClusterPair_inPlace changes what a side can change without a
// new cluster: endpoint access, node group sizes and labels; then replaces
// and removes a node group, which is refused while its side is live.
func TestAccEKSClusterPair_inPlace(t *testing.T) {
	acctest.PreCheck(t)
	const name = "eks-inplace"
	config := func(live, blueNodes, greenExtra string) string {
		return arcadePair("dev", name, live, fmt.Sprintf(`  blue        = { version = "1.31"%s }
  green       = { version = "1.31"%s }`, blueNodes, greenExtra))
	}
	const (
		nodes       = `, node_group = { instance_types = ["m7i.large"] }`
		scaledNodes = `, node_group = { instance_types = ["m7i.large"], max_size = 5, desired_size = 3, labels = { pool = "batch" } }`
		otherNodes  = `, node_group = { instance_types = ["c7g.large"], max_size = 5, desired_size = 3, labels = { pool = "batch" } }`
	)
	var clusters map[string]string // name -> certificate: a new cluster gets a new one
	var nodeGroupARN string
	sameClusters := func(dev acctest.EKSParts) error {
		for n, ca := range clusters {
			if got := aws.ToString(dev.Clusters[n].CertificateAuthority.Data); got != ca {
				return fmt.Errorf("cluster %s was replaced", n)
			}
		}
		return nil
	}
	blueNodes := func(dev acctest.EKSParts) (ekstypes.Nodegroup, bool) {
		ng, ok := dev.NodeGroups[name+"-blue-nodes"]
		return ng, ok
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return acctest.NoEKSPartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config("blue", nodes, ""),
				Check: func(*terraform.State) error {
					dev := acctest.ListEKSParts(t, acctest.DevAccount, name)
					clusters = map[string]string{}
					for n, c := range dev.Clusters {
						clusters[n] = aws.ToString(c.CertificateAuthority.Data)
					}
					ng, ok := blueNodes(dev)
					nodeGroupARN = aws.ToString(ng.NodegroupArn)
					return check(ok && ng.AmiType == ekstypes.AMITypesAl2023X8664Standard && len(clusters) == 2,
						"clusters %v, node group %+v", dev.Names(), ng)
				},
			},
			{
				Config: config("blue", scaledNodes, `, endpoint_public_access = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(pairAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(pairAddr, tfjsonpath.New("green").AtMapKey("endpoint"), knownvalue.NotNull()),
				}},
				Check: func(*terraform.State) error {
					dev := acctest.ListEKSParts(t, acctest.DevAccount, name)
					if err := sameClusters(dev); err != nil {
						return err
					}
					if v := dev.Clusters[name+"-green"].ResourcesVpcConfig; !v.EndpointPublicAccess || !v.EndpointPrivateAccess {
						return fmt.Errorf("green endpoint access %+v", *v)
					}
					ng, _ := blueNodes(dev)
					sc := ng.ScalingConfig
					return check(aws.ToString(ng.NodegroupArn) == nodeGroupARN && aws.ToInt32(sc.MinSize) == 2 &&
						aws.ToInt32(sc.MaxSize) == 5 && aws.ToInt32(sc.DesiredSize) == 3 && ng.Labels["pool"] == "batch",
						"node group not updated in place: %+v", ng)
				},
			},
			{
				Config:      config("blue", otherNodes, `, endpoint_public_access = true`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Change to the live side.*replace its node group\s+\(blue\.node_group\.instance_types`),
			},
			{
				Config:      config("blue", "", `, endpoint_public_access = true`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Change to the live side.*delete its node group\s+\(blue\.node_group\s+removed\)`),
			},
			{
				Config:      config("green", scaledNodes, `, endpoint_public_access = true, node_group = {}`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Live side not ready.*whose node group is created`),
			},
			{
				// With live on green, blue's node group may be replaced.
				Config: config("green", otherNodes, `, endpoint_public_access = true`),
				Check: func(*terraform.State) error {
					dev := acctest.ListEKSParts(t, acctest.DevAccount, name)
					if err := sameClusters(dev); err != nil {
						return err
					}
					ng, ok := blueNodes(dev)
					return check(ok && aws.ToString(ng.NodegroupArn) != nodeGroupARN && ng.AmiType == ekstypes.AMITypesAl2023Arm64Standard &&
						reflect.DeepEqual(ng.InstanceTypes, []string{"c7g.large"}), "node group not replaced: %+v", ng)
				},
			},
			{
				// and removed, with its role; the cluster stays.
				Config: config("green", "", `, endpoint_public_access = true`),
				Check: func(*terraform.State) error {
					dev := acctest.ListEKSParts(t, acctest.DevAccount, name)
					if err := sameClusters(dev); err != nil {
						return err
					}
					if ng, ok := blueNodes(dev); ok {
						return fmt.Errorf("node group left: %+v", ng)
					}
					roles, err := acctest.RoleNames(t, acctest.DevAccount, name+"-blue")
					if err != nil {
						return err
					}
					return check(reflect.DeepEqual(roles, []string{name + "-blue-cluster"}), "blue's roles %v", roles)
				},
			},
		},
	})
}

// TestAccEKSClusterPair_failedStep fails a step of a create at the wire and
// expects an error naming the step and nothing left in the account: not
// the side that was already built, not the roles.
func TestAccEKSClusterPair_failedStep(t *testing.T) {
	acctest.PreCheck(t)
	cases := []struct {
		name, action, step string
		nth                int32 // the call of action that fails
	}{
		{"node group", "POST /clusters/eks-fail-ng-blue/node-groups", "create node group eks-fail-ng-blue-nodes", 1},
		{"second cluster", "POST /clusters", "create cluster eks-fail-cl-green", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proxy, err := emulator.NewProxy(acctest.EmulatorURL())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = proxy.Close() }()
			var calls atomic.Int32
			proxy.OnCall(tc.action, func() {
				if calls.Add(1) == tc.nth {
					proxy.Fail(tc.action, emulator.Failure{Status: 400, Code: "InvalidParameterException", Message: "injected failure", Times: 1})
				}
			})
			name := "eks-fail-" + map[string]string{"node group": "ng", "second cluster": "cl"}[tc.name]
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config: pairConfig(acctest.ProviderBlockOn(acctest.StandardsFile(), map[string]string{"eks": proxy.URL}, ""), fmt.Sprintf(`
  environment = "dev"
  name        = %q
  team        = "payments"
  service     = "shop"
  live        = "blue"
  blue        = { version = "1.33", node_group = {} }
  green       = { version = "1.33" }`, name)),
					ExpectError: acctest.DiagnosticPattern("Creating EKS cluster pair",
						fmt.Sprintf(`creating paved_eks_cluster_pair dev/%s: step %q failed`, name, tc.step), "removed again"),
				}},
			})
			if calls.Load() < tc.nth {
				t.Fatalf("the provider called %s %d times through the proxy", tc.action, calls.Load())
			}
			if err := acctest.NoEKSPartsAnywhere(t, name); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAccEKSClusterPair_nameLimit plans a name of 50 characters with
// hyphens, the longest whose cluster role <name>-green-cluster fits IAM's
// 64, and refuses one of 51 at plan time.
func TestAccEKSClusterPair_nameLimit(t *testing.T) {
	acctest.PreCheck(t)
	config := func(name string) string {
		return pairConfig("", fmt.Sprintf(`
  environment = "dev"
  name        = %q
  team        = "payments"
  service     = "shop"
  live        = "blue"
  blue        = { version = "1.30" }
  green       = { version = "1.30" }`, name))
	}
	at, over := acctest.Hyphenated(50), acctest.Hyphenated(51)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(at), PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(pairAddr, tfjsonpath.New("green").AtMapKey("role_arn"),
						knownvalue.StringExact("arn:aws:iam::"+acctest.DevAccount+":role/"+at+"-green-cluster")),
				}},
			},
			acctest.TooLongStep(config(over), over, 50, pairNameWhy),
		},
	})
}

// TestAccEKSClusterPair_badInput expects each mistake to stop terraform
// plan with a diagnostic naming the attribute, before anything is created.
func TestAccEKSClusterPair_badInput(t *testing.T) {
	acctest.PreCheck(t)
	body := func(overrides map[string]string) string {
		attrs := map[string]string{
			"environment": `"dev"`, "name": `"eks-bad"`, "team": `"payments"`, "service": `"shop"`,
			"live": `"blue"`, "blue": `{ version = "1.30" }`,
		}
		for k, v := range overrides {
			attrs[k] = v
		}
		var b strings.Builder
		for _, k := range convert.SortedKeys(attrs) {
			if attrs[k] != "" {
				fmt.Fprintf(&b, "  %s = %s\n", k, attrs[k])
			}
		}
		return pairConfig("", b.String())
	}
	cases := []struct {
		name      string
		overrides map[string]string
		want      string
	}{
		{"live names an absent side", map[string]string{"live": `"green"`}, `(?s)Live side absent.*live = "green".*no green side`},
		{"live is neither side", map[string]string{"live": `"red"`}, `(?s)live.*value must be one of`},
		{"name not a DNS label", map[string]string{"name": `"Shop_1"`}, `(?s)name.*lowercase letters, digits and single\s+hyphens`},
		{"unsupported version", map[string]string{"blue": `{ version = "1.27" }`}, `(?s)blue\.version.*value must be one of.*1\.28`},
		{"min above max", map[string]string{"blue": `{ version = "1.30", node_group = { min_size = 3, max_size = 2 } }`},
			`(?s)Inconsistent node group sizes.*blue\.node_group\.min_size 3 is above max_size 2`},
		{"desired above max", map[string]string{"blue": `{ version = "1.30", node_group = { desired_size = 5 } }`},
			`(?s)Inconsistent node group sizes.*blue\.node_group\.desired_size 5 must be between\s+min_size 2\s+and\s+max_size 4`},
		{"mixed architectures", map[string]string{"blue": `{ version = "1.30", node_group = { instance_types = ["m7g.large", "m7i.large"] } }`},
			`(?s)Mixed architectures.*blue\.node_group\.instance_types: instance types mix\s+arm64\s+\(m7g\.large\)\s+and\s+x86_64\s+\(m7i\.large\)`},
		{"bad role ARN", map[string]string{"blue": `{ version = "1.30", role_arn = "eks-role" }`}, `(?s)blue\.role_arn.*IAM role ARN`},
		{"unknown team", map[string]string{"team": `"pirates"`}, `(?s)Unknown team.*"pirates".*payments, games`},
		{"unknown environment", map[string]string{"environment": `"qa"`}, `(?s)Unknown environment.*"qa"`},
		{"reserved tag", map[string]string{"tags": `{ "paved:live" = "green" }`}, `(?s)Reserved tag.*paved:live`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      body(tc.overrides),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			if err := acctest.NoEKSPartsAnywhere(t, "eks-bad"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

const pairNameWhy = "the cluster role of a side is named <name>-<side>-cluster, and IAM limits role names to 64 characters"

// TestNameRule: a hyphenated name at the limit is accepted, at import too,
// and one a character longer is refused on name, with its length.
func TestNameRule(t *testing.T) {
	acctest.CheckNameRule(t, ekspair.NameRule, 50, pairNameWhy)
}
