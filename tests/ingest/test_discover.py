"""Discovery classifies objects by key and prunes by the delivery date before reading."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.errors import SourceError
from policygen_batch.ingest.discover import (
    Kind,
    Pruner,
    S3Options,
    SourceObject,
    classify,
    in_window,
    iter_objects,
    key_date_bounds,
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


_LAYOUT = "AWSLogs/o-abc123/111122223333/CloudTrail/us-east-1/"


@pytest.mark.parametrize(
    ("folder", "skipped"),
    [
        (_LAYOUT + "2023/", True),  # the whole year ends before May 3 (since - margin)
        (_LAYOUT + "2024/", False),
        (_LAYOUT + "2025/", True),
        (_LAYOUT + "2024/04/", True),
        (_LAYOUT + "2024/05/", False),
        (_LAYOUT + "2024/06/", True),
        (_LAYOUT + "2024/05/02/", True),
        (_LAYOUT + "2024/05/03/", False),  # a day of margin: may hold May 4 events
        (_LAYOUT + "2024/05/07/", False),
        (_LAYOUT + "2024/05/08/", True),
        (_LAYOUT + "2024/05/32/", False),  # not a date: undated objects are read
        (_LAYOUT + "0000/", False),
        (_LAYOUT + "9999/12/", False),  # its end is past what a date can hold: not pruned
        ("AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/05/01/", True),
        ("exports/2024/05/01/", False),  # not the delivery layout: the date is not a key date
        (_LAYOUT, False),
    ],
)
def test_pruner_skips_date_folders_wholly_outside_the_window(folder: str, skipped: bool) -> None:
    pruner = Pruner(date(2024, 5, 4), date(2024, 5, 6))
    assert pruner.skips(folder) is skipped
    assert pruner.folders_pruned == int(skipped)
    assert not Pruner().skips(_LAYOUT + "1999/")  # no window: nothing is pruned


def test_a_window_at_the_ends_of_the_calendar_is_widened_to_the_end_not_past_it() -> None:
    """The margin stops at ``date.min``/``date.max`` instead of overflowing, for objects
    and for folders alike."""
    assert key_date_bounds(date.min, date.max) == (date.min, date.max)
    assert key_date_bounds(date(2024, 5, 4), None) == (date(2024, 5, 3), None)
    assert key_date_bounds(None, date(2024, 5, 6)) == (None, date(2024, 5, 7))
    first = SourceObject("u", 1, "v", Kind.LOG, key_date=date.min)
    last = replace(first, key_date=date.max)
    assert in_window(first, date.min, date.min)
    assert in_window(last, date.max, date.max)
    assert not in_window(last, date.min, date.min)
    pruner = Pruner(date.min, date(1, 1, 2))
    assert not pruner.skips(_LAYOUT + "0001/01/03/")
    assert pruner.skips(_LAYOUT + "0001/01/04/")


_DAYS = st.dates(date(2023, 12, 20), date(2024, 3, 10))


@settings(max_examples=40, deadline=None)
@given(
    days=st.lists(_DAYS, min_size=1, max_size=12, unique=True),
    since=st.none() | _DAYS,
    length=st.none() | st.integers(0, 40),
)
def test_a_pruned_walk_lists_exactly_the_objects_in_the_window(
    tmp_path_factory: pytest.TempPathFactory,
    days: list[date],
    since: date | None,
    length: int | None,
) -> None:
    """Across month and year ends, with open or closed windows: pruning folders selects the
    same objects as listing everything and keeping those :func:`in_window` accepts (digest
    files, which have no key date as objects, by the date of their folder)."""
    root = tmp_path_factory.mktemp("t")
    for i, day in enumerate(days):
        kind = "CloudTrail-Digest" if i % 5 == 4 else "CloudTrail"
        folder = root / f"AWSLogs/111122223333/{kind}/eu-west-1/{day:%Y/%m/%d}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "f.json.gz").write_bytes(b"")
    (root / "AWSLogs" / "export.jsonl").write_bytes(b"")  # undated: always listed
    until = None if length is None else (since or date(2024, 1, 1)) + timedelta(days=length)
    everything = list(iter_objects([str(root)], S3Options()))
    pruner = Pruner(since, until)
    pruned = [o.url for o in iter_objects([str(root)], S3Options(), pruner)]

    def selected(obj: SourceObject) -> bool:
        if obj.kind == Kind.DIGEST:
            y, m, d = obj.url.split("/")[-4:-1]
            obj = replace(obj, key_date=date(int(y), int(m), int(d)))
        return in_window(obj, since, until)

    assert pruned == [o.url for o in everything if selected(o)]
    assert (pruner.folders_pruned > 0) == (len(pruned) < len(everything))


def test_a_pruned_folder_is_never_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A folder outside the window that would fail to list does not fail the run."""
    for day in ("2024/01/31", "2024/05/05"):
        folder = tmp_path / _LAYOUT / day
        folder.mkdir(parents=True)
        (folder / "f.json.gz").write_bytes(b"")
    scandir = os.scandir
    listed: list[str] = []

    def refuse_january(path: object) -> object:
        name = Path(f"/proc/self/fd/{path}").readlink() if isinstance(path, int) else path
        listed.append(str(name))
        if str(name).endswith("2024/01"):
            raise PermissionError(13, "Permission denied")
        return scandir(path)  # type: ignore[arg-type]  # an fd or a path, as os.scandir takes

    monkeypatch.setattr(os, "scandir", refuse_january)
    monkeypatch.setattr(os, "supports_fd", os.supports_fd | {refuse_january})
    pruner = Pruner(date(2024, 5, 1), None)
    urls = [o.url for o in iter_objects([str(tmp_path)], S3Options(), pruner)]
    assert [u.split("us-east-1/")[1] for u in urls] == ["2024/05/05/f.json.gz"]
    assert pruner.folders_pruned == 1
    assert not any(name.endswith("2024/01") for name in listed)
    with pytest.raises(SourceError, match="2024/01"):  # the stand-in does refuse, unpruned
        list(iter_objects([str(tmp_path)], S3Options()))
