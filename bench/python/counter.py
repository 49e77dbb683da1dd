"""Two Processes each add 1 to a shared Value n times under a lock, starting
together at a Barrier: increments a second, from then to the end of the last
one. (ferry: bench/ferry/counter.cpp)

    counter.py value      with counter.get_lock(): counter.value += 1
    counter.py manager    with lock: counter.value += 1, lock a Manager().Lock()"""
import multiprocessing as mp
import sys
import time

from common import check, emit


def increment(start_together, lock, counter, n, conn):
    start_together.wait()
    start = time.perf_counter()  # CLOCK_MONOTONIC: comparable across processes
    for _ in range(n):
        with lock:
            counter.value += 1
    conn.send((start, time.perf_counter()))


def run(lock, counter, n):
    start_together = mp.Barrier(2)
    receiver, sender = mp.Pipe(duplex=False)
    procs = [mp.Process(target=increment, args=(start_together, lock, counter, n, sender)) for _ in range(2)]
    for p in procs:
        p.start()
    spans = [receiver.recv() for _ in procs]
    for p in procs:
        p.join()
    check(counter.value == 2 * n, "counter is %d" % counter.value)
    first, last = min(s for s, _ in spans), max(e for _, e in spans)
    emit("inc_per_s", 2 * n / (last - first), "inc/s")


def main():
    counter = mp.Value("q", 0)
    if sys.argv[1] == "value":
        run(counter.get_lock(), counter, 200_000)  # per process
    else:
        with mp.Manager() as manager:
            run(manager.Lock(), counter, 2_000)


if __name__ == "__main__":
    main()
