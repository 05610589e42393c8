# Required: where the cache lives and who owns it.

variable "environment" {
  description = "Environment from the standards document, such as `dev` or `prod`. The cache is created in that environment's account and region. Changing it replaces the cache."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.environment))
    error_message = "environment must be an environment name from the standards document: a lowercase letter, then up to 62 of a-z, 0-9 and -."
  }
}

variable "name" {
  description = "Replication group id, at most 40 characters, unique in the environment's account and region. Also the name of the cache subnet group and the prefix of the parameter group. Changing it replaces the cache."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name))
    error_message = "name must be lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen, such as \"orders-cache\"."
  }

  # Apart from the characters, so that a long name is told its length.
  validation {
    condition     = length(var.name) <= 40
    error_message = "name has ${length(var.name)} characters, at most 40 fit: it is the replication group id, which ElastiCache limits to 40 characters."
  }
}

variable "team" {
  description = "Owning team, one of the `teams` in the standards document. Tagged as `team`."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.team))
    error_message = "team must be a team name from the standards document: a lowercase letter, then up to 62 of a-z, 0-9 and -."
  }
}

variable "service" {
  description = "Service that uses the cache. Tagged as `service`."
  type        = string

  validation {
    condition     = length(trimspace(var.service)) > 0 && length(var.service) <= 256
    error_message = "service must not be empty and at most 256 characters long (it becomes a tag value)."
  }
}

# Engine.

variable "engine" {
  description = "`redis` or `valkey`. Changing it replaces the cache."
  type        = string
  default     = "redis"
  nullable    = false

  validation {
    condition     = contains(["redis", "valkey"], var.engine)
    error_message = "engine must be \"redis\" or \"valkey\"."
  }
}

variable "engine_version" {
  description = "Engine version as major.minor: redis 6.0, 6.2, 7.0 or 7.1; valkey 7.2, 8.0 or 8.1. The provider checks the version against the engine at plan time. Upgrades within a parameter group family happen in place; across families (redis 6 to 7, valkey 7 to 8) the provider moves the cache to a new parameter group."
  type        = string
  default     = "7.1"
  nullable    = false

  validation {
    condition     = can(regex("^[0-9]+\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be major.minor, such as \"7.1\" or \"8.0\", without a patch level."
  }
}

# Overrides of the environment's Redis defaults. null (the default) takes
# the value from the standards document.

variable "node_type" {
  description = "Node type, such as `cache.r7g.large`. null: the environment's default."
  type        = string
  default     = null

  validation {
    condition     = var.node_type == null || can(regex("^cache\\.[a-z0-9]+\\.[a-z0-9]+$", var.node_type))
    error_message = "node_type must be an ElastiCache node type such as \"cache.r7g.large\"."
  }
}

variable "replicas" {
  description = "Read replicas beside the primary, 0 to 5. null: the environment's default. With 0 and multi_az and automatic_failover left null, both are turned off."
  type        = number
  default     = null

  validation {
    condition     = var.replicas == null || try(var.replicas >= 0 && var.replicas <= 5 && floor(var.replicas) == var.replicas, false)
    error_message = "replicas must be a whole number from 0 to 5."
  }
}

variable "multi_az" {
  description = "Place the nodes in several availability zones. Needs at least one replica and automatic failover. null: the environment's default."
  type        = bool
  default     = null
}

variable "automatic_failover" {
  description = "Promote a replica when the primary fails. Needs at least one replica. null: the environment's default."
  type        = bool
  default     = null
}

variable "snapshot_retention_days" {
  description = "Days automatic snapshots are kept, 0 to 35; 0 turns snapshots off. null: the environment's default."
  type        = number
  default     = null

  validation {
    condition     = var.snapshot_retention_days == null || try(var.snapshot_retention_days >= 0 && var.snapshot_retention_days <= 35 && floor(var.snapshot_retention_days) == var.snapshot_retention_days, false)
    error_message = "snapshot_retention_days must be a whole number from 0 to 35."
  }
}

variable "snapshot_window" {
  description = "Daily snapshot window in UTC, `hh:mm-hh:mm`, at least 60 minutes long, such as `03:00-04:00`. null: the environment's default."
  type        = string
  default     = null

  validation {
    condition     = var.snapshot_window == null || can(regex("^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$", var.snapshot_window))
    error_message = "snapshot_window must be hh:mm-hh:mm in UTC, such as \"03:00-04:00\"."
  }
}

variable "maintenance_window" {
  description = "Weekly maintenance window in UTC, `ddd:hh:mm-ddd:hh:mm`, at least 60 minutes long and not overlapping the snapshot window, such as `sun:05:00-sun:06:00`. null: the environment's default."
  type        = string
  default     = null

  validation {
    condition     = var.maintenance_window == null || can(regex("^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$", var.maintenance_window))
    error_message = "maintenance_window must be ddd:hh:mm-ddd:hh:mm in UTC with a lowercase day, such as \"sun:05:00-sun:06:00\"."
  }
}

variable "security_group_ids" {
  description = "Security groups added to the environment's standard ones, such as one that lets the service's tasks connect."
  type        = set(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for id in var.security_group_ids : can(regex("^sg-[0-9a-f]{8,17}$", id))])
    error_message = "security_group_ids must be security group ids such as \"sg-0123abcd\"."
  }
}

variable "parameters" {
  description = "Engine parameters merged over the standard parameters for the engine family, such as `{ maxmemory-policy = \"allkeys-lfu\" }`. The provider checks the names against the family at plan time."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = alltrue([for k in keys(var.parameters) : can(regex("^[a-z][a-z0-9-]*$", k))])
    error_message = "parameters must be named like ElastiCache parameters: lowercase letters, digits and hyphens, such as \"maxmemory-policy\"."
  }
}

variable "tags" {
  description = "Tags on all three parts, on top of the provider's `default_tags`. The standard tags `team`, `service`, `environment` and `managed-by` are set by the provider and cannot be set here."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(setintersection(keys(var.tags), ["team", "service", "environment", "managed-by"])) == 0
    error_message = "tags must not set team, service, environment or managed-by: the provider sets them from the module's inputs."
  }

  validation {
    condition     = alltrue([for k in keys(var.tags) : !startswith(lower(k), "aws:")])
    error_message = "tags must not use the prefix aws:, which AWS reserves."
  }
}
