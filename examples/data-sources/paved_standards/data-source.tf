# Read the standards document the provider was configured with, to reuse its
# accounts and networks in other resources and modules.
data "paved_standards" "this" {}

output "hub_account_id" {
  value = data.paved_standards.this.hub_account_id
}

# Account id of every environment, by environment name.
output "environment_accounts" {
  value = {
    for name, env in data.paved_standards.this.environments : name => env.account_id
  }
}

# Private subnets and region of production, such as for a module that places
# its own resources next to paved's.
output "prod_network" {
  value = {
    region     = data.paved_standards.this.environments["prod"].region
    vpc_id     = data.paved_standards.this.environments["prod"].vpc_id
    subnet_ids = data.paved_standards.this.environments["prod"].subnet_ids
  }
}
