# Hands the test's command-line variables to the provider block of the test
# files. A provider block in a test file can read the outputs of an earlier
# run on both Terraform and OpenTofu, whereas OpenTofu (1.12) does not let it
# read variables that the module under test does not declare. This module
# creates nothing.

terraform {
  # OpenTofu hands the test file's provider blocks to every run, this one
  # included, so the module names the provider's source like the module
  # under test does.
  required_providers {
    paved = {
      source = "paved-road/paved"
    }
  }
}

variable "standards_file" {
  description = "Path of the standards document the paved provider reads in the tests."
  type        = string
}

variable "endpoint" {
  description = "One URL for every AWS API, such as a local emulator; null means real AWS."
  type        = string
  default     = null
}

output "standards_file" {
  value = var.standards_file
}

output "endpoint" {
  value = var.endpoint
}
