# The SRE login role in the dev account, created from the hub account
# through the deployer role. Hub credentials and the AWS endpoint come from
# the bot's environment (AWS_* variables), never from the repository.
terraform {
  required_providers {
    paved = {
      source = "paved-road/paved"
    }
  }
}

provider "paved" {
  standards_file = "${path.module}/../../standards.yaml"
  default_tags   = { cost-center = "platform" }
}

resource "paved_access_role" "sre" {
  environment          = "dev"
  name                 = "sre-login"
  description          = "SRE login from the hub account, with MFA and a source identity"
  trusted_principals   = ["arn:aws:iam::123456789012:user/alice"]
  managed_policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  max_session_duration = "4h"
}

output "role_arn" {
  description = "The login role people assume from the hub account."
  value       = paved_access_role.sre.arn
}
