# The dev account. Hub credentials and the AWS endpoint come from the bot's
# environment (AWS_* variables), never from the repository.
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

module "sre_login" {
  source               = "../../modules/sre-login"
  environment          = "dev"
  max_session_duration = "4h"
}

output "sre_login_role" {
  description = "The SRE login role in the dev account."
  value       = module.sre_login.role_arn
}
