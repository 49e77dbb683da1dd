"""What the suite measures: the programs it runs and the rows of its report.

A Program is one command, run several times; each run prints metrics (JSON
lines). A Row takes one metric from a ferry program and, usually, the same
metric from a Python program, and states ferry's goal. Two rows may share a
program (both Process rows use one ferry measurement); each program runs
only once a repetition.
"""
import sys
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Program:
    key: str  # "ferry/pool_map", "python/process_start_spawn", "limit/memcpy"
    argv: tuple  # with {build}, {bench}, {python}, {tmp}, {items} filled in by argv_for
    slow: bool = False  # repeated --slow-reps times instead of --reps
    reps: Optional[int] = None  # a fixed count, whatever the options say
    timeout_s: float = 120.0


@dataclass(frozen=True)
class Goal:
    """ferry's target for a row.
    kind "ratio": the row's ratio (>1 = ferry better) at least x;
         "below": ferry's value under x; "at_least": ferry's value at least x;
         "ref": ferry's value x times the metric ref or better (at most for
         lower-is-better rows, at least for the others)."""
    text: str
    kind: str
    x: float
    ref: Optional[tuple] = None  # (program key, metric)


@dataclass(frozen=True)
class Row:
    id: str
    section: str  # main, limits, memory
    title: str
    unit: str
    higher_is_better: bool
    ferry: tuple  # (program key, metric)
    python: Optional[tuple] = None
    goal: Optional[Goal] = None


def ferry(name, *args, **kw):
    return Program("ferry/" + name + "".join("_" + a for a in args), ("{build}/bin/bench/" + name, *args), **kw)


def python(name, *args, key=None, **kw):
    key = key or "python/" + name + "".join("_" + a for a in args)
    return Program(key, ("{python}", "{bench}/python/%s.py" % name, *args), **kw)


def limit(name, *args, **kw):
    return Program("limit/" + name + "".join("_" + a for a in args), ("{build}/bin/bench/limits/" + name, *args), **kw)


PROGRAMS = {p.key: p for p in [
    limit("pingpong", "same"), limit("pingpong", "cross"), limit("pingpong", "unpinned"),
    limit("spawn_true"), limit("spawn_true", "cpp"), limit("memcpy"), limit("pipe_throughput"), limit("reply_stream"),
    ferry("pool_map"), python("pool_map"),
    ferry("pool_map_chunk1"), python("pool_map_chunk1"),
    ferry("apply_async"), python("apply_async"),
    ferry("process_start", "spawn"), ferry("process_start", "forkserver"),
    python("process_start", "fork"), python("process_start", "spawn", slow=True),
    ferry("queue_small"), python("queue_small"),
    ferry("queue_large"), python("large_messages", "queue"),
    ferry("pipe_large"), python("large_messages", "pipe"),
    ferry("dict_host"), python("dict_ops", "host"),
    ferry("dict_worker"), python("dict_ops", "worker"),
    ferry("counter", "value"), python("counter", "value"), ferry("counter", "manager"), python("counter", "manager"),
    ferry("cpu_bound", slow=True), python("cpu_bound", slow=True),
    # Python never reports the crash: each run waits out its 2 s timeout, and
    # says the same every time.
    ferry("crash_detect"), python("crash_detect", reps=1, timeout_s=30),
    Program("ferry/pipeline", ("{build}/bin/ferry", "run", "--quiet", "{bench}/ferry/pipeline.yaml",
                               "--set", "stages.numbers.source={{range: [0, {items}]}}",
                               "--set", "stages.out.sink={{file: {tmp}/ferry-pipeline.jsonl}}"),
            reps=9, timeout_s=300),
    python("pipeline", "{items}", "{tmp}/python-pipeline.jsonl", key="python/pipeline", slow=True, timeout_s=300),
    # The same run watched: a trace file and a metrics endpoint (docs/operations.md).
    # Both ferry runs take ~0.1 s and differ by a few percent, less than this
    # machine's drift: nine runs each, interleaved with the pipeline row's.
    Program("ferry/pipeline_observed", ("{build}/bin/ferry", "run", "--quiet", "{bench}/ferry/pipeline.yaml",
                                        "--set", "stages.numbers.source={{range: [0, {items}]}}",
                                        "--set", "stages.out.sink={{file: {tmp}/ferry-observed.jsonl}}",
                                        "--trace", "{tmp}/ferry-observed-trace.json", "--metrics", "0"),
            reps=9, timeout_s=300),
    Program("ferry/one_stage", ("{build}/bin/ferry", "run", "--quiet", "{bench}/ferry/one_stage.yaml")),
    python("one_stage"),
    ferry("memory_idle"), python("memory_idle"),
    # A Python host using ferry (the package in {build}/python) against pure Python multiprocessing.
    Program("pyferry/primes", ("{python}", "{bench}/python/ferry_primes.py", "{build}"), slow=True, timeout_s=300),
    python("primes", slow=True, timeout_s=300),
    Program("pyferry/apply_async", ("{python}", "{bench}/python/ferry_apply_async.py", "{build}")),
    # Distributed runs (docs/distributed.md): a redis-server and `ferry worker`s of their own.
    Program("ferry/broker_pipeline", ("{python}", "{bench}/ferry/broker.py", "{build}", "pipeline", "200000"),
            slow=True, timeout_s=300),
    Program("ferry/broker_local", ("{python}", "{bench}/ferry/broker.py", "{build}", "local", "200000"), slow=True),
    *[Program("ferry/broker_scaling_%d" % w, ("{python}", "{bench}/ferry/broker.py", "{build}", "scaling", str(w)),
              slow=True) for w in (1, 2, 4, 8)],
]}

PINGPONG_UNPINNED = ("limit/pingpong_unpinned", "us")

ROWS = [
    # The machine's limits: what no engine on it can beat.
    Row("pingpong_same", "limits", "pipe ping-pong round trip, one CPU (pinned)", "us", False,
        ("limit/pingpong_same", "us")),
    Row("pingpong_cross", "limits", "pipe ping-pong round trip, two CPUs (pinned)", "us", False,
        ("limit/pingpong_cross", "us")),
    Row("pingpong_unpinned", "limits", "pipe ping-pong round trip, unpinned", "us", False, PINGPONG_UNPINNED),
    # What Pool.map with chunksize 1 cannot go below: one reply message per item.
    Row("reply_stream", "limits", "one reply message an item, 2 children, calls batched (chunksize 1's floor)",
        "us/item", False, ("limit/reply_stream", "us_per_item")),
    Row("spawn_true", "limits", "posix_spawn /bin/true + waitpid", "ms", False, ("limit/spawn_true", "ms")),
    # What starting any C++ worker costs before it does anything: the floor under process_spawn.
    Row("spawn_cxx", "limits", "posix_spawn a C++ program that only starts (libstdc++) + waitpid", "ms", False,
        ("limit/spawn_true_cpp", "ms")),
    Row("memcpy", "limits", "memcpy, 64 MiB", "GB/s", True, ("limit/memcpy", "gb_per_s")),
    Row("memcpy_fresh", "limits", "copy 10 MB into fresh memory (page faults)", "GB/s", True,
        ("limit/memcpy", "fresh_gb_per_s")),
    Row("memcpy_fresh_huge", "limits", "copy 10 MB into fresh memory, huge pages advised", "GB/s", True,
        ("limit/memcpy", "fresh_huge_gb_per_s")),
    Row("pipe_throughput", "limits", "pipe throughput, 1 MiB writes", "GB/s", True,
        ("limit/pipe_throughput", "pipe_gb_per_s")),
    Row("socketpair_throughput", "limits", "socketpair throughput, 1 MiB writes", "GB/s", True,
        ("limit/pipe_throughput", "socketpair_gb_per_s")),

    # The main job: what `ferry run` costs per item against the same job in Python.
    Row("one_stage", "main", "`ferry run`: one map stage, 200,000 ints, 2 workers, JSON lines to stdout", "s", False,
        ("ferry/one_stage", "wall_s"), ("python/one_stage", "wall_s"), Goal(">= 10x Python", "ratio", 10)),
    Row("pool_map", "main", "Pool.map, 100k trivial tasks, default chunks", "ms", False,
        ("ferry/pool_map", "ms"), ("python/pool_map", "ms"), Goal(">= 10x Python", "ratio", 10)),
    Row("pool_map_first", "main", "Pool.map, 100k tasks, first map of a new pool", "ms", False,
        ("ferry/pool_map", "first_ms"), ("python/pool_map", "first_ms")),
    Row("pool_map_chunk1", "main", "Pool.map, 10k tasks, chunksize 1", "us/item", False,
        ("ferry/pool_map_chunk1", "us_per_item"), ("python/pool_map_chunk1", "us_per_item"),
        Goal(">= 10x Python", "ratio", 10)),
    Row("apply_async", "main", "apply_async round trip", "us", False,
        ("ferry/apply_async", "us"), ("python/apply_async", "us"),
        Goal("<= 1.5x ping-pong unpinned", "ref", 1.5, PINGPONG_UNPINNED)),
    Row("process_fork", "main", "Process start + join, forkserver, vs Python fork", "ms", False,
        ("ferry/process_start_forkserver", "ms"), ("python/process_start_fork", "ms"),
        Goal("<= half Python fork", "ratio", 2)),
    Row("process_spawn", "main", "Process start + join, spawn, vs Python spawn", "ms", False,
        ("ferry/process_start_spawn", "ms"), ("python/process_start_spawn", "ms"), Goal(">= 30x Python spawn", "ratio", 30)),
    Row("queue_small", "main", "Queue, small messages, worker -> host", "msg/s", True,
        ("ferry/queue_small", "msg_per_s"), ("python/queue_small", "msg_per_s"), Goal(">= 10x Python", "ratio", 10)),
    Row("queue_large", "main", "Queue, 10 MB messages", "MB/s", True,
        ("ferry/queue_large", "mb_per_s"), ("python/large_messages_queue", "mb_per_s"),
        Goal(">= 5x Python", "ratio", 5)),
    Row("pipe_large", "main", "Pipe, 10 MB messages", "MB/s", True,
        ("ferry/pipe_large", "mb_per_s"), ("python/large_messages_pipe", "mb_per_s"),
        Goal(">= 5x Python", "ratio", 5)),
    Row("dict_host", "main", "Manager dict set/get, from the host", "ops/s", True,
        ("ferry/dict_host", "ops_per_s"), ("python/dict_ops_host", "ops_per_s"), Goal(">= 20x Python", "ratio", 20)),
    Row("dict_worker", "main", "Manager dict set/get, from a worker", "ops/s", True,
        ("ferry/dict_worker", "ops_per_s"), ("python/dict_ops_worker", "ops_per_s"),
        Goal(">= 10x Python", "ratio", 10)),
    Row("counter_value", "main", "counter, 2 processes, Value + its lock", "inc/s", True,
        ("ferry/counter_value", "inc_per_s"), ("python/counter_value", "inc_per_s"),
        Goal(">= 3x Python Value+lock", "ratio", 3)),
    # Compared with Python's Manager Lock; the goal is still Python's Value+lock.
    Row("counter_manager", "main", "counter, 2 processes, Manager Lock", "inc/s", True,
        ("ferry/counter_manager", "inc_per_s"), ("python/counter_manager", "inc_per_s"),
        Goal(">= Python Value+lock", "ref", 1, ("python/counter_value", "inc_per_s"))),
    Row("cpu_bound", "main", "CPU-bound, 2 workers: speed-up over serial", "x", True,
        ("ferry/cpu_bound", "speedup"), ("python/cpu_bound", "speedup"), Goal(">= 1.9x", "at_least", 1.9)),
    Row("py_primes", "main", "Python host + ferry C++ task vs pure Python: count primes below 5M, 2 processes",
        "s", False, ("pyferry/primes", "s"), ("python/primes", "s"), Goal(">= 10x Python", "ratio", 10)),
    Row("py_apply_async", "main", "apply_async round trip from Python: ferry vs multiprocessing", "us", False,
        ("pyferry/apply_async", "us"), ("python/apply_async", "us"), Goal(">= 2x Python", "ratio", 2)),
    Row("crash_detect", "main", "worker crash -> Pool.map raises", "ms", False,
        ("ferry/crash_detect", "ms"), ("python/crash_detect", "ms"), Goal("< 100 ms", "below", 100)),
    Row("pipeline", "main", "pipeline, 3 stages, {items} items, end to end", "s", False,
        ("ferry/pipeline", "wall_s"), ("python/pipeline", "wall_s"), Goal(">= 10x Python", "ratio", 10)),
    Row("pipeline_observed", "main", "the pipeline row with --trace FILE and --metrics 0", "s", False,
        ("ferry/pipeline_observed", "wall_s"), None,
        Goal("<= 1.03x the pipeline row", "ref", 1.03, ("ferry/pipeline", "wall_s"))),
    Row("broker_pipeline", "broker", "pipeline over Redis, 1 host + 2 workers, 200k trivial items, one stage",
        "items/s", True, ("ferry/broker_pipeline", "items_per_s"), None,
        Goal(">= 100,000 items/s", "at_least", 100000)),
    Row("broker_local", "broker", "the same pipeline run locally (for comparison)", "items/s", True,
        ("ferry/broker_local", "items_per_s")),
    *[Row("broker_scaling_%d" % w, "broker", "over Redis, %d worker%s, tasks sleeping 10 ms, chunksize 1 (ideal %d/s)"
          % (w, "" if w == 1 else "s", 100 * w), "items/s", True, ("ferry/broker_scaling_%d" % w, "items_per_s"),
          None, Goal(">= 90%% of linear (%d/s)" % (90 * w), "at_least", 90 * w)) for w in (1, 2, 4, 8)],

    Row("memory_worker_rss", "memory", "idle worker, Rss", "KiB", False,
        ("ferry/memory_idle", "worker_rss"), ("python/memory_idle", "worker_rss")),
    Row("memory_worker_pss", "memory", "idle worker, Pss", "KiB", False,
        ("ferry/memory_idle", "worker_pss"), ("python/memory_idle", "worker_pss")),
    Row("memory_host_rss", "memory", "host with a Pool(1), Rss", "KiB", False,
        ("ferry/memory_idle", "host_rss"), ("python/memory_idle", "host_rss")),
    Row("memory_host_pss", "memory", "host with a Pool(1), Pss", "KiB", False,
        ("ferry/memory_idle", "host_pss"), ("python/memory_idle", "host_pss")),
    Row("memory_pipeline_peak", "memory", "pipeline, peak RSS of its largest process", "MiB", False,
        ("ferry/pipeline", "peak_rss_mib"), ("python/pipeline", "peak_rss_mib")),
]

SECTIONS = ("limits", "main", "broker", "memory")


def argv_for(program, build, bench, tmp, items):
    return [a.format(build=build, bench=bench, python=sys.executable, tmp=tmp, items=items) for a in program.argv]


def programs_of(row):
    keys = [row.ferry[0]] + ([row.python[0]] if row.python else [])
    if row.goal and row.goal.ref:
        keys.append(row.goal.ref[0])
    return keys
