#!/usr/bin/env bash
# Installs the locked npm packages (when package-lock.json changed) and builds
# client-js/dist: the widget, the demo page and the agent console.
set -euo pipefail
cd "$(dirname "$0")/../client-js"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
