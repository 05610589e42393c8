# Module tests, run with `terraform test` or `tofu test` from the module
# directory against an AWS emulator (modules/modules_test.go does this
# against moto) or a sandbox organization:
#
#   terraform test -var standards_file=tests/standards.yaml -var endpoint=http://127.0.0.1:5000
#
# Hub-account credentials come from the usual AWS chain. The test destroys
# what it created when it ends.

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

# Reads the command-line variables standards_file and endpoint for the
# provider block above (see tests/setup/main.tf for why).
run "setup" {
  module {
    source = "./tests/setup"
  }
}

# The fewest inputs: everything else comes from the dev environment's Redis
# defaults in tests/standards.yaml.
run "minimal_inputs_apply" {
  command = apply

  variables {
    environment = "dev"
    name        = "orders-cache"
    team        = "payments"
    service     = "orders"
  }

  assert {
    condition     = output.primary_endpoint != ""
    error_message = "primary_endpoint is empty."
  }

  assert {
    condition     = output.id == "dev/orders-cache"
    error_message = "id is ${output.id}, want dev/orders-cache."
  }

  assert {
    condition     = output.parameter_group_name == "orders-cache-redis7"
    error_message = "parameter_group_name is ${output.parameter_group_name}, want orders-cache-redis7 (redis 7.1 is family redis7)."
  }

  assert {
    condition     = output.connection_url == "rediss://${output.primary_endpoint}:${output.port}"
    error_message = "connection_url is ${output.connection_url}; dev has transit encryption, so it must be rediss://<primary_endpoint>:<port>."
  }

  assert {
    condition     = output.port == 6379
    error_message = "port is ${output.port}, want the standard 6379."
  }

  assert {
    condition     = length(output.member_clusters) == 2
    error_message = "member_clusters has ${length(output.member_clusters)} nodes; dev's default of 1 replica means 2."
  }

  assert {
    condition     = paved_redis.this.node_type == "cache.t4g.small" && paved_redis.this.multi_az
    error_message = "node_type and multi_az do not follow the dev defaults of the standards."
  }

  assert {
    condition     = paved_redis.this.effective_parameters["maxmemory-policy"] == "allkeys-lru"
    error_message = "the standard redis7 parameters of dev are not in the parameter group."
  }

  assert {
    condition     = paved_redis.this.tags_all["team"] == "payments" && paved_redis.this.tags_all["cost-center"] == "platform"
    error_message = "tags_all lacks the standard team tag or the provider's default tags."
  }
}

# A name the replication group API would refuse is caught at plan time by
# the module's own validation, before the provider is asked.
run "invalid_name_fails_plan" {
  command = plan

  variables {
    environment = "dev"
    name        = "Orders_Cache"
    team        = "payments"
    service     = "orders"
  }

  expect_failures = [var.name]
}

# Hyphens count towards the replication group id's 40 characters.
run "name_of_40_characters_plans" {
  command = plan

  variables {
    environment = "dev"
    name        = "orders-cache-of-the-checkout-service-eu1"
    team        = "payments"
    service     = "orders"
  }

  assert {
    condition     = output.id == "dev/orders-cache-of-the-checkout-service-eu1"
    error_message = "id is ${output.id}, want dev/orders-cache-of-the-checkout-service-eu1."
  }
}

run "name_of_41_characters_fails_plan" {
  command = plan

  variables {
    environment = "dev"
    name        = "orders-cache-of-the-checkout-service-eu12"
    team        = "payments"
    service     = "orders"
  }

  expect_failures = [var.name]
}

run "unknown_engine_fails_plan" {
  command = plan

  variables {
    environment = "dev"
    name        = "orders-cache"
    team        = "payments"
    service     = "orders"
    engine      = "memcached"
  }

  expect_failures = [var.engine]
}
