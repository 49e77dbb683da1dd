# What examples/python/pool_map.py does, in pure Python multiprocessing (the seed tutorials' code).
import multiprocessing as mp
import time


def is_prime(n):
    if n < 2:
        return False
    for i in range(2, int(n ** 0.5) + 1):
        if n % i == 0:
            return False
    return True


def power(base, exp):
    return base ** exp


def multiply_matrices(matrix_a, matrix_b):
    result = [[0, 0], [0, 0]]
    for i in range(2):
        for j in range(2):
            for k in range(2):
                result[i][j] += matrix_a[i][k] * matrix_b[k][j]
    return result


def work_with_error(should_fail):
    time.sleep(0.1)
    if should_fail:
        raise ValueError("Something went wrong!")
    return "Success!"


if __name__ == "__main__":
    numbers = [2, 17, 23, 50, 97, 100, 101, 200]
    with mp.Pool(processes=4) as pool:
        results = pool.map(is_prime, numbers)
    for n, prime in zip(numbers, results):
        print(f"{n}: {'Prime' if prime else 'Not prime'}")

    pairs = [(2, 3), (3, 4), (5, 2), (10, 3)]
    with mp.Pool(4) as pool:
        for (base, exp), result in zip(pairs, pool.starmap(power, pairs)):
            print(f"{base}^{exp} = {result}")

    tasks = [
        ([[1, 2], [3, 4]], [[5, 6], [7, 8]]),
        ([[2, 0], [1, 3]], [[4, 1], [2, 5]]),
        ([[1, 1], [1, 1]], [[1, 2], [3, 4]]),
    ]
    with mp.Pool(3) as pool:
        results = pool.starmap(multiply_matrices, tasks)
    for (a, b), result in zip(tasks, results):
        print(f"Result: {result}")

    with mp.Pool(2) as pool:
        r = pool.apply_async(work_with_error, (True,))
        try:
            r.get(timeout=5)
        except ValueError as e:
            print(f"Error caught: {e}")
