#!/usr/bin/env bash
# Builds the libFuzzer targets with clang, ASan and UBSan (build-fuzz/) and runs
# each for PARLEY_FUZZ_SECONDS (default 30) from the committed seed corpus
# (tests/fuzz/corpus/, regenerated from real frames first). A crash leaves its
# input in build-fuzz/crashes/ and fails the run.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${PARLEY_FUZZ_SECONDS:-30}"
CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPARLEY_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
  >/dev/null
cmake --build build-fuzz --parallel "$(nproc)" --target fuzz_decoder fuzz_session fuzz_static fuzz_mail parley_fuzz_seeds
build-fuzz/tests/fuzz/parley_fuzz_seeds tests/fuzz/corpus
mkdir -p build-fuzz/crashes
for target in decoder session static mail; do
  work="build-fuzz/corpus-$target"
  mkdir -p "$work"
  echo "fuzzing $target for ${seconds}s"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "build-fuzz/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=4096 -artifact_prefix=build-fuzz/crashes/ -print_final_stats=1 "$work" "tests/fuzz/corpus/$target" \
    2>&1 | grep -E "^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ +DONE)|ERROR|SUMMARY|crash|Test unit written" || true
  test "${PIPESTATUS[0]}" -eq 0
done
