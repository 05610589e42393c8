package redis_test

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/paved-road/paved/internal/emulator"
	"github.com/paved-road/paved/provider/acctest"
	"github.com/paved-road/paved/provider/convert"
	"github.com/paved-road/paved/provider/redis"
	"github.com/paved-road/paved/provider/validate"
)

const addr = "paved_redis.test"

// accountElastiCache returns an ElastiCache client in the account's region,
// independent of the provider.
func accountElastiCache(t *testing.T, account string) *elasticache.Client {
	t.Helper()
	cfg := acctest.AccountConfig(t, account)
	cfg.Region = acctest.Region[account]
	return elasticache.NewFromConfig(cfg)
}

func redisConfig(provider, body string) string {
	if provider == "" {
		provider = acctest.ProviderBlock("")
	}
	return provider + `
resource "paved_redis" "test" {
` + body + `
}
`
}

// devRedis is a Redis 7.1 in dev for the games team's leaderboard, with
// extra attributes.
func devRedis(name, extra string) string {
	return redisConfig("", fmt.Sprintf(`
  environment    = "dev"
  name           = %q
  team           = "games"
  service        = "leaderboard"
  engine         = "redis"
  engine_version = "7.1"
  %s`, name, extra))
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
	for _, account := range []string{acctest.DevAccount, acctest.ProdAccount} {
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

// expectAttr is a state check of one attribute of paved_redis.test.
func expectAttr(attr string, want knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectKnownValue(addr, tfjsonpath.New(attr), want)
}

func prodARN(kind, n string) string {
	return fmt.Sprintf("arn:aws:elasticache:eu-central-1:%s:%s:%s", acctest.ProdAccount, kind, n)
}

// TestAccRedis_lifecycle creates a Valkey in prod, updates it in place,
// upgrades it across families, imports it, and destroys it, reading the
// accounts back from the emulator after each step.
func TestAccRedis_lifecycle(t *testing.T) {
	acctest.PreCheck(t)
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
	changed := `
  node_type               = "cache.r7g.large"
  replicas                = 2
  parameters              = { maxmemory-policy = "allkeys-lfu" }
  maintenance_window      = "wed:06:00-wed:07:00"
  snapshot_retention_days = 3
  tags                    = { tier = "gold" }`
	// Neither the update in place nor the upgrade replaces the group.
	sameARN := statecheck.CompareValue(compare.ValuesSame())
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: base("7.2", `  parameters = { timeout = "300", maxmemory-policy = "volatile-ttl" }`),
				ConfigStateChecks: []statecheck.StateCheck{
					expectAttr("parameter_group_name", knownvalue.StringExact(name+"-valkey7")),
					expectAttr("node_type", knownvalue.StringExact("cache.t4g.small")),
					expectAttr("replicas", knownvalue.Int64Exact(1)),
					expectAttr("member_clusters", knownvalue.ListSizeExact(2)),
					expectAttr("primary_endpoint", knownvalue.StringRegexp(regexp.MustCompile(`.`))),
					sameARN.AddStateValue(addr, tfjsonpath.New("arn")),
				},
				Check: checkCreatedInProd(t, name),
			},
			{
				// In place: node type, replicas, parameters, windows, retention, tags.
				Config: base("7.2", changed),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{sameARN.AddStateValue(addr, tfjsonpath.New("arn"))},
				Check:             checkUpdatedInPlace(t, name),
			},
			{
				// Across families: a new parameter group, the old one gone.
				Config: base("8.0", changed),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectAttr("engine_version", knownvalue.StringExact("8.0")),
					expectAttr("parameter_group_name", knownvalue.StringExact(name+"-valkey8")),
					sameARN.AddStateValue(addr, tfjsonpath.New("arn")),
				},
				Check: checkUpgraded(t, name),
			},
			{
				ResourceName:            addr,
				ImportState:             true,
				ImportStateId:           "prod/" + name,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
		},
	})
}

// checkCreatedInProd reads the three parts of the lifecycle's first step
// back from prod, with their tags, and finds nothing in dev.
func checkCreatedInProd(t *testing.T, name string) resource.TestCheckFunc {
	wantTags := map[string]string{
		"team": "payments", "service": "orders", "environment": "prod", "managed-by": "paved", "cost-center": "platform",
	}
	return func(*terraform.State) error {
		if dev := listCacheParts(t, acctest.DevAccount, name); !dev.empty() {
			return fmt.Errorf("dev account holds %+v", dev)
		}
		prod := listCacheParts(t, acctest.ProdAccount, name)
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
		params := userParameters(t, acctest.ProdAccount, name+"-valkey7")
		if err := check(reflect.DeepEqual(params, map[string]string{
			"maxmemory-policy": "volatile-ttl", "activedefrag": "yes", "timeout": "300",
		}), "parameters %v", params); err != nil {
			return err
		}
		for _, a := range []string{prodARN("replicationgroup", name), prodARN("parametergroup", name+"-valkey7"), prodARN("subnetgroup", name)} {
			if got := cacheTags(t, acctest.ProdAccount, a); !reflect.DeepEqual(got, wantTags) {
				return fmt.Errorf("tags of %s = %v, want %v", a, got, wantTags)
			}
		}
		return nil
	}
}

// checkUpdatedInPlace reads back from prod what the lifecycle's second
// step changed.
func checkUpdatedInPlace(t *testing.T, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		g := listCacheParts(t, acctest.ProdAccount, name).groups[name]
		if err := check(aws.ToString(g.CacheNodeType) == "cache.r7g.large", "node type %s", aws.ToString(g.CacheNodeType)); err != nil {
			return err
		}
		if err := check(len(g.MemberClusters) == 3, "members %v", g.MemberClusters); err != nil {
			return err
		}
		if err := check(aws.ToInt32(g.SnapshotRetentionLimit) == 3, "retention %d", aws.ToInt32(g.SnapshotRetentionLimit)); err != nil {
			return err
		}
		params := userParameters(t, acctest.ProdAccount, name+"-valkey7")
		if err := check(reflect.DeepEqual(params, map[string]string{"maxmemory-policy": "allkeys-lfu", "activedefrag": "yes"}),
			"parameters %v", params); err != nil {
			return err
		}
		tags := cacheTags(t, acctest.ProdAccount, prodARN("parametergroup", name+"-valkey7"))
		return check(tags["tier"] == "gold", "parameter group tags %v", tags)
	}
}

// checkUpgraded finds, after the upgrade to valkey 8, only the new
// family's parameter group, with the parameters carried over.
func checkUpgraded(t *testing.T, name string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		prod := listCacheParts(t, acctest.ProdAccount, name)
		if err := check(reflect.DeepEqual(prod.parameterGroups, map[string]string{name + "-valkey8": "valkey8"}),
			"parameter groups after the upgrade: %v", prod.parameterGroups); err != nil {
			return err
		}
		params := userParameters(t, acctest.ProdAccount, name+"-valkey8")
		return check(reflect.DeepEqual(params, map[string]string{"maxmemory-policy": "allkeys-lfu", "activedefrag": "yes"}),
			"parameters %v", params)
	}
}

// TestAccRedis_drift changes all three parts behind Terraform's back and
// expects the next plan to show exactly those changes.
func TestAccRedis_drift(t *testing.T) {
	acctest.PreCheck(t)
	const name = "acc-drift"
	config := devRedis(name, `tags = { tier = "bronze" }`)
	group := name + "-redis7"
	rgARN := fmt.Sprintf("arn:aws:elasticache:eu-west-1:%s:replicationgroup:%s", acctest.DevAccount, name)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() {
					client := accountElastiCache(t, acctest.DevAccount)
					ctx := context.Background()
					setPolicy(t, client, group, "noeviction")
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
					acctest.ExpectChanged(addr, "effective_parameters", "node_type", "tags", "tags_all"),
				}},
			},
			{
				Config: config,
				Check: func(*terraform.State) error {
					g := listCacheParts(t, acctest.DevAccount, name).groups[name]
					if err := check(aws.ToString(g.CacheNodeType) == "cache.t4g.small", "node type not repaired: %s", aws.ToString(g.CacheNodeType)); err != nil {
						return err
					}
					if p := userParameters(t, acctest.DevAccount, group); p["maxmemory-policy"] != "allkeys-lru" {
						return fmt.Errorf("parameter not repaired: %v", p)
					}
					return check(cacheTags(t, acctest.DevAccount, rgARN)["tier"] == "bronze", "tag not repaired")
				},
			},
		},
	})
}

// TestAccRedis_deletedOutside deletes the three parts behind Terraform's
// back and expects the next plan to create the resource again, not to
// fail reading it.
func TestAccRedis_deletedOutside(t *testing.T) {
	acctest.PreCheck(t)
	const name = "acc-gone"
	config := devRedis(name, "")
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{Config: config},
			acctest.GoneStep(config, addr, func() {
				ctx := context.Background()
				client := accountElastiCache(t, acctest.DevAccount)
				if err := deleteReplicationGroup(ctx, client, name); err != nil {
					t.Fatal(err)
				}
				if _, err := client.DeleteCacheParameterGroup(ctx, &elasticache.DeleteCacheParameterGroupInput{
					CacheParameterGroupName: aws.String(name + "-redis7"),
				}); err != nil {
					t.Fatal(err)
				}
				if _, err := client.DeleteCacheSubnetGroup(ctx, &elasticache.DeleteCacheSubnetGroupInput{
					CacheSubnetGroupName: aws.String(name),
				}); err != nil {
					t.Fatal(err)
				}
			}),
		},
	})
}

// setPolicy sets maxmemory-policy in a parameter group behind Terraform's back.
func setPolicy(t *testing.T, client *elasticache.Client, group, policy string) {
	t.Helper()
	if _, err := client.ModifyCacheParameterGroup(context.Background(), &elasticache.ModifyCacheParameterGroupInput{
		CacheParameterGroupName: aws.String(group),
		ParameterNameValues:     []ectypes.ParameterNameValue{{ParameterName: aws.String("maxmemory-policy"), ParameterValue: aws.String(policy)}},
	}); err != nil {
		t.Fatal(err)
	}
}

// TestAccRedis_badInput expects each mistake to stop terraform plan with a
// diagnostic naming the attribute, before anything is created.
func TestAccRedis_badInput(t *testing.T) {
	acctest.PreCheck(t)
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
				ProtoV6ProviderFactories: acctest.ProviderFactories,
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
	acctest.PreCheck(t)
	config := func(name string) string {
		return redisConfig("", fmt.Sprintf(`
  environment    = "dev"
  name           = %q
  team           = "payments"
  service        = "orders"
  engine         = "redis"
  engine_version = "7.1"`, name))
	}
	at, over := acctest.Hyphenated(40), acctest.Hyphenated(41)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{Config: config(at), PlanOnly: true, ExpectNonEmptyPlan: true},
			acctest.TooLongStep(config(over), over, 40, redisNameWhy),
		},
	})
}

func TestNameRule(t *testing.T) {
	acctest.CheckNameRule(t, redis.NameRule, 40, redisNameWhy)
}

const redisNameWhy = "it is the replication group id, which ElastiCache limits to 40 characters"

// TestNameRuleCharacters: the characters are checked apart from the
// length, with their own message.
func TestNameRuleCharacters(t *testing.T) {
	for _, name := range []string{"Orders", "orders--cache", "orders-", "1orders", "orders_cache"} {
		diags := redis.NameRule.Check(path.Root("name"), name)
		if len(diags) != 1 || !strings.Contains(diags[0].Detail(), validate.LowercaseChars) {
			t.Errorf("%q: %v, want one error saying it %s", name, diags, validate.LowercaseChars)
		}
	}
}

// TestAccRedis_ownParameterDrift changes and resets, behind Terraform's
// back, a parameter the resource sets itself, and expects the plan to show
// it once, under parameters, and the apply to repair it.
func TestAccRedis_ownParameterDrift(t *testing.T) {
	acctest.PreCheck(t)
	const name = "acc-own-drift"
	config := devRedis(name, `parameters = { maxmemory-policy = "allkeys-lfu" }`)
	group := name + "-redis7"
	client := accountElastiCache(t, acctest.DevAccount)
	drift := resource.ConfigPlanChecks{PostApplyPostRefresh: []plancheck.PlanCheck{acctest.ExpectChanged(addr, "parameters")}}
	repaired := func(*terraform.State) error {
		p := userParameters(t, acctest.DevAccount, group)
		return check(p["maxmemory-policy"] == "allkeys-lfu", "parameter not repaired: %v", p)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{Config: config},
			{
				PreConfig: func() { setPolicy(t, client, group, "noeviction") },
				Config:    config, PlanOnly: true, ExpectNonEmptyPlan: true, ConfigPlanChecks: drift,
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
	acctest.PreCheck(t)
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
			proxy, err := emulator.NewProxy(acctest.EmulatorURL())
			if err != nil {
				t.Fatal(err)
			}
			defer func() { _ = proxy.Close() }()
			proxy.Fail(s.action, emulator.Failure{Status: 400, Code: "InvalidParameterValue", Message: "injected failure", Times: 1})
			name := "acc-fail-" + strings.ToLower(s.action[:6])
			resource.Test(t, resource.TestCase{
				ProtoV6ProviderFactories: acctest.ProviderFactories,
				Steps: []resource.TestStep{{
					Config: redisConfig(acctest.ProviderBlockOn(acctest.StandardsFile(), map[string]string{"elasticache": proxy.URL}, ""), fmt.Sprintf(`
  environment    = "dev"
  name           = %q
  team           = "payments"
  service        = "orders"
  engine         = "redis"
  engine_version = "7.1"
  parameters     = { timeout = "60" }`, name)),
					ExpectError: acctest.DiagnosticPattern(fmt.Sprintf("creating paved_redis dev/%s: step %q failed", name, s.step),
						"InvalidParameterValue", "injected failure", "removed again"),
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
