package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
)

func TestAccStandardsDataSource(t *testing.T) {
	testAccPreCheck(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: providerBlock("") + `data "paved_standards" "s" {}`,
			Check: resource.ComposeTestCheckFunc(
				resource.TestCheckResourceAttr("data.paved_standards.s", "organization", "acme"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "hub_account_id", hubAccount),
				resource.TestCheckResourceAttr("data.paved_standards.s", "deployer_role_name", "paved-deployer"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "required_tags.0", "cost-center"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "teams.#", "2"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "environments.%", "2"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "environments.prod.account_id", prodAccount),
				resource.TestCheckResourceAttr("data.paved_standards.s", "environments.prod.region", "eu-central-1"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "environments.dev.subnet_ids.1", "subnet-1a2b3c4d"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "environments.dev.redis.node_type", "cache.t4g.small"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "environments.dev.redis.automatic_failover", "true"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "environments.dev.redis.port", "6379"),
				resource.TestCheckResourceAttr("data.paved_standards.s", "environments.dev.redis.parameters.redis7.maxmemory-policy", "allkeys-lru"),
			),
		}},
	})
}

// TestAccStandardsInline configures the provider with the document itself
// rather than a file.
func TestAccStandardsInline(t *testing.T) {
	testAccPreCheck(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "paved" {
  standards = <<-YAML
` + testStandards + `
YAML
}
data "paved_standards" "s" {}
`,
			Check: resource.TestCheckResourceAttr("data.paved_standards.s", "environments.dev.account_id", devAccount),
		}},
	})
}
