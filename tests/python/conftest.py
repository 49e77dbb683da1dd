"""Fixtures for the Python package's tests: an engine and the tree's test
plugins (found by name: the engine looks beside libferry, in build/lib/ferry/plugins)."""

import os
import pathlib

import pytest

import ferry

SOURCE_DIR = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def engine():
    with ferry.Engine() as e:
        yield e


@pytest.fixture(scope="session")
def math(engine):
    return engine.load("math")


@pytest.fixture(scope="session")
def faults(engine):
    return engine.load("faults")


@pytest.fixture(scope="session")
def shared(engine):
    return engine.load("shared")


@pytest.fixture
def pool(math):
    with ferry.Pool(math, 2) as p:
        yield p


def pid_gone(pid):
    """True when pid no longer runs (absent, or a zombie nobody reaped yet)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def wait_until(condition, timeout=10.0):
    """Polls condition until true or timeout (the deadline only bounds a wait; nothing is timed)."""
    import time
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def child_env():
    env = dict(os.environ)
    return env
