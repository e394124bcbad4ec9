#!/usr/bin/env bash
# Builds the Debian package (build/parley_VERSION_ARCH.deb) from this tree: the server, the web
# client and the unit (deploy/debian/package.cmake). Install it with `sudo apt install ./build/parley_*.deb`.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-deps.sh
scripts/build.sh
scripts/build-client.sh
cd build
cpack -B . >/dev/null
ls "$PWD"/parley_*.deb
