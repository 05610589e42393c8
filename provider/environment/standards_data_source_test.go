package environment_test

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/paved-road/paved/provider/acctest"
)

func TestMain(m *testing.M) { acctest.Main(m) }

const standards = "data.paved_standards.s"

func TestAccStandardsDataSource(t *testing.T) {
	acctest.PreCheck(t)
	// Fresh paths each time: AtMapKey appends, and paths sharing a prefix
	// variable would share its array.
	env := func(name string) tfjsonpath.Path { return tfjsonpath.New("environments").AtMapKey(name) }
	redis := func(key string) tfjsonpath.Path { return env("dev").AtMapKey("redis").AtMapKey(key) }
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: acctest.ProviderBlock("") + `data "paved_standards" "s" {}`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(standards, tfjsonpath.New("organization"), knownvalue.StringExact("acme")),
				statecheck.ExpectKnownValue(standards, tfjsonpath.New("hub_account_id"), knownvalue.StringExact(acctest.HubAccount)),
				statecheck.ExpectKnownValue(standards, tfjsonpath.New("deployer_role_name"), knownvalue.StringExact("paved-deployer")),
				statecheck.ExpectKnownValue(standards, tfjsonpath.New("required_tags").AtSliceIndex(0), knownvalue.StringExact("cost-center")),
				statecheck.ExpectKnownValue(standards, tfjsonpath.New("teams"), knownvalue.ListSizeExact(2)),
				statecheck.ExpectKnownValue(standards, tfjsonpath.New("environments"), knownvalue.MapSizeExact(2)),
				statecheck.ExpectKnownValue(standards, env("prod").AtMapKey("account_id"), knownvalue.StringExact(acctest.ProdAccount)),
				statecheck.ExpectKnownValue(standards, env("prod").AtMapKey("region"), knownvalue.StringExact("eu-central-1")),
				statecheck.ExpectKnownValue(standards, env("dev").AtMapKey("subnet_ids").AtSliceIndex(1), knownvalue.StringExact("subnet-1a2b3c4d")),
				statecheck.ExpectKnownValue(standards, redis("node_type"), knownvalue.StringExact("cache.t4g.small")),
				statecheck.ExpectKnownValue(standards, redis("automatic_failover"), knownvalue.Bool(true)),
				statecheck.ExpectKnownValue(standards, redis("port"), knownvalue.Int64Exact(6379)),
				statecheck.ExpectKnownValue(standards, redis("parameters").AtMapKey("redis7").AtMapKey("maxmemory-policy"),
					knownvalue.StringExact("allkeys-lru")),
			},
		}},
	})
}

// TestAccStandardsInline configures the provider with the document itself
// rather than a file.
func TestAccStandardsInline(t *testing.T) {
	acctest.PreCheck(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{{
			Config: `
provider "paved" {
  standards = <<-YAML
` + acctest.Standards + `
YAML
}
data "paved_standards" "s" {}
`,
			ConfigStateChecks: []statecheck.StateCheck{
				statecheck.ExpectKnownValue(standards, tfjsonpath.New("environments").AtMapKey("dev").AtMapKey("account_id"),
					knownvalue.StringExact(acctest.DevAccount)),
			},
		}},
	})
}
