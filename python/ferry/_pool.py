"""ferry.Pool: multiprocessing.Pool's methods over a plugin's tasks."""

import queue as _queue
import threading

from . import _ferry
from ._ferry import StateError, TimeoutError


def _no_kwds(kwds):
    if kwds:
        raise _ferry.ArgumentError("ferry tasks take positional arguments only; kwds must be empty")


def _sequence(iterable):
    """The items of iterable as a sequence the C++ side reads once, at
    submission: a list, tuple or range as it is (a range of ints is read
    without making an int object per item), anything else as a list."""
    return iterable if type(iterable) in (list, tuple, range) else list(iterable)


class _Callbacks:
    """One thread a pool that waits for results in submission order and runs
    their callback or error_callback (as multiprocessing's result handler)."""

    def __init__(self):
        self._todo = _queue.SimpleQueue()
        self._thread = None
        self._lock = threading.Lock()

    def add(self, result):
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="ferry-callbacks", daemon=True)
                self._thread.start()
        self._todo.put(result)

    def stop(self):
        with self._lock:
            if self._thread is not None:
                self._todo.put(None)

    def _run(self):
        while True:
            result = self._todo.get()
            if result is None:
                return
            result._run_callbacks()


class AsyncResult:
    """The result of apply_async: get(timeout), wait(timeout), ready(), successful()."""

    def __init__(self, pool, results, callback=None, error_callback=None):
        self._pool = pool
        self._results = results
        self._callback = callback
        self._error_callback = error_callback
        self._callbacks_done = None
        if callback is not None or error_callback is not None:
            self._callbacks_done = threading.Event()
            pool._callbacks.add(self)

    # One result (apply_async); MapResult overrides these four for many.
    def _wait(self, timeout):
        return self._results.wait(0, timeout)

    def _value(self):
        return self._results.get(0)

    def _ready(self):
        return self._results.ready(0)

    def _successful(self):
        return self._results.successful(0)

    def _run_callbacks(self):
        try:
            self._guard(self._wait, None)
            try:
                value = self._value()
            except Exception as e:  # the task's error goes to error_callback
                if self._error_callback is not None:
                    self._error_callback(e)
            else:
                if self._callback is not None:
                    self._callback(value)
        finally:
            self._callbacks_done.set()

    def _guard(self, wait, timeout):
        try:
            return wait(timeout)
        except KeyboardInterrupt:
            self._pool.terminate()
            raise

    def ready(self):
        """True once the task has finished (and its callback has run)."""
        return self._ready() and (self._callbacks_done is None or self._callbacks_done.is_set())

    def successful(self):
        """Whether it finished without error; ValueError if not ready."""
        if not self.ready():
            raise ValueError(f"{self!r} not ready")
        return self._successful()

    def wait(self, timeout=None):
        """Waits until ready or timeout seconds pass."""
        if not self._guard(self._wait, timeout):
            return
        if self._callbacks_done is not None:
            self._callbacks_done.wait(timeout)

    def get(self, timeout=None):
        """The result, or the task's error raised; ferry.TimeoutError if not ready in time.

        Ctrl-C while waiting terminates the pool (no worker is left) and raises KeyboardInterrupt."""
        self.wait(timeout)
        if not self.ready():
            raise TimeoutError("result not ready within the timeout")
        return self._value()


class MapResult(AsyncResult):
    """The result of map_async / starmap_async: get() is the list of results."""

    def _wait(self, timeout):
        return self._results.wait_all(timeout)

    def _value(self):
        return self._results.get_all()

    def _ready(self):
        return self._results.all_ready()

    def _successful(self):
        return all(self._results.successful(k) for k in range(len(self._results)))


class _IMapIterator:
    """What imap and imap_unordered return: an iterator with next(timeout)."""

    def __init__(self, pool, results):
        self._pool = pool
        self._results = results
        self._k = 0

    def __iter__(self):
        return self

    def next(self, timeout=None):
        if self._k >= len(self._results):
            raise StopIteration
        try:
            ready = self._results.wait(self._k, timeout)
        except KeyboardInterrupt:
            self._pool.terminate()
            raise
        if not ready:
            raise TimeoutError("next result not ready within the timeout")
        k = self._k
        self._k += 1
        return self._results.get(k)

    __next__ = next

    def __len__(self):
        return len(self._results)


class Pool:
    """A pool of ferry-worker processes running one plugin's tasks.

    As multiprocessing.Pool, with tasks named by string:
    ``pool.map("is_prime", range(100))``. processes defaults to one per CPU.
    timeout (seconds) stops and replaces a worker whose task runs past it
    (that item fails with ferry.TimeoutError); memory_limit (bytes) caps each
    worker's address space. initializer and context are not supported (a
    plugin sets itself up when its worker loads it): they must stay None.
    """

    def __init__(self, plugin, processes=None, initializer=None, initargs=(), maxtasksperchild=None, context=None, *,
                 timeout=None, memory_limit=0):
        if initializer is not None or context is not None:
            raise ValueError("ferry.Pool takes no initializer or context: a plugin initialises itself when loaded")
        self._core = _ferry.Pool(plugin, processes, maxtasksperchild, timeout, memory_limit)
        self._callbacks = _Callbacks()
        self._state = "run"

    @property
    def plugin(self):
        return self._core.plugin

    @property
    def processes(self):
        return self._core.workers

    def _submit(self, func, calls, chunksize, ordered=True, single=False):
        if not isinstance(func, str):
            raise TypeError(f"tasks are named by string, not {type(func).__name__}")
        if self._state != "run":
            raise StateError("Pool not running")
        return self._core.submit(func, calls, chunksize, ordered, single)

    def _collect(self, results):
        try:
            return results.get_all()
        except KeyboardInterrupt:
            self.terminate()
            raise

    # Blocking calls.
    def apply(self, func, args=(), kwds={}):
        """func(*args) on some worker; waits for and returns the result."""
        return self.apply_async(func, args, kwds).get()

    def map(self, func, iterable, chunksize=None):
        """[func(x) for x in iterable], in order; the first error is raised once every item finished."""
        return self._collect(self._submit(func, _sequence(iterable), chunksize, single=True))

    def starmap(self, func, iterable, chunksize=None):
        """[func(*args) for args in iterable], in order."""
        return self._collect(self._submit(func, [tuple(a) for a in iterable], chunksize))

    # Asynchronous calls.
    def apply_async(self, func, args=(), kwds={}, callback=None, error_callback=None):
        """func(*args) on some worker; returns an AsyncResult at once."""
        _no_kwds(kwds)
        return AsyncResult(self, self._submit(func, [tuple(args)], 1), callback, error_callback)

    def map_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        """As map, returning a MapResult at once."""
        return MapResult(self, self._submit(func, _sequence(iterable), chunksize, single=True), callback, error_callback)

    def starmap_async(self, func, iterable, chunksize=None, callback=None, error_callback=None):
        """As starmap, returning a MapResult at once."""
        return MapResult(self, self._submit(func, [tuple(a) for a in iterable], chunksize), callback,
                         error_callback)

    def imap(self, func, iterable, chunksize=1):
        """An iterator of func(x) in input order, each as soon as it (and those before it) is ready."""
        return _IMapIterator(self, self._submit(func, _sequence(iterable), chunksize, single=True))

    def imap_unordered(self, func, iterable, chunksize=1):
        """As imap, in the order items finish."""
        return _IMapIterator(self, self._submit(func, _sequence(iterable), chunksize, ordered=False, single=True))

    # Lifecycle.
    def close(self):
        """No more work may be submitted; what was submitted still runs."""
        self._state = "close"
        self._core.close()

    def terminate(self):
        """Stops the workers at once; unfinished results fail with ferry.StateError."""
        self._state = "terminate"
        self._core.terminate()
        self._callbacks.stop()

    def join(self):
        """Waits for the workers to exit; call close() or terminate() first."""
        if self._state == "run":
            raise ValueError("Pool is still running")
        # The C++ join releases the GIL but cannot be interrupted: it runs on
        # a thread of its own while this one waits in slices, which Ctrl-C
        # interrupts; then the workers are stopped, so none is left behind.
        # (An Event, not Thread.join: a join interrupted by KeyboardInterrupt
        # may later return before the thread has ended, and the pool must not
        # be destroyed under a join still running.)
        done = threading.Event()
        failed = []

        def run():
            try:
                self._core.join()
            except BaseException as e:  # handed to the waiting thread
                failed.append(e)
            finally:
                done.set()

        threading.Thread(target=run, name="ferry-pool-join", daemon=True).start()
        try:
            while not done.wait(0.05):
                pass
        except KeyboardInterrupt:
            self.terminate()
            done.wait()
            raise
        if failed:
            raise failed[0]
        self._callbacks.stop()

    def __enter__(self):
        if self._state != "run":
            raise ValueError("Pool not running")
        return self

    def __exit__(self, *exc):
        self.terminate()

    def __repr__(self):
        return f"<ferry.Pool state={self._state} pool_size={self.processes} plugin={self.plugin.name!r}>"
