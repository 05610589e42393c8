#!/usr/bin/env bash
# make demo: start the AWS emulator, build and install the provider into a
# local plugin mirror, apply examples/quickstart across the hub and two
# environment accounts, print the outputs, then show what landed where.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${PAVED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paved}"
TERRAFORM="$CACHE/bin/terraform-1.8.5"
VERSION=0.1.0
WORK="$(mktemp -d -t paved-demo-XXXXXX)"
MOTO_PID=""

cleanup() {
  if [[ -n "$MOTO_PID" ]]; then kill "$MOTO_PID" 2>/dev/null || true; wait "$MOTO_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

"$ROOT/scripts/tools.sh" moto
"$ROOT/scripts/tools.sh" terraform

step "Starting the AWS emulator (moto) on loopback"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
# moto with paved's ElastiCache extension (internal/emulator/motoext), as the tests run it.
MOTO_IAM_LOAD_MANAGED_POLICIES=true "$CACHE/venv/bin/python" "$ROOT/internal/emulator/motoext/paved_moto.py" \
  -H 127.0.0.1 -p "$PORT" >"$WORK/moto.log" 2>&1 &
MOTO_PID=$!
ENDPOINT="http://127.0.0.1:$PORT"
for _ in $(seq 100); do
  curl -fsS "$ENDPOINT/moto-api/data.json" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$ENDPOINT/moto-api/data.json" >/dev/null || { cat "$WORK/moto.log"; exit 1; }
echo "emulator at $ENDPOINT"

step "Building the provider into a local plugin mirror"
MIRROR="$WORK/mirror/registry.terraform.io/paved-road/paved/$VERSION/$(go env GOOS)_$(go env GOARCH)"
mkdir -p "$MIRROR"
(cd "$ROOT" && go build -ldflags "-X main.version=$VERSION" -o "$MIRROR/terraform-provider-paved_v$VERSION" ./cmd/terraform-provider-paved)
cat >"$WORK/cli.tfrc" <<TFRC
provider_installation {
  filesystem_mirror {
    path    = "$WORK/mirror"
    include = ["registry.terraform.io/paved-road/paved"]
  }
}
TFRC
echo "terraform-provider-paved $VERSION"

# Hub-account credentials, as a person would have after logging in.
export TF_CLI_CONFIG_FILE="$WORK/cli.tfrc" CHECKPOINT_DISABLE=1 AWS_EC2_METADATA_DISABLED=true
export AWS_ACCESS_KEY_ID=AKIADEMOHUBUSER00001 AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1
export TF_VAR_aws_endpoint="$ENDPOINT" TF_IN_AUTOMATION=1

cp -r "$ROOT/examples/quickstart" "$WORK/quickstart"
cd "$WORK/quickstart"
step "terraform init"
"$TERRAFORM" init -input=false -no-color | grep -E 'Installing|Installed|initialized'
step "terraform apply (examples/quickstart)"
"$TERRAFORM" apply -input=false -auto-approve -no-color | grep -E '^(paved_|data\.paved_|Apply complete)' 
step "terraform output"
"$TERRAFORM" output -no-color
step "A second plan is empty"
"$TERRAFORM" plan -input=false -detailed-exitcode -no-color >/dev/null && echo "No changes."

step "What the emulator holds, account by account (read with the AWS API, not from state)"
"$CACHE/venv/bin/python" - "$ENDPOINT" <<'PY'
import sys, boto3
endpoint = sys.argv[1]
hub = boto3.Session(aws_access_key_id="AKIADEMOHUBUSER00001", aws_secret_access_key="demo", region_name="us-east-1")
sts = hub.client("sts", endpoint_url=endpoint)
for name, account in [("hub", "123456789012"), ("dev", "222222222222"), ("prod", "333333333333")]:
    if name == "hub":
        iam = hub.client("iam", endpoint_url=endpoint)
    else:
        c = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/demo-inspector", RoleSessionName="demo")["Credentials"]
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=c["AccessKeyId"],
                           aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
    roles = [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"] == "sre-login"]
    line = f"  {name:5} {account}: roles {roles or 'none'}"
    if name != "hub":
        region = {"dev": "eu-west-1", "prod": "eu-central-1"}[name]
        ec = boto3.client("elasticache", endpoint_url=endpoint, region_name=region, aws_access_key_id=c["AccessKeyId"],
                          aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])
        groups = [g["ReplicationGroupId"] for g in ec.describe_replication_groups()["ReplicationGroups"]]
        params = [g["CacheParameterGroupName"] for g in ec.describe_cache_parameter_groups()["CacheParameterGroups"]
                  if not g["CacheParameterGroupName"].startswith("default.")]
        subnets = [g["CacheSubnetGroupName"] for g in ec.describe_cache_subnet_groups()["CacheSubnetGroups"]]
        line += f", redis {groups or 'none'}, parameter groups {params or 'none'}, subnet groups {subnets or 'none'}"
    print(line)
PY

step "terraform destroy"
"$TERRAFORM" destroy -input=false -auto-approve -no-color | grep -E 'Destroy complete'

step "paved-bot: a pull request planned, applied and tagged"
# The bot hands its environment's AWS_* and TF_CLI_CONFIG_FILE to Terraform:
# the same hub credentials, the emulator as the one AWS endpoint, and the
# provider mirror.
(cd "$ROOT" && AWS_ENDPOINT_URL="$ENDPOINT" go run ./internal/botdemo -terraform "$TERRAFORM" -mirror "$WORK/mirror")
