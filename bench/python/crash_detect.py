"""A task aborts its worker inside Pool.map. Python's Pool replaces the
worker but never fails the task: the map waits forever. So this waits at
most TIMEOUT seconds (map_async(...).get(timeout)) and reports "never"
(value null) when the map has not returned by then; the pool is then
terminated. (ferry: bench/ferry/crash_detect.cpp)"""
import multiprocessing as mp
import os
import time

from common import check, emit

TIMEOUT = 2.0

died_at = None  # in each worker: the Value the pool's initializer hands it


def remember(value):
    global died_at
    died_at = value


def crash(_):
    died_at.value = time.perf_counter()
    os.abort()


def main():
    crashed = mp.Value("d", 0.0)
    with mp.Pool(2, initializer=remember, initargs=(crashed,)) as pool:
        pool.map(abs, [1, 2])
        try:
            pool.map_async(crash, [0]).get(timeout=TIMEOUT)
            check(False, "the map returned although its task crashed")
        except mp.TimeoutError:
            check(crashed.value > 0, "the task did not run")
            emit("ms", None, "ms")
        except Exception:  # a Python whose Pool does report the crash
            emit("ms", (time.perf_counter() - crashed.value) * 1e3, "ms")
        pool.terminate()


if __name__ == "__main__":
    main()
