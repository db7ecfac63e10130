"""OUT is replaced as a whole, only when complete, and never over someone else's folder."""

from __future__ import annotations

import hashlib
import io
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.errors import UsageError
from policygen_batch.report.filewriter import frame, serve
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
        tree.flush()
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


def test_a_failed_write_fails_the_flush(tmp_path: Path) -> None:
    """The writer process's error reaches the caller: flush raises and nothing is committed."""
    out = tmp_path / "o"
    with pytest.raises(OSError, match="writing the output failed"), OutputTree(out) as tree:
        tree.write("a", b"1")
        tree.write("a/b", b"2")  # "a" is a file: its folder cannot be made
        tree.commit(b"{}")
    assert not out.exists()
    assert not (tmp_path / "o.partial").exists()


@given(
    st.dictionaries(
        st.lists(st.sampled_from(["p", "q", "é x", "r.json"]), min_size=1, max_size=3).map(
            lambda parts: "/".join(f"{i}{part}" for i, part in enumerate(parts)) + ".out"
        ),  # a file's name ends in .out, a folder's never: no file stands in a folder's way
        st.binary(max_size=70_000),
        max_size=12,
    )
)
@settings(max_examples=25, deadline=None)
def test_every_file_lands_with_its_bytes(files: dict[str, bytes]) -> None:
    """Whatever the paths and sizes (chunks cut inside frames), OUT holds exactly the
    files handed over, byte for byte, and the manifest hashes match them."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "o"
        with OutputTree(out) as tree:
            for relative, data in files.items():
                tree.write(relative, data)
            tree.commit(b"{}")
            hashes = dict(tree.files)
        on_disk = {
            p.relative_to(out).as_posix(): p.read_bytes()
            for p in out.rglob("*")
            if p.is_file() and p.name != "manifest.json"
        }
    assert on_disk == files
    assert hashes == {k: hashlib.sha256(v).hexdigest() for k, v in files.items()}


def test_serve_rejects_a_truncated_stream(tmp_path: Path) -> None:
    """A stream cut inside a frame is an error, not a short file."""
    whole = b"".join(frame("x", b"abcdef"))
    with pytest.raises(EOFError):
        serve(tmp_path, io.BytesIO(whole[:-2]))
    assert serve(tmp_path, io.BytesIO(whole)) == 1
    assert (tmp_path / "x").read_bytes() == b"abcdef"


@pytest.mark.parametrize("relative", ["../escaped.json", "/abs.json", "a/../../b.json"])
def test_the_file_writer_refuses_a_path_outside_the_output(tmp_path: Path, relative: str) -> None:
    """Defence in depth: principal folders are made safe before, and the writer process
    still never writes outside its root."""
    root = tmp_path / "out"
    root.mkdir()
    with pytest.raises(ValueError, match="not a path inside"):
        serve(root, io.BytesIO(b"".join(frame(relative, b"{}"))))
    assert sorted(p.name for p in tmp_path.rglob("*.json")) == []
