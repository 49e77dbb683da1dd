"""Pool(2).map(square, 10,000 ints, chunksize=1): microseconds an item.
(ferry: bench/ferry/pool_map_chunk1.cpp)"""
import multiprocessing as mp
import time

from common import check, emit


def square(x):
    return x * x


def main():
    items = list(range(10_000))
    with mp.Pool(2) as pool:
        pool.map(square, items[:100], chunksize=1)
        start = time.perf_counter()
        out = pool.map(square, items, chunksize=1)
        elapsed = time.perf_counter() - start
    check(len(out) == len(items) and out[1234] == 1234 * 1234, "pool_map_chunk1 results")
    emit("us_per_item", elapsed * 1e6 / len(items), "us")


if __name__ == "__main__":
    main()
