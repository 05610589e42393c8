# Quickstart: the standards above, and a zero-trust SRE login role in each
# environment account, created from the hub account through the deployer role.
# `make demo` runs it against a local AWS emulator; against real AWS, leave
# aws_endpoint unset and use hub-account credentials.
terraform {
  required_providers {
    paved = {
      source = "paved-road/paved"
    }
  }
}

variable "aws_endpoint" {
  description = "One URL for every AWS API, such as a local emulator; null means real AWS."
  type        = string
  default     = null
}

variable "sre_principals" {
  description = "Hub-account users and roles allowed to log into the environments."
  type        = list(string)
  default = [
    "arn:aws:iam::123456789012:user/alice",
    "arn:aws:iam::123456789012:role/sre-oncall",
  ]
}

provider "paved" {
  standards_file = "${path.module}/standards.yaml"
  default_tags   = { cost-center = "platform" }
  endpoints = var.aws_endpoint == null ? null : {
    sts         = var.aws_endpoint
    iam         = var.aws_endpoint
    ec2         = var.aws_endpoint
    elasticache = var.aws_endpoint
    eks         = var.aws_endpoint
    elbv2       = var.aws_endpoint
  }
}

data "paved_standards" "this" {}

data "paved_account" "env" {
  for_each    = data.paved_standards.this.environments
  environment = each.key
}

resource "paved_access_role" "sre" {
  for_each = data.paved_standards.this.environments

  environment          = each.key
  name                 = "sre-login"
  description          = "SRE login from the hub account, with MFA and a source identity"
  trusted_principals   = var.sre_principals
  managed_policy_arns  = ["arn:aws:iam::aws:policy/ReadOnlyAccess"]
  max_session_duration = each.key == "prod" ? "1h" : "4h"
  tags                 = { owner = "sre" }
}

# Company-standard Redis for the payments team's orders service in dev: its
# subnet group, parameter group and defaults come from the standards.
resource "paved_redis" "orders" {
  environment    = "dev"
  name           = "orders-cache"
  team           = "payments"
  service        = "orders"
  engine         = "valkey"
  engine_version = "8.0"
  parameters     = { timeout = "300" }
}

output "accounts" {
  description = "Where the provider landed in each environment, as GetCallerIdentity reports it."
  value       = { for env, a in data.paved_account.env : env => a.arn }
}

output "sre_login_roles" {
  description = "The SRE login role in each environment account."
  value       = { for env, r in paved_access_role.sre : env => r.arn }
}

output "orders_cache" {
  description = "How the orders service connects to its cache."
  value = {
    endpoint        = paved_redis.orders.primary_endpoint
    port            = paved_redis.orders.port
    parameter_group = paved_redis.orders.parameter_group_name
  }
}
