"""run_pipeline and validate."""

import pytest

import ferry

from conftest import SOURCE_DIR

CONFIGS = SOURCE_DIR / "configs"


def test_run_pipeline_yields_results():
    assert list(ferry.run_pipeline(CONFIGS / "is-prime.yaml")) == [True, True, True, False, True, False, True, False]


def test_run_pipeline_overrides():
    out = list(ferry.run_pipeline(CONFIGS / "is-prime.yaml", overrides={"stages.check.workers": 1}))
    assert out == [True, True, True, False, True, False, True, False]
    out = list(ferry.run_pipeline(CONFIGS / "is-prime.yaml", overrides=["stages.numbers.source.values=[4, 5]"]))
    assert out == [False, True]


def test_run_pipeline_output_dict():
    assert list(ferry.run_pipeline(CONFIGS / "shared-dict.yaml")) == [{"key0": 0, "key1": 10, "key2": 20}]


def test_run_pipeline_stops_when_closed_early():
    gen = ferry.run_pipeline(CONFIGS / "is-prime.yaml")
    assert next(gen) is True
    gen.close()


def test_run_pipeline_failure_raises(tmp_path):
    bad = tmp_path / "fails.yaml"
    bad.write_text(
        "pipeline: fails\nplugins:\n  math: math\nstages:\n"
        "  - name: n\n    source: {values: [true]}\n"
        "  - name: w\n    map: math.work_with_error\n"
        "  - name: out\n    sink: stdout\n")
    with pytest.raises(ferry.Error, match="Something went wrong"):
        list(ferry.run_pipeline(bad))


def test_invalid_file_raises_config_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipeline: bad\nstages: 3\n")
    with pytest.raises(ferry.ConfigError):
        list(ferry.run_pipeline(bad))


def test_validate():
    assert ferry.validate(CONFIGS / "is-prime.yaml") == []


def test_validate_returns_the_problems(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("pipeline: bad\nplugins:\n  math: math\nstages:\n"
                   "  - name: n\n    source: {values: [1]}\n"
                   "  - name: w\n    map: math.no_such_task\n")
    problems = ferry.validate(bad)
    assert problems and problems[0].where.startswith(str(bad) + ":8:")
    assert "no_such_task" in problems[0].message
