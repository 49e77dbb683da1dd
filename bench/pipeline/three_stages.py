"""The pipeline benchmark's Python side, written as a multiprocessing user
would: three Pools (one worker each, as ferry's side), chained with imap in
chunks, results written as JSON lines. Usage: three_stages.py N OUT"""
import json
import multiprocessing as mp
import sys


def inc(x):
    return x + 1


def square(x):
    return x * x


def is_even(x):
    return x % 2 == 0


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    with mp.Pool(1) as p1, mp.Pool(1) as p2, mp.Pool(1) as p3, open(out, "w") as f:
        a = p1.imap(inc, range(n), chunksize=1000)
        b = p2.imap(square, a, chunksize=1000)
        for r in p3.imap(is_even, b, chunksize=1000):
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
