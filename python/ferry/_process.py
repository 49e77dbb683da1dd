"""ferry.Process: one task in its own worker process (multiprocessing.Process)."""

from . import _ferry


class Process:
    """task(*args) of plugin, in a ferry-worker of its own once start() is called.

    exitcode follows Python's rules: None before the end, 0 on success, 1
    when the task raised, the code it exited with, or -N when killed by
    signal N. result() joins and returns what the task returned, or raises
    ferry.TaskError / ferry.WorkerError. The worker never outlives it.
    """

    def __init__(self, plugin, task, args=(), name=None):
        self._core = _ferry.Process(plugin, task, tuple(args))
        self.name = name or f"ferry.Process-{task}"
        self.task = task

    def start(self):
        self._core.start()

    def join(self, timeout=None):
        """Waits until the process exits, or timeout seconds.

        Ctrl-C while waiting kills the process and raises KeyboardInterrupt."""
        try:
            self._core.join(timeout)
        except KeyboardInterrupt:
            self._core.kill()
            self._core.join(None)
            raise

    def is_alive(self):
        return self._core.is_alive()

    @property
    def exitcode(self):
        return self._core.exitcode

    @property
    def pid(self):
        return self._core.pid or None

    ident = pid

    def terminate(self):
        """Sends SIGTERM."""
        self._core.terminate()

    def kill(self):
        """Sends SIGKILL."""
        self._core.kill()

    def result(self, timeout=None):
        """Joins, then returns the task's result (or raises its error)."""
        try:
            return self._core.result(timeout)
        except KeyboardInterrupt:
            self._core.kill()
            self._core.join(None)
            raise

    def __repr__(self):
        return f"<ferry.Process name={self.name!r} pid={self.pid} exitcode={self.exitcode}>"
