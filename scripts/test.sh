#!/usr/bin/env bash
# Installs what the tests need, builds server and client with warnings as errors,
# runs every test: C++ unit, integration, Redis and cluster (ctest), client unit (Vitest), end to end
# (Chromium), then the C++ suites again under ASan/UBSan, then the fuzzers for a short fixed time.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh --test
# ctest splits test names at ';' (and Catch reads a leading '--' as an option): such a test would
# silently run nothing. Names written over several lines are joined first.
scripts/check-test-names.py
scripts/build.sh -DPARLEY_WERROR=ON
scripts/build-client.sh
(cd build && ctest --output-on-failure --parallel "$(nproc)" --timeout 300)
# Browser client: unit tests of its state machines, then end to end in Chromium
# against the real server.
(cd client-js && npm run --silent test && npm run --silent e2e)
# The C++ suites once more, under AddressSanitizer and UBSan.
scripts/test-sanitizers.sh
# The frame decoder and the session state machine under libFuzzer, briefly.
scripts/test-fuzz.sh
