"""The bench harness's arithmetic: ratios, targets and the table, from hand-made figures."""

from __future__ import annotations

import re
from typing import Any

import pytest

from benchmarks.bench_report import comparisons, complete, peak_rss, size_ratios
from benchmarks.bench_table import table


def _job(workers: int, seconds: float, rss: float, **more: Any) -> dict[str, Any]:
    return {"workers": workers, "seconds": seconds, "peak_rss_mib": rss, **more}


def _size(events: int, scale: float, rss_scale: float = 1.0) -> dict[str, Any]:
    """One size's figures: convert 1 worker takes 4× the floor, 2 workers 1.8× faster."""
    return {
        "events": events,
        "files": events // 8,
        "floor": {"records": events, "seconds": 1.0 * scale, "events_per_s": round(events / scale)},
        "convert": {
            "1": _job(1, 4.0 * scale, 500 * rss_scale, events_per_s=round(events / 4 / scale)),
            "2": _job(2, 4.0 / 1.8 * scale, 700 * rss_scale, events_per_s=1),
        },
        "generate": {
            "1": _job(1, 1.0 * scale, 300 * rss_scale, s_per_million_events=1.0),
            "2": _job(2, 0.5 * scale, 350 * rss_scale, s_per_million_events=0.5),
        },
        "run": _job(2, 3.0 * scale, 800 * rss_scale, principals=200, policies=190),
    }


def _figures(**trailscraper: Any) -> dict[str, Any]:
    ts = {"size": "100k", "status": "ok", "seconds": 90.0, "peak_rss_mib": 1200.0,
          "statements": 77, "actions": 148} | trailscraper  # fmt: skip
    return {
        "machine": {"cores": 2},
        "sizes": {"100k": _size(100_000, 1.0), "1m": _size(1_000_000, 10.0, rss_scale=1.2)},
        "trailscraper": ts,
    }


def _targets(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["key"]: t for t in complete(figures)["targets"]}


def test_size_ratios_compare_like_with_like() -> None:
    ratios = size_ratios(_size(100_000, 1.0))
    assert ratios == {
        "convert_1_worker_to_floor": 0.25,  # floor 1 s / convert 4 s
        "convert_speedup_1_to_2": 1.8,
        "generate_to_convert": 0.225,  # generate 2 workers 0.5 s / convert 2 workers 2.22 s
    }


def test_a_missing_measurement_is_none_not_zero() -> None:
    size = _size(100_000, 1.0)
    del size["convert"]["2"], size["generate"], size["floor"]
    assert set(size_ratios(size).values()) == {None}


def test_peak_rss_lists_every_command_by_workers() -> None:
    assert peak_rss(_size(100_000, 1.0)) == {
        "convert_1": 500, "convert_2": 700, "generate_1": 300, "generate_2": 350, "run": 800,
    }  # fmt: skip


def test_comparisons_trailscraper_and_growth() -> None:
    figures = _figures()
    for size in figures["sizes"].values():
        size["ratios"] = size_ratios(size)
    found = comparisons(figures)
    assert found["trailscraper_to_run"] == 30.0  # 90 s / the 100k run's 3 s
    assert found["rss_growth"] == {
        "convert_1": 1.2, "convert_2": 1.2, "generate_1": 1.2, "generate_2": 1.2, "run": 1.2,
    }  # fmt: skip
    assert found["rss_growth_sizes"] == ["100k", "1m"]


def test_targets_pass_and_fail_where_the_figures_say() -> None:
    targets = _targets(_figures())
    assert {k: t["met"] for k, t in targets.items()} == {
        "convert_vs_floor": False,  # 0.25 < 0.5
        "convert_speedup": True,
        "generate_vs_convert": True,  # 0.225 < 0.25, evaluated at 1M events only
        "faster_than_trailscraper": True,
        "peak_rss": True,
        "rss_growth": True,
    }
    assert targets["generate_vs_convert"]["values"] == {"1m": 0.225}
    assert targets["peak_rss"]["values"] == {"100k": 800, "1m": 960}
    assert targets["rss_growth"]["values"] == {"100k→1m": 1.2}


def test_one_size_failing_fails_the_target() -> None:
    figures = _figures()
    figures["sizes"]["1m"]["convert"]["2"]["seconds"] = 40.0  # no speedup at 1M
    figures["sizes"]["1m"]["run"]["peak_rss_mib"] = 2000.0  # over 1.5 GiB, and 2.5× growth
    targets = _targets(figures)
    assert targets["convert_speedup"]["values"] == {"100k": 1.8, "1m": 1.0}
    assert targets["convert_speedup"]["met"] is False
    assert targets["peak_rss"]["met"] is False
    assert targets["rss_growth"]["values"] == {"100k→1m": 2.5}
    assert targets["rss_growth"]["met"] is False


def test_the_generate_target_is_strictly_under_a_quarter() -> None:
    figures = _figures()
    one_m = figures["sizes"]["1m"]
    one_m["generate"]["2"]["seconds"] = one_m["convert"]["2"]["seconds"] / 4
    assert _targets(figures)["generate_vs_convert"]["met"] is False


@pytest.mark.parametrize("status", ["missing", "failed"])
def test_trailscraper_not_run_is_not_measured_never_passed(status: str) -> None:
    figures = _figures(status=status)
    for key in ("seconds", "peak_rss_mib", "statements", "actions"):
        del figures["trailscraper"][key]
    target = _targets(figures)["faster_than_trailscraper"]
    assert target["values"] == {"100k": None}
    assert target["met"] is None
    assert f"| {status} " in table(figures)


def test_one_size_only_leaves_the_1m_and_growth_targets_unmeasured() -> None:
    figures = _figures()
    del figures["sizes"]["1m"]
    targets = _targets(figures)
    assert targets["generate_vs_convert"]["met"] is None
    assert targets["rss_growth"]["met"] is None
    assert targets["convert_vs_floor"]["met"] is False


def _cells(line: str) -> list[str]:
    """The cells of a Markdown table row (``\\|`` is a pipe inside a cell)."""
    return [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_table_rows_targets_and_verdicts() -> None:
    text = table(complete(_figures()))
    lines = text.splitlines()
    header = _cells(lines[0])
    assert header == ["measure", "100k", "1m", "target", "pass"]
    assert set(lines[1]) == {"|", "-"}
    rows = {cells[0]: cells[1:] for cells in map(_cells, lines[2:])}
    assert rows["convert, 1 worker, vs the floor"] == ["0.25", "0.25", "≥ 0.50", "FAIL"]
    assert rows["convert speedup, 1 → 2 workers"] == ["1.80×", "1.80×", "≥ 1.60×", "PASS"]
    # shown at 100k for information, judged at 1M events only
    assert rows["generate / convert time, all workers"] == [
        "0.23", "0.23", "< 0.25 at 1M events", "PASS"
    ]  # fmt: skip
    assert rows["trailscraper time / run time"] == ["30.0×", "–", "≥ 20.0×", "PASS"]
    assert rows["peak RSS, run, all workers"] == ["800 MiB", "960 MiB", "", ""]
    assert rows["peak RSS of any command (MiB)"] == ["800 MiB", "960 MiB", "≤ 1,536 MiB", "PASS"]
    assert rows["peak RSS growth, worst command"] == ["–", "1.20×", "≤ 1.30×", "PASS"]
    assert rows["convert, 2 workers"][0].startswith("2.2 s · ")
    assert rows[r"trailscraper select \| generate"][0].startswith("90.0 s · 1 policy, 77 ")
    assert all(len(line) == len(lines[0]) for line in lines)  # aligned
