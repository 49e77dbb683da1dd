#!/bin/sh
# Builds the libFuzzer targets with clang (FERRY_FUZZ=ON) in BUILD_DIR and runs
# each for RUNS inputs (default 20000), starting from a fresh copy of its
# committed corpus (tests/fuzz/corpus/<target>, never modified). Prints the
# executions done per target and exits nonzero on any crash, leak, sanitizer
# report, timeout or out-of-memory; the failing input is kept under
# BUILD_DIR/fuzz-run/<target>/artifacts/.
#
#   tests/fuzz/run.sh build-fuzz            # 20000 runs per target
#   tests/fuzz/run.sh build-fuzz 1000000    # a longer session
#
# Needs clang and its runtimes (Debian 12: apt-get install -y clang
# libclang-rt-14-dev) besides the usual
# dependencies (scripts/install-deps). Extra libFuzzer flags can be given in
# FUZZ_FLAGS, e.g. FUZZ_FLAGS=-max_total_time=300.
set -eu

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
  echo "usage: $0 BUILD_DIR [RUNS]" >&2
  exit 2
fi
build=$1
runs=${2:-20000}
case $runs in
  '' | *[!0-9]*) echo "$0: RUNS must be a number, got '$runs'" >&2; exit 2 ;;
esac
src=$(cd "$(dirname "$0")/../.." && pwd)
targets="fuzz_frame fuzz_value fuzz_pipeline"

for tool in clang clang++ cmake; do
  command -v $tool >/dev/null || { echo "$0: $tool not found (apt-get install -y clang libclang-rt-14-dev cmake)" >&2; exit 2; }
done

CC=clang CXX=clang++ cmake -S "$src" -B "$build" -DFERRY_FUZZ=ON -DFERRY_BUILD_TESTS=OFF -DFERRY_BUILD_BENCH=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
# Only the fuzz targets and what they link (not the plugins, examples or CLI).
cmake --build "$build" -j2 --target $targets

build=$(cd "$build" && pwd)
status=0
summary=""
for t in $targets; do
  work=$build/fuzz-run/$t
  rm -rf "$work"
  mkdir -p "$work/artifacts"
  cp -R "$src/tests/fuzz/corpus/$t" "$work/corpus"
  echo "== $t: $runs runs"
  start=$(date +%s)
  rc=0
  # shellcheck disable=SC2086  # FUZZ_FLAGS is a list of flags
  "$build/bin/$t" -runs="$runs" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=512 \
    -print_final_stats=1 -artifact_prefix="$work/artifacts/" ${FUZZ_FLAGS:-} "$work/corpus" >"$work/log" 2>&1 || rc=$?
  secs=$(( $(date +%s) - start ))
  done_line=$(grep '^Done [0-9]* runs' "$work/log" || true)
  cov=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED)' "$work/log" | tail -n 1 | grep -oE 'cov: [0-9]+ ft: [0-9]+' || true)
  if [ $rc -ne 0 ] || [ -z "$done_line" ]; then
    status=1
    echo "$t FAILED (exit $rc after ${secs}s); log: $work/log, input: $work/artifacts/"
    grep -E 'ERROR|SUMMARY|runtime error|uncaught|Test unit written' "$work/log" | head -n 20 || true
    summary="$summary$t: FAILED
"
  else
    echo "$t: $done_line ($cov)"
    summary="$summary$t: $done_line, $cov
"
  fi
done
echo "== summary"
printf '%s' "$summary"
exit $status
