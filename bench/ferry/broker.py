"""The broker rows of the suite (bench/run.sh): pipelines whose task stage
runs on `ferry worker`s through a Redis server of their own (a free
loopback port, a temporary folder, appendonly as docs/distributed.md
advises), timed from `ferry run` starting to its end.

  broker.py BUILD pipeline N    1 host + 2 workers, N trivial items (square)
  broker.py BUILD local N       the same file run locally, for comparison
  broker.py BUILD scaling W     W workers of 1 process each, 500 items a
                                worker that sleep 10 ms, chunksize 1:
                                items/s (ideal: 100 a worker)

Prints one JSON line a metric (bench/python/common.py's format)."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time


def emit(metric, value, unit):
    print(json.dumps({"metric": metric, "value": value, "unit": unit}), flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(folder):
    for _ in range(20):
        port = free_port()
        proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", folder,
                                 "--appendonly", "yes", "--save", ""],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2) as c:
                    c.sendall(b"PING\r\n")
                    if c.recv(16).startswith(b"+PONG"):
                        return proc, port
            except OSError:
                time.sleep(0.05)
        proc.kill()
        proc.wait()
    sys.exit("cannot start redis-server")


def write_pipeline(folder, stage, items, out, settings=""):
    path = os.path.join(folder, "p.yaml")
    with open(path, "w") as f:
        f.write("pipeline: broker-bench\nplugins: {math: math, faults: faults}\nstages:\n"
                "  - {name: numbers, source: %s}\n  - {name: work, map: %s%s}\n  - {name: out, sink: {file: %s}}\n"
                % (items, stage, settings, out))
    return path


def main():
    build, mode, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    ferry = os.path.join(build, "bin", "ferry")
    folder = tempfile.mkdtemp(prefix="ferry-bench-broker-")
    redis = None
    workers = []
    try:
        out = os.path.join(folder, "out.jsonl")
        if mode == "scaling":
            count = 500 * n
            path = write_pipeline(folder, "faults.sleep_ms", "{values: [%s]}" % ", ".join(["10"] * count), out,
                                  ", chunksize: 1")
        else:
            count = n
            path = write_pipeline(folder, "math.square", "{range: [0, %d]}" % n, out)
        argv = [ferry, "run", "--quiet", path]
        if mode != "local":
            redis, port = start_redis(folder)
            url = "redis://127.0.0.1:%d" % port
            argv += ["--broker", url]
            per_worker = 1
            for i in range(n if mode == "scaling" else 2):
                workers.append(subprocess.Popen([ferry, "worker", "--broker", url, "--workers", str(per_worker),
                                                 "--name", "w%d" % i], stderr=subprocess.DEVNULL))
            deadline = time.time() + 30
            while time.time() < deadline:
                listed = subprocess.run([ferry, "workers", "--broker", url, "--json"], capture_output=True, text=True)
                if listed.stdout.count('"name"') >= len(workers):
                    break
                time.sleep(0.05)
        start = time.perf_counter()
        subprocess.run(argv, check=True)
        wall = time.perf_counter() - start
        with open(out) as f:
            lines = sum(1 for _ in f)
        if lines != count:
            sys.exit("wrong result: %d lines, expected %d" % (lines, count))
        emit("items_per_s", count / wall, "items/s")
        emit("run_s", wall, "s")
    finally:
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            try:
                w.wait(timeout=30)
            except subprocess.TimeoutExpired:
                w.kill()
        if redis:
            redis.kill()
            redis.wait()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
