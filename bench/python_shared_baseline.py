#!/usr/bin/env python3
"""The Python multiprocessing side of ferry-shared-bench: the same shared-state
measurements (Manager dict, Queue, Value), printed as JSON lines with the same
keys; fork start method, best of RUNS, every result checked.

    python_shared_baseline.py [BENCH...]    all benchmarks, or only those named
"""
import json
import multiprocessing as mp
import sys
import time

RUNS = 3
DICT_PAIRS = 100_000
DICT_KEYS = 1000  # keys "key0".."key999", as ferry's dict_ops task
SMALL_MESSAGES = 100_000
SMALL_BYTES = 16
LARGE_MESSAGES = 20
LARGE_BYTES = 10_000_000
INCREMENTS = 100_000

KEYS = ["key%d" % k for k in range(DICT_KEYS)]


def emit(**fields):
    print(json.dumps({"impl": "python", **fields}), flush=True)


def expect(ok, what):
    if not ok:
        raise RuntimeError("wrong result in " + what)


def dict_ops(d, n):
    """n pairs of d[k] = i; d[k]; checks every get; returns seconds."""
    start = time.perf_counter()
    for i in range(n):
        key = KEYS[i % DICT_KEYS]
        d[key] = i
        if d[key] != i:
            raise RuntimeError("dict_ops: d[%s] != %d" % (key, i))
    return time.perf_counter() - start


def check_dict(d, bench):
    expect(len(d) == DICT_KEYS, bench + ": dict size %d" % len(d))
    last = DICT_PAIRS - 1
    expect(d[KEYS[last % DICT_KEYS]] == last, bench + ": last value")


def bench_dict_host(ctx, manager):
    best = float("inf")
    for _ in range(RUNS):
        d = manager.dict()
        best = min(best, dict_ops(d, DICT_PAIRS))
        check_dict(d, "dict_host")
    emit(bench="dict_host", pairs=DICT_PAIRS, runs=RUNS, total_ms=round(best * 1e3, 3),
         ops_per_s=round(2 * DICT_PAIRS / best))


def dict_child(d, n, conn):
    conn.send(dict_ops(d, n))


def run_child(ctx, target, *args):
    """Runs target(*args, conn) in a Process; returns (what it sent, wall seconds)."""
    recv, send = ctx.Pipe(duplex=False)
    start = time.perf_counter()
    p = ctx.Process(target=target, args=(*args, send))
    p.start()
    p.join()
    wall = time.perf_counter() - start
    expect(p.exitcode == 0, "%s: child exit code %s" % (target.__name__, p.exitcode))
    return recv.recv(), wall


def bench_dict_worker(ctx, manager):
    best = best_wall = float("inf")
    for _ in range(RUNS):
        d = manager.dict()
        secs, wall = run_child(ctx, dict_child, d, DICT_PAIRS)
        best, best_wall = min(best, secs), min(best_wall, wall)
        check_dict(d, "dict_worker")
    emit(bench="dict_worker", pairs=DICT_PAIRS, runs=RUNS, total_ms=round(best * 1e3, 3),
         wall_ms=round(best_wall * 1e3, 3), ops_per_s=round(2 * DICT_PAIRS / best))


def queue_produce(q, n, size):
    """Puts n byte strings (ferry's std::string) of size bytes, message i
    starting with b"i "."""
    for i in range(n):
        q.put(b"%d " % i + b" " * max(0, size - len(b"%d " % i)))


def queue_run(ctx, bench, count, size):
    q = ctx.Queue()
    start = time.perf_counter()
    p = ctx.Process(target=queue_produce, args=(q, count, size))
    p.start()
    for i in range(count):
        msg = q.get()
        head = msg[:msg.index(b" ")]
        expect(len(msg) == size and int(head) == i,
               "%s: message %d arrived as #%s of %d bytes" % (bench, i, head, len(msg)))
    secs = time.perf_counter() - start
    p.join()
    expect(p.exitcode == 0, bench + ": producer exit code")
    expect(q.empty(), bench + ": queue not empty after the last message")
    return secs


def bench_queue_small(ctx, _manager):
    best = min(queue_run(ctx, "queue_small", SMALL_MESSAGES, SMALL_BYTES) for _ in range(RUNS))
    emit(bench="queue_small", messages=SMALL_MESSAGES, message_bytes=SMALL_BYTES, runs=RUNS,
         total_ms=round(best * 1e3, 3), ops_per_s=round(SMALL_MESSAGES / best))


def bench_queue_large(ctx, _manager):
    best = min(queue_run(ctx, "queue_large", LARGE_MESSAGES, LARGE_BYTES) for _ in range(RUNS))
    emit(bench="queue_large", messages=LARGE_MESSAGES, message_bytes=LARGE_BYTES, runs=RUNS,
         total_ms=round(best * 1e3, 3), mb_per_s=round(LARGE_MESSAGES * LARGE_BYTES / 1e6 / best, 1))


def increment_counter(counter, iterations, conn):
    start = time.perf_counter()
    for _ in range(iterations):
        with counter.get_lock():
            counter.value += 1
    conn.send(time.perf_counter() - start)


def bench_shared_value(ctx, _manager):
    best = best_wall = float("inf")
    for _ in range(RUNS):
        counter = ctx.Value("i", 0)
        secs, wall = run_child(ctx, increment_counter, counter, INCREMENTS)
        expect(counter.value == INCREMENTS, "shared_value: counter is %d" % counter.value)
        best, best_wall = min(best, secs), min(best_wall, wall)
    emit(bench="shared_value", increments=INCREMENTS, runs=RUNS, total_ms=round(best * 1e3, 3),
         wall_ms=round(best_wall * 1e3, 3), ops_per_s=round(INCREMENTS / best))


BENCHES = {
    "dict_host": bench_dict_host,
    "dict_worker": bench_dict_worker,
    "queue_small": bench_queue_small,
    "queue_large": bench_queue_large,
    "shared_value": bench_shared_value,
}


def main():
    only = sys.argv[1:]
    unknown = [b for b in only if b not in BENCHES]
    if unknown:
        sys.exit("python_shared_baseline.py: unknown bench %s; known: %s" % (unknown, list(BENCHES)))
    ctx = mp.get_context("fork")
    with ctx.Manager() as manager:
        for name, bench in BENCHES.items():
            if not only or name in only:
                bench(ctx, manager)


if __name__ == "__main__":
    main()
