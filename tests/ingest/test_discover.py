"""Discovery classifies objects by key and prunes by the delivery date before reading."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from policygen_batch.errors import SourceError
from policygen_batch.ingest.discover import Kind, S3Options, classify, discover, in_window


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
    objects = discover([str(tmp_path)], S3Options())
    kept = [
        o.url.split("us-east-1/")[-1] if o.key_date else "undated"
        for o in objects
        if in_window(o, date(2024, 5, 4), date(2024, 5, 6))
    ]
    assert sorted(kept) == ["2024/05/03/f.json.gz", "2024/05/05/f.json.gz", "undated"]


def test_missing_source_is_a_clear_error(tmp_path: Path) -> None:
    """A source that does not exist names itself."""
    with pytest.raises(SourceError, match="nope"):
        discover([str(tmp_path / "nope")], S3Options())
