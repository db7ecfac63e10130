"""trailscraper on the same archives, the point of comparison for the whole ``run``.

trailscraper (https://github.com/flosell/trailscraper) reads a folder of CloudTrail
archives and writes one merged policy for every event it selected:
``trailscraper select --log-dir DIR --from … --to … | trailscraper generate``. It lives in
its own virtual environment (``make bench`` installs it, pinned by
``benchmarks/trailscraper-constraints.txt``), so that its dependencies never meet ours.

Its ``--from``/``--to`` default to a window ending now, which would select nothing from a
generated corpus of 2024; it is given the span of the archive keys, a day wider each side.
A run only counts when the policy it wrote holds statements: an empty policy means it
parsed nothing, and its time would flatter it.
"""

from __future__ import annotations

import datetime as dt
import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.bench_corpus import archives, key_span
from benchmarks.measure import run_measured

DEFAULT = Path("benchmarks/cache/.venv-trailscraper/bin/trailscraper")


def window(first: dt.date, last: dt.date) -> tuple[str, str]:
    """``--from`` and ``--to`` covering every event delivered from *first* to *last*."""
    day = dt.timedelta(days=1)
    return (f"{first - day}T00:00:00Z", f"{last + day}T00:00:00Z")


def pipeline(trailscraper: Path, log_dir: Path, span: tuple[str, str], policy: Path) -> list[str]:
    """``select | generate > policy`` as one command, so that one process tree is measured
    (bash with pipefail: a failing ``select`` fails the whole)."""
    select = [str(trailscraper), "select", "--log-dir", str(log_dir), "--from", span[0],
              "--to", span[1]]  # fmt: skip
    generate = [str(trailscraper), "generate"]
    script = f"{shlex.join(select)} | {shlex.join(generate)} > {shlex.quote(str(policy))}"
    return ["bash", "-o", "pipefail", "-c", script]


def policy_figures(text: str) -> dict[str, int]:
    """Statements, distinct actions and distinct resources of trailscraper's policy.

    Raises ValueError when the text is not a policy with at least one statement.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON: {exc}") from exc
    statements = document.get("Statement") if isinstance(document, dict) else None
    if not isinstance(statements, list) or not statements:
        raise ValueError("the policy holds no statement: trailscraper selected no event")
    actions: set[str] = set()
    resources: set[str] = set()
    for statement in statements:
        for key, into in (("Action", actions), ("Resource", resources)):
            value = statement.get(key, [])
            into.update([value] if isinstance(value, str) else value)
    return {"statements": len(statements), "actions": len(actions), "resources": len(resources)}


def _version(trailscraper: Path) -> str:
    """``trailscraper --version`` prints ``trailscraper, version 0.10.0``: its last word."""
    words = subprocess.run(
        [str(trailscraper), "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    return words[-1] if words else "unknown"


def measure(trailscraper: Path, folder: Path, scratch: Path) -> dict[str, Any]:
    """Run trailscraper over *folder*; the figures, or why there are none (``status``)."""
    if not trailscraper.exists():
        return {"status": "missing", "detail": f"{trailscraper} not installed (make bench does)"}
    span = window(*key_span(archives(folder)))
    policy = scratch / "trailscraper-policy.json"
    base: dict[str, Any] = {"version": _version(trailscraper), "from": span[0], "to": span[1]}
    try:
        measured = run_measured(pipeline(trailscraper, folder / "AWSLogs", span, policy))
        found = policy_figures(policy.read_text())
    except (RuntimeError, ValueError) as exc:
        return {"status": "failed", **base, "detail": str(exc)[-1000:]}
    return {
        "status": "ok",
        **base,
        "seconds": round(measured.seconds, 3),
        "peak_rss_mib": measured.peak_rss_mib,
        **found,
    }
