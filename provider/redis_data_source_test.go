package provider

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
)

// TestAccRedisDataSource looks up a paved_redis by environment and name
// and finds what the resource reports.
func TestAccRedisDataSource(t *testing.T) {
	testAccPreCheck(t)
	const name = "acc-lookup"
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		CheckDestroy:             func(*terraform.State) error { return noCachePartsAnywhere(t, name) },
		Steps: []resource.TestStep{
			{
				Config: redisConfig("", `
  environment    = "prod"
  name           = "`+name+`"
  team           = "games"
  service        = "matchmaking"
  engine         = "redis"
  engine_version = "6.2"
  replicas       = 2`) + `
data "paved_redis" "lookup" {
  environment = "prod"
  name        = paved_redis.test.name
}
`,
				Check: resource.ComposeTestCheckFunc(
					resource.TestCheckResourceAttrPair("data.paved_redis.lookup", "arn", "paved_redis.test", "arn"),
					resource.TestCheckResourceAttrPair("data.paved_redis.lookup", "primary_endpoint", "paved_redis.test", "primary_endpoint"),
					resource.TestCheckResourceAttrPair("data.paved_redis.lookup", "reader_endpoint", "paved_redis.test", "reader_endpoint"),
					resource.TestCheckResourceAttrPair("data.paved_redis.lookup", "port", "paved_redis.test", "port"),
					resource.TestCheckResourceAttr("data.paved_redis.lookup", "engine_version", "6.2"),
					resource.TestCheckResourceAttr("data.paved_redis.lookup", "member_clusters.#", "3"),
					resource.TestCheckResourceAttr("paved_redis.test", "parameter_group_name", name+"-redis6-x"),
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
