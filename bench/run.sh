#!/usr/bin/env bash
# Runs ferry-bench and the Python multiprocessing baseline, prints their JSON
# lines, then a side-by-side table (ratio < 1: ferry is faster).
#   bench/run.sh [BUILD_DIR]    default BUILD_DIR: build (configured with FERRY_BUILD_BENCH=ON)
# Both sides use 2 workers; run it on an otherwise idle machine.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
bench=$build/bin/ferry-bench
if [[ ! -x $bench ]]; then
  echo "run.sh: $bench not found; configure with -DFERRY_BUILD_BENCH=ON and build target ferry-bench" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "running $bench ..." >&2
"$bench" >"$tmp/ferry.jsonl"
echo "running python_baseline.py ($(python3 --version 2>&1)) ..." >&2
python3 "$here/python_baseline.py" >"$tmp/python.jsonl"

cat "$tmp/ferry.jsonl" "$tmp/python.jsonl"
echo
python3 - "$tmp/ferry.jsonl" "$tmp/python.jsonl" <<'PY'
import json, sys

def load(path):
    with open(path) as f:
        return {r["bench"]: r for r in map(json.loads, f)}

ferry, python = load(sys.argv[1]), load(sys.argv[2])
rows = [("pool_map", "total_ms"), ("pool_map", "ns_per_item"),
        ("apply_async", "median_us"), ("process", "median_ms")]
print(f"{'measurement':<26}{'ferry':>12}{'python':>12}{'ferry/python':>14}")
for bench, key in rows:
    a, b = ferry[bench][key], python[bench][key]
    print(f"{bench + ' ' + key:<26}{a:>12.1f}{b:>12.1f}{a / b:>13.2f}x")
PY
