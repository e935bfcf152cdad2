"""The server's worker processes, read from /proc (Linux), to check that stopped queries free their CPU."""

from __future__ import annotations

import os
import time
from pathlib import Path

HAVE_PROC = Path("/proc/self/stat").exists()


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text.rsplit(")", 1)[1].split()  # state, ppid, ..., utime (11), stime (12)


def descendants(pid: int) -> list[int]:
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(stat[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def cpu_seconds(pid: int) -> float:
    stat = _stat(pid)
    return 0.0 if stat is None else (int(stat[11]) + int(stat[12])) / os.sysconf("SC_CLK_TCK")


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def idle_workers(pid: int, *, within: float = 15.0, window: float = 0.3) -> list[int]:
    """The descendants of ``pid`` once none of them uses CPU over ``window`` seconds (at most ``within``).

    A worker replaced after a killed query spends about a second importing; measured before it
    settles, its CPU would be mistaken for the CPU of the query a test is watching.
    """
    deadline = time.monotonic() + within
    while True:
        workers = descendants(pid)
        before = {p: cpu_seconds(p) for p in workers}
        time.sleep(window)
        if all(cpu_seconds(p) - before[p] < 0.02 for p in workers) or time.monotonic() > deadline:
            return workers


def burning(pids: list[int], window: float = 0.2) -> list[int]:
    """Those of ``pids`` alive and using at least a third of a core over ``window`` seconds."""
    before = {p: cpu_seconds(p) for p in pids}
    time.sleep(window)
    return [p for p in pids if alive(p) and cpu_seconds(p) - before[p] >= window / 3]
