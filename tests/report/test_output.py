"""OUT is replaced as a whole, only when complete, and never over someone else's folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from policygen_batch.errors import UsageError
from policygen_batch.report.output import OutputTree, check_out


def test_commit_swaps_in_a_complete_tree(tmp_path: Path) -> None:
    """Files appear in OUT only after commit; the manifest is there; stale files are gone."""
    out = tmp_path / "out"
    with OutputTree(out) as tree:
        tree.write("a/b.json", b"{}\n")
        tree.commit(b"{}\n")
    (out / "stale.txt").write_text("old")
    with OutputTree(out) as tree:
        tree.write("summary.json", b"{}\n")
        assert not (out / "summary.json").exists()
        assert (tmp_path / "out.partial" / "summary.json").is_file()
        tree.commit(b'{"complete": true}\n')
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "summary.json"]
    assert not (tmp_path / "out.partial").exists()
    assert not (tmp_path / "out.old").exists()


def test_failure_leaves_the_previous_output(tmp_path: Path) -> None:
    """An exception while writing removes the staging folder and keeps the old OUT."""
    out = tmp_path / "out"
    with OutputTree(out) as tree:
        tree.write("summary.json", b"1\n")
        tree.commit(b"{}\n")
    with pytest.raises(RuntimeError), OutputTree(out) as tree:
        tree.write("summary.json", b"2\n")
        raise RuntimeError("boom")
    assert (out / "summary.json").read_bytes() == b"1\n"
    assert not (tmp_path / "out.partial").exists()


def test_refuses_a_foreign_folder(tmp_path: Path) -> None:
    """A non-empty folder without summary.json or manifest.json is not replaced."""
    (tmp_path / "notes.txt").write_text("precious")
    with pytest.raises(UsageError, match="not a policygen output"):
        check_out(tmp_path)
    check_out(tmp_path / "new")  # absent: fine
    (tmp_path / "empty").mkdir()
    check_out(tmp_path / "empty")  # empty: fine


def test_hashes_every_file_and_refuses_duplicates(tmp_path: Path) -> None:
    """Each written file is hashed for the manifest; writing a path twice is a bug."""
    with OutputTree(tmp_path / "o") as tree:
        tree.write("x", b"abc")
        assert tree.files == {
            "x": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        }
        with pytest.raises(ValueError, match="twice"):
            tree.write("x", b"abc")
        tree.commit(b"{}")
