"""Shared objects with Python container behaviour, over the _ferry handles.

Each has __ferry_value__, so passing it as a task argument hands the task
the same object (a task parameter of type ferry::Dict<...>, ferry::Queue<...>, ...).
"""

import collections.abc
import queue as _queue


class _Handle:
    __slots__ = ("_h",)

    def __init__(self, handle):
        self._h = handle

    @property
    def name(self):
        return self._h.name

    def __ferry_value__(self):
        return self._h.__ferry_value__()

    def __repr__(self):
        return f"<ferry.{type(self).__name__} {self.name!r}>"


class Dict(_Handle, collections.abc.MutableMapping):
    """A manager dict (Manager().dict()): d[k] = v, len(d), k in d, iteration."""

    __slots__ = ()

    def __getitem__(self, key):
        return self._h[key]

    def __setitem__(self, key, value):
        self._h[key] = value

    def __delitem__(self, key):
        del self._h[key]

    def __contains__(self, key):
        return self._h.__contains__(key)

    def __len__(self):
        return len(self._h)

    def __iter__(self):
        return iter(self._h.keys())

    def keys(self):
        return self._h.keys()

    def values(self):
        return [v for _, v in self._h.items()]

    def items(self):
        return self._h.items()

    def get(self, key, default=None):
        v = self._h.get(key)
        return default if v is None else v

    def add(self, key, delta):
        """d[key] += delta as one step (atomic across processes); the new value."""
        return self._h.add(key, delta)

    def clear(self):
        self._h.clear()

    def copy(self):
        return dict(self._h.items())


class List(_Handle, collections.abc.Sequence):
    """A manager list: append, extend, l[i], l[i] = v, len, iteration."""

    __slots__ = ()

    def _index(self, i):
        n = len(self._h)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("list index out of range")
        return i

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self._h.items()[i]
        return self._h.at(self._index(i))

    def __setitem__(self, i, value):
        self._h.set(self._index(i), value)

    def __len__(self):
        return len(self._h)

    def __iter__(self):
        return iter(self._h.items())

    def append(self, value):
        self._h.append(value)

    def extend(self, values):
        self._h.extend(list(values))

    def tolist(self):
        return self._h.items()


class Queue(_Handle):
    """A queue shared with tasks (multiprocessing.JoinableQueue's methods)."""

    __slots__ = ()

    def put(self, obj, block=True, timeout=None):
        if not self._h.put_for(obj, timeout if block else 0):
            raise _queue.Full
        return None

    def put_nowait(self, obj):
        return self.put(obj, False)

    def get(self, block=True, timeout=None):
        v = self._h.get_for(timeout if block else 0)
        if v is None:
            raise _queue.Empty
        return v

    def get_nowait(self):
        return self.get(False)

    def qsize(self):
        return self._h.qsize()

    def empty(self):
        return self._h.empty()

    def task_done(self):
        self._h.task_done()

    def join(self):
        self._h.join()


class Lock(_Handle):
    """A lock shared with tasks: acquire(block, timeout), release, with."""

    __slots__ = ()

    def acquire(self, block=True, timeout=None):
        return self._h.acquire_for(timeout if block else 0)

    def release(self):
        self._h.release()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


class Event(_Handle):
    """An event shared with tasks: set, clear, is_set, wait(timeout)."""

    __slots__ = ()

    def set(self):
        self._h.set()

    def clear(self):
        self._h.clear()

    def is_set(self):
        return self._h.is_set()

    def wait(self, timeout=None):
        return self._h.wait_for(timeout)


class Semaphore(_Handle):
    """A counting semaphore shared with tasks: acquire(block, timeout), release, get_value, with."""

    __slots__ = ()

    def acquire(self, block=True, timeout=None):
        return self._h.acquire_for(timeout if block else 0)

    def release(self):
        self._h.release()

    def get_value(self):
        return self._h.get_value()

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *exc):
        self.release()


class Barrier(_Handle):
    """A barrier for a fixed number of parties, shared with tasks.

    wait(timeout) returns this caller's arrival index (0 .. parties-1); a
    wait that times out breaks the barrier and raises threading.BrokenBarrierError
    (Ctrl-C does not interrupt a wait without a timeout)."""

    __slots__ = ()

    def wait(self, timeout=None):
        index = self._h.wait_for(timeout)
        if index is None:
            import threading
            raise threading.BrokenBarrierError
        return index


class _SegmentLock:
    """What get_lock() returns: the segment's lock, re-entrant for its owner's
    .value / [i] (as multiprocessing's RLock is)."""

    def __init__(self, owner):
        self._owner = owner

    def acquire(self):
        if self._owner._held == 0:
            self._owner._h.lock()
        self._owner._held += 1
        return True

    def release(self):
        self._owner._held -= 1
        if self._owner._held == 0:
            self._owner._h.unlock()

    __enter__ = acquire

    def __exit__(self, *exc):
        self.release()


class Value:
    """A number in shared memory (multiprocessing.Value): .value, get_lock()."""

    def __init__(self, handle, typecode):
        self._h = handle
        self._held = 0
        self.typecode = typecode

    @property
    def value(self):
        return self._h.get_unlocked() if self._held else self._h.get()

    @value.setter
    def value(self, v):
        if self._held:
            self._h.set_unlocked(v)
        else:
            self._h.set(v)

    def get_lock(self):
        return _SegmentLock(self)

    def __ferry_value__(self):
        return self._h.__ferry_value__()

    def __repr__(self):
        return f"<ferry.Value({self.typecode!r}, {self.value!r})>"


class Array:
    """Numbers in shared memory (multiprocessing.Array): a[i], a[:], len, get_lock()."""

    def __init__(self, handle, typecode):
        self._h = handle
        self._held = 0
        self.typecode = typecode

    def __len__(self):
        return len(self._h)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return self._h.to_list()[i]
        n = len(self._h)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("array index out of range")
        return self._h.get_unlocked(i) if self._held else self._h.get(i)

    def __setitem__(self, i, v):
        if isinstance(i, slice):
            for k, x in zip(range(*i.indices(len(self))), v):
                self[k] = x
            return
        n = len(self._h)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError("array index out of range")
        if self._held:
            self._h.set_unlocked(i, v)
        else:
            self._h.set(i, v)

    def __iter__(self):
        return iter(self._h.to_list())

    def get_lock(self):
        return _SegmentLock(self)

    def __ferry_value__(self):
        return self._h.__ferry_value__()

    def __repr__(self):
        return f"<ferry.Array({self.typecode!r}, {self[:]!r})>"
