"""Shared state from Python: the same objects tasks reach through ctx or as arguments."""

import queue

import pytest

import ferry


def test_dict_container_behaviour(engine):
    d = engine.dict("py_dict")
    d["a"] = 1
    d["b"] = 2
    assert len(d) == 2 and "a" in d and "z" not in d
    assert d["a"] == 1 and d.get("z") is None and d.get("z", 5) == 5
    assert sorted(d) == ["a", "b"] and dict(d) == {"a": 1, "b": 2}
    assert d.add("a", 10) == 11
    del d["b"]
    with pytest.raises(KeyError):
        d["b"]
    d.update({"c": 3})
    assert d.pop("c") == 3 and d.setdefault("e", 9) == 9
    d.clear()
    assert len(d) == 0


def test_dict_other_types(engine):
    d = engine.dict("py_dict_float", key=int, value=float)
    d[3] = 1.5
    assert d[3] == 1.5
    with pytest.raises(ValueError):
        engine.dict("bad", key=list)


def test_dict_as_task_argument(engine, shared):
    d = engine.dict("py_arg_dict")
    with ferry.Pool(shared, 2) as p:
        p.starmap("update_dict", [(d, f"key{i}", i * 10) for i in range(3)])
    assert dict(d) == {"key0": 0, "key1": 10, "key2": 20}


def test_dict_reached_by_name_through_ctx(engine, shared):
    d = engine.dict("shared_dict")
    with ferry.Pool(shared, 3) as p:
        p.map("update_shared_dict", range(3))
    assert dict(d) == {"key0": 0, "key1": 10, "key2": 20}


def test_list(engine, shared):
    lst = engine.list("py_list")
    lst.append(1)
    lst.extend([2, 3])
    with ferry.Pool(shared, 1) as p:
        p.apply("append_item", (lst, 4))
    assert list(lst) == [1, 2, 3, 4] and len(lst) == 4 and lst[-1] == 4
    lst[0] = 10
    assert lst[0] == 10 and lst[1:3] == [2, 3]
    with pytest.raises(IndexError):
        lst[4]


def test_queue_get_timeout_and_task_puts(engine, shared):
    q = engine.queue("py_queue", int)
    with ferry.Pool(shared, 2) as p:
        p.starmap("put_square", [(i, q) for i in range(5)])
    assert sorted(q.get(timeout=5) for _ in range(5)) == [0, 1, 4, 9, 16]
    with pytest.raises(queue.Empty):
        q.get(timeout=0.05)
    with pytest.raises(queue.Empty):
        q.get_nowait()
    q.put(7)
    assert q.qsize() == 1 and not q.empty() and q.get() == 7


def test_queue_of_strings_from_a_producer(engine, shared):
    q = engine.queue("py_str_queue", str)
    with ferry.Pool(shared, 1) as p:
        p.apply("producer", (q,))
    items = []
    while not q.empty():
        items.append(q.get())
    assert items and all(isinstance(x, str) for x in items)


def test_bounded_queue_put_timeout(engine):
    q = engine.queue("py_bounded", int, maxsize=1)
    q.put(1)
    with pytest.raises(queue.Full):
        q.put(2, timeout=0.05)
    with pytest.raises(queue.Full):
        q.put_nowait(2)


def test_lock(engine):
    lk = engine.lock("py_lock")
    assert lk.acquire()
    assert not lk.acquire(timeout=0.05)
    assert not lk.acquire(block=False)
    lk.release()
    with lk:
        pass


def test_event(engine):
    ev = engine.event("py_event")
    assert not ev.is_set() and not ev.wait(0.05)
    ev.set()
    assert ev.is_set() and ev.wait()
    ev.clear()
    assert not ev.is_set()


def test_value_and_array_shared_with_tasks(engine, shared):
    counter = engine.Value("i", 0)
    number = engine.Value("i", 5)
    arr = engine.Array("i", [1, 2, 3])
    with ferry.Pool(shared, 2) as p:
        p.starmap("increment_counter", [(counter, 500)] * 4)
        p.apply("update_shared", (number, arr))
    assert counter.value == 2000
    assert number.value == 105 and arr[:] == [2, 4, 6]
    with counter.get_lock():
        counter.value += 1  # re-entrant for .value, as multiprocessing's RLock
    assert counter.value == 2001
    assert len(arr) == 3 and list(arr) == [2, 4, 6] and arr[-1] == 6
    arr[0] = 9
    assert arr[0] == 9
    d = engine.Value("d", 1.5)
    d.value = 2.5
    assert d.value == 2.5
    assert engine.Array("q", 2)[:] == [0, 0]
    with pytest.raises(ValueError):
        engine.Value("x", 0)


def test_lock_and_value_passed_together(engine, shared):
    counter = engine.Value("i", 0)
    lk = engine.lock("py_bump_lock")
    with ferry.Pool(shared, 2) as p:
        p.starmap("bump", [(counter, lk)] * 4)
    assert counter.value == 4000


def test_a_plain_value_for_a_handle_is_a_value_error(shared):
    with ferry.Pool(shared, 1) as p:
        with pytest.raises(ValueError, match="argument 2"):
            p.apply("put_square", (1, 5))


def test_semaphore(engine, shared):
    sem = engine.semaphore("py_sem", 2)
    assert sem.get_value() == 2
    assert sem.acquire() and sem.acquire(timeout=1)
    assert not sem.acquire(timeout=0.05) and not sem.acquire(block=False)
    sem.release()
    sem.release()
    with sem:
        assert sem.get_value() == 1
    counts = engine.dict("py_sem_counts")
    log = engine.list("py_sem_log")
    one = engine.semaphore("py_sem_one", 1)
    with ferry.Pool(shared, 2) as p:
        p.starmap("guarded_section", [(one, counts, log)] * 4)
    assert len(log) == 4 and max(log) == 1  # never two holders at once


def test_barrier(engine, shared):
    import threading
    barrier = engine.barrier("py_barrier", 3)
    with ferry.Pool(shared, 2) as p:
        r = p.starmap_async("arrive", [(barrier,)] * 2, chunksize=1)
        mine = barrier.wait(timeout=30)
        assert sorted(r.get(timeout=30) + [mine]) == [0, 1, 2]
    lonely = engine.barrier("py_barrier_broken", 2)
    with pytest.raises(threading.BrokenBarrierError):
        lonely.wait(timeout=0.05)
