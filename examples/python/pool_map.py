"""The multiprocessing.Pool tutorial's Pool examples with ferry: is_prime
over a pool of 4 (process_numbers.py), power with starmap, and the 2x2
matrix products (matrix_multiply.py), each a C++ task of the math plugin.

    PYTHONPATH=build/python python3 examples/python/pool_map.py
"""

import ferry

if __name__ == "__main__":
    with ferry.Engine() as engine:
        math = engine.load("math")  # plugins/math: is_prime, power, multiply_matrices, ...

        numbers = [2, 17, 23, 50, 97, 100, 101, 200]
        with ferry.Pool(math, processes=4) as pool:
            results = pool.map("is_prime", numbers)
        for n, prime in zip(numbers, results):
            print(f"{n}: {'Prime' if prime else 'Not prime'}")

        pairs = [(2, 3), (3, 4), (5, 2), (10, 3)]
        with ferry.Pool(math, 4) as pool:
            for (base, exp), result in zip(pairs, pool.starmap("power", pairs)):
                print(f"{base}^{exp} = {result}")

        tasks = [
            ([[1, 2], [3, 4]], [[5, 6], [7, 8]]),
            ([[2, 0], [1, 3]], [[4, 1], [2, 5]]),
            ([[1, 1], [1, 1]], [[1, 2], [3, 4]]),
        ]
        with ferry.Pool(math, 3) as pool:
            results = pool.starmap("multiply_matrices", tasks)
        for (a, b), result in zip(tasks, results):
            print(f"Result: {result}")

        with ferry.Pool(math, 2) as pool:
            r = pool.apply_async("work_with_error", (True,))
            try:
                r.get(timeout=5)
            except ferry.TaskError as e:
                print(f"Error caught: {e.message}")
