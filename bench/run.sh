#!/usr/bin/env bash
# The benchmark suite: ferry side by side with Python's multiprocessing.
#
#   bench/run.sh [OUT.json] [--reps N] [--slow-reps N] [--only ROW...] [--list] [--pipeline-items N]
#
# Configures and builds build-bench/ (Release, benchmarks on, tests off) with
# -j2, then runs bench/suite/main.py, which prints the tables and writes
# OUT.json (default build-bench/bench-results.json). bench/README.md says
# what each row measures and how to read the table. About two minutes on an
# idle machine of two CPUs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
driver=$root/bench/suite/main.py

for arg in "$@"; do
  case $arg in
    --list | -h | --help) exec python3 "$driver" --build "$build" "$@" ;;  # nothing to build
  esac
done

python3 "$driver" --build "$build" --check-args "$@"  # a typo fails before a build

mkdir -p "$build"
echo "bench: building $build (Release, -j2) ..." >&2
if ! cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFERRY_BUILD_TESTS=OFF -DFERRY_BUILD_BENCH=ON \
    >"$build/bench-configure.log" 2>&1; then
  cat "$build/bench-configure.log" >&2
  exit 2
fi
if ! cmake --build "$build" -j2 >"$build/bench-build.log" 2>&1; then
  tail -n 40 "$build/bench-build.log" >&2
  echo "bench: the build failed; the whole log is $build/bench-build.log" >&2
  exit 2
fi
ulimit -c 0  # the crash row aborts workers on purpose
exec python3 "$driver" --build "$build" "$@"
