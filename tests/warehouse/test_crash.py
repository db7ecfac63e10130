"""A convert killed with SIGKILL at any moment, then run again, leaves exactly the warehouse
an uninterrupted run leaves (rows and manifest), with nothing uncommitted lying around."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policygen_batch import api
from tests.factories import ACCOUNT, OTHER_ACCOUNT, delivery_key, record, write_archive

FILES = 120


def _corpus(root: Path) -> None:
    rng = random.Random(11)
    for i in range(FILES):
        account = ACCOUNT if i % 3 else OTHER_ACCOUNT
        day = f"2024-05-{1 + i % 4:02d}"
        recs = [
            record(
                event_id=f"e{i}-{j}",
                account=account,
                time=f"{day}T{j % 24:02d}:00:00Z",
                requestParameters={"pad": "x" * rng.randint(50, 400)},
            )
            for j in range(60)
        ]
        recs.append(
            record(event_id=f"e{rng.randrange(FILES)}-0", account=account, time=f"{day}T00:00:00Z")
        )
        write_archive(root, delivery_key(account, "us-east-1", day, f"f{i:03d}"), recs)
    (root / "broken.json").write_bytes(b'{"Records": [')


def _command(src: Path, wh: Path, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "policygen_batch",
        "convert",
        str(src),
        "--warehouse",
        str(wh),
        "--workers",
        str(workers),
        "--chunk-files",
        "3",
        "--quiet",
    ]


def _snapshot(
    wh: Path,
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
    rows = api.query(wh, "SELECT * EXCLUDE (raw) FROM events ORDER BY account_id, event_id").rows()
    sources = api.query(wh, "SELECT * EXCLUDE (commit, version) FROM sources ORDER BY url").rows()
    quarantine = api.query(
        wh, "SELECT source_key, record_index, reason FROM quarantine ORDER BY 1, 2"
    ).rows()
    return rows, sources, quarantine


def _killed_then_resumed(
    src: Path, wh: Path, workers: int, after_commits: int, staged: bool
) -> int:
    """Start convert; once *after_commits* commits exist (and, with *staged*, once a file of
    the next chunk is staged), SIGKILL its process group; run it again. Return the number of
    commits at the kill (-1 when the run ended before it)."""
    proc = subprocess.Popen(
        _command(src, wh, workers),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    commits, staging = wh / "_manifest" / "commits", wh / "_staging"
    deadline = time.monotonic() + 60
    at_kill = -1
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            done = len(list(commits.glob("*.json"))) if commits.is_dir() else 0
            if done >= after_commits and (not staged or any(staging.rglob("*.parquet"))):
                break
            time.sleep(0.001)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            at_kill = len(list(commits.glob("*.json"))) if commits.is_dir() else 0
        proc.wait(timeout=30)
    subprocess.run(
        _command(src, wh, workers),
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return at_kill


@pytest.fixture(scope="module")
def corpus_and_clean(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, tuple[object, ...]]:
    """The corpus and the snapshot of an uninterrupted run."""
    root = tmp_path_factory.mktemp("crash")
    src = root / "src"
    _corpus(src)
    clean = root / "clean"
    subprocess.run(
        _command(src, clean, 1),
        check=True,
        timeout=300,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return src, _snapshot(clean)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("workers", "after_commits", "staged"),
    [(1, 0, True), (1, 1, False), (1, 15, False), (1, 20, True), (2, 8, False), (2, 5, True)],
)
def test_sigkill_then_rerun_equals_clean_run(
    corpus_and_clean: tuple[Path, tuple[object, ...]],
    tmp_path: Path,
    workers: int,
    after_commits: int,
    staged: bool,
) -> None:
    """Kill after some commits, or while a chunk is staged but not committed; resume; compare."""
    src, clean = corpus_and_clean
    wh = tmp_path / "wh"
    at_kill = _killed_then_resumed(src, wh, workers, after_commits, staged)
    assert 0 <= at_kill < FILES // 3, "the kill must land before the run ends"
    assert _snapshot(wh) == clean
    assert not (wh / "_staging").exists() or not any((wh / "_staging").iterdir())
    committed = {p.relative_to(wh) for p in (wh / "events").rglob("*.parquet")}
    listed = {p.relative_to(wh) for p in api_files(wh)}
    assert committed == listed


def api_files(wh: Path) -> list[Path]:
    """The events files the commit log names."""
    from policygen_batch.warehouse.parquet import event_files

    return event_files(wh)
