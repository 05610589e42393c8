package provider

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/paved-road/paved/provider/convert"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/paved-road/paved/internal/emulator"
)

var envRegion = map[string]string{devAccount: "eu-west-1", prodAccount: "eu-central-1"}

// accountElastiCache returns an ElastiCache client in the account's region,
// independent of the provider.
func accountElastiCache(t *testing.T, account string) *elasticache.Client {
	t.Helper()
	cfg := accountConfig(t, account)
	cfg.Region = envRegion[account]
	return elasticache.NewFromConfig(cfg, func(o *elasticache.Options) { o.BaseEndpoint = aws.String(testEmulator.URL) })
}

func redisConfig(provider, body string) string {
	if provider == "" {
		provider = providerBlock("")
	}
	return provider + `
resource "paved_redis" "test" {
` + body + `
}
`
}

// cacheParts is what one account holds of a paved_redis, read with the API.
type cacheParts struct {
	groups          map[string]ectypes.ReplicationGroup
	parameterGroups map[string]string // name -> family
	subnetGroups    map[string][]string
}

func listCacheParts(t *testing.T, account, prefix string) cacheParts {
	t.Helper()
	client := accountElastiCache(t, account)
	ctx := context.Background()
	parts := cacheParts{groups: map[string]ectypes.ReplicationGroup{}, parameterGroups: map[string]string{}, subnetGroups: map[string][]string{}}
	rgs, err := client.DescribeReplicationGroups(ctx, &elasticache.DescribeReplicationGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range rgs.ReplicationGroups {
		if id := aws.ToString(g.ReplicationGroupId); strings.HasPrefix(id, prefix) {
			parts.groups[id] = g
		}
	}
	pgs, err := client.DescribeCacheParameterGroups(ctx, &elasticache.DescribeCacheParameterGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range pgs.CacheParameterGroups {
		if name := aws.ToString(g.CacheParameterGroupName); strings.HasPrefix(name, prefix) {
			parts.parameterGroups[name] = aws.ToString(g.CacheParameterGroupFamily)
		}
	}
	sgs, err := client.DescribeCacheSubnetGroups(ctx, &elasticache.DescribeCacheSubnetGroupsInput{})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range sgs.CacheSubnetGroups {
		if name := aws.ToString(g.CacheSubnetGroupName); strings.HasPrefix(name, prefix) {
			var ids []string
			for _, s := range g.Subnets {
				ids = append(ids, aws.ToString(s.SubnetIdentifier))
			}
			sort.Strings(ids)
			parts.subnetGroups[name] = ids
		}
	}
	return parts
}

func (p cacheParts) empty() bool {
	return len(p.groups) == 0 && len(p.parameterGroups) == 0 && len(p.subnetGroups) == 0
}

// noCachePartsAnywhere checks that neither environment account holds any
// part whose name starts with prefix.
func noCachePartsAnywhere(t *testing.T, prefix string) error {
	for _, account := range []string{devAccount, prodAccount} {
		if p := listCacheParts(t, account, prefix); !p.empty() {
			return fmt.Errorf("account %s still holds %s parts: %+v", account, prefix, p)
		}
	}
	return nil
}

func userParameters(t *testing.T, account, group string) map[string]string {
	t.Helper()
	out, err := accountElastiCache(t, account).DescribeCacheParameters(context.Background(),
		&elasticache.DescribeCacheParametersInput{CacheParameterGroupName: aws.String(group), Source: aws.String("user")})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range out.Parameters {
		got[aws.ToString(p.ParameterName)] = aws.ToString(p.ParameterValue)
	}
	return got
}

func cacheTags(t *testing.T, account, resourceARN string) map[string]string {
	t.Helper()
	out, err := accountElastiCache(t, account).ListTagsForResource(context.Background(),
		&elasticache.ListTagsForResourceInput{ResourceName: aws.String(resourceARN)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, tag := range out.TagList {
		got[aws.ToString(tag.Key)] = aws.ToString(tag.Value)
	}
	return got
}

func check(cond bool, format string, args ...any) error {
	if !cond {
		return fmt.Errorf(format, args...)
	}
	return nil
}

// TestAccRedis_lifecycle creates a Valkey in prod, updates it in place,
// upgrades it across families, imports it, and destroys it, reading the
// accounts back from the emulator after each step.
func TestAccRedis_lifecycle(t *testing.T) {
	testAccPreCheck(t)
	const name = "acc-life"
	base := func(version, extra string) string {
		return redisConfig("", fmt.Sprintf(`
  environment    = "prod"
  name           = %q
  team           = "payments"
  service        = "orders"
  engine         = "valkey"
  engine_version = %q
%s`, name, version, extra))
	}
	prodARN := func(kind, n string) string {
		return fmt.Sprintf("arn:aws:elasticache:eu-central-1:%s:%s:%s", prodAccount, kind, n)
	}
	wantTags := map[string]string{
		"team": "payments", "service": "orders", "environment": "prod", "managed-by": "paved", "cost-center": "platform",
	}
	var firstARN string
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: base("7.2", `  parameters = { timeout = "300", maxmemory-policy = "volatile-ttl" }`),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("paved_redis.test", "parameter_group_name", name+"-valkey7"),
					resource.TestCheckResourceAttr("paved_redis.test", "node_type", "cache.t4g.small"),
					resource.TestCheckResourceAttr("paved_redis.test", "replicas", "1"),
					resource.TestCheckResourceAttr("paved_redis.test", "member_clusters.#", "2"),
					resource.TestCheckResourceAttrSet("paved_redis.test", "primary_endpoint"),
					func(s *terraform.State) error {
						firstARN = s.RootModule().Resources["paved_redis.test"].Primary.Attributes["arn"]
						if dev := listCacheParts(t, devAccount, name); !dev.empty() {
							return fmt.Errorf("dev account holds %+v", dev)
						}
						prod := listCacheParts(t, prodAccount, name)
						g, ok := prod.groups[name]
						if err := check(ok, "replication group %s not in prod", name); err != nil {
							return err
						}
						if err := check(aws.ToString(g.CacheNodeType) == "cache.t4g.small" && len(g.MemberClusters) == 2,
							"group %+v", g); err != nil {
							return err
						}
						if err := check(reflect.DeepEqual(prod.parameterGroups, map[string]string{name + "-valkey7": "valkey7"}),
							"parameter groups %v", prod.parameterGroups); err != nil {
							return err
						}
						if err := check(reflect.DeepEqual(prod.subnetGroups, map[string][]string{name: {"subnet-2a2b3c4d", "subnet-3a2b3c4d"}}),
							"subnet groups %v", prod.subnetGroups); err != nil {
							return err
						}
						params := userParameters(t, prodAccount, name+"-valkey7")
						if err := check(reflect.DeepEqual(params, map[string]string{
							"maxmemory-policy": "volatile-ttl", "activedefrag": "yes", "timeout": "300",
						}), "parameters %v", params); err != nil {
							return err
						}
						for _, a := range []string{prodARN("replicationgroup", name), prodARN("parametergroup", name+"-valkey7"), prodARN("subnetgroup", name)} {
							if got := cacheTags(t, prodAccount, a); !reflect.DeepEqual(got, wantTags) {
								return fmt.Errorf("tags of %s = %v, want %v", a, got, wantTags)
							}
						}
						return nil
					},
				),
			},
			{
				// In place: node type, replicas, parameters, windows, retention, tags.
				Config: base("7.2", `
  node_type               = "cache.r7g.large"
  replicas                = 2
  parameters              = { maxmemory-policy = "allkeys-lfu" }
  maintenance_window      = "wed:06:00-wed:07:00"
  snapshot_retention_days = 3
  tags                    = { tier = "gold" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("paved_redis.test", plancheck.ResourceActionUpdate),
				}},
				Check: func(s *terraform.State) error {
					if got := s.RootModule().Resources["paved_redis.test"].Primary.Attributes["arn"]; got != firstARN {
						return fmt.Errorf("ARN changed from %s to %s", firstARN, got)
					}
					g := listCacheParts(t, prodAccount, name).groups[name]
					if err := check(aws.ToString(g.CacheNodeType) == "cache.r7g.large", "node type %s", aws.ToString(g.CacheNodeType)); err != nil {
						return err
					}
					if err := check(len(g.MemberClusters) == 3, "members %v", g.MemberClusters); err != nil {
						return err
					}
					if err := check(aws.ToInt32(g.SnapshotRetentionLimit) == 3, "retention %d", aws.ToInt32(g.SnapshotRetentionLimit)); err != nil {
						return err
					}
					params := userParameters(t, prodAccount, name+"-valkey7")
					if err := check(reflect.DeepEqual(params, map[string]string{"maxmemory-policy": "allkeys-lfu", "activedefrag": "yes"}),
						"parameters %v", params); err != nil {
						return err
					}
					tags := cacheTags(t, prodAccount, prodARN("parametergroup", name+"-valkey7"))
					return check(tags["tier"] == "gold", "parameter group tags %v", tags)
				},
			},
			{
				// Across families: a new parameter group, the old one gone.
				Config: base("8.0", `
  node_type               = "cache.r7g.large"
  replicas                = 2
  parameters              = { maxmemory-policy = "allkeys-lfu" }
  maintenance_window      = "wed:06:00-wed:07:00"
  snapshot_retention_days = 3
  tags                    = { tier = "gold" }`),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("paved_redis.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("paved_redis.test", "engine_version", "8.0"),
					resource.TestCheckResourceAttr("paved_redis.test", "parameter_group_name", name+"-valkey8"),
					func(s *terraform.State) error {
						if got := s.RootModule().Resources["paved_redis.test"].Primary.Attributes["arn"]; got != firstARN {
							return fmt.Errorf("ARN changed from %s to %s", firstARN, got)
						}
						prod := listCacheParts(t, prodAccount, name)
						if err := check(reflect.DeepEqual(prod.parameterGroups, map[string]string{name + "-valkey8": "valkey8"}),
							"parameter groups after the upgrade: %v", prod.parameterGroups); err != nil {
							return err
						}
						params := userParameters(t, prodAccount, name+"-valkey8")
						return check(reflect.DeepEqual(params, map[string]string{"maxmemory-policy": "allkeys-lfu", "activedefrag": "yes"}),
							"parameters %v", params)
					},
				),
			},
			{
				ResourceName:            "paved_redis.test",
				ImportState:             true,
				ImportStateId:           "prod/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// TestAccRedis_drift changes all three parts behind Terraform's back and
// expects the next plan to show exactly those changes.
func TestAccRedis_drift(t *testing.T) {
	testAccPreCheck(t)
	const name = "acc-drift"
	config := redisConfig("", fmt.Sprintf(`
  environment    = "dev"
  name           = %q
  team           = "games"
  service        = "leaderboard"
  engine         = "redis"
  engine_version = "7.1"
  tags           = { tier = "bronze" }`, name))
	group := name + "-redis7"
	rgARN := fmt.Sprintf("arn:aws:elasticache:eu-west-1:%s:replicationgroup:%s", devAccount, name)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					client := accountElastiCache(t, devAccount)
					ctx := context.Background()
					if _, err := client.ModifyCacheParameterGroup(ctx, &elasticache.ModifyCacheParameterGroupInput{
						CacheParameterGroupName: aws.String(group),
						ParameterNameValues:     []ectypes.ParameterNameValue{{ParameterName: aws.String("maxmemory-policy"), ParameterValue: aws.String("noeviction")}},
					}); err != nil {
						t.Fatal(err)
					}
					if _, err := client.RemoveTagsFromResource(ctx, &elasticache.RemoveTagsFromResourceInput{
						ResourceName: aws.String(rgARN), TagKeys: []string{"tier"},
					}); err != nil {
						t.Fatal(err)
					}
					if _, err := client.ModifyReplicationGroup(ctx, &elasticache.ModifyReplicationGroupInput{
						ReplicationGroupId: aws.String(name), CacheNodeType: aws.String("cache.m7g.xlarge"), ApplyImmediately: aws.Bool(true),
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config:             config,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
				ConfigPlanChecks: resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{
					expectChanged("paved_redis.test", "effective_parameters", "node_type", "tags", "tags_all"),
				}},
			},
			{
				Config: config,
				Check: func(*terraform.State) error {
					g := listCacheParts(t, devAccount, name).groups[name]
					if err := check(aws.ToString(g.CacheNodeType) == "cache.t4g.small", "node type not repaired: %s", aws.ToString(g.CacheNodeType)); err != nil {
						return err
					}
					if p := userParameters(t, devAccount, group); p["maxmemory-policy"] != "allkeys-lru" {
						return fmt.Errorf("parameter not repaired: %v", p)
					}
					return check(cacheTags(t, devAccount, rgARN)["tier"] == "bronze", "tag not repaired")
				},
			},
		},
	})
}

// TestAccRedis_badInput expects each mistake to stop terraform plan with a
// diagnostic naming the attribute, before anything is created.
func TestAccRedis_badInput(t *testing.T) {
	testAccPreCheck(t)
	body := func(overrides map[string]string) string {
		attrs := map[string]string{
			"environment": `"dev"`, "name": `"acc-bad"`, "team": `"payments"`, "service": `"orders"`,
			"engine": `"redis"`, "engine_version": `"7.1"`,
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
		return redisConfig("", b.String())
	}
	cases := []struct {
		name      string
		overrides map[string]string
		want      string
	}{
		{"unknown team", map[string]string{"team": `"pirates"`}, `Unknown team[\s\S]*"pirates"[\s\S]*payments, games`},
		{"unknown environment", map[string]string{"environment": `"qa"`}, `Unknown environment[\s\S]*"qa"`},
		{"engine version", map[string]string{"engine_version": `"7.9"`}, `engine_version[\s\S]*no version "7.9"[\s\S]*7.0, 7.1`},
		{"unknown engine", map[string]string{"engine": `"memcached"`}, `engine[\s\S]*value must be one of`},
		{"parameter not in family", map[string]string{"parameters": `{ io-threads = "4" }`},
			`parameters = \{ io-threads[\s\S]*"io-threads" is not a parameter of family redis7`},
		{"misspelt parameter", map[string]string{"parameters": `{ maxmemory-polcy = "allkeys-lru" }`}, `did you mean\s+"maxmemory-policy"`},
		{"multi-AZ without replicas", map[string]string{"replicas": "0", "multi_az": "true"}, `multi_az[\s\S]*replicas of at least 1`},
		{"malformed window", map[string]string{"maintenance_window": `"sunday 5am"`}, `maintenance_window[\s\S]*ddd:HH:MM-ddd:HH:MM`},
		{"short window", map[string]string{"snapshot_window": `"03:00-03:30"`}, `snapshot_window[\s\S]*at least 60 minutes`},
		{"overlapping windows", map[string]string{"snapshot_window": `"05:00-06:00"`, "maintenance_window": `"sun:05:30-sun:06:30"`},
			`maintenance_window[\s\S]*overlaps`},
		{"bad node type", map[string]string{"node_type": `"r7g.large"`}, `node_type[\s\S]*cache.r7g.large`},
		{"name with a double hyphen", map[string]string{"name": `"acc--bad"`}, `name[\s\S]*lowercase letters, digits and single\s+hyphens`},
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
			if err := noCachePartsAnywhere(t, "acc-bad"); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestAccRedis_nameLimit plans a name of 40 characters with hyphens, the
// replication group id's limit, and refuses one of 41 at plan time.
func TestAccRedis_nameLimit(t *testing.T) {
	testAccPreCheck(t)
	config := func(name string) string {
		return redisConfig("", fmt.Sprintf(`
  environment    = "dev"
  name           = %q
  team           = "payments"
  service        = "orders"
  engine         = "redis"
  engine_version = "7.1"`, name))
	}
	at, over := hyphenated(40), hyphenated(41)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(at), PlanOnly: true, ExpectNonEmptyPlan: true},
			{
				Config: config(over), PlanOnly: true,
				ExpectError: diagnosticPattern("Name too long", "name = ",
					fmt.Sprintf("name %q has 41 characters, at most 40 fit: it is the replication group id, which ElastiCache limits to 40 characters", over)),
			},
		},
	})
}

// TestAccRedis_ownParameterDrift changes and resets, behind Terraform's
// back, a parameter the resource sets itself, and expects the plan to show
// it once, under parameters, and the apply to repair it.
func TestAccRedis_ownParameterDrift(t *testing.T) {
	testAccPreCheck(t)
	const name = "acc-own-drift"
	config := redisConfig("", fmt.Sprintf(`
  environment    = "dev"
  name           = %q
  team           = "games"
  service        = "leaderboard"
  engine         = "redis"
  engine_version = "7.1"
  parameters     = { maxmemory-policy = "allkeys-lfu" }`, name))
	group := name + "-redis7"
	client := accountElastiCache(t, devAccount)
	policy := []ectypes.ParameterNameValue{{ParameterName: aws.String("maxmemory-policy"), ParameterValue: aws.String("noeviction")}}
	drift := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{expectChanged("paved_redis.test", "parameters")}}
	repaired := func(*terraform.State) error {
		p := userParameters(t, devAccount, group)
		return check(p["maxmemory-policy"] == "allkeys-lfu", "parameter not repaired: %v", p)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					if _, err := client.ModifyCacheParameterGroup(context.Background(), &elasticache.ModifyCacheParameterGroupInput{
						CacheParameterGroupName: aws.String(group), ParameterNameValues: policy,
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config, PlanOnly: true, ExpectNonEmptyPlan: true, ConfigPlanChecks: drift,
			},
			{Config: config, Check: repaired},
			{
				PreConfig: func() {
					if _, err := client.ResetCacheParameterGroup(context.Background(), &elasticache.ResetCacheParameterGroupInput{
						CacheParameterGroupName: aws.String(group), ParameterNameValues: []ectypes.ParameterNameValue{{ParameterName: aws.String("maxmemory-policy")}},
					}); err != nil {
						t.Fatal(err)
					}
				},
				Config: config, PlanOnly: true, ExpectNonEmptyPlan: true, ConfigPlanChecks: drift,
			},
			{Config: config, Check: repaired},
		},
	})
}

// TestAccRedis_failedStep fails each step of a create in turn, at the wire,
// and expects an error naming the step and no part left in the account.
func TestAccRedis_failedStep(t *testing.T) {
	testAccPreCheck(t)
	todo := []struct {
		action, step string
	}{
		{"CreateCacheSubnetGroup", "create cache subnet group"},
		{"CreateCacheParameterGroup", "create cache parameter group"},
		{"ModifyCacheParameterGroup", "create cache parameter group"},
		{"CreateReplicationGroup", "create replication group"},
		{"DescribeReplicationGroups", "wait for the replication group to become available"},
	}
	for _, s := range todo {
		t.Run(s.action, func(t *testing.T) {
			proxy, err := emulator.NewProxy(testEmulator.URL)
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = proxy.Close() }()
			proxy.Fail(s.action, emulator.Failure{Status: 400, Code: "InvalidParameterValue", Message: "injected failure", Times: 1})
			name := "acc-fail-" + strings.ToLower(s.action[:6])
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
				Steps: []resource.TestStep{{
					Config: redisConfig(testProviderBlock(testStandardsFile, map[string]string{"elasticache": proxy.URL}, ""), fmt.Sprintf(`
  environment    = "dev"
  name           = %q
  team           = "payments"
  service        = "orders"
  engine         = "redis"
  engine_version = "7.1"
  parameters     = { timeout = "60" }`, name)),
					ExpectError: regexp.MustCompile(fmt.Sprintf(`step "%s" failed[\s\S]*InvalidParameterValue[\s\S]*injected\s+failure[\s\S]*removed again`, s.step)),
				}},
			})
			if got := proxy.Count(s.action); got == 0 {
				t.Fatalf("the provider never called %s through the proxy", s.action)
			}
			if err := noCachePartsAnywhere(t, name); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// expectChanged is a plan check that the resource's update changes exactly
// the named attributes.
func expectChanged(addr string, attrs ...string) plancheck.PlanCheck {
	return changedCheck{addr: addr, want: attrs}
}

type changedCheck struct {
	addr string
	want []string
}

func (c changedCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	for _, rc := range req.Plan.ResourceChanges {
		if rc.Address != c.addr {
			continue
		}
		before, _ := rc.Change.Before.(map[string]any)
		after, _ := rc.Change.After.(map[string]any)
		var changed []string
		for k := range after {
			if !reflect.DeepEqual(before[k], after[k]) {
				changed = append(changed, k)
			}
		}
		sort.Strings(changed)
		want := append([]string{}, c.want...)
		sort.Strings(want)
		if !reflect.DeepEqual(changed, want) {
			resp.Error = fmt.Errorf("%s: plan changes %v, want exactly %v", c.addr, changed, want)
		}
		return
	}
	resp.Error = fmt.Errorf("%s not in the plan", c.addr)
}
