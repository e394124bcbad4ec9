#!/usr/bin/env bash
# Installs what the server needs (Debian 12 packages), builds it, and runs it on
# the embedded backend at http://localhost:8080. Extra arguments go to
# parley-server (see parley-server --help).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
scripts/build.sh
scripts/build-client.sh
exec build/server/parley-server --listen 0.0.0.0:8080 --static-dir client-js/dist \
  --agents deploy/agents.example.json "$@"
