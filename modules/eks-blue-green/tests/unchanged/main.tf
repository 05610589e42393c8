# Compares identifiers two runs of the test saw, such as each side's
# cluster certificate authority (EKS issues a new one for every cluster, so
# a side whose certificate changed was replaced) or the rule's and target
# groups' ARNs.
#
# An assert in OpenTofu (1.12) cannot read another run's outputs, and its
# `run` object holds only the latest run of each module; a run's variables
# can read that in both CLIs. So the test passes the latest run of the
# module under test as `after`, and the previous run of this module's
# `seen` as `before`, and asserts on `replaced`. This module creates nothing.

terraform {
  # OpenTofu hands the test file's provider blocks to every run.
  required_providers {
    paved = {
      source = "paved-road/paved"
    }
  }
}

variable "before" {
  description = "Identifiers by key, as an earlier run saw them."
  type        = map(string)
}

variable "after" {
  description = "Identifiers by key, as a later run saw them; only the keys of `before` are compared."
  type        = map(string)
}

output "replaced" {
  description = "The keys of `before` that are gone from `after` or have another identifier there."
  value       = sort([for k, id in var.before : k if lookup(var.after, k, "") != id])
}

output "seen" {
  description = "`after`, for the next comparison."
  value       = var.after
}
