"""docs/python.md: every python block runs and prints the text block that
follows it, and every ferry name the page shows exists."""

import re
import subprocess
import sys

import pytest

import ferry

from conftest import SOURCE_DIR

PAGE = SOURCE_DIR / "docs" / "python.md"


def blocks():
    """(python source, expected output or None, line) for each python block."""
    found = re.findall(r"^```(\w*)\n(.*?)^```\n", PAGE.read_text(), re.M | re.S)
    out = []
    text = PAGE.read_text()
    for i, (lang, body) in enumerate(found):
        if lang != "python":
            continue
        expected = found[i + 1][1] if i + 1 < len(found) and found[i + 1][0] == "text" else None
        out.append((body, expected, text[: text.index(body)].count("\n") + 1))
    return out


SAMPLES = blocks()


def test_the_page_has_samples():
    assert len(SAMPLES) >= 5 and all(expected is not None for _, expected, _ in SAMPLES)


@pytest.mark.parametrize("body,expected,line", SAMPLES, ids=[f"line{s[2]}" for s in SAMPLES])
def test_sample_prints_what_the_page_shows(body, expected, line):
    out = subprocess.run([sys.executable, "-c", body], capture_output=True, text=True, cwd=SOURCE_DIR, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == expected


def test_every_ferry_name_in_the_page_exists():
    names = set(re.findall(r"`ferry\.(\w+)", PAGE.read_text()))
    assert names and [n for n in names if not hasattr(ferry, n)] == []


def test_every_multiprocessing_name_has_a_row():
    import multiprocessing
    table = PAGE.read_text()
    public = [n for n in multiprocessing.__all__ if not n.startswith("_")]
    missing = [n for n in public if not re.search(rf"`{n}\b|\b{n}\(", table)]
    assert missing == []
