"""A Python host with ferry: one pool.apply_async("square", (i,)).get()
round trip on ferry.Pool(math, 2), the median of 1000 after 100 to warm
up. Argument: the build folder. (Pure Python: apply_async.py)"""
import sys
import time

sys.path.insert(0, sys.argv[1] + "/python")
import ferry  # noqa: E402

from common import check, emit, median  # noqa: E402


def main():
    with ferry.Engine() as engine:
        with ferry.Pool(engine.load("math"), 2) as pool:
            for i in range(100):
                pool.apply_async("square", (i,)).get()
            us = []
            for i in range(1000):
                start = time.perf_counter()
                r = pool.apply_async("square", (i,)).get()
                us.append((time.perf_counter() - start) * 1e6)
                check(r == i * i, "apply_async result")
    emit("us", median(us), "us")


if __name__ == "__main__":
    main()
