"""ferry.Pool: every name of multiprocessing.Pool."""

import threading

import pytest

import ferry


def test_map(pool):
    assert pool.map("is_prime", range(10)) == [False, False, True, True, False, True, False, True, False, False]


def test_map_over_ranges_of_every_shape_gives_what_a_list_gives(pool):
    # A range of ints is read without an int object per item: every shape
    # must give what the same ints in a list give.
    for r in (range(0), range(5, 0, -2), range(-3, 4), range(2**63 - 3, 2**63 - 1), range(-2**63, -2**63 + 9, 4)):
        assert pool.map("is_even", r) == pool.map("is_even", list(r)) == [x % 2 == 0 for x in r]
    with pytest.raises(ferry.ArgumentError, match="does not fit 64 bits"):
        pool.map("is_even", range(2**63, 2**63 + 2))
    assert pool.map("square", (x for x in range(4))) == [0, 1, 4, 9]  # any iterable still


def test_map_async_waits_for_all_of_its_results(pool):
    r = pool.map_async("slow_job", [50, 1])
    assert r.wait(0.001) is None
    assert not r.ready()
    with pytest.raises(TimeoutError):
        r.get(timeout=0.001)
    assert r.get() == [2500, 1]
    assert r.ready() and r.successful()


def test_map_with_chunksize(pool):
    assert pool.map("square", range(100), chunksize=7) == [x * x for x in range(100)]
    with pytest.raises(ValueError):
        pool.map("square", range(3), chunksize=0)


def test_map_of_nothing(pool):
    assert pool.map("square", []) == []


def test_starmap(pool):
    assert pool.starmap("power", [(2, 3), (3, 2), (10, 0)]) == [8, 9, 1]


def test_imap_in_order(pool):
    it = pool.imap("slow_job", [3, 1, 2])
    assert list(it) == [9, 1, 4]


def test_imap_next_with_timeout(pool):
    it = pool.imap("slow_job", [50])  # 500 ms
    with pytest.raises(ferry.TimeoutError):
        it.next(timeout=0.01)
    assert it.next(timeout=30) == 2500
    with pytest.raises(StopIteration):
        next(it)


def test_imap_unordered_yields_in_finishing_order(pool):
    # 30 -> 300 ms, 1 -> 10 ms on two workers: the quick one comes first.
    assert list(pool.imap_unordered("slow_job", [30, 1])) == [1, 900]


def test_apply(pool):
    assert pool.apply("power", (2, 10)) == 1024


def test_apply_async_get_ready_successful_wait(pool):
    r = pool.apply_async("slow_job", (20,))
    with pytest.raises(ValueError):
        r.successful()  # not ready yet: Python raises ValueError too
    r.wait()
    assert r.ready() and r.successful()
    assert r.get(timeout=5) == 400


def test_apply_async_get_timeout(pool):
    r = pool.apply_async("slow_job", (50,))
    with pytest.raises(TimeoutError):  # builtins.TimeoutError
        r.get(timeout=0.01)
    assert not r.ready()
    assert r.get() == 2500  # the task kept running


def test_apply_async_callback(pool):
    got = []
    r = pool.apply_async("square", (7,), callback=got.append)
    assert r.get() == 49
    assert got == [49]  # the callback has run before get() returns
    assert threading.current_thread().name not in ("ferry-callbacks",)


def test_apply_async_error_callback(pool):
    errors = []
    r = pool.apply_async("work_with_error", (True,), error_callback=errors.append)
    with pytest.raises(ferry.TaskError):
        r.get()
    assert len(errors) == 1 and isinstance(errors[0], ferry.TaskError)
    assert errors[0].message == "Something went wrong!"
    assert not r.successful()


def test_map_async_and_starmap_async(pool):
    done = []
    r = pool.map_async("square", range(5), callback=done.append)
    s = pool.starmap_async("power", [(2, 2), (3, 3)], chunksize=1)
    assert r.get(timeout=30) == [0, 1, 4, 9, 16]
    assert done == [[0, 1, 4, 9, 16]]
    assert s.get() == [4, 27]
    assert r.ready() and r.successful()


def test_map_async_error_callback(pool):
    errors = []
    r = pool.map_async("work_with_error", [False, True, False], error_callback=errors.append)
    with pytest.raises(ferry.TaskError, match="Something went wrong!"):
        r.get()
    assert len(errors) == 1 and not r.successful()


def test_task_error_carries_type_and_message(pool):
    with pytest.raises(ferry.TaskError) as info:
        pool.apply("bad")
    assert info.value.task == "bad"
    assert info.value.type == "std::runtime_error"
    assert info.value.message == "worker failed"


def test_map_raises_first_error_after_all_finish(faults):
    with ferry.Pool(faults, 2) as p:
        with pytest.raises(ferry.TaskError, match="throw_on_7"):
            p.map("throw_on_7", range(20))
        assert p.map("echo", [1, 2]) == [1, 2]  # the pool goes on


def test_worker_crash_is_a_worker_error_and_the_pool_goes_on(faults):
    with ferry.Pool(faults, 2) as p:
        with pytest.raises(ferry.WorkerError) as info:
            p.apply("segfault", (1,))
        assert "SIGSEGV" in info.value.cause
        with pytest.raises(ferry.WorkerError, match="exited with code 3"):
            p.apply("exit_with", (3,))
        assert p.map("echo", range(4)) == [0, 1, 2, 3]


def test_per_task_timeout(faults):
    with ferry.Pool(faults, 1, timeout=0.2) as p:
        with pytest.raises(ferry.TimeoutError):
            p.apply("hang", (1,))
        assert p.apply("echo", (5,)) == 5


def test_maxtasksperchild_replaces_workers(faults):
    with ferry.Pool(faults, 1, maxtasksperchild=1) as p:
        pids = [p.apply("worker_pid", (0,)) for _ in range(3)]
    assert len(set(pids)) == 3


def test_processes_default_and_validation(math):
    import os
    with ferry.Pool(math) as p:
        assert p.processes == os.cpu_count()
    with pytest.raises(ValueError):
        ferry.Pool(math, 0)
    with pytest.raises(ValueError):
        ferry.Pool(math, 1, initializer="setup")


def test_close_join(math):
    p = ferry.Pool(math, 2)
    r = p.map_async("slow_job", [5, 5, 5])
    with pytest.raises(ValueError):
        p.join()  # still running, as Python says
    p.close()
    with pytest.raises(ValueError, match="not running"):
        p.map("square", [1])
    p.join()
    assert r.get() == [25, 25, 25]  # submitted work finished


def test_terminate_fails_unfinished_work(faults):
    p = ferry.Pool(faults, 1)
    r = p.apply_async("hang", (1,))
    p.terminate()
    p.join()
    with pytest.raises(ferry.Error):
        r.get(timeout=10)


def test_context_manager_terminates(faults):
    with ferry.Pool(faults, 1) as p:
        r = p.apply_async("hang", (1,))
    with pytest.raises(ferry.Error):
        r.get(timeout=10)


def test_unknown_task_and_non_string_task(pool):
    with pytest.raises(ValueError, match="no_such_task"):
        pool.map("no_such_task", [1])
    with pytest.raises(TypeError):
        pool.map(len, [1])


def test_kwds_are_refused(pool):
    with pytest.raises(ValueError, match="positional"):
        pool.apply("power", (), {"base": 2, "exp": 3})


def test_gil_is_released_while_waiting(pool):
    # A Python thread keeps counting while the main thread waits in get().
    stop = threading.Event()
    count = [0]

    def spin():
        while not stop.is_set():
            count[0] += 1

    t = threading.Thread(target=spin)
    t.start()
    try:
        before = count[0]
        pool.apply("slow_job", (20,))  # 200 ms
        assert count[0] > before + 1000
    finally:
        stop.set()
        t.join()
