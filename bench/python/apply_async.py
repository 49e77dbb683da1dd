"""One pool.apply_async(square, (i,)).get() round trip on Pool(2): the median
of 1000, after 100 to warm up. (ferry: bench/ferry/apply_async.cpp)"""
import multiprocessing as mp
import time

from common import check, emit, median


def square(x):
    return x * x


def main():
    with mp.Pool(2) as pool:
        for i in range(100):
            pool.apply_async(square, (i,)).get()
        us = []
        for i in range(1000):
            start = time.perf_counter()
            r = pool.apply_async(square, (i,)).get()
            us.append((time.perf_counter() - start) * 1e6)
            check(r == i * i, "apply_async result")
    emit("us", median(us), "us")


if __name__ == "__main__":
    main()
