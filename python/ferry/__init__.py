"""ferry from Python: multiprocessing's API over C++ plugin tasks.

Tasks are named by string and run in ferry-worker processes; arguments and
results are Python objects converted through ferry::Value. See
docs/python.md for the table of multiprocessing names and their ferry
equivalents.
"""

from . import _ferry
from ._ferry import (
    ArgumentError,
    ConfigError,
    Error,
    ManagerError,
    Plugin,
    PluginError,
    StateError,
    TaskError,
    TaskInfo,
    TimeoutError,
    WorkerError,
)
from ._pipeline import Problem, run_pipeline, validate
from ._pool import AsyncResult, MapResult, Pool
from ._process import Process
from ._shared import Array, Barrier, Dict, Event, List, Lock, Queue, Semaphore, Value

__version__ = _ferry.__version__

__all__ = [
    "ArgumentError", "Array", "AsyncResult", "Barrier", "ConfigError", "Dict", "Engine", "Error", "Event", "List", "Lock",
    "ManagerError", "MapResult", "Plugin", "PluginError", "Pool", "Problem", "Process", "Queue", "Semaphore", "StateError",
    "TaskError", "TaskInfo", "TimeoutError", "Value", "WorkerError", "run_pipeline", "validate", "__version__",
]

_TYPE_NAMES = {int: "int", float: "float", str: "str", bool: "bool"}


def _type_name(t, what):
    try:
        return _TYPE_NAMES[t]
    except KeyError:
        raise ValueError(f"{what} must be one of int, float, str, bool, not {t!r}") from None


class Engine:
    """Loads plugins and holds the shared objects tasks reach (a Manager).

    plugin_path: folders searched for plugins given by name, before
    FERRY_PLUGIN_PATH and the bundled plugins. start_method: "spawn" or
    "forkserver". Usable as a context manager; pools, processes and plugins
    made from it stay valid after it is closed, shared objects do not.
    """

    def __init__(self, plugin_path=(), worker="", start_method="spawn"):
        self._core = _ferry.Engine([str(p) for p in plugin_path], str(worker), start_method)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        """Drops this engine; its shared objects stop working once nothing else holds it."""
        self._core = None

    def _engine(self):
        if self._core is None:
            raise StateError("the engine is closed")
        return self._core

    def load(self, name_or_path):
        """The plugin called name (searched on the plugin path) or at a path: a Plugin."""
        import os
        return self._engine().load(os.fspath(name_or_path))

    def plugin_search_path(self):
        return self._engine().plugin_search_path()

    def dict(self, name, key=str, value=int):
        """The shared dict called name, mapping key to value (str/int to int/float/str/bool)."""
        make = getattr(_ferry, f"dict_{_type_name(key, 'key')}_{_type_name(value, 'value')}")
        return Dict(make(self._engine(), name))

    def list(self, name, item=int):
        """The shared list called name, of item (int, float, str or bool)."""
        return List(getattr(_ferry, f"list_{_type_name(item, 'item')}")(self._engine(), name))

    def queue(self, name, item=int, maxsize=0):
        """The queue called name, of item; maxsize applies when this call creates it (0: unbounded)."""
        return Queue(getattr(_ferry, f"queue_{_type_name(item, 'item')}")(self._engine(), name, maxsize))

    def lock(self, name):
        """The lock called name."""
        return Lock(_ferry.lock(self._engine(), name))

    def event(self, name):
        """The event called name."""
        return Event(_ferry.event(self._engine(), name))

    def semaphore(self, name, value=1):
        """The semaphore called name; value applies when this call creates it."""
        return Semaphore(_ferry.semaphore(self._engine(), name, value))

    def barrier(self, name, parties):
        """The barrier called name, for parties waiters (tasks and this process alike)."""
        return Barrier(_ferry.barrier(self._engine(), name, parties))

    def Value(self, typecode, value=0):
        """A number in shared memory, as multiprocessing.Value: typecode 'i' (int32), 'q'/'l' (int64), 'd' (double)."""
        return Value(getattr(_ferry, f"value_{_typecode(typecode)}")(self._engine(), value), typecode)

    def Array(self, typecode, size_or_initializer):
        """Numbers in shared memory, as multiprocessing.Array (same typecodes as Value)."""
        init = size_or_initializer
        code = _typecode(typecode)
        if isinstance(init, int):
            init = [0.0 if code == "d" else 0] * init
        return Array(getattr(_ferry, f"array_{code}")(self._engine(), list(init)), typecode)

    value = Value
    array = Array


def _typecode(typecode):
    codes = {"i": "i", "l": "q", "q": "q", "d": "d"}
    try:
        return codes[typecode]
    except KeyError:
        raise ValueError(f"typecode must be one of 'i', 'l', 'q', 'd', not {typecode!r}") from None
