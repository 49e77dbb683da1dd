#!/usr/bin/env python3
"""The benchmark suite's driver: runs ferry's programs and their Python
multiprocessing counterparts interleaved, several times each, and reports
median, min and max, the ratio and whether ferry meets its goal, as a table
and as JSON. bench/run.sh builds the programs and calls this; see
bench/README.md."""
import argparse
import datetime
import filecmp
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time

import report
import rows as defs
from runner import run_program

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")


def parse_args(argv):
    ap = argparse.ArgumentParser(prog="bench/run.sh", description=__doc__.split("\n\n")[0])
    ap.add_argument("out", nargs="?", help="write the results here as JSON (default: BUILD/bench-results.json)")
    ap.add_argument("--reps", type=int, default=5, help="runs of each program (default 5)")
    ap.add_argument("--slow-reps", type=int, default=3, help="runs of the slow ones (default 3)")
    ap.add_argument("--only", nargs="+", metavar="ROW", help="only these rows, or sections: limits, main, memory")
    ap.add_argument("--list", action="store_true", help="list the rows and exit")
    ap.add_argument("--pipeline-items", type=int, default=1_000_000, metavar="N",
                    help="items through the pipeline row (default 1000000)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-bench"), help=argparse.SUPPRESS)
    ap.add_argument("--check-args", action="store_true", help=argparse.SUPPRESS)  # run.sh, before building
    args = ap.parse_args(argv)
    if args.reps < 1 or args.slow_reps < 1 or args.pipeline_items < 1:
        ap.error("--reps, --slow-reps and --pipeline-items must be at least 1")
    return args


def title(row, items):
    return row.title.format(items="{:,}".format(items))


def select(only):
    if not only:
        return defs.ROWS
    known = {r.id for r in defs.ROWS} | set(defs.SECTIONS)
    unknown = [o for o in only if o not in known]
    if unknown:
        sys.exit("bench: unknown row %s; see --list" % ", ".join(unknown))
    return [r for r in defs.ROWS if r.id in only or r.section in only]


def list_rows(items):
    for section in defs.SECTIONS:
        print(section)
        for r in defs.ROWS:
            if r.section == section:
                goal = "  [goal: %s]" % r.goal.text if r.goal else ""
                print("  %-22s %s (%s)%s" % (r.id, title(r, items), r.unit, goal))


def reps_of(program, args):
    if program.reps:
        return program.reps
    return args.slow_reps if program.slow else args.reps


def run_all(selected, args, tmp):
    """Runs every program the rows need; a row's programs interleaved, rep by
    rep, so that each side sees the same machine. A row that shares a program
    with an earlier row (pipeline_observed's reference is the pipeline row's
    run) joins that row's group: its programs are interleaved with those too.
    A program that fails once is not run again. Returns key -> list of runs."""
    groups, runs = [], {}
    for section in defs.SECTIONS:
        for row in selected:
            if row.section != section:
                continue
            keys = list(dict.fromkeys(defs.programs_of(row)))
            new = [k for k in keys if k not in runs]
            if not new:
                continue
            runs.update((k, []) for k in new)
            home = next((g for g in groups if any(k in g for k in keys)), None)
            if home is None:
                groups.append(new)
            else:
                home.extend(new)
    for keys in groups:
        start = time.perf_counter()
        for rep in range(max(reps_of(defs.PROGRAMS[k], args) for k in keys)):
            for k in keys:
                program = defs.PROGRAMS[k]
                if rep >= reps_of(program, args) or any(r.error for r in runs[k]):
                    continue
                run = run_program(defs.argv_for(program, args.build, BENCH, tmp, args.pipeline_items),
                                  program.timeout_s, os.path.join(args.build, "bin", "bench", "measure"))
                runs[k].append(run)
                if run.error:
                    print("bench: %s failed: %s" % (k, run.error), file=sys.stderr)
        print("bench: %-48s %5.1f s" % (" ".join(keys), time.perf_counter() - start), file=sys.stderr)
    return runs


def check_pipeline_outputs(runs, tmp):
    """ferry's and Python's pipelines must have written the same lines."""
    f, p = runs.get("ferry/pipeline"), runs.get("python/pipeline")
    if not f or not p or any(r.error for r in f + p):
        return
    a, b = os.path.join(tmp, "ferry-pipeline.jsonl"), os.path.join(tmp, "python-pipeline.jsonl")
    if not filecmp.cmp(a, b, shallow=False):
        p[-1].error = "ferry and Python pipelines wrote different results"


def check_same_stdout(runs, ferry_key, python_key):
    """Both sides of a row must have printed the same lines (the one_stage job)."""
    f, p = runs.get(ferry_key), runs.get(python_key)
    if not f or not p or any(r.error for r in f + p):
        return
    if len({r.stdout_sha256 for r in f + p}) != 1:
        p[-1].error = "%s and %s printed different results" % (ferry_key, python_key)


def build_rows(selected, runs, args):
    refs = {}  # what goals of kind "ref" compare with
    for row in selected:
        if row.goal and row.goal.ref:
            refs[row.goal.ref] = report.stats(runs[row.goal.ref[0]], row.goal.ref[1])
    out = []
    for row in selected:
        keys = [row.ferry[0]] + ([row.python[0]] if row.python else [])
        row_runs = [r for k in keys for r in runs[k]]
        f = report.stats(runs[row.ferry[0]], row.ferry[1])
        p = report.stats(runs[row.python[0]], row.python[1]) if row.python else None
        r = report.ratio(row, f, p)
        wall = sum(x.wall_s for x in row_runs)
        errors = ["%s: %s" % (k, x.error) for k in keys for x in runs[k] if x.error]
        out.append({
            "id": row.id, "section": row.section, "title": title(row, args.pipeline_items), "unit": row.unit,
            "higher_is_better": row.higher_is_better, "ferry": f, "python": p, "ratio": r,
            "goal": report.goal_text(row, refs), "met": report.goal_met(row, f, r, refs),
            "others": round(sum(x.others_cpu_s for x in row_runs) / wall, 2) if wall else None,
            "error": "; ".join(errors),
        })
    return out


def machine():
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    commit = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"], capture_output=True,
                            text=True).stdout.strip()
    return {"cpus": os.cpu_count(), "cpus_usable": len(os.sched_getaffinity(0)), "cpu_model": model,
            "kernel": platform.release(), "python": platform.python_version(), "commit": commit,
            "load_average_at_start": os.getloadavg()}


def jsonable(x):
    """JSON has no infinity: "inf" stands for it (Python's crash row)."""
    if isinstance(x, float) and math.isinf(x):
        return "inf"
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    return x


def main(argv):
    args = parse_args(argv)
    if args.list:
        list_rows(args.pipeline_items)
        return 0
    selected = select(args.only)
    if args.check_args:
        return 0
    if not os.path.exists(os.path.join(args.build, "bin", "bench", "measure")):
        sys.exit("bench: no benchmark programs in %s; bench/run.sh builds them" % args.build)
    # Aborting workers (the crash row) must not leave core files, nor spend
    # time writing them.
    resource.setrlimit(resource.RLIMIT_CORE, (0, resource.getrlimit(resource.RLIMIT_CORE)[1]))
    info = machine()
    started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
    print("bench: %d rows, %d reps (%d for slow programs), %s; %d CPUs, load %.2f" % (
        len(selected), args.reps, args.slow_reps, info["commit"], info["cpus_usable"],
        info["load_average_at_start"][0]), file=sys.stderr)
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ferry-bench-") as tmp:
        runs = run_all(selected, args, tmp)
        check_pipeline_outputs(runs, tmp)
        check_same_stdout(runs, "ferry/one_stage", "python/one_stage")
    results = build_rows(selected, runs, args)
    info["duration_s"] = round(time.perf_counter() - start, 1)
    print()
    print(report.render(results))
    print("\n%s; %.0f s; commit %s; Python %s" % (started, info["duration_s"], info["commit"], info["python"]))

    out = args.out or os.path.join(args.build, "bench-results.json")
    with open(out, "w") as f:
        json.dump(jsonable({
            "started": started, "machine": info,
            "options": {"reps": args.reps, "slow_reps": args.slow_reps, "pipeline_items": args.pipeline_items},
            "rows": results,
            "runs": {k: [{"metrics": r.metrics, "units": r.units, "cpu_s": r.cpu_s,
                          "others_cpu_s": r.others_cpu_s, "error": r.error} for r in rs] for k, rs in runs.items()},
        }), f, indent=1)
        f.write("\n")
    print("bench: results in %s" % out, file=sys.stderr)
    return 1 if any(r["error"] for r in results) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
