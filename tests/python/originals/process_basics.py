# What examples/python/process_basics.py does, in pure Python multiprocessing.
import multiprocessing as mp


def square(n, q):
    q.put((n, n * n))


def bad():
    raise RuntimeError("worker failed")


if __name__ == "__main__":
    q = mp.Queue()
    procs = [mp.Process(target=square, args=(i, q)) for i in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print([v for _, v in sorted(q.get() for _ in procs)])

    p = mp.Process(target=bad)
    p.start()
    p.join()
    print("exitcode:", p.exitcode)
