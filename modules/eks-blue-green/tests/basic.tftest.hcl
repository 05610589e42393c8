# Module tests, run with `terraform test` or `tofu test` from the module
# directory against an AWS emulator (modules/modules_test.go does this
# against moto) or a sandbox organization:
#
#   terraform test -var standards_file=tests/standards.yaml -var endpoint=http://127.0.0.1:5000
#
# Hub-account credentials come from the usual AWS chain. The test destroys
# what it created when it ends.
#
# The clusters are real. The listener rule and target groups need a load
# balancer listener that already exists in the environment's VPC, which a
# test of this module cannot create (the paved provider does not make load
# balancers), so the runs that apply override paved_alb_target_binding:
# they check what the module hands it and what the module makes of its
# outputs. tests/listener/binding.tftest.hcl runs the binding for real
# where a listener is given (see the README).

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

variables {
  environment        = "dev"
  name               = "shop"
  team               = "payments"
  service            = "storefront"
  listener_arn       = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener/app/edge/50dc6c495c0c9188/f2f7dc8efc522ab2"
  kubernetes_service = { namespace = "shop", port = 8080 }
  host_headers       = ["shop.example.com"]
  priority           = 100
  live               = "blue"
  blue               = { version = "1.29", node_group = { min_size = 1, max_size = 2, desired_size = 1 } }
}

# Reads the command-line variables standards_file and endpoint for the
# provider block above (see tests/setup/main.tf for why).
run "setup" {
  module {
    source = "./tests/setup"
  }
}

# Mistakes the module's own checks catch at plan time, before anything is
# created.

# Hyphens count towards the 26 characters that leave room for -green in
# a target group name. The binding is overridden: the listener of these
# runs does not exist.
run "name_of_26_characters_plans" {
  command = plan

  variables {
    name = "shop-front-of-the-store-eu"
  }

  override_resource {
    target = paved_alb_target_binding.this
  }

  assert {
    condition     = output.clusters.blue.name == "shop-front-of-the-store-eu-blue"
    error_message = "blue cluster is ${output.clusters.blue.name}, want shop-front-of-the-store-eu-blue."
  }
}

run "name_of_27_characters_fails_plan" {
  command = plan

  variables {
    name = "shop-front-of-the-store-eu1"
  }

  expect_failures = [var.name]
}

run "weight_above_999_fails_plan" {
  command = plan

  variables {
    weights = { blue = 1000 }
  }

  expect_failures = [var.weights]
}

run "live_side_absent_fails_plan" {
  command = plan

  variables {
    live = "green"
  }

  expect_failures = [paved_eks_cluster_pair.this]
}

run "weight_for_absent_side_fails_plan" {
  command = plan

  variables {
    weights = { blue = 90, green = 10 }
  }

  expect_failures = [paved_alb_target_binding.this]
}

run "live_side_without_traffic_fails_plan" {
  command = plan

  variables {
    green   = { version = "1.30" }
    weights = { blue = 0, green = 100 }
  }

  expect_failures = [paved_alb_target_binding.this]
}

# The upgrade, one apply per pull request.

run "blue_only" {
  override_resource {
    target = paved_alb_target_binding.this
    values = {
      rule_arn          = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener-rule/app/edge/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000001"
      target_group_arns = { blue = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-blue/0000000000000001" }
      manifests         = { blue = "kind: TargetGroupBinding\n" }
    }
  }

  assert {
    condition     = join(",", keys(output.clusters)) == "blue"
    error_message = "clusters has sides ${jsonencode(keys(output.clusters))}, want blue only."
  }

  assert {
    condition     = output.clusters.blue.name == "shop-blue" && output.clusters.blue.version == "1.29"
    error_message = "blue cluster is ${output.clusters.blue.name} at ${output.clusters.blue.version}, want shop-blue at 1.29."
  }

  assert {
    condition     = output.clusters.blue.arn == "arn:aws:eks:eu-west-1:222222222222:cluster/shop-blue"
    error_message = "blue's ARN ${output.clusters.blue.arn} is not in dev's account and region."
  }

  assert {
    condition     = output.clusters.blue.endpoint != "" && output.clusters.blue.certificate_authority != "" && output.clusters.blue.node_group_name == "shop-blue-nodes"
    error_message = "blue's endpoint, certificate or node group is missing."
  }

  assert {
    condition     = output.live == "blue" && output.id == "dev/shop"
    error_message = "live is ${output.live} and id ${output.id}, want blue and dev/shop."
  }

  assert {
    condition     = paved_alb_target_binding.this.weights == tomap({ blue = 100 })
    error_message = "without weights, all traffic must go to the live side; weights are ${jsonencode(paved_alb_target_binding.this.weights)}."
  }

  assert {
    condition     = paved_alb_target_binding.this.cluster_pair.sides == tolist(["blue"]) && paved_alb_target_binding.this.cluster_pair.live == "blue"
    error_message = "the binding does not get the pair's sides and live side."
  }

  assert {
    condition     = paved_alb_target_binding.this.service.name == "storefront" && paved_alb_target_binding.this.service.namespace == "shop" && paved_alb_target_binding.this.service.port == 8080
    error_message = "the Kubernetes service name must default to service."
  }

  assert {
    condition     = output.target_group_arns == paved_alb_target_binding.this.target_group_arns && output.rule_arn == paved_alb_target_binding.this.rule_arn && output.manifests == paved_alb_target_binding.this.manifests
    error_message = "target_group_arns, rule_arn or manifests are not the binding's."
  }

  assert {
    condition     = paved_eks_cluster_pair.this.tags_all["team"] == "payments" && paved_eks_cluster_pair.this.tags_all["paved:live"] == "blue" && paved_eks_cluster_pair.this.tags_all["cost-center"] == "platform"
    error_message = "the clusters lack the standard tags, paved:live or the provider's default tags."
  }
}

# Records blue's cluster for the comparisons below.
run "record_blue" {
  module {
    source = "./tests/unchanged"
  }

  variables {
    before = {}
    after  = { for side, c in run.blue_only.clusters : side => c.certificate_authority }
  }

  assert {
    condition     = length(output.replaced) == 0
    error_message = "clusters replaced: ${join(", ", output.replaced)}."
  }
}

# Pull request 1: add green at the new version, without traffic.
run "add_green" {
  variables {
    green   = { version = "1.30", node_group = { min_size = 1, max_size = 2, desired_size = 1 } }
    weights = { blue = 100, green = 0 }
  }

  override_resource {
    target = paved_alb_target_binding.this
    values = {
      rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener-rule/app/edge/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000001"
      target_group_arns = {
        blue  = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-blue/0000000000000001"
        green = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-green/0000000000000002"
      }
      manifests = { blue = "kind: TargetGroupBinding\n", green = "kind: TargetGroupBinding\n" }
    }
  }

  assert {
    condition     = join(",", keys(output.clusters)) == "blue,green"
    error_message = "clusters has sides ${jsonencode(keys(output.clusters))}, want blue and green."
  }

  assert {
    condition     = output.clusters.green.version == "1.30" && output.clusters.blue.version == "1.29"
    error_message = "green runs ${output.clusters.green.version} and blue ${output.clusters.blue.version}, want 1.30 and 1.29."
  }

  assert {
    condition     = paved_alb_target_binding.this.cluster_pair.sides == tolist(["blue", "green"]) && paved_alb_target_binding.this.weights == tomap({ blue = 100, green = 0 })
    error_message = "the binding does not route to both sides at 100/0."
  }
}

# Adding green left blue's cluster alone.
run "blue_kept_while_adding_green" {
  module {
    source = "./tests/unchanged"
  }

  variables {
    before = run.record_blue.seen
    after  = { for side, c in run.add_green.clusters : side => c.certificate_authority }
  }

  assert {
    condition     = length(output.replaced) == 0
    error_message = "clusters replaced: ${join(", ", output.replaced)}."
  }
}

# Pull request 2: shift weights; blue is still live and keeps some traffic.
run "shift_weights" {
  variables {
    green   = { version = "1.30", node_group = { min_size = 1, max_size = 2, desired_size = 1 } }
    weights = { blue = 10, green = 90 }
  }

  override_resource {
    target = paved_alb_target_binding.this
    values = {
      rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener-rule/app/edge/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000001"
      target_group_arns = {
        blue  = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-blue/0000000000000001"
        green = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-green/0000000000000002"
      }
      manifests = { blue = "kind: TargetGroupBinding\n", green = "kind: TargetGroupBinding\n" }
    }
  }

  assert {
    condition     = paved_alb_target_binding.this.weights == tomap({ blue = 10, green = 90 })
    error_message = "weights are ${jsonencode(paved_alb_target_binding.this.weights)}, want 10/90."
  }
}

# Pull request 3, first apply: flip live to green and take blue to 0.
run "flip_live" {
  variables {
    green   = { version = "1.30", node_group = { min_size = 1, max_size = 2, desired_size = 1 } }
    live    = "green"
    weights = { blue = 0, green = 100 }
  }

  override_resource {
    target = paved_alb_target_binding.this
    values = {
      rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener-rule/app/edge/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000001"
      target_group_arns = {
        blue  = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-blue/0000000000000001"
        green = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-green/0000000000000002"
      }
      manifests = { blue = "kind: TargetGroupBinding\n", green = "kind: TargetGroupBinding\n" }
    }
  }

  assert {
    condition     = output.live == "green" && paved_eks_cluster_pair.this.tags_all["paved:live"] == "green" && paved_alb_target_binding.this.cluster_pair.live == "green"
    error_message = "live did not move to green on the pair and the binding."
  }
}

# Shifting weights and flipping live replaced neither cluster.
run "clusters_kept_while_shifting_and_flipping" {
  module {
    source = "./tests/unchanged"
  }

  variables {
    before = run.blue_kept_while_adding_green.seen
    after  = { for side, c in run.flip_live.clusters : side => c.certificate_authority }
  }

  assert {
    condition     = length(output.replaced) == 0
    error_message = "clusters replaced: ${join(", ", output.replaced)}."
  }
}

# Green is live now: leaving it out is refused.
run "remove_live_side_fails_plan" {
  command = plan

  variables {
    live    = "green"
    weights = { blue = 100 }
  }

  expect_failures = [paved_eks_cluster_pair.this]
}

# Pull request 3, second apply: remove blue, which no longer has traffic.
run "drop_blue" {
  variables {
    blue    = null
    green   = { version = "1.30", node_group = { min_size = 1, max_size = 2, desired_size = 1 } }
    live    = "green"
    weights = { green = 100 }
  }

  override_resource {
    target = paved_alb_target_binding.this
    values = {
      rule_arn          = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener-rule/app/edge/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000001"
      target_group_arns = { green = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-green/0000000000000002" }
      manifests         = { green = "kind: TargetGroupBinding\n" }
    }
  }

  assert {
    condition     = join(",", keys(output.clusters)) == "green"
    error_message = "clusters has sides ${jsonencode(keys(output.clusters))}, want green only."
  }

  assert {
    condition     = paved_alb_target_binding.this.cluster_pair.sides == tolist(["green"])
    error_message = "the binding still routes to blue."
  }
}

# Removing blue left green's cluster alone.
run "green_kept_while_dropping_blue" {
  module {
    source = "./tests/unchanged"
  }

  variables {
    before = { green = run.clusters_kept_while_shifting_and_flipping.seen.green }
    after  = { for side, c in run.drop_blue.clusters : side => c.certificate_authority }
  }

  assert {
    condition     = length(output.replaced) == 0
    error_message = "clusters replaced: ${join(", ", output.replaced)}."
  }
}

# Reverting the last pull request brings blue back: a new, empty cluster at
# blue's version, without traffic, while green keeps serving.
#
# This run also keeps OpenTofu's clean-up working: OpenTofu (1.12) destroys
# the states from the latest run back, and stops silently at the first run
# whose variables name a run it no longer holds, such as the comparisons
# above. The last run that applies must therefore be of the module under
# test.
run "revert_drop_blue" {
  variables {
    green   = { version = "1.30", node_group = { min_size = 1, max_size = 2, desired_size = 1 } }
    live    = "green"
    weights = { blue = 0, green = 100 }
  }

  override_resource {
    target = paved_alb_target_binding.this
    values = {
      rule_arn = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:listener-rule/app/edge/50dc6c495c0c9188/f2f7dc8efc522ab2/0000000000000001"
      target_group_arns = {
        blue  = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-blue/0000000000000003"
        green = "arn:aws:elasticloadbalancing:eu-west-1:222222222222:targetgroup/shop-green/0000000000000002"
      }
      manifests = { blue = "kind: TargetGroupBinding\n", green = "kind: TargetGroupBinding\n" }
    }
  }

  assert {
    condition     = join(",", keys(output.clusters)) == "blue,green" && output.clusters.blue.version == "1.29" && output.live == "green"
    error_message = "reverting did not bring blue back at 1.29 beside the live green."
  }
}
