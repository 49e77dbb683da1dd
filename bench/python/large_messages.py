"""A Process sends 10 messages of 10 MB (10**7 bytes) through a Queue or a
Pipe, the parent receives them: MB a second, from Process start to the last
one. (ferry: bench/ferry/queue_large.cpp, pipe_large.cpp)

    large_messages.py queue|pipe"""
import multiprocessing as mp
import sys
import time

from common import check, emit

MESSAGES = 10
BYTES = 10_000_000


def message(i):
    """Message i: BYTES bytes, the first one i % 256."""
    return bytes([i % 256]) + b"x" * (BYTES - 1)


def put_bytes(q):
    for i in range(MESSAGES):
        q.put(message(i))


def pipe_send(conn):
    for i in range(MESSAGES):
        conn.send(message(i))


def main():
    kind = sys.argv[1]
    if kind == "queue":
        q = mp.Queue()
        receive, target, args = q.get, put_bytes, (q,)
    else:
        receiver, sender = mp.Pipe(duplex=False)
        receive, target, args = receiver.recv, pipe_send, (sender,)
    start = time.perf_counter()
    p = mp.Process(target=target, args=args)
    p.start()
    for i in range(MESSAGES):
        b = receive()
        check(len(b) == BYTES and b[0] == i % 256, "message %d" % i)
    elapsed = time.perf_counter() - start
    p.join()
    check(p.exitcode == 0, "producer exit code")
    emit("mb_per_s", MESSAGES * BYTES / 1e6 / elapsed, "MB/s")


if __name__ == "__main__":
    main()
