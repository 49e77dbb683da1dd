import pytest

import ferry


def test_version_is_the_cpp_version():
    assert ferry.__version__ == ferry._ferry.__version__
    assert ferry.__version__.count(".") == 2


def test_load_by_name_and_path(engine, math):
    assert math.name == "math" and math.version == "1.0"
    again = engine.load(math.path)
    assert again.path == math.path


def test_tasks_name_signature_doc(math):
    tasks = {t.name: t for t in math.tasks()}
    assert tasks["is_prime"].signature == "(i64) -> bool"
    assert tasks["is_prime"].doc == "true when n is prime (trial division)"
    assert tasks["power"].params == "(i64,i64)" and tasks["power"].result == "i64"
    assert math.task("power").name == "power"


def test_unknown_plugin_raises_plugin_error(engine):
    with pytest.raises(ferry.PluginError, match="no_such_plugin"):
        engine.load("no_such_plugin")


def test_unknown_task_is_a_value_error(math):
    with pytest.raises(ValueError, match="no_such_task"):
        math.task("no_such_task")


def test_check_arguments_names_the_argument(math):
    math.check_arguments("power", (2, 3))
    with pytest.raises(ValueError, match=r"argument 2 \(exp\): expected i64, got string"):
        math.check_arguments("power", (2, "x"))
    with pytest.raises(ValueError, match="takes 2 arguments, got 1"):
        math.check_arguments("power", (2,))


def test_engine_context_manager_closes(math):
    with ferry.Engine() as e:
        assert e.load("math").name == "math"
    with pytest.raises(ferry.StateError):
        e.dict("x")


def test_start_method_forkserver_runs_tasks():
    with ferry.Engine(start_method="forkserver") as e:
        with ferry.Pool(e.load("math"), 2) as p:
            assert p.map("square", range(5)) == [0, 1, 4, 9, 16]
    with pytest.raises(ValueError):
        ferry.Engine(start_method="fork")
