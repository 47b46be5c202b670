#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test with ctest.
# Tests that need a Project Oberon disk image read $OBERON_IMAGE and fail if it is unset.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-deps.sh
scripts/build.sh
cd build
ctest --output-on-failure -j2 "$@"
