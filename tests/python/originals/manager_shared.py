# What examples/python/manager_shared.py does, in pure Python multiprocessing.
from multiprocessing import Manager, Process


def update_dict(shared_dict, key, value):
    shared_dict[key] = value


def append_item(shared_list, value):
    shared_list.append(value)


if __name__ == "__main__":
    with Manager() as manager:
        shared_dict = manager.dict()
        procs = [Process(target=update_dict, args=(shared_dict, f"key{i}", i * 10)) for i in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(dict(sorted(shared_dict.items())))

        shared_list = manager.list()
        procs = [Process(target=append_item, args=(shared_list, i)) for i in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        print(sorted(shared_list))
