"""Pipelines from Python: run one and iterate its output, or validate one."""

import collections
import json
import os

from . import _ferry

Problem = collections.namedtuple("Problem", "where message")
Problem.__doc__ = "One problem in a pipeline file: where ('file:line:column') and what."


def _overrides(overrides):
    if isinstance(overrides, dict):
        return [f"{k}={json.dumps(v) if not isinstance(v, str) else v}" for k, v in overrides.items()]
    return [str(o) for o in overrides]


def _engine(engine):
    if engine is None:
        from . import Engine
        engine = Engine()
    return engine._engine()


def run_pipeline(path, overrides=(), broker="", engine=None):
    """Runs the pipeline file at path and yields what its stdout sink writes, one
    Python object a JSON line, while it runs.

    overrides: {"stages.check.workers": 8} or ["stages.check.workers=8"] (ferry
    run's --set). broker: a redis:// URL whose workers run the tasks. Raises
    ferry.ConfigError for an invalid file, ferry.Error when the run fails.
    Closing the generator early (or Ctrl-C) stops the run.
    """
    run = _ferry.PipelineRun(_engine(engine), os.fspath(path), _overrides(overrides), broker)
    try:
        while True:
            line = run.next()
            if line is None:
                break
            if line:
                yield json.loads(line)
    finally:
        run.stop()
    if not run.ok:
        raise _ferry.Error(run.error)


def validate(path, overrides=(), engine=None):
    """The problems of the pipeline file at path (a list of Problem; empty when valid)."""
    return [Problem(w, m) for w, m in _ferry.validate(_engine(engine), os.fspath(path), _overrides(overrides))]
