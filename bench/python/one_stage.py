"""The one_stage row's Python side: the job of bench/ferry/one_stage.yaml
(square each of 0 .. 199,999 on 2 worker processes, results to standard
output as JSON lines), written as a multiprocessing user would.

    one_stage.py [N]"""
import json
import multiprocessing as mp
import sys


def square(x):
    return x * x


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    with mp.Pool(2) as pool:
        results = pool.map(square, range(n))
    # One write of every line: quicker than a write a line, so ferry is
    # compared with the faster way to write this in Python.
    sys.stdout.write("".join(json.dumps(r) + "\n" for r in results))


if __name__ == "__main__":
    main()
