# The company's SRE login role for one environment account: trusted only by
# named hub-account people, with MFA and a source identity (paved_access_role).
terraform {
  required_providers {
    paved = {
      source = "paved-road/paved"
    }
  }
}

variable "environment" {
  description = "Environment from the standards document."
  type        = string
}

variable "max_session_duration" {
  description = "How long a login lasts."
  type        = string
}

resource "paved_access_role" "sre" {
  environment          = var.environment
  name                 = "sre-login"
  description          = "SRE login from the hub account, with MFA and a source identity"
  trusted_principals   = ["arn:aws:iam::123456789012:user/alice"]
  managed_policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  max_session_duration = var.max_session_duration
}

output "role_arn" {
  description = "The login role people assume from the hub account."
  value       = paved_access_role.sre.arn
}
