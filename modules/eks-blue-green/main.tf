# A blue/green pair of EKS clusters behind one rule of a pre-provisioned
# ALB listener. The paved provider creates each side's cluster (with its
# IAM roles and optional node group) in the environment's account, subnets
# and security groups, one target group per side, and a listener rule that
# forwards to them by weight. A Kubernetes upgrade is then three small
# changes to the inputs: add the absent side at the new version, shift
# `weights`, flip `live` and remove the old side.
#
# The module has no provider block: the caller configures `paved` (the
# standards document, hub credentials, default_tags) and passes it in, as
# with any other module.

locals {
  # The sides that are set, by name.
  sides = { for side, spec in { blue = var.blue, green = var.green } : side => spec if spec != null }

  # Without weights, everything goes to the live side (a side left out of
  # weights forwards 0).
  weights = var.weights != null ? var.weights : { (var.live) = 100 }

  kubernetes_service = {
    namespace = var.kubernetes_service.namespace
    name      = coalesce(var.kubernetes_service.name, var.service)
    port      = var.kubernetes_service.port
  }

  # Empty collections are passed as null, so that the resources show no
  # attribute at all rather than an empty one.
  host_headers  = length(var.host_headers) > 0 ? var.host_headers : null
  path_patterns = length(var.path_patterns) > 0 ? var.path_patterns : null
  tags          = length(var.tags) > 0 ? var.tags : null
}

resource "paved_eks_cluster_pair" "this" {
  environment = var.environment
  name        = var.name
  team        = var.team
  service     = var.service
  live        = var.live
  blue        = var.blue
  green       = var.green
  tags        = local.tags

  lifecycle {
    # The provider refuses this too; checking it here names the module's inputs.
    precondition {
      condition     = contains(keys(local.sides), var.live)
      error_message = "live = \"${var.live}\", but the ${var.live} side is not set: live must name a side that is present. To remove the live side, first set live to the other side in a separate apply."
    }
  }
}

resource "paved_alb_target_binding" "this" {
  environment   = var.environment
  name          = var.name
  listener_arn  = var.listener_arn
  cluster_pair  = paved_eks_cluster_pair.this.binding
  service       = local.kubernetes_service
  host_headers  = local.host_headers
  path_patterns = local.path_patterns
  priority      = var.priority
  weights       = local.weights
  health_check  = var.health_check
  tags          = local.tags

  lifecycle {
    precondition {
      condition     = length(setsubtract(keys(local.weights), keys(local.sides))) == 0
      error_message = "weights name ${join(", ", sort(tolist(setsubtract(keys(local.weights), keys(local.sides)))))}, which is not set: weights may only name the sides that are present (${join(", ", sort(keys(local.sides)))})."
    }

    precondition {
      condition     = lookup(local.weights, var.live, 0) > 0
      error_message = "The live side ${var.live} has weight ${lookup(local.weights, var.live, 0)}: it needs a weight above 0, so that traffic always reaches it. To stop serving from ${var.live}, set live to the other side first."
    }

    precondition {
      condition     = length(var.host_headers) + length(var.path_patterns) >= 1 && length(var.host_headers) + length(var.path_patterns) <= 5
      error_message = "Set host_headers, path_patterns or both, with at most 5 values together (ELBv2's limit per rule); they have ${length(var.host_headers) + length(var.path_patterns)}."
    }
  }
}
