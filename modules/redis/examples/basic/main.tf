# The module in its simplest use: a Redis for the orders service in dev,
# sized and configured by the dev environment's defaults in the standards,
# with one parameter of its own.
#
# Against a local AWS emulator, from this directory:
#
#   terraform init
#   terraform apply -var standards_file=../../tests/standards.yaml -var aws_endpoint=http://127.0.0.1:5000
#
# Against AWS, use hub-account credentials, your organization's standards
# document, and leave aws_endpoint unset.
terraform {
  required_version = ">= 1.6"

  required_providers {
    paved = {
      source = "paved-road/paved"
    }
  }
}

variable "standards_file" {
  description = "Path of the standards document the paved provider reads."
  type        = string
}

variable "aws_endpoint" {
  description = "One URL for every AWS API, such as a local emulator; null means real AWS."
  type        = string
  default     = null
}

provider "paved" {
  standards_file = var.standards_file
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

module "orders_cache" {
  source = "../.."

  environment = "dev"
  name        = "orders-cache"
  team        = "payments"
  service     = "orders"

  parameters = {
    maxmemory-policy = "allkeys-lfu"
  }
  tags = {
    owner = "orders-oncall"
  }
}

output "connection_url" {
  description = "What the orders service connects to."
  value       = module.orders_cache.connection_url
}

output "reader_endpoint" {
  description = "Read-only endpoint, for the orders reporting job."
  value       = module.orders_cache.reader_endpoint
}
