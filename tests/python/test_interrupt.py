"""Ctrl-C and host death: a Python process sent SIGINT while it waits, or
SIGKILLed while it holds a pool, leaves no ferry-worker behind."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from conftest import pid_gone, wait_until

# The child prints the workers' pids, then "waiting", then blocks.
CHILD = {
    "pool_get": """
        with ferry.Pool(faults, 2) as p:
            pids = p.map("worker_pid", range(8), chunksize=1)
            r = p.apply_async("hang", (1,))
            report(pids)
            try:
                r.get()
            except KeyboardInterrupt:
                print("KeyboardInterrupt", flush=True)
                raise SystemExit(0)
    """,
    "pool_map": """
        p = ferry.Pool(faults, 2)
        report(p.map("worker_pid", range(8), chunksize=1))
        try:
            p.map("hang", [1, 2])
        except KeyboardInterrupt:
            print("KeyboardInterrupt", flush=True)
            raise SystemExit(0)
    """,
    "pool_join": """
        # One worker: after close() an idle worker would exit by itself.
        p = ferry.Pool(faults, 1)
        report(p.map("worker_pid", range(8), chunksize=1))
        p.apply_async("hang", (1,))
        p.close()
        try:
            p.join()
        except KeyboardInterrupt:
            print("KeyboardInterrupt", flush=True)
            raise SystemExit(0)
    """,
    "process_join": """
        proc = ferry.Process(faults, "hang", args=(1,))
        proc.start()
        report([proc.pid])
        try:
            proc.join()
        except KeyboardInterrupt:
            print("KeyboardInterrupt", proc.exitcode, flush=True)
            raise SystemExit(0)
    """,
    "queue_get": """
        eng = ferry.Engine()
        q = eng.queue("never", int)
        p = ferry.Pool(faults, 1)
        report(p.map("worker_pid", [0]))
        try:
            q.get()
        except KeyboardInterrupt:
            print("KeyboardInterrupt", flush=True)
            raise SystemExit(0)
    """,
}

PRELUDE = """
import ferry
faults = ferry.Engine().load("faults")
def report(pids):
    print("pids", *sorted(set(pids)), flush=True)
    print("waiting", flush=True)
"""


def blocked_in_a_wait(pid):
    """True when pid's main thread sleeps in a system call other than write
    (the "waiting" line's): the blocking wait the test interrupts."""
    try:
        with open(f"/proc/{pid}/syscall") as f:
            call = f.read().split()[0]
        with open(f"/proc/{pid}/stat") as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state == "S" and call not in ("running", "1")


def start_child(body):
    code = PRELUDE + textwrap.dedent(body)
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    pids = [int(x) for x in child.stdout.readline().split()[1:]]
    assert child.stdout.readline().strip() == "waiting"
    assert pids and all(not pid_gone(p) for p in pids)
    # The signal must land in the wait, not in the print before it.
    assert wait_until(lambda: blocked_in_a_wait(child.pid) and blocked_in_a_wait(child.pid))
    return child, pids


@pytest.mark.parametrize("case", sorted(CHILD))
def test_ctrl_c_interrupts_and_leaves_no_worker(case):
    child, pids = start_child(CHILD[case])
    child.send_signal(signal.SIGINT)
    out, _ = child.communicate(timeout=30)
    assert child.returncode == 0
    assert out.startswith("KeyboardInterrupt")
    if case == "process_join":
        assert out.split()[1] == str(-signal.SIGKILL)
    assert wait_until(lambda: all(pid_gone(p) for p in pids)), pids


def test_sigkilled_python_leaves_no_worker():
    child, pids = start_child(CHILD["pool_get"])
    child.kill()
    child.wait(timeout=30)
    assert wait_until(lambda: all(pid_gone(p) for p in pids)), pids


def test_a_crashing_task_never_takes_python_down(faults):
    import ferry
    for task in ("segfault", "abort_now", "kill_self", "garbage_to_host", "close_pipe"):
        p = ferry.Process(faults, task, args=(1,))
        p.start()
        p.join()
        with pytest.raises(ferry.WorkerError):
            p.result()
        with ferry.Pool(faults, 1) as pool:
            with pytest.raises(ferry.WorkerError):
                pool.apply(task, (1,))
            assert pool.apply("echo", (3,)) == 3
