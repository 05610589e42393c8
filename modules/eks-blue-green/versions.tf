terraform {
  # Test files (tests/*.tftest.hcl) need Terraform 1.6 or OpenTofu 1.6;
  # optional object attributes need 1.3.
  required_version = ">= 1.6"

  required_providers {
    paved = {
      source = "paved-road/paved"
    }
  }
}
