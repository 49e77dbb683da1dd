"""The pipeline row's Python side: the job of bench/ferry/pipeline.yaml
(inc, square, is_even over 0 .. N-1, one worker a stage, results written as
JSON lines), written as a multiprocessing user would.

    pipeline.py N OUT [queues|pools]

queues (the default, what the suite runs): three stage Processes joined by
bounded Queues, items travelling in lists of 1000, the parent feeding the
first queue from a thread and writing what comes out of the last.
pools: three Pool(1)s chained with imap(chunksize=1000); the same result,
slower here, kept for comparison."""
import json
import multiprocessing as mp
import sys
import threading

CHUNK = 1000


def inc(x):
    return x + 1


def square(x):
    return x * x


def is_even(x):
    return x % 2 == 0


def stage(fn, inbox, outbox):
    """Applies fn to every item of every list from inbox until None."""
    while (chunk := inbox.get()) is not None:
        outbox.put([fn(x) for x in chunk])
    outbox.put(None)


def with_queues(n, f):
    queues = [mp.Queue(maxsize=16) for _ in range(4)]
    stages = [mp.Process(target=stage, args=(fn, queues[i], queues[i + 1]))
              for i, fn in enumerate((inc, square, is_even))]
    for p in stages:
        p.start()

    def feed():
        for start in range(0, n, CHUNK):
            queues[0].put(list(range(start, min(n, start + CHUNK))))
        queues[0].put(None)

    feeder = threading.Thread(target=feed)
    feeder.start()
    while (chunk := queues[-1].get()) is not None:
        for r in chunk:
            f.write(json.dumps(r) + "\n")
    feeder.join()
    for p in stages:
        p.join()
        if p.exitcode != 0:
            sys.exit("a stage failed with exit code %s" % p.exitcode)


def with_pools(n, f):
    with mp.Pool(1) as p1, mp.Pool(1) as p2, mp.Pool(1) as p3:
        a = p1.imap(inc, range(n), chunksize=CHUNK)
        b = p2.imap(square, a, chunksize=CHUNK)
        for r in p3.imap(is_even, b, chunksize=CHUNK):
            f.write(json.dumps(r) + "\n")


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    run = {"queues": with_queues, "pools": with_pools}[sys.argv[3] if len(sys.argv) > 3 else "queues"]
    with open(out, "w") as f:
        run(n, f)


if __name__ == "__main__":
    main()
