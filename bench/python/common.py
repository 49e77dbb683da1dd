"""What every Python program of the suite shares: the output format
bench/suite/main.py reads (one JSON object a line: metric, value, unit), a
median and a result check. Everything else is written as a multiprocessing
user would write it."""
import json
import statistics
import sys


def emit(metric, value, unit):
    """Prints one measurement for the driver; value None means "never"."""
    print(json.dumps({"metric": metric, "value": value, "unit": unit}), flush=True)


def median(values):
    return statistics.median(values)


def check(ok, what):
    """A benchmark whose answers are wrong measures nothing: exit 1."""
    if not ok:
        sys.exit("wrong result: " + what)
