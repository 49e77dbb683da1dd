"""A Python host with ferry: counts the primes below 5,000,000 with
pool.map("is_prime", range(N)) on ferry.Pool(math, 2), is_prime the math
plugin's C++ task. Argument: the build folder (its python/ holds the
package). (Pure Python: primes.py)"""
import sys
import time

sys.path.insert(0, sys.argv[1] + "/python")
import ferry  # noqa: E402

from common import check, emit  # noqa: E402

N = 5_000_000


def main():
    with ferry.Engine() as engine:
        with ferry.Pool(engine.load("math"), 2) as pool:
            pool.map("is_prime", [1, 2], chunksize=1)  # both workers up
            start = time.perf_counter()
            count = sum(pool.map("is_prime", range(N)))
            seconds = time.perf_counter() - start
    check(count == 348_513, "prime count")
    emit("s", seconds, "s")


if __name__ == "__main__":
    main()
