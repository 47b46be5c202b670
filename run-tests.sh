#!/usr/bin/env bash
# The test command: installs what is missing, builds (tests and benchmarks included) and runs every
# test with ctest. Tests that need a Project Oberon disk image read $OBERON_IMAGE and fail if it is
# unset.
#
#   ./run-tests.sh [--sanitize] [ctest options...]
#
# --sanitize builds into build-sanitize/ with AddressSanitizer and UndefinedBehaviorSanitizer
# and runs the suite under them, the emulators the tests start included: every area but
# tests/guest (its gigabyte streams through TCPNet.Mod take far too long under ASan; the device
# they drive runs under ASan in tests/tcpnet and the fuzz targets) and tests/frontdoor (the
# scripts and the package, no code of ours that the others do not run), and no benchmarks.
# Any report fails the run and is printed; tests/sanitizers/lsan.supp names the third-party
# libraries whose leaks are not ours.
set -euo pipefail
cd "$(dirname "$0")"
root=$(pwd)
sanitize=0
if [[ "${1:-}" == "--sanitize" ]]; then sanitize=1; shift; fi
scripts/install-deps.sh
if ((!sanitize)); then
  scripts/build.sh
  cd build
  exec ctest --output-on-failure -j2 "$@"
fi

build=$root/build-sanitize
# -O1 -g1: line numbers in reports at half the compile time of -O2 -g, fast enough for the tests.
# Left out (docs/hardening.md says why): guest, frontdoor, crash, lockstep.
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS="-O1 -g1" -DOBERON_BUILD_TESTS=ON \
  -DOBERON_BUILD_BENCH=OFF "-DOBERON_TEST_EXCLUDE=guest;frontdoor;crash;lockstep" -DOBERON_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
reports=$build/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# Reports go to files (one per process, also from the emulators the tests start), so that none
# is lost in a test's captured output; a test that sees its subprocess fail fails as well.
export ASAN_OPTIONS="detect_leaks=1:log_path=$reports/asan:log_exe_name=1:strict_string_checks=1"
export LSAN_OPTIONS="suppressions=$root/tests/sanitizers/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$reports/ubsan:log_exe_name=1"
status=0
(cd "$build" && ctest --output-on-failure -j2 -LE window "$@") || status=$?
# The window tests without leak checking: SDL's X11 stack dlopen()s libraries and dlclose()s them
# before exit, and blocks they leave cannot be attributed (the module is gone, so no suppression
# can name it). Address and undefined-behaviour checks stay on for them.
(cd "$build" && ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" ctest --output-on-failure -L window "$@") || status=$?
if compgen -G "$reports/*" >/dev/null; then
  for f in "$reports"/*; do
    echo "==== sanitizer report $(basename "$f")"
    cat "$f"
  done
  echo "run-tests.sh --sanitize: sanitizer reports above" >&2
  status=1
fi
exit $status
