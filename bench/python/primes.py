"""Counts the primes below 5,000,000 with pool.map(is_prime, range(N)) on
Pool(2), is_prime by trial division in Python. (Its ferry counterpart, a
Python host calling the math plugin's C++ is_prime: ferry_primes.py)"""
import multiprocessing as mp
import time

from common import check, emit

N = 5_000_000


def is_prime(n):
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    i = 3
    while i * i <= n:
        if n % i == 0:
            return False
        i += 2
    return True


def main():
    with mp.Pool(2) as pool:
        pool.map(is_prime, [1, 2], chunksize=1)  # both workers up
        start = time.perf_counter()
        count = sum(pool.map(is_prime, range(N)))
        seconds = time.perf_counter() - start
    check(count == 348_513, "prime count")
    emit("s", seconds, "s")


if __name__ == "__main__":
    main()
