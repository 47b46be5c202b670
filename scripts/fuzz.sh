#!/usr/bin/env bash
# Runs the libFuzzer targets of tests/fuzz, each for a fixed time, and fails on the first crash.
#
#   scripts/fuzz.sh [--seconds N] [TARGET...]    targets: image script asm lsof device (default all)
#
# Builds them with clang into build-fuzz/ (ASan + UBSan + coverage). Each target starts from its
# seed corpus (tests/fuzz/corpus, the image seeds made by our disk tool, regressions) and keeps
# what it finds in build-fuzz/corpus/TARGET, so a later run goes on from there. CI runs 30 s per
# target; for a long run: scripts/fuzz.sh --seconds 3600 image. A crash leaves its input in
# build-fuzz/crashes/; copy it to tests/fuzz/regressions/TARGET/ with the fix, and the ordinary
# test suite replays it from then on (ctest -L fuzz).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds=30
targets=()
while (($#)); do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
    *) targets+=("$1"); shift ;;
  esac
done
((${#targets[@]})) || targets=(image script asm lsof device)
build=$root/build-fuzz
if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC=clang CXX=clang++ cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DOBERON_BUILD_TESTS=ON -DOBERON_TEST_AREAS=fuzz -DOBERON_BUILD_BENCH=OFF -DOBERON_BUILD_FUZZ=ON >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target "${targets[@]/#/fuzz_}" >"$build/fuzz-build.log" 2>&1 || {
  tail -n 20 "$build/fuzz-build.log" >&2
  echo "fuzz.sh: the build failed; see $build/fuzz-build.log" >&2
  exit 1
}
declare -A maxlen=([image]=262144 [script]=4096 [asm]=16384 [lsof]=65536 [device]=2048)
mkdir -p "$build/crashes"
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
status=0
for t in "${targets[@]}"; do
  corpus=$build/corpus/$t
  mkdir -p "$corpus"
  seeds=("$root/tests/fuzz/corpus/$t")
  [[ $t == image ]] && seeds=("$build/tests/fuzz/seeds/image")
  [[ $t == asm ]] && seeds+=("$root/firmware")
  [[ -d "$root/tests/fuzz/regressions/$t" ]] && seeds+=("$root/tests/fuzz/regressions/$t")
  log=$build/fuzz-$t.log
  if "$build/tests/fuzz/fuzz_$t" "$corpus" "${seeds[@]}" -max_total_time="$seconds" -max_len="${maxlen[$t]}" \
       -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/crashes/$t-" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz_$t: ${runs:-?} executions in ${seconds} s, no crash (corpus: $(ls "$corpus" | wc -l) inputs)"
  else
    status=1
    grep -E "ERROR|SUMMARY|Test unit written" "$log" | head -n 5
    echo "fuzz_$t: CRASH (whole log: $log)" >&2
  fi
done
exit $status
