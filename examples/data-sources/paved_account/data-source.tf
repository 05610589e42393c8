# Who the provider is in the production account: assuming the deployer role
# and checking it with GetCallerIdentity happens when this is read, so a
# broken trust relationship surfaces here, before any resource is planned.
data "paved_account" "prod" {
  environment = "prod"
}

output "prod_account_id" {
  value = data.paved_account.prod.account_id
}

# The assumed-role session, as CloudTrail in the production account records it.
output "prod_deployer_session" {
  value = data.paved_account.prod.arn
}
