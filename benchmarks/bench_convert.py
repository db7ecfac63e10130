"""``make bench``: convert throughput against the floor of the work, measured in one run.

The floor is what any converter must at least do: ``gzip.decompress`` + ``orjson.loads``
of the same archives in one process. Convert runs as the real CLI in a subprocess (with 1
worker, then all), and its peak memory is the summed RSS of the process tree.

    python -m benchmarks.bench_convert [--sizes 100k,400k] [--cache benchmarks/cache]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from benchmarks.generate import generate_preset
from benchmarks.measure import run_measured

SIZES = {"100k": 100_000, "400k": 400_000, "1m": 1_000_000}
SEED = 20261129


def corpus(cache: Path, size: str) -> Path:
    """The cached corpus of *size* events, generated once with a fixed seed."""
    folder = cache / f"corpus-{size}"
    done = folder / ".complete"
    if not done.exists():
        shutil.rmtree(folder, ignore_errors=True)
        preset = "1m" if size == "1m" else "100k"
        generate_preset(folder, SEED, preset, SIZES[size])
        done.write_text("ok\n")
    return folder


def archives(folder: Path) -> list[Path]:
    """The CloudTrail archives of a corpus (digest and Insight files excluded)."""
    return sorted(
        p
        for p in (folder / "AWSLogs").rglob("*.json.gz")
        if "CloudTrail-Digest" not in str(p) and "CloudTrail-Insight" not in str(p)
    )


def floor(files: list[Path], repeats: int = 3) -> tuple[int, float]:
    """Events and seconds for gzip.decompress + orjson.loads of every file, one process.

    The files are read once first, so that the floor and convert both find them in the
    page cache, and the best of *repeats* passes counts (the floor should not be low
    because the machine was busy for a moment).
    """
    for path in files:
        path.read_bytes()
    best = float("inf")
    events = 0
    for _ in range(repeats):
        events = 0
        started = time.perf_counter()
        for path in files:
            events += len(orjson.loads(gzip.decompress(path.read_bytes()))["Records"])
        best = min(best, time.perf_counter() - started)
    return events, best


def convert_run(folder: Path, workers: int, scratch: Path) -> dict[str, Any]:
    """Time one full convert of *folder* into a fresh warehouse."""
    warehouse = scratch / f"wh-{workers}"
    shutil.rmtree(warehouse, ignore_errors=True)
    summary = scratch / f"summary-{workers}.json"
    command = [
        sys.executable, "-m", "policygen_batch", "convert", str(folder / "AWSLogs"),
        "--warehouse", str(warehouse), "--workers", str(workers), "--quiet",
        "--summary-json", str(summary),
    ]  # fmt: skip
    measured = run_measured(command)
    rows = json.loads(summary.read_text())["rows_written"]
    size = sum(p.stat().st_size for p in warehouse.rglob("*.parquet"))
    shutil.rmtree(warehouse, ignore_errors=True)
    return {
        "workers": workers,
        "seconds": round(measured.seconds, 3),
        "rows": rows,
        "events_per_s": round(rows / measured.seconds),
        "peak_rss_mib": round(measured.peak_rss_bytes / 2**20, 1),
        "warehouse_mib": round(size / 2**20, 1),
    }


def bench(sizes: Sequence[str], cache: Path) -> dict[str, Any]:
    """Measure every size; return the figures."""
    scratch = cache / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    cores = len(os.sched_getaffinity(0))
    out: dict[str, Any] = {"machine": {"cores": cores, "python": platform.python_version()}}
    for size in sizes:
        folder = corpus(cache, size)
        files = archives(folder)
        events, seconds = floor(files)
        one = convert_run(folder, 1, scratch)
        many = convert_run(folder, cores, scratch) if cores > 1 else one
        input_mib = sum(p.stat().st_size for p in files) / 2**20
        out[size] = {
            "files": len(files),
            "input_mib": round(input_mib, 1),
            "floor_events_per_s": round(events / seconds),
            "convert_1": one,
            f"convert_{cores}": many,
            "ratio_1_worker_to_floor": round(one["events_per_s"] / (events / seconds), 3),
            "speedup_1_to_all": round(many["events_per_s"] / one["events_per_s"], 3),
        }
    if len(sizes) > 1:
        first, last = out[sizes[0]], out[sizes[-1]]
        out["rss_growth_1_worker"] = round(
            last["convert_1"]["peak_rss_mib"] / first["convert_1"]["peak_rss_mib"], 3
        )
    return out


def table(figures: dict[str, Any], sizes: Sequence[str]) -> str:
    """The figures as a plain-text table."""
    lines = [
        f"{'corpus':>8} {'floor ev/s':>11} {'1 worker':>10} {'ratio':>6} {'all':>10} "
        f"{'speedup':>8} {'RSS 1w MiB':>11} {'RSS all MiB':>12}"
    ]
    for size in sizes:
        f = figures[size]
        many = next(v for k, v in f.items() if k.startswith("convert_") and k != "convert_1")
        lines.append(
            f"{size:>8} {f['floor_events_per_s']:>11,} {f['convert_1']['events_per_s']:>10,} "
            f"{f['ratio_1_worker_to_floor']:>6} {many['events_per_s']:>10,} "
            f"{f['speedup_1_to_all']:>8} {f['convert_1']['peak_rss_mib']:>11} "
            f"{many['peak_rss_mib']:>12}"
        )
    if "rss_growth_1_worker" in figures:
        lines.append(f"peak RSS growth (1 worker), {sizes[0]} → {sizes[-1]}: "
                     f"{figures['rss_growth_1_worker']}x")  # fmt: skip
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.bench_convert``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100k,400k", help="comma-separated: 100k, 400k, 1m")
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/cache"))
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results/convert.json"))
    args = parser.parse_args(argv)
    sizes = [s for s in args.sizes.split(",") if s]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown sizes: {unknown}")
    figures = bench(sizes, args.cache)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(figures, indent=2) + "\n")
    print(table(figures, sizes))
    print(f"figures written to {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
