"""A Process puts 100,000 ints on a Queue, the parent gets them: messages a
second, from Process start to the last get. (ferry: bench/ferry/queue_small.cpp)"""
import multiprocessing as mp
import time

from common import check, emit

MESSAGES = 100_000


def put_ints(q, n):
    for i in range(n):
        q.put(i)


def main():
    q = mp.Queue()
    start = time.perf_counter()
    p = mp.Process(target=put_ints, args=(q, MESSAGES))
    p.start()
    for i in range(MESSAGES):
        check(q.get() == i, "message order")
    elapsed = time.perf_counter() - start
    p.join()
    check(p.exitcode == 0, "producer exit code")
    emit("msg_per_s", MESSAGES / elapsed, "msg/s")


if __name__ == "__main__":
    main()
