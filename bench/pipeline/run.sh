#!/usr/bin/env bash
# The pipeline benchmark: the same three-stage job (inc, square, is_even over
# N integers, one worker a stage, JSON lines out) as a `ferry run` pipeline
# and as a Python multiprocessing script, one after the other, each run
# REPEAT times. Prints, per side, the median / min / max wall time and the
# peak resident size of the largest process (host or worker), then the ratio.
#
#   bench/pipeline/run.sh [BUILD_DIR] [N] [REPEAT]    defaults: build 1000000 3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
n=${2:-1000000}
repeat=${3:-3}
[[ -x $build/bin/ferry ]] || { echo "run.sh: $build/bin/ferry not found: build first" >&2; exit 2; }
python3 - "$build/bin/ferry" "$here" "$n" "$repeat" <<'PY'
import os, resource, statistics, subprocess, sys, tempfile, time

ferry, here, n, repeat = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])

def measure(cmd):
    """Wall seconds and peak RSS (MiB) of the largest process cmd started."""
    start = time.perf_counter()
    pid = subprocess.Popen(cmd, stdout=subprocess.DEVNULL).pid
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"run.sh: {cmd[0]} failed with status {status}")
    return wall, usage.ru_maxrss / 1024

with tempfile.TemporaryDirectory() as tmp:
    sides = {
        "ferry": [ferry, "run", "--quiet", os.path.join(here, "three_stages.yaml"),
                  "--set", f"stages.numbers.source={{range: [0, {n}]}}",
                  "--set", f"stages.out.sink={{file: {tmp}/ferry.jsonl}}"],
        "python": [sys.executable, os.path.join(here, "three_stages.py"), str(n), f"{tmp}/python.jsonl"],
    }
    runs = {k: [] for k in sides}
    for _ in range(repeat):  # interleaved, so both see the same machine
        for side, cmd in sides.items():
            runs[side].append(measure(cmd))
    with open(f"{tmp}/ferry.jsonl") as a, open(f"{tmp}/python.jsonl") as b:
        if a.read() != b.read():
            sys.exit("run.sh: ferry and Python wrote different results")

print(f"three task stages over {n:,} items, {repeat} runs each (same output checked)")
print(f"{'':8} {'median s':>9} {'min s':>7} {'max s':>7} {'items/s':>11} {'peak RSS MiB':>13}")
med = {}
for side, rs in runs.items():
    walls = [w for w, _ in rs]
    med[side] = statistics.median(walls)
    print(f"{side:8} {med[side]:9.2f} {min(walls):7.2f} {max(walls):7.2f} {n / med[side]:11,.0f} "
          f"{max(r for _, r in rs):13.1f}")
print(f"ferry takes {med['ferry'] / med['python']:.2f}x Python's time ({med['python'] / med['ferry']:.1f}x faster)")
PY
