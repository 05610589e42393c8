terraform {
  # Test files (tests/*.tftest.hcl) need Terraform 1.6 or OpenTofu 1.6.
  required_version = ">= 1.6"

  required_providers {
    paved = {
      source = "paved-road/paved"
    }
  }
}
