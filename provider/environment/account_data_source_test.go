package environment_test

import (
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/paved-road/paved/provider/acctest"
)

// TestAccAccountDataSource reads who the provider is in each environment
// account, and refuses an environment the standards do not name.
func TestAccAccountDataSource(t *testing.T) {
	acctest.PreCheck(t)
	resource.Test(t, resource.TestCase{
		ProtoV6ProviderFactories: acctest.ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config: acctest.ProviderBlock("") + `
data "paved_account" "dev" {
  environment = "dev"
}
data "paved_account" "prod" {
  environment = "prod"
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.paved_account.dev", tfjsonpath.New("account_id"), knownvalue.StringExact(acctest.DevAccount)),
					statecheck.ExpectKnownValue("data.paved_account.dev", tfjsonpath.New("region"), knownvalue.StringExact("eu-west-1")),
					statecheck.ExpectKnownValue("data.paved_account.prod", tfjsonpath.New("account_id"), knownvalue.StringExact(acctest.ProdAccount)),
					statecheck.ExpectKnownValue("data.paved_account.prod", tfjsonpath.New("arn"),
						knownvalue.StringRegexp(regexp.MustCompile(`^arn:aws:sts::333333333333:assumed-role/paved-deployer/paved-`))),
					statecheck.ExpectKnownValue("data.paved_account.prod", tfjsonpath.New("user_id"), knownvalue.NotNull()),
					statecheck.ExpectKnownValue("data.paved_account.prod", tfjsonpath.New("region"), knownvalue.StringExact("eu-central-1")),
				},
			},
			{
				Config: acctest.ProviderBlock("") + `
data "paved_account" "x" {
  environment = "staging"
}
`,
				ExpectError: regexp.MustCompile(`Unknown environment[\s\S]*"staging"[\s\S]*dev, prod`),
			},
		},
	})
}
