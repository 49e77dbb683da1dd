"""examples/python/: each ferry rewrite of a seed tutorial prints what the
pure-Python multiprocessing original (originals/) prints, and what Python
is known to print."""

import pathlib
import subprocess
import sys

import pytest

from conftest import SOURCE_DIR

EXAMPLES = SOURCE_DIR / "examples" / "python"
ORIGINALS = pathlib.Path(__file__).parent / "originals"

# Python's answers, so neither side can drift with the other.
EXPECTED = {
    "pool_map": "2: Prime\n17: Prime\n23: Prime\n50: Not prime\n97: Prime\n100: Not prime\n101: Prime\n"
                "200: Not prime\n2^3 = 8\n3^4 = 81\n5^2 = 25\n10^3 = 1000\n"
                "Result: [[19, 22], [43, 50]]\nResult: [[8, 2], [10, 16]]\nResult: [[4, 6], [4, 6]]\n"
                "Error caught: Something went wrong!\n",
    "process_basics": "[0, 1, 4]\nexitcode: 1\n",
    "queue_pass": "Hello\nfrom\nanother process\n[0, 1, 4, 9]\n",
    "manager_shared": "{'key0': 0, 'key1': 10, 'key2': 20}\n[0, 1, 2]\n",
    "lock_value": "4000\nFinal counter: 300\nPartition sums: [31125, 93625, 156125, 218625]\nTotal: 499500\n",
}


def run(path):
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_every_example_is_checked():
    assert sorted(p.stem for p in EXAMPLES.glob("*.py")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_prints_pythons_answer(name):
    assert run(EXAMPLES / f"{name}.py") == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pure_python_original_prints_the_same(name):
    assert run(ORIGINALS / f"{name}.py") == EXPECTED[name]
