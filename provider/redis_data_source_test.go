package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccRedisDataSource looks up a paved_redis by environment and name
// and finds what the resource reports.
func TestAccRedisDataSource(t *testing.T) {
	testAccPreCheck(t)
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
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: config("6.0"),
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.paved_redis.lookup", "arn", "paved_redis.test", "arn"),
					resource.TestCheckResourceAttrPair("data.paved_redis.lookup", "primary_endpoint", "paved_redis.test", "primary_endpoint"),
					resource.TestCheckResourceAttrPair("data.paved_redis.lookup", "reader_endpoint", "paved_redis.test", "reader_endpoint"),
					resource.TestCheckResourceAttrPair("data.paved_redis.lookup", "port", "paved_redis.test", "port"),
					resource.TestCheckResourceAttr("data.paved_redis.lookup", "engine_version", "6.0"),
					resource.TestCheckResourceAttr("data.paved_redis.lookup", "member_clusters.#", "3"),
					resource.TestCheckResourceAttr("paved_redis.test", "parameter_group_name", name+"-redis6-x"),
				),
			},
			{
				// Within a family: modified in place, same group, same parameter group.
				Config: config("6.2"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("paved_redis.test", plancheck.ResourceActionUpdate),
				}},
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttr("data.paved_redis.lookup", "engine_version", "6.2"),
					func(*terraform.State) error {
						out, err := accountElastiCache(t, prodAccount).DescribeCacheClusters(context.Background(),
							&elasticache.DescribeCacheClustersInput{CacheClusterId: aws.String(name + "-001")})
						if err != nil {
							return err
						}
						node := out.CacheClusters[0]
						if v := aws.ToString(node.EngineVersion); majorMinor(v) != "6.2" {
							return fmt.Errorf("engine version in the emulator %s, want 6.2", v)
						}
						if pg := aws.ToString(node.CacheParameterGroup.CacheParameterGroupName); pg != name+"-redis6-x" {
							return fmt.Errorf("parameter group %s", pg)
						}
						return nil
					},
				),
			},
			{
				Config: providerBlock("") + `
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
