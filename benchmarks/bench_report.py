"""From measured figures to their ratios and the issue-7 targets, met or not.

Pure functions over the figures dict (no timing here), so that what a target means is
tested (the table is :mod:`benchmarks.bench_table`). The figures hold, per corpus size
(``sizes``): ``events``, ``files``, ``floor``, ``convert`` and ``generate`` keyed by worker
count, ``run``; and ``trailscraper`` once, at the size it ran on. A figure that was not
measured is absent, and every ratio or target that needs it is None: "not measured" is
never "passed".
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Figures = dict[str, Any]
MILLION = 1_000_000


def _most(jobs: dict[str, Any]) -> Any:
    """The figure with the most workers (``all`` cores) among *jobs* keyed by worker count."""
    return jobs[max(jobs, key=int)] if jobs else None


def _ratio(num: float | None, den: float | None) -> float | None:
    return round(num / den, 3) if num is not None and den else None


def _seconds(job: Any) -> float | None:
    return job.get("seconds") if isinstance(job, dict) else None


def size_ratios(size: Figures) -> dict[str, float | None]:
    """The ratios of one corpus size.

    - convert with 1 worker against the floor: floor seconds / convert seconds over the
      same files (1.0 = as fast as decompressing and parsing them; 0.5 = twice as long);
    - convert speedup from 1 to 2 workers (seconds / seconds);
    - generate / convert, both with all workers: the share generate adds to the nightly job.
    """
    convert, generate = size.get("convert", {}), size.get("generate", {})
    most = _most(generate)
    same = convert.get(str(most["workers"])) if most else None
    return {
        "convert_1_worker_to_floor": _ratio(
            _seconds(size.get("floor")), _seconds(convert.get("1"))
        ),
        "convert_speedup_1_to_2": _ratio(_seconds(convert.get("1")), _seconds(convert.get("2"))),
        "generate_to_convert": _ratio(_seconds(most), _seconds(same)),
    }


def peak_rss(size: Figures) -> dict[str, float]:
    """Peak RSS (MiB) of every policygen command measured at one size, by job name."""
    found = {
        f"{command}_{workers}": job["peak_rss_mib"]
        for command in ("convert", "generate")
        for workers, job in sorted(size.get(command, {}).items(), key=lambda kv: int(kv[0]))
    }
    if "run" in size:
        found["run"] = size["run"]["peak_rss_mib"]
    return found


def comparisons(figures: Figures) -> Figures:
    """Across sizes: trailscraper's time over ``run``'s, and peak RSS growth per job from
    the first size to the last."""
    sizes = figures.get("sizes", {})
    out: Figures = {"trailscraper_to_run": None, "rss_growth": {}}
    ts = figures.get("trailscraper") or {}
    if ts.get("status") == "ok":
        out["trailscraper_to_run"] = _ratio(ts["seconds"], _seconds(sizes[ts["size"]].get("run")))
    names = list(sizes)
    if len(names) > 1:
        first, last = peak_rss(sizes[names[0]]), peak_rss(sizes[names[-1]])
        out["rss_growth"] = {job: _ratio(last[job], first[job]) for job in first if job in last}
        out["rss_growth_sizes"] = [names[0], names[-1]]
    return out


@dataclass(frozen=True, slots=True)
class Target:
    """One target of issue 7: a value (per size, or once) compared with a limit."""

    key: str
    label: str
    op: str
    limit: float
    values: Callable[[Figures], dict[str, float | None]]
    #: where the target applies, when not at every size measured
    scope: str = ""


_OPS = {">=": operator.ge, "<=": operator.le, "<": operator.lt}


def _per_size(name: str) -> Callable[[Figures], dict[str, float | None]]:
    return lambda f: {s: v["ratios"][name] for s, v in f["sizes"].items() if "ratios" in v}


def _million(f: Figures) -> dict[str, float | None]:
    return {
        s: v["ratios"]["generate_to_convert"]
        for s, v in f["sizes"].items()
        if v.get("events", 0) >= MILLION and "ratios" in v
    }


def _trailscraper(f: Figures) -> dict[str, float | None]:
    ts = f.get("trailscraper") or {}
    return {ts["size"]: f["comparisons"]["trailscraper_to_run"]} if "size" in ts else {}


def _largest_rss(f: Figures) -> dict[str, float | None]:
    return {s: max(peak_rss(v).values(), default=None) for s, v in f["sizes"].items()}


def _worst_growth(f: Figures) -> dict[str, float | None]:
    growth = f["comparisons"]["rss_growth"]
    if not growth:
        return {}
    first, last = f["comparisons"]["rss_growth_sizes"]
    known = [g for g in growth.values() if g is not None]
    return {f"{first}→{last}": max(known) if len(known) == len(growth) else None}


TARGETS = (
    Target("convert_vs_floor", "convert, 1 worker, vs the floor", ">=", 0.5,
           _per_size("convert_1_worker_to_floor")),
    Target("convert_speedup", "convert speedup, 1 → 2 workers", ">=", 1.6,
           _per_size("convert_speedup_1_to_2")),
    Target("generate_vs_convert", "generate / convert time, all workers", "<", 0.25, _million,
           " at 1M events"),
    Target("faster_than_trailscraper", "trailscraper time / run time", ">=", 20.0, _trailscraper),
    Target("peak_rss", "peak RSS of any command (MiB)", "<=", 1536.0, _largest_rss),
    Target("rss_growth", "peak RSS growth, worst command", "<=", 1.3, _worst_growth),
)  # fmt: skip


def evaluate(figures: Figures) -> list[Figures]:
    """Every target with its values and ``met``: True when every value meets the limit,
    None when a value is missing (not measured) or there is none."""
    results = []
    for target in TARGETS:
        values = target.values(figures)
        known = [v for v in values.values() if v is not None]
        met = None
        if values and len(known) == len(values):
            met = all(_OPS[target.op](v, target.limit) for v in known)
        result: Figures = {"key": target.key, "label": target.label, "op": target.op}
        result |= {"limit": target.limit, "scope": target.scope, "values": values, "met": met}
        results.append(result)
    return results


def complete(figures: Figures) -> Figures:
    """*figures* with the ratios of every size, the comparisons and the targets filled in."""
    for size in figures.get("sizes", {}).values():
        size["ratios"] = size_ratios(size)
    figures["comparisons"] = comparisons(figures)
    figures["targets"] = evaluate(figures)
    return figures
