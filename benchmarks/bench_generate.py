"""``policygen generate`` and the whole ``policygen run``, for ``make bench``.

Both run as the real CLI in a subprocess (start-up, catalog loading and writing every
principal's folder included), timed with the summed RSS of the process tree. The number
of principals and policy files written is kept with each figure, so that a fast run which
wrote nothing cannot pass for a fast one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from benchmarks.bench_convert import policygen
from benchmarks.measure import run_measured


def written(out: Path) -> dict[str, int]:
    """Principals and policy files listed by a generate output's ``summary.json``."""
    principals = json.loads((out / "summary.json").read_text())["principals"]
    return {
        "principals": len(principals),
        "policies": sum(len(p.get("policies") or []) for p in principals),
    }


def generate_run(warehouse: Path, out: Path, workers: int, events: int) -> dict[str, Any]:
    """Time ``policygen generate`` over the whole of *warehouse* (*events* rows) into *out*."""
    command = policygen(
        "generate", "--warehouse", str(warehouse), "--out", str(out), "--workers", str(workers)
    )
    measured = run_measured(command)
    return {
        "workers": workers,
        "seconds": round(measured.seconds, 3),
        "s_per_million_events": round(measured.seconds / events * 1e6, 3),
        "peak_rss_mib": measured.peak_rss_mib,
        **written(out),
    }


def run_run(folder: Path, warehouse: Path, out: Path, workers: int) -> dict[str, Any]:
    """Time ``policygen run`` (convert into a fresh *warehouse*, then generate into *out*)."""
    command = policygen(
        "run", str(folder / "AWSLogs"), "--warehouse", str(warehouse), "--out", str(out),
        "--workers", str(workers),
    )  # fmt: skip
    measured = run_measured(command)
    return {
        "workers": workers,
        "seconds": round(measured.seconds, 3),
        "peak_rss_mib": measured.peak_rss_mib,
        **written(out),
    }
