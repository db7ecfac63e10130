"""``make bench``: the performance of the whole job, measured in one run (issue 7).

    python -m benchmarks.bench [--sizes 100k,1m] [--trailscraper PATH] [--skip generate,run,…]

For each corpus size (generated once with a fixed seed and cached, :mod:`bench_corpus`):
the floor of the work and convert with 1, 2 and all workers (:mod:`bench_convert`);
generate over the converted warehouse with the same worker counts, and the whole ``run``
with all workers (:mod:`bench_generate`). On the first size only, trailscraper on the same
archives (:mod:`bench_trailscraper`). Every command runs as the real CLI in a subprocess
and is timed with the peak RSS of its process tree. The figures, their ratios and the
issue's targets (:mod:`bench_report`) go to a JSON file; the table (:mod:`bench_table`) to
stdout. Timings are only as good as the machine is quiet: the load average before and after
is recorded with them.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson

from benchmarks import bench_trailscraper
from benchmarks.bench_convert import convert_run, floor
from benchmarks.bench_corpus import SIZES, archives, corpus
from benchmarks.bench_generate import generate_run, run_run
from benchmarks.bench_report import Figures, complete
from benchmarks.bench_table import table

SKIPPABLE = ("generate", "run", "trailscraper")


def worker_counts(cores: int) -> list[int]:
    """1 worker, 2 (the speedup target is from 1 to 2) and all cores."""
    return sorted({1, min(2, cores), cores})


def _fresh(*paths: Path) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)
        path.with_name(f"{path.name}-summary.json").unlink(missing_ok=True)


def measure_size(folder: Path, scratch: Path, cores: int, skip: Sequence[str]) -> Figures:
    """Every figure of one corpus; generate reads the warehouse of the last convert.

    Each command writes into a folder of its own, and they are all deleted at the end,
    not one just before the next command: on this project's ext4 creating files right
    after thousands were deleted costs up to 0.5 ms of kernel CPU each, which made
    whichever generate ran second ~0.5 s slower than the first.
    """
    files = archives(folder)
    out: Figures = {
        "files": len(files),
        "input_mib": round(sum(p.stat().st_size for p in files) / 2**20, 1),
        "floor": floor(files),
        "convert": {},
    }
    written: list[Path] = []

    def fresh(name: str) -> Path:
        path = scratch / name
        _fresh(path)
        written.append(path)
        return path

    warehouse = scratch / "warehouse"
    for workers in worker_counts(cores):
        warehouse = fresh(f"warehouse-{workers}")
        out["convert"][str(workers)] = convert_run(folder, warehouse, workers)
    out["events"] = out["convert"]["1"]["rows"]
    if "generate" not in skip:
        out["generate"] = {}
        for workers in worker_counts(cores):
            result = fresh(f"out-{workers}")
            out["generate"][str(workers)] = generate_run(warehouse, result, workers, out["events"])
    if "run" not in skip:
        out["run"] = run_run(folder, fresh("run-warehouse"), fresh("run-out"), cores)
    _fresh(*written)
    return out


def bench(sizes: Sequence[str], cache: Path, trailscraper: Path, skip: Sequence[str]) -> Figures:
    """Measure every size (and trailscraper on the first); return the completed figures."""
    scratch = cache / "scratch"
    scratch.mkdir(parents=True, exist_ok=True)
    cores = len(os.sched_getaffinity(0))
    machine: dict[str, Any] = {
        "cores": cores,
        "python": platform.python_version(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    figures: Figures = {"machine": machine, "sizes": {}}
    for size in sizes:
        figures["sizes"][size] = measure_size(corpus(cache, size), scratch, cores, skip)
    if "trailscraper" not in skip:
        measured = bench_trailscraper.measure(trailscraper, corpus(cache, sizes[0]), scratch)
        figures["trailscraper"] = {"size": sizes[0], **measured}
    machine["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return complete(figures)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.bench``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default="100k,1m", help="comma-separated: 100k, 400k, 1m")
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/cache"))
    parser.add_argument("--results", type=Path, default=Path("benchmarks/results/bench.json"))
    parser.add_argument("--trailscraper", type=Path, default=bench_trailscraper.DEFAULT,
                        help="the trailscraper executable (in its own venv)")  # fmt: skip
    parser.add_argument("--skip", default="", help=f"comma-separated, of: {', '.join(SKIPPABLE)}")
    args = parser.parse_args(argv)
    sizes = sorted({s for s in args.sizes.split(",") if s}, key=lambda s: SIZES.get(s, 0))
    skip = [s for s in args.skip.split(",") if s]
    if not sizes or any(s not in SIZES for s in sizes):
        parser.error(f"--sizes: one or more of {', '.join(SIZES)}")
    if any(s not in SKIPPABLE for s in skip):
        parser.error(f"--skip: some of {', '.join(SKIPPABLE)}")
    figures = bench(sizes, args.cache, args.trailscraper, skip)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2) + b"\n")
    print(table(figures))
    print(f"\nfigures written to {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
