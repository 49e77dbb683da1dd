# What examples/python/lock_value.py does, in pure Python multiprocessing.
import multiprocessing as mp


def bump(counter, lock):
    for _ in range(1000):
        with lock:
            counter.value += 1


def increment_counter(counter, iterations):
    for _ in range(iterations):
        with counter.get_lock():
            counter.value += 1


def sum_partition(array, start_idx, end_idx, result_idx, result_array):
    total = sum(array[start_idx:end_idx])
    with result_array.get_lock():
        result_array[result_idx] = total


if __name__ == "__main__":
    lock = mp.Lock()
    counter = mp.Value("i", 0)
    procs = [mp.Process(target=bump, args=(counter, lock)) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(counter.value)

    counter = mp.Value("i", 0)
    procs = [mp.Process(target=increment_counter, args=(counter, 100)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(f"Final counter: {counter.value}")

    shared = mp.Array("i", range(1000))
    results = mp.Array("i", 4)
    procs = [mp.Process(target=sum_partition, args=(shared, i * 250, (i + 1) * 250, i, results)) for i in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    print(f"Partition sums: {list(results)}")
    print(f"Total: {sum(results)}")
