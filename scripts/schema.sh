#!/usr/bin/env bash
# Writes the provider's schema, as `terraform providers schema -json` reports
# it, to the file named by $2, using the terraform binary named by $1. It is
# the input tfplugindocs renders docs/ from: the provider is installed from a
# local mirror as hashicorp/paved, the address tfplugindocs looks up.
set -euo pipefail
TERRAFORM="$1"
OUT="$2"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TMP="$(mktemp -d -t paved-schema-XXXXXX)"
trap 'rm -rf "$TMP"' EXIT

PLUGIN="$TMP/mirror/registry.terraform.io/hashicorp/paved/0.0.1/$(go env GOOS)_$(go env GOARCH)"
mkdir -p "$PLUGIN" "$TMP/work"
(cd "$ROOT" && go build -o "$PLUGIN/terraform-provider-paved_v0.0.1" ./cmd/terraform-provider-paved)
printf 'provider_installation {\n  filesystem_mirror {\n    path = "%s"\n  }\n}\n' "$TMP/mirror" >"$TMP/cli.tfrc"
echo 'provider "paved" {}' >"$TMP/work/main.tf"
cd "$TMP/work"
export TF_CLI_CONFIG_FILE="$TMP/cli.tfrc" CHECKPOINT_DISABLE=1
"$TERRAFORM" init -input=false -no-color >/dev/null
"$TERRAFORM" providers schema -json >"$OUT"
