"""The tutorials' Lock / Value / Array examples with ferry: a counter
bumped under a Lock, one under its own get_lock(), and partition sums of
a shared Array (Python prints [31125, 93625, 156125, 218625], total 499500).

    PYTHONPATH=build/python python3 examples/python/lock_value.py
"""

import ferry

if __name__ == "__main__":
    with ferry.Engine() as engine:
        shared = engine.load("shared")

        lock = engine.lock("counter_lock")
        counter = engine.Value("i", 0)
        procs = [ferry.Process(shared, "bump", args=(counter, lock)) for _ in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(counter.value)

        counter = engine.Value("i", 0)
        procs = [ferry.Process(shared, "increment_counter", args=(counter, 100)) for _ in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(f"Final counter: {counter.value}")

        array = engine.Array("i", range(1000))
        results = engine.Array("i", 4)
        procs = [ferry.Process(shared, "sum_partition", args=(array, i * 250, (i + 1) * 250, i, results))
                 for i in range(4)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(f"Partition sums: {list(results)}")
        print(f"Total: {sum(results)}")
