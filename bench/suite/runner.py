"""Runs one benchmark program and collects what it printed and what it cost.

Each program runs in a session of its own, so that it, its workers and
anything they leave behind form one process group: a program that runs past
its timeout is killed with its whole group, and processes still in the
group after it exits are reported (and killed) as left behind.
"""
import hashlib
import json
import os
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
LEFTOVER_GRACE_S = 2.0  # workers exit on their own once their host is gone


def busy_cpu_seconds():
    """CPU seconds the whole machine has spent busy since boot (/proc/stat)."""
    with open("/proc/stat") as f:
        fields = [int(x) for x in f.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


@dataclass
class Run:
    """One run of one program."""
    metrics: dict = field(default_factory=dict)  # metric -> number, or None for "never"
    units: dict = field(default_factory=dict)
    wall_s: float = 0.0
    peak_rss_mib: float = 0.0  # the largest process of the run (see bench/suite/measure.cpp)
    cpu_s: float = 0.0  # user + system of the program and its reaped descendants
    machine_busy_s: float = 0.0  # busy CPU seconds of the whole machine meanwhile
    error: str = ""
    stdout_sha256: str = ""  # what it printed, for rows whose two sides must print the same

    @property
    def others_cpu_s(self):
        """CPU seconds other processes used while this ran (never negative)."""
        return max(0.0, self.machine_busy_s - self.cpu_s)


def group_members(pgid):
    """Live processes of the process group (zombies only wait for whoever
    reaps them, which for orphans may be a slow init)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry) as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()  # state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] not in "ZX":
            pids.append(int(entry))
    return pids


def reap_leftovers(pgid):
    """Waits a little for the program's group to empty; kills what remains.
    Returns the pids that had to be killed."""
    deadline = time.monotonic() + LEFTOVER_GRACE_S
    while (pids := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.02)
    if pids:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return pids


def parse_lines(text, run):
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        record = json.loads(line)
        run.metrics[record["metric"]] = record["value"]
        run.units[record["metric"]] = record.get("unit", "")


def run_program(argv, timeout_s, measure):
    """Runs argv (through the program measure) to its end or for timeout_s at
    most. Metrics it prints come back in run.metrics, plus wall_s and
    peak_rss_mib measured from outside."""
    run = Run()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r", prefix="ferry-bench-rss-") as rss:
        busy_before = busy_cpu_seconds()
        start = time.perf_counter()
        proc = subprocess.Popen([measure, rss.name, *argv], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                start_new_session=True)
        timed_out = threading.Event()

        def kill_group():
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout_s, kill_group)
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)
        run.wall_s = time.perf_counter() - start
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        left = reap_leftovers(proc.pid)
        run.machine_busy_s = busy_cpu_seconds() - busy_before
        run.cpu_s = usage.ru_utime + usage.ru_stime
        report = rss.read()
        run.peak_rss_mib = json.loads(report)["peak_rss_kib"] / 1024 if report else 0.0
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace").strip()

    run.stdout_sha256 = hashlib.sha256(stdout.encode()).hexdigest()
    errors = []
    if timed_out.is_set():
        errors.append("timed out after %.0f s" % timeout_s)
    elif proc.returncode != 0:
        errors.append("exit status %d" % proc.returncode)
    if left:
        errors.append("left %d process(es) behind: %s" % (len(left), " ".join(map(str, left))))
    try:
        parse_lines(stdout, run)
    except (ValueError, KeyError) as e:
        errors.append("unreadable output: %s" % e)
    if errors:
        tail = stderr.splitlines()[-3:]
        run.error = "; ".join(errors) + ("".join("\n    " + line for line in tail) if tail else "")
    run.metrics["wall_s"] = run.wall_s
    run.units["wall_s"] = "s"
    run.metrics["peak_rss_mib"] = run.peak_rss_mib
    run.units["peak_rss_mib"] = "MiB"
    return run
