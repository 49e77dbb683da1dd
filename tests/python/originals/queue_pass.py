# What examples/python/queue_pass.py does, in pure Python multiprocessing.
from multiprocessing import Process, Queue


def producer(q):
    q.put("Hello")
    q.put("from")
    q.put("another process")


def worker(n, q):
    q.put(n * n)


if __name__ == "__main__":
    q = Queue()
    p = Process(target=producer, args=(q,))
    p.start()
    p.join()
    for _ in range(3):  # q.empty() is unreliable right after a put in Python
        print(q.get())

    q = Queue()
    procs = [Process(target=worker, args=(i, q)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    results = [q.get(timeout=5) for _ in procs]
    print(sorted(results))
