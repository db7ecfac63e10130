"""Convert against the floor of the work, for ``make bench`` (:mod:`benchmarks.bench`).

The floor is what any converter must at least do: ``gzip.decompress`` + ``orjson.loads``
of the same archives in one process. Convert runs as the real CLI in a subprocess, so
that its time includes start-up and its peak memory is the summed RSS of the process tree.
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path
from typing import Any

import orjson

from benchmarks.measure import run_measured


def policygen(*args: str) -> list[str]:
    """The command line of ``policygen ARGS --quiet`` with this interpreter."""
    return [sys.executable, "-m", "policygen_batch", *args, "--quiet"]


def floor(files: list[Path], repeats: int = 3) -> dict[str, Any]:
    """Records and seconds for gzip.decompress + orjson.loads of every file, one process.

    The files are read once first, so that the floor and convert both find them in the
    page cache, and the best of *repeats* passes counts (the floor should not be low
    because the machine was busy for a moment).
    """
    for path in files:
        path.read_bytes()
    best = float("inf")
    records = 0
    for _ in range(repeats):
        records = 0
        started = time.perf_counter()
        for path in files:
            records += len(orjson.loads(gzip.decompress(path.read_bytes()))["Records"])
        best = min(best, time.perf_counter() - started)
    return {"records": records, "seconds": round(best, 3), "events_per_s": round(records / best)}


def convert_run(folder: Path, warehouse: Path, workers: int) -> dict[str, Any]:
    """Time one full convert of *folder* into *warehouse*, which must not exist yet."""
    summary = warehouse.with_name(f"{warehouse.name}-summary.json")
    command = policygen(
        "convert", str(folder / "AWSLogs"), "--warehouse", str(warehouse),
        "--workers", str(workers), "--summary-json", str(summary),
    )  # fmt: skip
    measured = run_measured(command)
    rows = json.loads(summary.read_text())["rows_written"]
    size = sum(p.stat().st_size for p in warehouse.rglob("*.parquet"))
    return {
        "workers": workers,
        "seconds": round(measured.seconds, 3),
        "rows": rows,
        "events_per_s": round(rows / measured.seconds),
        "peak_rss_mib": measured.peak_rss_mib,
        "warehouse_mib": round(size / 2**20, 1),
    }
