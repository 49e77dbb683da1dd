"""ferry.Process: multiprocessing.Process's methods and exitcode rules."""

import signal

import pytest

import ferry

from conftest import pid_gone


def test_start_join_result(math):
    p = ferry.Process(math, "power", args=(2, 5))
    assert p.pid is None and p.exitcode is None and not p.is_alive()
    p.start()
    assert p.pid > 0
    p.join()
    assert p.exitcode == 0 and not p.is_alive()
    assert p.result() == 32


def test_task_error_exitcode_1(math):
    p = ferry.Process(math, "bad")
    p.start()
    p.join()
    assert p.exitcode == 1
    with pytest.raises(ferry.TaskError, match="worker failed"):
        p.result()


def test_crash_is_minus_the_signal(faults):
    p = ferry.Process(faults, "segfault", args=(1,))
    p.start()
    p.join()
    assert p.exitcode == -signal.SIGSEGV
    with pytest.raises(ferry.WorkerError, match="SIGSEGV"):
        p.result()


def test_exit_code(faults):
    p = ferry.Process(faults, "exit_with", args=(7,))
    p.start()
    p.join()
    assert p.exitcode == 7


def test_join_timeout_terminate(faults):
    p = ferry.Process(faults, "hang", args=(1,))
    p.start()
    p.join(timeout=0.1)
    assert p.is_alive() and p.exitcode is None
    p.terminate()
    p.join()
    assert p.exitcode == -signal.SIGTERM
    assert pid_gone(p.pid)


def test_kill(faults):
    p = ferry.Process(faults, "hang", args=(1,))
    p.start()
    p.kill()
    p.join()
    assert p.exitcode == -signal.SIGKILL


def test_result_timeout(faults):
    p = ferry.Process(faults, "hang", args=(1,))
    p.start()
    with pytest.raises(TimeoutError):
        p.result(timeout=0.05)
    p.kill()


def test_bad_arguments_before_start(math):
    with pytest.raises(ValueError, match="argument 1"):
        ferry.Process(math, "power", args=("x", 1))
    with pytest.raises(ValueError, match="no_such"):
        ferry.Process(math, "no_such")


def test_start_twice(math):
    p = ferry.Process(math, "square", args=(3,))
    p.start()
    with pytest.raises(ferry.StateError):
        p.start()
    assert p.result() == 9
