# The storefront of the payments team in the middle of an upgrade from
# Kubernetes 1.31 to 1.32: blue (1.31) is live, green (1.32) has been added
# and takes a tenth of the traffic. The next pull requests raise green's
# weight, then flip live to green with weights { blue = 0, green = 100 },
# then remove blue.
#
# The load balancer and its HTTPS listener belong to the platform and exist
# already; pass the listener's ARN. Against a local AWS emulator, from this
# directory:
#
#   terraform init
#   terraform apply -var standards_file=../../tests/standards.yaml \
#     -var aws_endpoint=http://127.0.0.1:5000 -var listener_arn=arn:aws:elasticloadbalancing:...
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

variable "listener_arn" {
  description = "ARN of the pre-provisioned ALB listener in the dev environment's VPC."
  type        = string
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

module "storefront" {
  source = "../.."

  environment = "dev"
  name        = "storefront"
  team        = "payments"
  service     = "storefront"

  blue = {
    version    = "1.31"
    node_group = { instance_types = ["m7g.large"], min_size = 2, max_size = 6, desired_size = 3 }
  }
  green = {
    version    = "1.32"
    node_group = { instance_types = ["m7g.large"], min_size = 2, max_size = 6, desired_size = 3 }
  }
  live = "blue"

  listener_arn       = var.listener_arn
  kubernetes_service = { namespace = "storefront", port = 8080 }
  host_headers       = ["shop.example.com"]
  priority           = 100
  weights            = { blue = 90, green = 10 }
  health_check       = { path = "/ready" }
}

# Apply each side's TargetGroupBinding in that side's cluster (with the
# kubernetes provider, or next to the service's chart) so that the AWS Load
# Balancer Controller registers the pods in the side's target group.
output "target_group_bindings" {
  description = "TargetGroupBinding manifest per side."
  value       = module.storefront.manifests
}

output "clusters" {
  description = "Name, endpoint and version of each side's cluster."
  value       = { for side, c in module.storefront.clusters : side => { name = c.name, endpoint = c.endpoint, version = c.version } }
}
