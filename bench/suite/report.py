"""Turns the runs into rows (median, min, max, ratio, goal met) and prints
them as tables; the same rows go to the JSON file."""
import math
import statistics

INF = float("inf")


def stats(runs, metric):
    """Median, min and max of a metric over the runs that have it; a value of
    None (the program's "never") counts as infinity."""
    values = [INF if r.metrics[metric] is None else float(r.metrics[metric])
              for r in runs if not r.error and metric in r.metrics]
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def ratio(row, f, p):
    """> 1 means ferry is better, whichever way the unit goes."""
    if not f or not p:
        return None
    a, b = (f["median"], p["median"]) if row.higher_is_better else (p["median"], f["median"])
    if math.isinf(a) and math.isinf(b):
        return None
    if b == 0 or math.isinf(a):
        return INF
    return a / b


def goal_met(row, f, r, refs):
    g = row.goal
    if g is None or f is None:
        return None
    v = f["median"]
    if g.kind == "ratio":
        return None if r is None else r >= g.x
    if g.kind == "below":
        return v < g.x
    if g.kind == "at_least":
        return v >= g.x
    if g.kind == "ref":
        ref = refs.get(g.ref)
        if ref is None:
            return None
        return v >= g.x * ref["median"] if row.higher_is_better else v <= g.x * ref["median"]
    raise ValueError("unknown goal kind " + g.kind)


def goal_text(row, refs):
    g = row.goal
    if g is None:
        return ""
    if g.kind == "ref" and refs.get(g.ref):
        return "%s (%s)" % (g.text, fmt(refs[g.ref]["median"]))
    return g.text


def fmt(v):
    """Three significant digits, k and M for large numbers, "never" for inf."""
    if v is None:
        return "-"
    if math.isinf(v):
        return "never"
    a = abs(v)
    if a >= 1e6:
        return "%.3gM" % (v / 1e6)
    if a >= 1e4:
        return "%.3gk" % (v / 1e3)
    if a >= 1000:
        return "%.0f" % v
    return "%.3g" % v


def cell(s):
    if s is None:
        return "-"
    if s["n"] == 1 or s["min"] == s["max"]:
        return fmt(s["median"])
    return "%s (%s-%s)" % (fmt(s["median"]), fmt(s["min"]), fmt(s["max"]))


def fmt_ratio(r):
    if r is None:
        return "-"
    return "inf" if math.isinf(r) else "%.2fx" % r


def fmt_others(x):
    return "-" if x is None else "%.2f" % x


def table(header, lines):
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines)]
    out = ["  ".join(str(x).ljust(w) for x, w in zip(header, widths)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(str(x).ljust(w) for x, w in zip(line, widths)).rstrip() for line in lines]
    return "\n".join(out)


def render(rows):
    """rows: the dicts main.build_rows made. Returns the text of all tables."""
    parts = []
    limits = [r for r in rows if r["section"] == "limits"]
    if limits:
        parts.append("Limits of this machine (small C++ programs, no ferry)\n" + table(
            ["measurement", "unit", "median (min-max)", "others"],
            [[r["title"], r["unit"], r["error"] or cell(r["ferry"]), fmt_others(r["others"])] for r in limits]))
    main = [r for r in rows if r["section"] == "main"]
    if main:
        parts.append("ferry vs Python multiprocessing (ratio > 1: ferry better)\n" + table(
            ["row", "unit", "ferry median (min-max)", "python median (min-max)", "ratio", "goal", "met", "others"],
            [[r["title"], r["unit"], cell(r["ferry"]), cell(r["python"]), fmt_ratio(r["ratio"]), r["goal"],
              {True: "yes", False: "no", None: "?" if r["goal"] else ""}[r["met"]], fmt_others(r["others"])]
             for r in main]))
        errors = [r for r in main if r["error"]]
        if errors:
            parts.append("errors:\n" + "\n".join("  %s: %s" % (r["id"], r["error"]) for r in errors))
    memory = [r for r in rows if r["section"] == "memory"]
    if memory:
        parts.append("Memory (ratio: Python / ferry, > 1: ferry smaller)\n" + table(
            ["measurement", "unit", "ferry", "python", "ratio"],
            [[r["title"], r["unit"], r["error"] or cell(r["ferry"]), cell(r["python"]), fmt_ratio(r["ratio"])]
             for r in memory]))
    parts.append("others: CPUs kept busy by other processes during the row's runs (from /proc/stat), "
                 "out of the machine's total; much above 0 means the numbers are disturbed.")
    return "\n\n".join(parts)
