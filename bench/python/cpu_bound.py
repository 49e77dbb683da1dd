"""CPU-bound work on Pool(2): 8 calls of burn(n) as pool.map, against the
same 8 calls one after the other in this process. Reports the speed-up.
(ferry: bench/ferry/cpu_bound.cpp)"""
import multiprocessing as mp
import time

from common import check, emit

CALLS = 8
ROUNDS = 150_000
MASK = (1 << 64) - 1


def burn(n):
    """n rounds of xorshift64, as the bench plugin's burn."""
    x = 88172645463325252
    for _ in range(n):
        x ^= (x << 13) & MASK
        x ^= x >> 7
        x ^= (x << 17) & MASK
    return x >> 1


def main():
    with mp.Pool(2) as pool:
        pool.map(burn, [1, 1], chunksize=1)  # both workers up
        start = time.perf_counter()
        serial = [burn(ROUNDS) for _ in range(CALLS)]
        serial_s = time.perf_counter() - start
        start = time.perf_counter()
        parallel = pool.map(burn, [ROUNDS] * CALLS, chunksize=1)
        parallel_s = time.perf_counter() - start
    check(parallel == serial, "burn results differ")
    emit("speedup", serial_s / parallel_s, "x")
    emit("serial_s", serial_s, "s")
    emit("parallel_s", parallel_s, "s")


if __name__ == "__main__":
    main()
