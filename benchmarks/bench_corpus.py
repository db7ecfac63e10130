"""The benchmark corpora: generated once with a fixed seed, cached, and described.

Generating a million events takes minutes, longer than measuring them, so each size is
made once into ``benchmarks/cache/corpus-<size>/`` (git-ignored) and reused; ``.complete``
is written last, so an interrupted generation is started again rather than measured.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

from benchmarks.generate import generate_preset

SIZES = {"100k": 100_000, "400k": 400_000, "1m": 1_000_000}
SEED = 20261129

_KEY_DATE = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")


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


def key_span(paths: Iterable[Path | str]) -> tuple[dt.date, dt.date]:
    """The first and last delivery dates named by the archives' keys (``…/yyyy/mm/dd/…``).

    A tool that filters by date (trailscraper defaults to a window ending now) must be
    given this span, widened by a day each side, to see the whole corpus.
    """
    dates = [
        dt.date(int(m[1]), int(m[2]), int(m[3]))
        for m in (_KEY_DATE.search(Path(p).as_posix()) for p in paths)
        if m
    ]
    if not dates:
        raise ValueError("no archive key names a date (…/yyyy/mm/dd/…)")
    return min(dates), max(dates)
