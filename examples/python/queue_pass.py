"""The tutorials' Queue examples with ferry: a producer task putting three
strings, and four processes each putting n * n (C++ tasks of plugins/shared
taking a ferry::Queue; the queue is passed as an argument, as in Python).

    PYTHONPATH=build/python python3 examples/python/queue_pass.py
"""

import ferry

if __name__ == "__main__":
    with ferry.Engine() as engine:
        shared = engine.load("shared")

        q = engine.queue("messages", str)
        p = ferry.Process(shared, "producer", args=(q,))
        p.start()
        p.join()
        while not q.empty():
            print(q.get())

        q = engine.queue("squares", int)
        procs = [ferry.Process(shared, "put_square", args=(i, q)) for i in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        results = [q.get(timeout=5) for _ in procs]
        print(sorted(results))
