"""Pool(2).map(square, 100,000 ints), default chunksize: the time of the
second such map (ms); the first is reported as first_ms.
(ferry: bench/ferry/pool_map.cpp)"""
import multiprocessing as mp
import time

from common import check, emit


def square(x):
    return x * x


def main():
    items = list(range(100_000))
    with mp.Pool(2) as pool:
        pool.map(square, items[:1000])  # both workers up
        ms = []
        for _ in range(2):
            start = time.perf_counter()
            out = pool.map(square, items)
            ms.append((time.perf_counter() - start) * 1e3)
            check(len(out) == len(items) and out[12345] == 12345 * 12345, "pool_map results")
    emit("ms", ms[1], "ms")
    emit("first_ms", ms[0], "ms")


if __name__ == "__main__":
    main()
