"""The commit log's recovery: interrupted renames are redone, uncommitted files removed."""

from __future__ import annotations

from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from policygen_batch.errors import WarehouseError
from policygen_batch.warehouse.manifest import Outcome, SourceOutcome, StagedFile, open_for_write


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
