# One company-standard Redis (or Valkey): the paved provider creates the
# replication group, its cache subnet group and its parameter group in the
# environment's account, and fills every option left null here from the
# environment's Redis defaults in the standards document.
#
# The module has no provider block: the caller configures `paved` (the
# standards document, hub credentials, default_tags) and passes it in, as
# with any other module.

locals {
  # Empty collections are passed as null, so that the resource shows no
  # attribute at all rather than an empty one.
  security_group_ids = length(var.security_group_ids) > 0 ? var.security_group_ids : null
  parameters         = length(var.parameters) > 0 ? var.parameters : null
  tags               = length(var.tags) > 0 ? var.tags : null
}

resource "paved_redis" "this" {
  environment    = var.environment
  name           = var.name
  team           = var.team
  service        = var.service
  engine         = var.engine
  engine_version = var.engine_version

  # null: the environment's default from the standards.
  node_type               = var.node_type
  replicas                = var.replicas
  multi_az                = var.multi_az
  automatic_failover      = var.automatic_failover
  snapshot_retention_days = var.snapshot_retention_days
  snapshot_window         = var.snapshot_window
  maintenance_window      = var.maintenance_window

  security_group_ids = local.security_group_ids
  parameters         = local.parameters
  tags               = local.tags
}
