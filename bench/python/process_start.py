"""Process(target=noop).start(); join() with the start method given (fork or
spawn): the median in milliseconds. (ferry: bench/ferry/process_start.cpp)

    process_start.py fork|spawn"""
import multiprocessing as mp
import sys
import time

from common import check, emit, median


def noop():
    pass


def main():
    method = sys.argv[1]
    ctx = mp.get_context(method)
    ms = []
    for _ in range(30 if method == "fork" else 10):  # spawn: ~50 ms each
        start = time.perf_counter()
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        ms.append((time.perf_counter() - start) * 1e3)
        check(p.exitcode == 0, "process exit code")
    emit("ms", median(ms), "ms")


if __name__ == "__main__":
    main()
