#!/usr/bin/env bash
# Installs what the tests need, builds with warnings as errors, runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh --test
scripts/build.sh -DPARLEY_WERROR=ON
cd build
ctest --output-on-failure --parallel "$(nproc)" --timeout 300
