#!/usr/bin/env bash
# Installs what the server needs (Debian 12 packages), builds it, and runs it on
# the embedded backend at http://localhost:8080 (loopback only; set
# PARLEY_LISTEN=0.0.0.0:8080 to open it to the network, after changing the
# sample passwords). Conversations are kept in data/parley.db (SQLite; set
# PARLEY_DATA_DIR to keep them elsewhere). Extra arguments go to parley-server
# (see --help).
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
scripts/build.sh
scripts/build-client.sh
exec build/server/parley-server --listen "${PARLEY_LISTEN:-127.0.0.1:8080}" --static-dir client-js/dist --help-dir help \
  --agents deploy/agents.example.json --data-dir "${PARLEY_DATA_DIR:-data}" "$@"
