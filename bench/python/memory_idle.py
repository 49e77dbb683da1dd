"""Memory of an idle Python multiprocessing: the parent (a Pool(1) that has
run one task) and its worker, from /proc/PID/smaps_rollup: Rss and Pss in
KiB. (ferry: bench/ferry/memory_idle.cpp)"""
import multiprocessing as mp
import os

from common import emit


def rollup_kib(pid, name):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith(name + ":"):
                return float(line.split()[1])
    raise RuntimeError("no %s in /proc/%d/smaps_rollup" % (name, pid))


def main():
    with mp.Pool(1) as pool:
        worker = pool.apply(os.getpid)
        emit("host_rss", rollup_kib(os.getpid(), "Rss"), "KiB")
        emit("host_pss", rollup_kib(os.getpid(), "Pss"), "KiB")
        emit("worker_rss", rollup_kib(worker, "Rss"), "KiB")
        emit("worker_pss", rollup_kib(worker, "Pss"), "KiB")


if __name__ == "__main__":
    main()
