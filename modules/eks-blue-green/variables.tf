# Required: where the clusters live and who owns them.

variable "environment" {
  description = "Environment from the standards document, such as `dev` or `prod`. The clusters and the target groups are created in that environment's account, region and VPC. Changing it replaces everything."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,62}$", var.environment))
    error_message = "environment must be an environment name from the standards document: a lowercase letter, then up to 62 of a-z, 0-9 and -."
  }
}

variable "name" {
  description = "Name of the pair and of the binding, at most 26 characters: the clusters are `<name>-blue` and `<name>-green`, the target groups and TargetGroupBindings the same. Changing it replaces everything."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([a-z0-9]|-[a-z0-9])*$", var.name))
    error_message = "name must be lowercase letters, digits and single hyphens, start with a letter and not end with a hyphen, such as \"shop\"."
  }

  # Apart from the characters, so that a long name is told its length.
  validation {
    condition     = length(var.name) <= 26
    error_message = "name has ${length(var.name)} characters, at most 26 fit: the target groups are named <name>-blue and <name>-green, and ELBv2 limits target group names to 32 characters."
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
  description = "Service that runs on the clusters. Tagged as `service` on the clusters, and the default Kubernetes service name in `kubernetes_service`."
  type        = string

  validation {
    condition     = length(trimspace(var.service)) > 0 && length(var.service) <= 256
    error_message = "service must not be empty and at most 256 characters long (it becomes a tag value)."
  }
}

# The two sides. An upgrade adds the side that is absent at the new
# version, shifts weights to it, flips live and removes the old side.

variable "blue" {
  description = "The blue side, cluster `<name>-blue`, or null for none. `version` is the Kubernetes minor version; a change replaces this side's cluster, which is refused while it is live. Unset options take the provider's defaults: private endpoint only, a cluster role paved creates, no node group."
  type = object({
    version                 = string
    endpoint_public_access  = optional(bool)
    endpoint_private_access = optional(bool)
    role_arn                = optional(string)
    node_group = optional(object({
      instance_types = optional(list(string))
      min_size       = optional(number)
      max_size       = optional(number)
      desired_size   = optional(number)
      labels         = optional(map(string))
    }))
  })
  default = null

  validation {
    condition     = var.blue == null || can(regex("^1\\.[0-9]+$", var.blue.version))
    error_message = "blue.version must be a Kubernetes minor version such as \"1.30\"."
  }
}

variable "green" {
  description = "The green side, cluster `<name>-green`, or null for none. Same shape and rules as `blue`."
  type = object({
    version                 = string
    endpoint_public_access  = optional(bool)
    endpoint_private_access = optional(bool)
    role_arn                = optional(string)
    node_group = optional(object({
      instance_types = optional(list(string))
      min_size       = optional(number)
      max_size       = optional(number)
      desired_size   = optional(number)
      labels         = optional(map(string))
    }))
  })
  default = null

  validation {
    condition     = var.green == null || can(regex("^1\\.[0-9]+$", var.green.version))
    error_message = "green.version must be a Kubernetes minor version such as \"1.30\"."
  }
}

variable "live" {
  description = "The side that serves, `blue` or `green`. It must be set, and must keep a weight above 0. Flip it only to a side that already exists; the side it leaves may then be removed."
  type        = string

  validation {
    condition     = contains(["blue", "green"], var.live)
    error_message = "live must be \"blue\" or \"green\"."
  }
}

# Routing: a rule on a load balancer listener that already exists.

variable "listener_arn" {
  description = "ARN of the pre-provisioned application load balancer listener, in the environment's account, region and VPC. Changing it replaces the rule and the target groups."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:[0-9]{12}:listener/app/[A-Za-z0-9_-]+/[0-9a-f]+/[0-9a-f]+$", var.listener_arn))
    error_message = "listener_arn must be the ARN of an application load balancer listener, arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<id>/<id>."
  }
}

variable "kubernetes_service" {
  description = "The Kubernetes service whose pods receive the traffic, the same in both clusters: `namespace`, `name` (defaults to `service`) and `port`, the service port the target groups and TargetGroupBindings use."
  type = object({
    namespace = string
    name      = optional(string)
    port      = number
  })

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.kubernetes_service.namespace))
    error_message = "kubernetes_service.namespace must be a Kubernetes namespace name: lowercase letters, digits and -, at most 63 characters."
  }

  validation {
    condition     = var.kubernetes_service.name == null || can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", var.kubernetes_service.name))
    error_message = "kubernetes_service.name must be a Kubernetes service name: a lowercase letter, then lowercase letters, digits and -, at most 63 characters."
  }

  validation {
    condition     = try(var.kubernetes_service.port >= 1 && var.kubernetes_service.port <= 65535 && floor(var.kubernetes_service.port) == var.kubernetes_service.port, false)
    error_message = "kubernetes_service.port must be a whole number from 1 to 65535."
  }
}

variable "host_headers" {
  description = "Host names the rule matches, such as `shop.example.com`. Set `host_headers`, `path_patterns` or both, at most 5 values together."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "path_patterns" {
  description = "URL paths the rule matches, such as `/api/*`. Set `host_headers`, `path_patterns` or both, at most 5 values together."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "priority" {
  description = "Priority of the rule on the listener, 1 to 50000, lower first; no other rule on the listener may have it. Changed in place."
  type        = number

  validation {
    condition     = try(var.priority >= 1 && var.priority <= 50000 && floor(var.priority) == var.priority, false)
    error_message = "priority must be a whole number from 1 to 50000."
  }
}

variable "weights" {
  description = "Share of traffic per side, 0 to 999, relative to each other, such as `{ blue = 90, green = 10 }`. Only sides that are set; a side left out gets 0; the live side needs a weight above 0. null sends everything to the live side. Changed in place: the rule and the target groups keep their ARNs."
  type        = map(number)
  default     = null

  validation {
    condition     = alltrue([for w in values(var.weights == null ? {} : var.weights) : w >= 0 && w <= 999 && floor(w) == w])
    error_message = "weights must be whole numbers from 0 to 999."
  }

  validation {
    condition     = length(setsubtract(keys(var.weights == null ? {} : var.weights), ["blue", "green"])) == 0
    error_message = "weights may only name the sides blue and green."
  }
}

variable "health_check" {
  description = "HTTP health check of the target groups: `path` (default `/healthz`), `matcher` (`200`), `interval_seconds` (30), `timeout_seconds` (5), `healthy_threshold` (5), `unhealthy_threshold` (2). null takes all defaults. Changed in place."
  # The provider's defaults, filled in here for the attributes a given
  # health_check leaves out.
  type = object({
    path                = optional(string, "/healthz")
    matcher             = optional(string, "200")
    interval_seconds    = optional(number, 30)
    timeout_seconds     = optional(number, 5)
    healthy_threshold   = optional(number, 5)
    unhealthy_threshold = optional(number, 2)
  })
  default = null

  validation {
    condition     = var.health_check == null || try(var.health_check.timeout_seconds < var.health_check.interval_seconds, false)
    error_message = "health_check.timeout_seconds must be less than health_check.interval_seconds."
  }
}

variable "tags" {
  description = "Tags on the clusters, node groups, roles, rule and target groups, on top of the provider's `default_tags`. The standard tags `team`, `service`, `environment`, `managed-by` and the `paved:` tags are set by the provider."
  type        = map(string)
  default     = {}
  nullable    = false

  validation {
    condition     = length(setintersection(keys(var.tags), ["team", "service", "environment", "managed-by"])) == 0 && alltrue([for k in keys(var.tags) : !startswith(k, "paved:")])
    error_message = "tags must not set team, service, environment, managed-by or a paved: tag: the provider sets them from the module's inputs."
  }

  validation {
    condition     = alltrue([for k in keys(var.tags) : !startswith(lower(k), "aws:")])
    error_message = "tags must not use the prefix aws:, which AWS reserves."
  }
}
