"""The commit log's recovery: interrupted renames are redone, uncommitted files removed."""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.errors import WarehouseError
from policygen_batch.warehouse.layout import Layout
from policygen_batch.warehouse.manifest import (
    Manifest,
    Outcome,
    SourceOutcome,
    StagedFile,
    open_for_write,
)


def _stage(root: Path, name: str) -> str:
    path = root / "_staging" / "run" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(pa.table({"x": [1]}), path)
    return str(path.relative_to(root))


def _outcome(url: str) -> SourceOutcome:
    return SourceOutcome(url, 1, "v", Outcome.INGESTED, None, 1, 1, 0, 0)


def test_recovery_redoes_renames_of_a_commit_and_drops_orphans(tmp_path: Path) -> None:
    """A commit record whose files are still staged is completed; other staged files and
    sources files without a commit record are deleted."""
    with open_for_write(tmp_path) as manifest:
        staged = _stage(tmp_path, "a.parquet")
        manifest.commit(
            1, [StagedFile(staged, "events/event_date=2024-05-01/part-1.parquet")], [_outcome("u1")]
        )
    # Simulate a crash after the commit record of commit 2 but before its renames, plus
    # debris of a commit 3 that never happened.
    staged_b = _stage(tmp_path, "b.parquet")
    _stage(tmp_path, "orphan.parquet")
    record = tmp_path / "_manifest/commits/00000002.json"
    final_b = "events/event_date=2024-05-02/part-2.parquet"
    record.write_text(
        orjson.dumps(
            {"seq": 2, "format": 1, "files": [{"staged": staged_b, "final": final_b}]}
        ).decode()
    )
    pq.write_table(pa.table({"x": [1]}), tmp_path / "_manifest/sources/00000002.parquet")
    pq.write_table(pa.table({"x": [1]}), tmp_path / "_manifest/sources/00000003.parquet")
    with open_for_write(tmp_path) as manifest:
        assert manifest.commit_seqs() == [1, 2]
        assert manifest.next_seq() == 3
    assert (tmp_path / "events/event_date=2024-05-02/part-2.parquet").exists()
    assert not (tmp_path / "_staging").exists()
    assert sorted(p.name for p in (tmp_path / "_manifest/sources").iterdir()) == [
        "00000001.parquet",
        "00000002.parquet",
    ]


def test_a_commit_whose_files_vanished_is_an_error(tmp_path: Path) -> None:
    """Recovery refuses to guess when a committed file is neither final nor staged."""
    with open_for_write(tmp_path):
        pass
    (tmp_path / "_manifest/commits/00000001.json").write_text(
        '{"seq": 1, "format": 1, "files": [{"staged": "_staging/x", "final": "events/x"}]}'
    )
    with (
        pytest.raises(WarehouseError, match="neither committed nor staged"),
        open_for_write(tmp_path),
    ):
        pass


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    """Two converts on one warehouse at once: the second fails instead of interleaving."""
    with (
        open_for_write(tmp_path),
        pytest.raises(WarehouseError, match="another process"),
        open_for_write(tmp_path),
    ):
        pass


def test_a_foreign_folder_is_not_taken_over(tmp_path: Path) -> None:
    """A non-empty folder that is not a warehouse is refused."""
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(WarehouseError, match="not a policygen warehouse"), open_for_write(tmp_path):
        pass


def _dated(day: date, name: str) -> str:
    """A source URL whose key date is *day*, as the delivery layout spells it."""
    return f"s3://b/AWSLogs/111122223333/CloudTrail/us-east-1/{day:%Y/%m/%d}/{name}.json.gz"


def test_known_versions_reads_only_the_commits_that_can_hold_the_window(
    tmp_path: Path,
) -> None:
    """A windowed look-up skips commits whose sources' key dates all lie outside; commits
    that noted no span (an undated source, or a record from before the field) are read."""
    may, june = date(2024, 5, 1), date(2024, 6, 10)
    with open_for_write(tmp_path) as manifest:
        manifest.commit(1, [], [_outcome(_dated(may, "a"))], (may, may))
        manifest.commit(2, [], [_outcome(_dated(june, "b"))], (june, june))
        manifest.commit(3, [], [_outcome("/exports/undated.json")], None)
    garbage = tmp_path / "_manifest/sources/00000002.parquet"
    garbage.write_bytes(b"not parquet: reading it fails")
    fresh = Manifest(Layout(tmp_path))  # the spans as read back from the records
    assert fresh.record(1).source_dates == (may, may)
    assert fresh.record(3).source_dates is None
    found = fresh.known_versions(date(2024, 4, 30), date(2024, 5, 2))
    assert sorted(found) == ["/exports/undated.json", _dated(may, "a")]
    assert sorted(fresh.known_versions(None, date(2024, 5, 31))) == sorted(found)
    with pytest.raises(pa.ArrowInvalid):
        fresh.known_versions()  # every commit: the damaged one too


_URL_DAYS = st.dates(date(2024, 1, 1), date(2024, 1, 12))


@settings(max_examples=40, deadline=None)
@given(
    commits=st.lists(
        st.lists(st.tuples(_URL_DAYS, st.integers(0, 3)), min_size=1, max_size=5),
        min_size=1,
        max_size=6,
    ),
    window=st.tuples(st.none() | _URL_DAYS, st.none() | _URL_DAYS),
)
def test_a_windowed_look_up_agrees_with_the_whole_history_inside_the_window(
    commits: list[list[tuple[date, int]]], window: tuple[date | None, date | None]
) -> None:
    """For every object whose key date is in the window, the windowed answer is the whole
    history's answer: the same last version, however objects recur across commits."""
    first, last = window
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        with open_for_write(root) as manifest:
            for seq, sources in enumerate(commits, start=1):
                outcomes = [
                    SourceOutcome(
                        _dated(d, str(n)), 1, f"v{seq}", Outcome.INGESTED, None, 1, 1, 0, 0
                    )
                    for d, n in dict.fromkeys(sources)
                ]
                days = [d for d, _ in sources]
                manifest.commit(seq, [], outcomes, (min(days), max(days)))
        fresh = Manifest(Layout(root))
        everything = fresh.known_versions()
        windowed = fresh.known_versions(first, last)
    inside = {
        url
        for sources in commits
        for d, n in sources
        if (first is None or d >= first) and (last is None or d <= last)
        for url in [_dated(d, str(n))]
    }
    assert {u: everything[u] for u in inside} == {u: windowed[u] for u in inside}
    assert set(windowed) <= set(everything)
