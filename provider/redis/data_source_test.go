package redis_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/paved-road/paved/provider/acctest"
)

const lookup = "data.paved_redis.lookup"

// TestAccRedisDataSource looks up a paved_redis by environment and name
// and finds what the resource reports.
func TestAccRedisDataSource(t *testing.T) {
	acctest.PreCheck(t)
	const name = "acc-lookup"
	config := func(version string) string {
		return redisConfig("", `
  environment    = "prod"
  name           = "`+name+`"
  team           = "games"
  service        = "matchmaking"
  engine         = "redis"
  engine_version = "`+version+`"
  replicas       = 2`) + `
data "paved_redis" "lookup" {
  environment = "prod"
  name        = paved_redis.test.name
}
`
	}
	same := func(attr string) statecheck.StateCheck {
		return statecheck.CompareValuePairs(lookup, tfjsonpath.New(attr), addr, tfjsonpath.New(attr), compare.ValuesSame())
	}
	lookedUp := func(attr string, want knownvalue.Check) statecheck.StateCheck {
		return statecheck.ExpectKnownValue(lookup, tfjsonpath.New(attr), want)
	}
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config("6.0"),
				ConfigStateChecks: []statecheck.StateCheck{
					same("arn"), same("primary_endpoint"), same("reader_endpoint"), same("port"),
					lookedUp("engine_version", knownvalue.StringExact("6.0")),
					lookedUp("member_clusters", knownvalue.ListSizeExact(3)),
					expectAttr("parameter_group_name", knownvalue.StringExact(name+"-redis6-x")),
				},
			},
			{
				// Within a family: modified in place, same group, same parameter group.
				Config: config("6.2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(addr, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{lookedUp("engine_version", knownvalue.StringExact("6.2"))},
				Check:             checkNode(t, name+"-001", "6.2", name+"-redis6-x"),
			},
			{
				Config: acctest.ProviderBlock("") + `
data "paved_redis" "missing" {
  environment = "dev"
  name        = "no-such-cache"
}
`,
				ExpectError: regexp.MustCompile(`Redis not found[\s\S]*"no-such-cache"[\s\S]*"dev"`),
			},
		},
	})
}

// checkNode reads a node of a prod group from the emulator and expects its
// engine version, major.minor, and its parameter group.
func checkNode(t *testing.T, id, version, parameterGroup string) resource.TestCheckFunc {
	return func(*terraform.State) error {
		out, err := accountElastiCache(t, acctest.ProdAccount).DescribeCacheClusters(context.Background(),
			&elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(id)})
		if err != nil {
			return err
		}
		node := out.CacheClusters[0]
		if v := aws.ToString(node.EngineVersion); v != version && !strings.HasPrefix(v, version+".") {
			return fmt.Errorf("engine version in the emulator %s, want %s", v, version)
		}
		if pg := aws.ToString(node.CacheParameterGroup.CacheParameterGroupName); pg != parameterGroup {
			return fmt.Errorf("parameter group %s", pg)
		}
		return nil
	}
}
