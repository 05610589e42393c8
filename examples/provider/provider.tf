terraform {
  required_providers {
    paved = {
      source = "paved-road/paved"
    }
  }
}

# Hub-account credentials come from the usual AWS chain (environment
# variables, a profile, SSO, an instance or container role). The provider
# reaches each environment account through the deployer role named in the
# standards document.
provider "paved" {
  standards_file = "${path.module}/standards.yaml"

  # Lowest-precedence tags: a resource's own `tags` and the standard tags
  # win over these.
  default_tags = {
    cost-center = "platform"
  }

  # Production deployments show up in CloudTrail under a fixed session name,
  # and their credentials last one hour.
  assume_role = {
    prod = {
      session_name = "paved-release-pipeline"
      duration     = "1h"
    }
  }

  # To run against a local AWS emulator such as moto, send the API calls
  # there instead of to AWS (each service can be pointed separately):
  #
  # endpoints = {
  #   sts = "http://127.0.0.1:5000"
  #   iam = "http://127.0.0.1:5000"
  # }
}
