package provider

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

	"github.com/paved-road/paved/provider/iamrole"

	"github.com/paved-road/paved/provider/convert"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/paved-road/paved/internal/emulator"
)

const eksPairAddr = "paved_eks_cluster_pair.test"

// accountEKS returns an EKS client in the account's region, independent of
// the provider.
func accountEKS(t *testing.T, account string) *eks.Client {
	t.Helper()
	cfg := accountConfig(t, account)
	cfg.Region = envRegion[account]
	return eks.NewFromConfig(cfg, func(o *eks.Options) { o.BaseEndpoint = aws.String(testEmulator.URL) })
}

func eksPairConfig(provider, body string) string {
	if provider == "" {
		provider = providerBlock("")
	}
	return provider + `
resource "paved_eks_cluster_pair" "test" {
` + body + `
}
`
}

// eksParts is what one account holds of a pair, read with the API.
type eksParts struct {
	clusters   map[string]ekstypes.Cluster
	nodeGroups map[string]ekstypes.Nodegroup // by node group name
}

func listEKSParts(t *testing.T, account, prefix string) eksParts {
	t.Helper()
	client := accountEKS(t, account)
	ctx := context.Background()
	parts := eksParts{clusters: map[string]ekstypes.Cluster{}, nodeGroups: map[string]ekstypes.Nodegroup{}}
	names, err := client.ListClusters(ctx, &eks.ListClustersInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names.Clusters {
		if !strings.HasPrefix(name, prefix) {
			continue
		}
		c, err := client.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		parts.clusters[name] = *c.Cluster
		groups, err := client.ListNodegroups(ctx, &eks.ListNodegroupsInput{ClusterName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range groups.Nodegroups {
			ng, err := client.DescribeNodegroup(ctx, &eks.DescribeNodegroupInput{ClusterName: aws.String(name), NodegroupName: aws.String(g)})
			if err != nil {
				t.Fatal(err)
			}
			parts.nodeGroups[g] = *ng.Nodegroup
		}
	}
	return parts
}

func (p eksParts) names() []string {
	return slices.Sorted(func(yield func(string) bool) {
		for n := range p.clusters {
			if !yield(n) {
				return
			}
		}
	})
}

// noEKSPartsAnywhere checks that no environment account holds a cluster
// (and so a node group) whose name starts with prefix, and no account a
// role whose name does.
func noEKSPartsAnywhere(t *testing.T, prefix string) error {
	for _, account := range []string{devAccount, prodAccount} {
		if p := listEKSParts(t, account, prefix); len(p.clusters) > 0 {
			return fmt.Errorf("account %s still holds clusters %v", account, p.names())
		}
	}
	return noRolesAnywhere(t, prefix)
}

// eksRole is a role in an account as IAM reports it.
type eksRole struct {
	trust    iamrole.Document
	policies []string
	tags     map[string]string
}

func readRole(t *testing.T, account, name string) (eksRole, error) {
	t.Helper()
	client := accountIAM(t, account)
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
	testAccPreCheck(t)
	const name = "eks-life"
	side := func(s, version string) string {
		return fmt.Sprintf(`
  %s = {
    version    = %q
    node_group = { min_size = 1, max_size = 3, desired_size = 2, labels = { pool = "general" } }
  }`, s, version)
	}
	config := func(live string, sides ...string) string {
		return eksPairConfig("", fmt.Sprintf(`
  environment = "dev"
  name        = %q
  team        = "payments"
  service     = "shop"
  live        = %q
%s`, name, live, strings.Join(sides, "\n")))
	}
	standard := map[string]string{
		"team": "payments", "service": "shop", "environment": "dev", "managed-by": "paved", "cost-center": "platform",
	}
	clusterPolicy := []string{"arn:aws:iam::aws:policy/AmazonEKSClusterPolicy"}
	nodePolicies := []string{
		"arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
		"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
		"arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
	}
	roleARN := func(role string) string { return fmt.Sprintf("arn:aws:iam::%s:role/%s", devAccount, role) }

	// checkSide checks one side's cluster, node group and roles in the account.
	checkSide := func(parts eksParts, s, version, live string) error {
		cluster := name + "-" + s
		c, ok := parts.clusters[cluster]
		if !ok {
			return fmt.Errorf("cluster %s not in dev", cluster)
		}
		v := c.ResourcesVpcConfig
		if aws.ToString(c.Version) != version || aws.ToString(c.RoleArn) != roleARN(cluster+"-cluster") ||
			!reflect.DeepEqual(v.SubnetIds, []string{"subnet-0a1b2c3d", "subnet-1a2b3c4d"}) ||
			!reflect.DeepEqual(v.SecurityGroupIds, []string{"sg-0a1b2c3d"}) ||
			v.EndpointPublicAccess || !v.EndpointPrivateAccess {
			return fmt.Errorf("cluster %s: version %s, role %s, vpc config %+v", cluster,
				aws.ToString(c.Version), aws.ToString(c.RoleArn), *v)
		}
		if want := withTag(standard, "paved:live", live); !reflect.DeepEqual(c.Tags, want) {
			return fmt.Errorf("cluster %s tags %v, want %v", cluster, c.Tags, want)
		}
		ng, ok := parts.nodeGroups[cluster+"-nodes"]
		if !ok {
			return fmt.Errorf("node group %s-nodes not in dev", cluster)
		}
		sc := ng.ScalingConfig
		if aws.ToInt32(sc.MinSize) != 1 || aws.ToInt32(sc.MaxSize) != 3 || aws.ToInt32(sc.DesiredSize) != 2 ||
			!reflect.DeepEqual(ng.InstanceTypes, []string{"m7g.large"}) || ng.AmiType != ekstypes.AMITypesAl2023Arm64Standard ||
			aws.ToString(ng.NodeRole) != roleARN(cluster+"-node") || aws.ToString(ng.Version) != version ||
			!reflect.DeepEqual(ng.Labels, map[string]string{"pool": "general"}) ||
			!reflect.DeepEqual(ng.Subnets, []string{"subnet-0a1b2c3d", "subnet-1a2b3c4d"}) ||
			!reflect.DeepEqual(ng.Tags, standard) {
			return fmt.Errorf("node group %s: %+v", aws.ToString(ng.NodegroupName), ng)
		}
		if err := checkRole(t, devAccount, cluster+"-cluster", "eks.amazonaws.com",
			[]string{"sts:AssumeRole", "sts:TagSession"}, clusterPolicy, standard); err != nil {
			return err
		}
		return checkRole(t, devAccount, cluster+"-node", "ec2.amazonaws.com", []string{"sts:AssumeRole"}, nodePolicies, standard)
	}
	// identity is what tells one cluster from another of the same name: the
	// emulator, like EKS, gives each new cluster its own certificate.
	identity := func(parts eksParts, s string) string {
		c := parts.clusters[name+"-"+s]
		return aws.ToString(c.CertificateAuthority.Data) + "@" + aws.ToTime(c.CreatedAt).String()
	}
	nodeGroupARN := func(parts eksParts, s string) string {
		return aws.ToString(parts.nodeGroups[name+"-"+s+"-nodes"].NodegroupArn)
	}
	var blueID, greenID, greenNodeGroup string
	update := resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
		plancheck.ExpectResourceAction(eksPairAddr, plancheck.ResourceActionUpdate),
	}}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noEKSPartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config("blue", side("blue", "1.29")),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(eksPairAddr, "id", "dev/"+name),
					resource.TestCheckResourceAttr(eksPairAddr, "blue.cluster_name", name+"-blue"),
					resource.TestCheckResourceAttr(eksPairAddr, "blue.arn", "arn:aws:eks:eu-west-1:"+devAccount+":cluster/"+name+"-blue"),
					resource.TestCheckResourceAttr(eksPairAddr, "blue.role_arn", roleARN(name+"-blue-cluster")),
					resource.TestCheckResourceAttr(eksPairAddr, "blue.node_group_name", name+"-blue-nodes"),
					resource.TestCheckResourceAttr(eksPairAddr, "blue.node_group.instance_types.0", "m7g.large"),
					resource.TestCheckResourceAttrSet(eksPairAddr, "blue.endpoint"),
					resource.TestCheckResourceAttrSet(eksPairAddr, "blue.certificate_authority"),
					resource.TestCheckResourceAttrSet(eksPairAddr, "blue.oidc_issuer"),
					resource.TestCheckNoResourceAttr(eksPairAddr, "green.cluster_name"),
					resource.TestCheckResourceAttr(eksPairAddr, "binding.id", "dev/"+name),
					resource.TestCheckResourceAttr(eksPairAddr, "binding.live", "blue"),
					resource.TestCheckResourceAttr(eksPairAddr, "binding.sides.#", "1"),
					resource.TestCheckResourceAttr(eksPairAddr, "binding.sides.0", "blue"),
					resource.TestCheckResourceAttr(eksPairAddr, "tags_all.paved:live", "blue"),
					func(*terraform.State) error {
						if prod := listEKSParts(t, prodAccount, name); len(prod.clusters) > 0 {
							return fmt.Errorf("prod holds %v", prod.names())
						}
						dev := listEKSParts(t, devAccount, name)
						if got := dev.names(); !reflect.DeepEqual(got, []string{name + "-blue"}) {
							return fmt.Errorf("clusters %v, want blue only", got)
						}
						blueID = identity(dev, "blue")
						return checkSide(dev, "blue", "1.29", "blue")
					},
				),
			},
			{
				// Add green: blue is untouched, and the binding knows both sides at plan time.
				Config: config("blue", side("blue", "1.29"), side("green", "1.29")),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(eksPairAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(eksPairAddr, tfjsonpath.New("binding"), knownvalue.ObjectExact(map[string]knownvalue.Check{
						"id": knownvalue.StringExact("dev/" + name), "environment": knownvalue.StringExact("dev"),
						"name": knownvalue.StringExact(name), "live": knownvalue.StringExact("blue"),
						"sides": knownvalue.ListExact([]knownvalue.Check{knownvalue.StringExact("blue"), knownvalue.StringExact("green")}),
					})),
					plancheck.ExpectKnownValue(eksPairAddr, tfjsonpath.New("green").AtMapKey("arn"),
						knownvalue.StringExact("arn:aws:eks:eu-west-1:"+devAccount+":cluster/"+name+"-green")),
					plancheck.ExpectUnknownValue(eksPairAddr, tfjsonpath.New("green").AtMapKey("endpoint")),
					plancheck.ExpectKnownValue(eksPairAddr, tfjsonpath.New("blue").AtMapKey("endpoint"), knownvalue.NotNull()),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(eksPairAddr, "binding.sides.#", "2"),
					resource.TestCheckResourceAttr(eksPairAddr, "binding.sides.1", "green"),
					func(*terraform.State) error {
						dev := listEKSParts(t, devAccount, name)
						if got := dev.names(); !reflect.DeepEqual(got, []string{name + "-blue", name + "-green"}) {
							return fmt.Errorf("clusters %v, want blue and green", got)
						}
						if got := identity(dev, "blue"); got != blueID {
							return fmt.Errorf("blue changed: %s, was %s", got, blueID)
						}
						greenID, greenNodeGroup = identity(dev, "green"), nodeGroupARN(dev, "green")
						if err := checkSide(dev, "blue", "1.29", "blue"); err != nil {
							return err
						}
						return checkSide(dev, "green", "1.29", "blue")
					},
				),
			},
			{
				// Upgrade green: a new green cluster, blue untouched.
				Config:           config("blue", side("blue", "1.29"), side("green", "1.30")),
				ConfigPlanChecks: update,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(eksPairAddr, "green.version", "1.30"),
					func(*terraform.State) error {
						dev := listEKSParts(t, devAccount, name)
						if got := identity(dev, "blue"); got != blueID {
							return fmt.Errorf("blue changed: %s, was %s", got, blueID)
						}
						if identity(dev, "green") == greenID || nodeGroupARN(dev, "green") == greenNodeGroup {
							return fmt.Errorf("green cluster or node group was not replaced")
						}
						greenID = identity(dev, "green")
						if err := checkSide(dev, "blue", "1.29", "blue"); err != nil {
							return err
						}
						return checkSide(dev, "green", "1.30", "blue")
					},
				),
			},
			{
				// Flip live: both clusters retagged, neither replaced.
				Config:           config("green", side("blue", "1.29"), side("green", "1.30")),
				ConfigPlanChecks: update,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(eksPairAddr, "binding.live", "green"),
					func(*terraform.State) error {
						dev := listEKSParts(t, devAccount, name)
						if identity(dev, "blue") != blueID || identity(dev, "green") != greenID {
							return fmt.Errorf("a cluster was replaced by flipping live")
						}
						if err := checkSide(dev, "blue", "1.29", "green"); err != nil {
							return err
						}
						return checkSide(dev, "green", "1.30", "green")
					},
				),
			},
			{
				// Drop blue: its cluster, node group and roles go; green stays.
				Config:           config("green", side("green", "1.30")),
				ConfigPlanChecks: update,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr(eksPairAddr, "binding.sides.#", "1"),
					resource.TestCheckResourceAttr(eksPairAddr, "binding.sides.0", "green"),
					func(*terraform.State) error {
						dev := listEKSParts(t, devAccount, name)
						if got := dev.names(); !reflect.DeepEqual(got, []string{name + "-green"}) {
							return fmt.Errorf("clusters %v, want green only", got)
						}
						if identity(dev, "green") != greenID {
							return fmt.Errorf("green was replaced by dropping blue")
						}
						roles, err := roleNames(t, devAccount, name+"-blue")
						if err != nil {
							return err
						}
						if len(roles) > 0 {
							return fmt.Errorf("roles of blue left: %v", roles)
						}
						return checkSide(dev, "green", "1.30", "green")
					},
				),
			},
			{
				ResourceName:            eksPairAddr,
				ImportState:             true,
				ImportStateId:           "dev/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// TestAccEKSClusterPair_liveGuard expects every plan that would take the
// live side away to be refused before anything changes, the upgrade's last
// pull request, flip live and drop the old side, to pass, and removing the
// side then left to be refused with advice that does not need the other.
func TestAccEKSClusterPair_liveGuard(t *testing.T) {
	testAccPreCheck(t)
	const name = "eks-guard"
	config := func(live, sides string) string {
		return eksPairConfig("", fmt.Sprintf(`
  environment = "prod"
  name        = %q
  team        = "games"
  service     = "arcade"
  live        = %q
%s`, name, live, sides))
	}
	both := `
  blue  = { version = "1.29" }
  green = { version = "1.29" }`
	var blueCA string
	unchanged := func(*terraform.State) error {
		prod := listEKSParts(t, prodAccount, name)
		if got := prod.names(); !reflect.DeepEqual(got, []string{name + "-blue", name + "-green"}) {
			return fmt.Errorf("clusters %v", got)
		}
		for _, c := range prod.clusters {
			if aws.ToString(c.Version) != "1.29" || c.Tags["paved:live"] != "blue" {
				return fmt.Errorf("cluster %s changed: %s %v", aws.ToString(c.Name), aws.ToString(c.Version), c.Tags)
			}
		}
		if got := aws.ToString(prod.clusters[name+"-blue"].CertificateAuthority.Data); got != blueCA {
			return fmt.Errorf("blue was replaced")
		}
		return nil
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noEKSPartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config("blue", both),
				Check: func(*terraform.State) error {
					blueCA = aws.ToString(listEKSParts(t, prodAccount, name).clusters[name+"-blue"].CertificateAuthority.Data)
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
				Config: config("blue", `  blue  = { version = "1.29", role_arn = "arn:aws:iam::`+prodAccount+`:role/byo" }`+"\n"+
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
					plancheck.ExpectResourceAction(eksPairAddr, plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error {
					if err := unchanged(s); err != nil {
						return err
					}
					for _, c := range listEKSParts(t, prodAccount, name).clusters {
						if c.Tags["tier"] != "gold" {
							return fmt.Errorf("cluster %s tags %v", aws.ToString(c.Name), c.Tags)
						}
					}
					for _, role := range []string{name + "-blue-cluster", name + "-green-cluster"} {
						r, err := readRole(t, prodAccount, role)
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
					prod := listEKSParts(t, prodAccount, name)
					if got := prod.names(); !reflect.DeepEqual(got, []string{name + "-green"}) {
						return fmt.Errorf("clusters %v, want green only", got)
					}
					if got := prod.clusters[name+"-green"].Tags["paved:live"]; got != "green" {
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
				ExpectError: diagnosticPattern("Change to the live side",
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
	testAccPreCheck(t)
	const name = "eks-drift"
	config := eksPairConfig("", fmt.Sprintf(`
  environment = "dev"
  name        = %q
  team        = "games"
  service     = "arcade"
  live        = "blue"
  tags        = { tier = "gold" }
  blue        = { version = "1.31" }
  green = {
    version    = "1.32"
    node_group = { instance_types = ["m7i.large"] }
  }`, name))
	blueARN := fmt.Sprintf("arn:aws:eks:eu-west-1:%s:cluster/%s-blue", devAccount, name)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noEKSPartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					client := accountEKS(t, devAccount)
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
					expectChanged(eksPairAddr, "green", "tags", "tags_all"),
				}},
			},
			{
				Config: config,
				Check: func(*terraform.State) error {
					dev := listEKSParts(t, devAccount, name)
					green, ok := dev.clusters[name+"-green"]
					if !ok || aws.ToString(green.Version) != "1.32" {
						return fmt.Errorf("green not created again: %v", dev.names())
					}
					if ng, ok := dev.nodeGroups[name+"-green-nodes"]; !ok || ng.AmiType != ekstypes.AMITypesAl2023X8664Standard {
						return fmt.Errorf("green's node group not created again: %+v", ng)
					}
					return check(dev.clusters[name+"-blue"].Tags["tier"] == "gold", "blue's tag not repaired: %v", dev.clusters[name+"-blue"].Tags)
				},
			},
		},
	})
}

// TestAccEKSClusterPair_inPlace changes what a side can change without a
// new cluster: endpoint access, node group sizes and labels; then replaces
// and removes a node group, which is refused while its side is live.
func TestAccEKSClusterPair_inPlace(t *testing.T) {
	testAccPreCheck(t)
	const name = "eks-inplace"
	config := func(live, blueNodes, greenExtra string) string {
		return eksPairConfig("", fmt.Sprintf(`
  environment = "dev"
  name        = %q
  team        = "games"
  service     = "arcade"
  live        = %q
  blue        = { version = "1.31"%s }
  green       = { version = "1.31"%s }`, name, live, blueNodes, greenExtra))
	}
	const (
		nodes       = `, node_group = { instance_types = ["m7i.large"] }`
		scaledNodes = `, node_group = { instance_types = ["m7i.large"], max_size = 5, desired_size = 3, labels = { pool = "batch" } }`
		otherNodes  = `, node_group = { instance_types = ["c7g.large"], max_size = 5, desired_size = 3, labels = { pool = "batch" } }`
	)
	var clusters map[string]string // name -> certificate: a new cluster gets a new one
	var nodeGroupARN string
	sameClusters := func(dev eksParts) error {
		for n, ca := range clusters {
			if got := aws.ToString(dev.clusters[n].CertificateAuthority.Data); got != ca {
				return fmt.Errorf("cluster %s was replaced", n)
			}
		}
		return nil
	}
	blueNodes := func(dev eksParts) (ekstypes.Nodegroup, bool) {
		ng, ok := dev.nodeGroups[name+"-blue-nodes"]
		return ng, ok
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noEKSPartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config("blue", nodes, ""),
				Check: func(*terraform.State) error {
					dev := listEKSParts(t, devAccount, name)
					clusters = map[string]string{}
					for n, c := range dev.clusters {
						clusters[n] = aws.ToString(c.CertificateAuthority.Data)
					}
					ng, ok := blueNodes(dev)
					nodeGroupARN = aws.ToString(ng.NodegroupArn)
					return check(ok && ng.AmiType == ekstypes.AMITypesAl2023X8664Standard && len(clusters) == 2,
						"clusters %v, node group %+v", dev.names(), ng)
				},
			},
			{
				Config: config("blue", scaledNodes, `, endpoint_public_access = true`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(eksPairAddr, plancheck.ResourceActionUpdate),
					plancheck.ExpectKnownValue(eksPairAddr, tfjsonpath.New("green").AtMapKey("endpoint"), knownvalue.NotNull()),
				}},
				Check: func(*terraform.State) error {
					dev := listEKSParts(t, devAccount, name)
					if err := sameClusters(dev); err != nil {
						return err
					}
					if v := dev.clusters[name+"-green"].ResourcesVpcConfig; !v.EndpointPublicAccess || !v.EndpointPrivateAccess {
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
					dev := listEKSParts(t, devAccount, name)
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
					dev := listEKSParts(t, devAccount, name)
					if err := sameClusters(dev); err != nil {
						return err
					}
					if ng, ok := blueNodes(dev); ok {
						return fmt.Errorf("node group left: %+v", ng)
					}
					roles, err := roleNames(t, devAccount, name+"-blue")
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
	testAccPreCheck(t)
	cases := []struct {
		name, action, step string
		nth                int32 // the call of action that fails
	}{
		{"node group", "POST /clusters/eks-fail-ng-blue/node-groups", "create node group eks-fail-ng-blue-nodes", 1},
		{"second cluster", "POST /clusters", "create cluster eks-fail-cl-green", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			proxy, err := emulator.NewProxy(testEmulator.URL)
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
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: eksPairConfig(testProviderBlock(testStandardsFile, map[string]string{"eks": proxy.URL}, ""), fmt.Sprintf(`
  environment = "dev"
  name        = %q
  team        = "payments"
  service     = "shop"
  live        = "blue"
  blue        = { version = "1.33", node_group = {} }
  green       = { version = "1.33" }`, name)),
					ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)step\s+"%s"\s+failed.*removed\s+again`, strings.ReplaceAll(tc.step, " ", `\s+`))),
				}},
			})
			if calls.Load() < tc.nth {
				t.Fatalf("the provider called %s %d times through the proxy", tc.action, calls.Load())
			}
			if err := noEKSPartsAnywhere(t, name); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAccEKSClusterPair_nameLimit plans a name of 50 characters with
// hyphens, the longest whose cluster role <name>-green-cluster fits IAM's
// 64, and refuses one of 51 at plan time.
func TestAccEKSClusterPair_nameLimit(t *testing.T) {
	testAccPreCheck(t)
	config := func(name string) string {
		return eksPairConfig("", fmt.Sprintf(`
  environment = "dev"
  name        = %q
  team        = "payments"
  service     = "shop"
  live        = "blue"
  blue        = { version = "1.30" }
  green       = { version = "1.30" }`, name))
	}
	at, over := hyphenated(50), hyphenated(51)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: config(at), PlanOnly: true, ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					plancheck.ExpectKnownValue(eksPairAddr, tfjsonpath.New("green").AtMapKey("role_arn"),
						knownvalue.StringExact("arn:aws:iam::"+devAccount+":role/"+at+"-green-cluster")),
				}},
			},
			{
				Config: config(over), PlanOnly: true,
				ExpectError: diagnosticPattern("Name too long", "name = ", fmt.Sprintf("name %q has 51 characters, at most 50 fit: "+
					"the cluster role of a side is named <name>-<side>-cluster, and IAM limits role names to 64 characters", over)),
			},
		},
	})
}

// TestAccEKSClusterPair_badInput expects each mistake to stop terraform
// plan with a diagnostic naming the attribute, before anything is created.
func TestAccEKSClusterPair_badInput(t *testing.T) {
	testAccPreCheck(t)
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
		return eksPairConfig("", b.String())
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
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config:      body(tc.overrides),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			if err := noEKSPartsAnywhere(t, "eks-bad"); err != nil {
				t.Fatal(err)
			}
		})
	}
}
