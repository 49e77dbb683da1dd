#!/usr/bin/env bash
# Runs ferry's benchmarks and their Python multiprocessing baselines, prints
# their JSON lines, then one side-by-side table:
#   ferry-bench         vs python_baseline.py         Pool / Process overheads
#   ferry-shared-bench  vs python_shared_baseline.py  Manager dict, Queue, Value
#   bench/run.sh [BUILD_DIR]    default BUILD_DIR: build (configured with FERRY_BUILD_BENCH=ON)
# Both sides use 2 workers (pool) or one worker process (shared state); run it
# on an otherwise idle machine. It takes about two minutes, mostly Python's
# Manager dict.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
for exe in ferry-bench ferry-shared-bench; do
  if [[ ! -x $build/bin/$exe ]]; then
    echo "run.sh: $build/bin/$exe not found; configure with -DFERRY_BUILD_BENCH=ON and build target $exe" >&2
    exit 2
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "running $build/bin/ferry-bench ..." >&2
"$build/bin/ferry-bench" >"$tmp/ferry.jsonl"
echo "running python_baseline.py ($(python3 --version 2>&1)) ..." >&2
python3 "$here/python_baseline.py" >"$tmp/python.jsonl"
echo "running $build/bin/ferry-shared-bench ..." >&2
"$build/bin/ferry-shared-bench" >>"$tmp/ferry.jsonl"
echo "running python_shared_baseline.py ..." >&2
python3 "$here/python_shared_baseline.py" >>"$tmp/python.jsonl"

cat "$tmp/ferry.jsonl" "$tmp/python.jsonl"
echo
python3 - "$tmp/ferry.jsonl" "$tmp/python.jsonl" <<'PY'
import json, sys

def load(path):
    with open(path) as f:
        return {r["bench"]: r for r in map(json.loads, f)}

ferry, python = load(sys.argv[1]), load(sys.argv[2])
# (bench, key, higher is better): times are lower-better, rates higher-better.
rows = [("pool_map", "total_ms", False), ("pool_map", "ns_per_item", False),
        ("apply_async", "median_us", False), ("process", "median_ms", False),
        ("dict_host", "ops_per_s", True), ("dict_worker", "ops_per_s", True),
        ("queue_small", "ops_per_s", True), ("queue_large", "mb_per_s", True),
        ("shared_value", "ops_per_s", True)]
# ferry/python is the plain ratio; "ferry faster" turns it into a speed-up
# (> 1: ferry is faster) whichever way the measurement goes.
print(f"{'measurement':<26}{'ferry':>14}{'python':>14}{'ferry/python':>14}{'ferry faster':>14}")
fmt = lambda v: f"{v:>14.1f}" if abs(v) < 1e4 else f"{v:>14.0f}"
for bench, key, higher in rows:
    a, b = ferry[bench][key], python[bench][key]
    speedup = a / b if higher else b / a
    print(f"{bench + ' ' + key:<26}{fmt(a)}{fmt(b)}{a / b:>13.2f}x{speedup:>13.2f}x")
PY
