# The upgrade with the real listener rule and target groups. It needs an
# application load balancer listener in the dev environment's VPC (the
# standards' dev `vpc_id`), which this module does not create, so it is
# kept out of tests/ and run only where one is given:
#
#   terraform test -test-directory=tests/listener \
#     -var standards_file=<standards with dev's VPC> -var endpoint=http://127.0.0.1:5000 \
#     -var listener_arn=arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener/app/...
#
# It uses priority 100 on that listener, and removes its rule and target
# groups when it ends.

provider "paved" {
  standards_file = run.setup.standards_file
  default_tags   = { cost-center = "platform" }
  endpoints = run.setup.endpoint == null ? null : {
    sts         = run.setup.endpoint
    iam         = run.setup.endpoint
    ec2         = run.setup.endpoint
    elasticache = run.setup.endpoint
    eks         = run.setup.endpoint
    elbv2       = run.setup.endpoint
  }
}

# listener_arn comes from the command line.
variables {
  environment        = "dev"
  name               = "shop"
  team               = "payments"
  service            = "storefront"
  kubernetes_service = { namespace = "shop", port = 8080 }
  host_headers       = ["shop.example.com"]
  priority           = 100
  live               = "blue"
  blue               = { version = "1.29" }
}

run "setup" {
  module {
    source = "./tests/setup"
  }
}

run "blue_only" {
  variables {
    health_check = { path = "/ready" }
  }

  assert {
    condition     = paved_alb_target_binding.this.health_check.path == "/ready" && paved_alb_target_binding.this.health_check.interval_seconds == 30 && paved_alb_target_binding.this.health_check.timeout_seconds == 5
    error_message = "the health check is ${jsonencode(paved_alb_target_binding.this.health_check)}, want /ready with the default interval and timeout."
  }

  assert {
    condition     = join(",", keys(output.target_group_arns)) == "blue" && output.rule_arn != ""
    error_message = "want one target group, blue's, and a rule; target_group_arns is ${jsonencode(output.target_group_arns)}."
  }

  assert {
    condition     = paved_alb_target_binding.this.weights == tomap({ blue = 100 })
    error_message = "the rule forwards ${jsonencode(paved_alb_target_binding.this.weights)}; without weights, all traffic must go to the live side."
  }

  assert {
    condition     = yamldecode(output.manifests.blue).apiVersion == "elbv2.k8s.aws/v1beta1" && yamldecode(output.manifests.blue).kind == "TargetGroupBinding"
    error_message = "blue's manifest is not a TargetGroupBinding:\n${output.manifests.blue}"
  }

  assert {
    condition     = yamldecode(output.manifests.blue).spec.targetGroupARN == output.target_group_arns.blue && yamldecode(output.manifests.blue).spec.targetType == "ip"
    error_message = "blue's manifest does not bind blue's target group with target type ip:\n${output.manifests.blue}"
  }

  assert {
    condition     = yamldecode(output.manifests.blue).spec.serviceRef.name == "storefront" && yamldecode(output.manifests.blue).spec.serviceRef.port == 8080 && yamldecode(output.manifests.blue).metadata.namespace == "shop"
    error_message = "blue's manifest does not refer to shop/storefront:8080:\n${output.manifests.blue}"
  }
}

# Pull request 1: add green, without traffic.
run "add_green" {
  variables {
    health_check = { path = "/ready" }
    green        = { version = "1.30" }
    weights      = { blue = 100, green = 0 }
  }

  assert {
    condition     = join(",", sort(keys(output.target_group_arns))) == "blue,green"
    error_message = "target_group_arns is ${jsonencode(output.target_group_arns)}, want blue and green."
  }

  assert {
    condition     = yamldecode(output.manifests.green).spec.targetGroupARN == output.target_group_arns.green && yamldecode(output.manifests.blue).spec.targetGroupARN == output.target_group_arns.blue
    error_message = "each side's manifest must bind that side's target group."
  }

  assert {
    condition     = paved_alb_target_binding.this.weights == tomap({ blue = 100, green = 0 })
    error_message = "the rule forwards ${jsonencode(paved_alb_target_binding.this.weights)}, want 100/0."
  }
}

# Records the rule's and target groups' ARNs for the comparisons below.
run "record_arns" {
  module {
    source = "./tests/unchanged"
  }

  variables {
    before = {}
    after  = merge({ rule = run.add_green.rule_arn }, run.add_green.target_group_arns)
  }

  assert {
    condition     = length(output.seen) == 3
    error_message = "want the ARNs of the rule and two target groups, have ${jsonencode(output.seen)}."
  }
}

# Pull request 2: shift weights.
run "shift_weights" {
  variables {
    health_check = { path = "/ready" }
    green        = { version = "1.30" }
    weights      = { blue = 10, green = 90 }
  }

  assert {
    condition     = paved_alb_target_binding.this.weights == tomap({ blue = 10, green = 90 })
    error_message = "the rule forwards ${jsonencode(paved_alb_target_binding.this.weights)}, want 10/90."
  }
}

# Pull request 3, first apply: flip live and take blue to 0.
run "flip_live" {
  variables {
    health_check = { path = "/ready" }
    green        = { version = "1.30" }
    live         = "green"
    weights      = { blue = 0, green = 100 }
  }

  assert {
    condition     = paved_alb_target_binding.this.weights == tomap({ blue = 0, green = 100 }) && paved_alb_target_binding.this.tags_all["paved:live"] == "green"
    error_message = "the rule forwards ${jsonencode(paved_alb_target_binding.this.weights)} with paved:live ${paved_alb_target_binding.this.tags_all["paved:live"]}, want 0/100 and green."
  }
}

# Shifting weights and flipping live kept the rule and the target groups.
run "arns_kept_while_shifting" {
  module {
    source = "./tests/unchanged"
  }

  variables {
    before = run.record_arns.seen
    after  = merge({ rule = run.flip_live.rule_arn }, run.flip_live.target_group_arns)
  }

  assert {
    condition     = length(output.replaced) == 0
    error_message = "ARNs changed: ${join(", ", output.replaced)}."
  }
}

# Pull request 3, second apply: remove blue and its target group.
run "drop_blue" {
  variables {
    health_check = { path = "/ready" }
    blue         = null
    green        = { version = "1.30" }
    live         = "green"
    weights      = { green = 100 }
  }

  assert {
    condition     = join(",", keys(output.target_group_arns)) == "green" && join(",", keys(output.manifests)) == "green"
    error_message = "target_group_arns is ${jsonencode(output.target_group_arns)}, want green's only."
  }
}

# Removing blue kept the rule and green's target group.
run "arns_kept_while_dropping_blue" {
  module {
    source = "./tests/unchanged"
  }

  variables {
    before = { rule = run.arns_kept_while_shifting.seen.rule, green = run.arns_kept_while_shifting.seen.green }
    after  = merge({ rule = run.drop_blue.rule_arn }, run.drop_blue.target_group_arns)
  }

  assert {
    condition     = length(output.replaced) == 0
    error_message = "ARNs changed: ${join(", ", output.replaced)}."
  }
}

# Reverting the last pull request brings blue back, at weight 0, with a new
# target group; the rule stays.
#
# This run also keeps OpenTofu's clean-up working: OpenTofu (1.12) destroys
# the states from the latest run back, and stops silently at the first run
# whose variables name a run it no longer holds, such as the comparisons
# above. The last run that applies must therefore be of the module under
# test.
run "revert_drop_blue" {
  variables {
    health_check = { path = "/ready" }
    green        = { version = "1.30" }
    live         = "green"
    weights      = { blue = 0, green = 100 }
  }

  assert {
    condition     = join(",", sort(keys(output.target_group_arns))) == "blue,green" && paved_alb_target_binding.this.weights == tomap({ blue = 0, green = 100 })
    error_message = "reverting did not bring blue's target group back at weight 0: ${jsonencode(paved_alb_target_binding.this.weights)}."
  }

  assert {
    condition     = yamldecode(output.manifests.blue).spec.targetGroupARN == output.target_group_arns.blue
    error_message = "blue's manifest does not bind blue's new target group."
  }
}
