"""The tutorials' Process examples with ferry: start / join, the result,
and exit codes by Python's rules (1 when the task raised).

    PYTHONPATH=build/python python3 examples/python/process_basics.py
"""

import ferry

if __name__ == "__main__":
    with ferry.Engine() as engine:
        math = engine.load("math")

        procs = [ferry.Process(math, "square", args=(i,)) for i in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print([p.result() for p in procs])

        p = ferry.Process(math, "bad")  # raises std::runtime_error("worker failed")
        p.start()
        p.join()
        print("exitcode:", p.exitcode)
