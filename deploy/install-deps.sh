#!/usr/bin/env bash
# Installs, from Debian 12 packages only, what Parley's build, server and tests need.
# Idempotent: when everything is present it prints nothing and exits 0.
#   deploy/install-deps.sh          build + run the server
#   deploy/install-deps.sh --test   also what the test suite needs
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  libhiredis-dev protobuf-compiler libprotobuf-dev libsodium-dev libjwt-dev libssl-dev libsqlite3-dev libpq-dev libxapian-dev catch2
  libhowardhinnant-date-dev tzdata libcurl4-openssl-dev libgmime-3.0-dev libmagic-dev prometheus-cpp-dev libspdlog-dev libtoml11-dev libcmark-dev libopencc-dev
)
if [[ "${1:-}" == "--test" ]]; then
  packages+=(redis-server postgresql-15 nginx-light chromium clang libclang-rt-14-dev openssl python3-aiosmtpd swaks prometheus)
fi
# The browser client is built with the machine's Node.js (20 or newer); Debian's
# nodejs is the fallback on a machine without one.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
((${#missing[@]} == 0)) && exit 0

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# The tests start their own PostgreSQL in a temporary directory: Debian's
# default cluster (a server on port 5432 started at install) is not wanted.
if [[ " ${missing[*]} " == *" postgresql-15 "* && ! -e /etc/postgresql-common/createcluster.conf ]]; then
  $sudo mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | $sudo tee /etc/postgresql-common/createcluster.conf >/dev/null
fi
$sudo apt-get update -qq >/dev/null
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
