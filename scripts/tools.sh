#!/usr/bin/env bash
# Installs the pinned test tools outside the clone so a fresh CI clone and a
# second run reuse them: Terraform and OpenTofu built through the Go module
# proxy, moto in a project virtualenv, the npm packages of the GitHub test
# stack (Prism, GitHub's REST description, webhook examples), and from Debian
# packages bubblewrap, the bot's sandbox for terraform, redis-server, the
# server the bot's Redis store is tested against, and chromium, the browser
# the bot's web page is tested in. Prints nothing but errors unless a build or
# an install actually runs.
# Usage: scripts/tools.sh [terraform|tofu|moto|node|bubblewrap|redis|chromium|all]
set -euo pipefail

TERRAFORM_VERSION=1.8.5
TOFU_VERSION=1.12.6
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE="${PAVED_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/paved}"
BIN="$CACHE/bin"
mkdir -p "$BIN"

build_terraform() {
  local out="$BIN/terraform-$TERRAFORM_VERSION"
  [[ -x "$out" ]] && return
  echo "tools: building terraform $TERRAFORM_VERSION (first run only, about 3 minutes)" >&2
  GOBIN="$CACHE/gobin-terraform" GOFLAGS=-buildvcs=false \
    go install -ldflags "-X github.com/hashicorp/terraform/version.dev=no" \
    "github.com/hashicorp/terraform@v$TERRAFORM_VERSION"
  mv "$CACHE/gobin-terraform/terraform" "$out.tmp" && mv "$out.tmp" "$out"
}

build_tofu() {
  local out="$BIN/tofu-$TOFU_VERSION"
  [[ -x "$out" ]] && return
  echo "tools: building tofu $TOFU_VERSION (first run only, about 4 minutes)" >&2
  local dir
  # Outside any module, so the download never touches the project's go.sum.
  dir="$(cd "$CACHE" && GOFLAGS= go mod download -json "github.com/opentofu/opentofu@v$TOFU_VERSION" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])')"
  (cd "$dir" && GOFLAGS=-buildvcs=false go build -o "$out.tmp" \
    -ldflags "-X github.com/opentofu/opentofu/version.dev=no" ./cmd/tofu)
  mv "$out.tmp" "$out"
}

install_moto() {
  local venv="$CACHE/venv"
  local req="$ROOT/internal/emulator/requirements.txt"
  local stamp="$venv/.requirements.sha256"
  local want
  want="$(sha256sum "$req" | cut -d' ' -f1)"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return
  echo "tools: installing moto into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$req"
  echo "$want" >"$stamp"
}

install_node() {
  local dir="$CACHE/node"
  local src="$ROOT/internal/prism"
  local stamp="$dir/.package-lock.sha256"
  local want
  want="$(sha256sum "$src/package-lock.json" | cut -d' ' -f1)"
  [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && return
  echo "tools: installing Prism and GitHub's API description into $dir" >&2
  mkdir -p "$dir"
  cp "$src/package.json" "$src/package-lock.json" "$dir/"
  # --ignore-scripts: a dependency's postinstall only sends telemetry.
  (cd "$dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=warn)
  echo "$want" >"$stamp"
}

# install_deb installs Debian package $1 with apt-get when command $2 is
# missing; $3 says what the project needs it for.
install_deb() {
  local pkg="$1" cmd="$2" why="$3"
  command -v "$cmd" >/dev/null && return
  echo "tools: installing $pkg (apt-get), $why" >&2
  local sudo=()
  [[ "$(id -u)" == 0 ]] || sudo=(sudo)
  local install=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$pkg")
  # The package lists are refreshed only when they are too old to have it.
  "${install[@]}" >/dev/null 2>&1 || { "${sudo[@]}" apt-get update -qq >/dev/null && "${install[@]}" >/dev/null; }
}

install_bubblewrap() { install_deb bubblewrap bwrap "the bot's sandbox for terraform"; }

install_redis() { install_deb redis-server redis-server "the server the bot's Redis store is tested against"; }

install_chromium() { install_deb chromium chromium "the browser the bot's web page is tested in (chromedp)"; }

case "${1:-all}" in
  terraform) build_terraform ;;
  tofu) build_tofu ;;
  moto) install_moto ;;
  node) install_node ;;
  bubblewrap) install_bubblewrap ;;
  redis) install_redis ;;
  chromium) install_chromium ;;
  all) install_bubblewrap; install_redis; install_chromium; install_moto; install_node; build_terraform; build_tofu ;;
  *) echo "usage: $0 [terraform|tofu|moto|node|bubblewrap|redis|chromium|all]" >&2; exit 2 ;;
esac
