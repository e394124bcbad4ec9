#!/usr/bin/env bash
# Configures and builds Parley into build/ (Ninja, RelWithDebInfo). Extra
# arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja "$@" >/dev/null
cmake --build build --parallel "$(nproc)"
