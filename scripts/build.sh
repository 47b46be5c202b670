#!/usr/bin/env bash
# Configures and builds into ./build (Release), tests and benchmarks included (run-tests.sh, CI).
# Extra arguments go to cmake --build.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DOBERON_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)" "$@"
