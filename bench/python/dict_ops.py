"""5,000 pairs of d[key] = i; d[key] on a Manager().dict() over 1000 keys,
from the parent or from a Process given the dict: operations a second.
(ferry: bench/ferry/dict_host.cpp, dict_worker.cpp)

    dict_ops.py host|worker"""
import multiprocessing as mp
import sys
import time

from common import check, emit

PAIRS = 5_000
KEYS = ["key%d" % k for k in range(1000)]


def dict_ops(d, n):
    """n checked set + get pairs; returns the seconds they took."""
    start = time.perf_counter()
    for i in range(n):
        key = KEYS[i % 1000]
        d[key] = i
        check(d[key] == i, "d[%s]" % key)
    return time.perf_counter() - start


def child(d, n, conn):
    conn.send(dict_ops(d, n))


def main():
    with mp.Manager() as manager:
        d = manager.dict()
        if sys.argv[1] == "host":
            elapsed = dict_ops(d, PAIRS)
        else:
            receiver, sender = mp.Pipe(duplex=False)
            p = mp.Process(target=child, args=(d, PAIRS, sender))
            p.start()
            elapsed = receiver.recv()
            p.join()
            check(p.exitcode == 0, "worker exit code")
        check(len(d) == 1000 and d["key999"] == PAIRS - 1, "dict contents")
    emit("ops_per_s", 2 * PAIRS / elapsed, "ops/s")


if __name__ == "__main__":
    main()
