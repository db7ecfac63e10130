"""The report model's vectorised time formatting equals its per-value formatting."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from policygen_batch.report.model import iso, with_iso

_TIMES = [datetime(2024, 11, 18, 3, 12, 45, 123456, tzinfo=UTC), None]


@pytest.mark.parametrize(
    "extra",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(999, 1, 2, tzinfo=UTC),  # polars would pad the year to 0999; Python does not
        None,
    ],
)
def test_with_iso_formats_like_iso(extra: datetime | None) -> None:
    """Every value of the formatted columns is what iso() gives for it, nulls included."""
    times = [*_TIMES, extra]
    frame = pl.DataFrame(
        {"a": times, "b": list(reversed(times)), "n": [1, 2, 3]},
        schema={"a": pl.Datetime("us", "UTC"), "b": pl.Datetime("us", "UTC"), "n": pl.Int64},
    )
    out = with_iso(frame, "a", "b")
    assert out.get_column("a").to_list() == [iso(t) for t in times]
    assert out.get_column("b").to_list() == [iso(t) for t in reversed(times)]
    assert out.get_column("n").to_list() == [1, 2, 3]
    assert with_iso(frame).equals(frame)
