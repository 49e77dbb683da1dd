#!/usr/bin/env python3
"""The Python multiprocessing side of ferry-bench: the same three measurements,
printed as JSON lines with the same keys (fork start method, 2 workers)."""
import json
import multiprocessing as mp
import statistics
import time

MAP_ITEMS = 100_000
MAP_RUNS = 5
WARMUP = 200
ROUND_TRIPS = 2000
PROCESSES = 50


def square(x):
    return x * x


def emit(**fields):
    print(json.dumps({"impl": "python", **fields}), flush=True)


def bench_map(pool):
    items = range(MAP_ITEMS)
    best = float("inf")
    for _ in range(MAP_RUNS):
        start = time.perf_counter()
        out = pool.map(square, items)
        best = min(best, (time.perf_counter() - start) * 1e3)
        assert out[-1] == (MAP_ITEMS - 1) ** 2
    # Pool.map's default: ceil(len / (4 * workers)), as ferry's MapOptions{}.
    chunksize = -(-MAP_ITEMS // (4 * 2))
    emit(bench="pool_map", items=MAP_ITEMS, workers=2, chunksize=chunksize, runs=MAP_RUNS,
         total_ms=round(best, 3), ns_per_item=round(best * 1e6 / MAP_ITEMS, 1))


def bench_apply_async(pool):
    for i in range(WARMUP):
        pool.apply_async(square, (i,)).get()
    samples = []
    for i in range(ROUND_TRIPS):
        start = time.perf_counter()
        r = pool.apply_async(square, (i,)).get()
        samples.append((time.perf_counter() - start) * 1e6)
        assert r == i * i
    emit(bench="apply_async", samples=ROUND_TRIPS, median_us=round(statistics.median(samples), 1))


def trivial():
    pass


def bench_process(ctx):
    samples = []
    for _ in range(PROCESSES):
        start = time.perf_counter()
        p = ctx.Process(target=trivial)
        p.start()
        p.join()
        samples.append((time.perf_counter() - start) * 1e3)
        assert p.exitcode == 0
    emit(bench="process", samples=PROCESSES, median_ms=round(statistics.median(samples), 3))


def main():
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        bench_map(pool)
        bench_apply_async(pool)
    bench_process(ctx)


if __name__ == "__main__":
    main()
