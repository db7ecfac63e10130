"""Timing and peak memory of a command and all the processes it starts (Linux /proc)."""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

_PAGE = os.sysconf("SC_PAGE_SIZE")
_STDERR_TAIL = 2000


@dataclass(frozen=True, slots=True)
class Measured:
    """Wall time and the peak of the summed resident memory of the process tree."""

    seconds: float
    peak_rss_bytes: int

    @property
    def peak_rss_mib(self) -> float:
        """The peak in MiB, rounded for the results file."""
        return round(self.peak_rss_bytes / 2**20, 1)


def _children_of(pid: int) -> list[int]:
    """Direct children of *pid*, from ``/proc/<pid>/task/*/children`` (cheap: no scan of
    every process, which on a 2-core machine would steal time from the run measured)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found.extend(int(child) for child in task.read_text().split())
        except (OSError, ValueError):
            continue
    return found


def _tree_rss(root: int) -> int:
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(_children_of(pid))
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            continue
    return total


def run_measured(command: list[str], interval: float = 0.05) -> Measured:
    """Run *command* to completion, sampling the tree's RSS every *interval* seconds.

    stderr goes to a temporary file, not a pipe: a command that warns a lot (trailscraper
    logs every file name it skips) would otherwise fill the pipe and block forever, since
    nothing reads it until the command ends. Its tail is in the error when the command fails.
    """
    with tempfile.TemporaryFile() as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr)
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss(proc.pid))
            time.sleep(interval)
        elapsed = time.perf_counter() - started
        if proc.returncode:
            stderr.seek(max(0, os.fstat(stderr.fileno()).st_size - _STDERR_TAIL))
            tail = stderr.read().decode(errors="replace")
            raise RuntimeError(f"{command[:4]} failed ({proc.returncode}): {tail}")
    return Measured(elapsed, peak)
