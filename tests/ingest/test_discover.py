"""Discovery classifies objects by key and prunes by the delivery date before reading."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.errors import SourceError
from policygen_batch.ingest.discover import (
    Kind,
    S3Options,
    classify,
    in_window,
    iter_objects,
)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (
            "AWSLogs/o-abc123/111122223333/CloudTrail/eu-west-1/2024/05/01/x.json.gz",
            (Kind.LOG, "111122223333", "eu-west-1", date(2024, 5, 1)),
        ),
        (
            "bucket/AWSLogs/111122223333/CloudTrail/us-east-1/2024/12/31/x.json.gz",
            (Kind.LOG, "111122223333", "us-east-1", date(2024, 12, 31)),
        ),
        (
            "AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/x.json.gz",
            (Kind.DIGEST, None, None, None),
        ),
        (
            "AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/05/01/x.json.gz",
            (Kind.INSIGHT, None, None, None),
        ),
        ("exports/lake-export.jsonl", (Kind.LOG, None, None, None)),
        ("exports/README.md", (Kind.NOT_A_LOG, None, None, None)),
        (
            "AWSLogs/111122223333/CloudTrail/us-east-1/2024/02/31/x.json.gz",
            (Kind.LOG, "111122223333", "us-east-1", None),
        ),
    ],
)
def test_classify(key: str, expected: tuple[object, ...]) -> None:
    """Keys are classified and the delivery layout parsed (an impossible date is no date)."""
    assert classify(key) == expected


def test_window_keeps_one_day_of_margin_and_undated_objects(tmp_path: Path) -> None:
    """A folder a day outside the window may hold in-window events; two days may not."""
    (tmp_path / "AWSLogs/111122223333/CloudTrail/us-east-1/2024/05").mkdir(parents=True)
    for day in ("01", "03", "05", "08"):
        folder = tmp_path / f"AWSLogs/111122223333/CloudTrail/us-east-1/2024/05/{day}"
        folder.mkdir()
        (folder / "f.json.gz").write_bytes(b"")
    (tmp_path / "export.jsonl").write_bytes(b"")
    objects = list(iter_objects([str(tmp_path)], S3Options()))
    kept = [
        o.url.split("us-east-1/")[-1] if o.key_date else "undated"
        for o in objects
        if in_window(o, date(2024, 5, 4), date(2024, 5, 6))
    ]
    assert sorted(kept) == ["2024/05/03/f.json.gz", "2024/05/05/f.json.gz", "undated"]


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    """A source that does not exist names itself."""
    with pytest.raises(SourceError, match="nope"):
        iter_objects([str(tmp_path / "nope")], S3Options())


_NAMES = st.sampled_from(["a", "a-b", "a.b", "a0", "b", "ab", "a b", "é", "Z", "_x", "a~"])


@settings(max_examples=60, deadline=None)
@given(
    tree=st.lists(
        st.tuples(st.lists(_NAMES, min_size=0, max_size=3), _NAMES), min_size=1, max_size=25
    )
)
def test_the_walk_yields_urls_in_sorted_order(
    tmp_path_factory: pytest.TempPathFactory, tree: list[tuple[list[str], str]]
) -> None:
    """Files and folders whose names sort around each other's ``/`` ("a" folder, "a-b"
    file, "a.b" folder…): the lazy walk gives exactly the sorted list of every file."""
    root = tmp_path_factory.mktemp("t")
    files: set[Path] = set()
    folders: set[Path] = set()
    for parts, name in tree:
        folder = root.joinpath(*parts)
        path = folder / name
        if path in folders or any(p in files for p in (folder, *folder.parents)):
            continue  # a name already taken by the other kind
        folder.mkdir(parents=True, exist_ok=True)
        folders.update([folder, *folder.parents])
        path.write_bytes(b"{}")
        files.add(path)
    urls = [o.url for o in iter_objects([str(root)], S3Options())]
    assert urls == sorted(str(p.resolve()) for p in files)


def test_sources_are_merged_in_order_and_an_overlap_is_listed_once(tmp_path: Path) -> None:
    for name in ("a/1.json", "a/2.json", "b/1.json", "c/1.json"):
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(b"{}")
    (tmp_path / "linked").symlink_to(tmp_path / "a")  # a link to a folder is not followed
    sources = [str(tmp_path / "c"), str(tmp_path), str(tmp_path / "a")]
    urls = [o.url for o in iter_objects(sources, S3Options())]
    expected = ["a/1.json", "a/2.json", "b/1.json", "c/1.json"]
    assert urls == [str((tmp_path / n).resolve()) for n in expected]


def test_a_missing_source_is_reported_before_anything_is_listed(tmp_path: Path) -> None:
    (tmp_path / "x.json").write_bytes(b"{}")
    with pytest.raises(SourceError, match="source not found"):
        iter_objects([str(tmp_path), str(tmp_path / "nope")], S3Options())


def test_a_folder_that_cannot_be_listed_is_a_clear_error_and_leaks_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A permission error (which root never gets, hence the stand-in) names the folder,
    and the folder opened for it is closed again."""
    (tmp_path / "locked").mkdir()
    (tmp_path / "locked" / "x.json").write_bytes(b"{}")
    scandir = os.scandir

    def refuse(path: object) -> object:
        if isinstance(path, int) and Path(f"/proc/self/fd/{path}").readlink().name == "locked":
            raise PermissionError(13, "Permission denied")
        return scandir(path)  # type: ignore[arg-type]  # an fd or a path, as os.scandir takes

    monkeypatch.setattr(os, "scandir", refuse)
    monkeypatch.setattr(os, "supports_fd", os.supports_fd | {refuse})  # listed by its fd
    open_before = sum(1 for _ in Path("/proc/self/fd").iterdir())
    with pytest.raises(SourceError, match=r"cannot list .*locked: .*Permission denied"):
        list(iter_objects([str(tmp_path)], S3Options()))
    assert sum(1 for _ in Path("/proc/self/fd").iterdir()) == open_before
