"""The tutorials' Manager examples with ferry: a shared dict updated by
three processes, and a shared list appended to by three. The engine holds
them, as a Manager's server process does.

    PYTHONPATH=build/python python3 examples/python/manager_shared.py
"""

import ferry

if __name__ == "__main__":
    with ferry.Engine() as manager:
        shared = manager.load("shared")

        shared_dict = manager.dict("shared_dict", str, int)
        procs = [ferry.Process(shared, "update_dict", args=(shared_dict, f"key{i}", i * 10)) for i in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(dict(sorted(shared_dict.items())))

        shared_list = manager.list("shared_list", int)
        procs = [ferry.Process(shared, "append_item", args=(shared_list, i)) for i in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(sorted(shared_list))
