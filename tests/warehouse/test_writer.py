"""The partitioned writer puts every row in its date's file, in the order rows came."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch import schema as s
from policygen_batch.warehouse.options import WriteOptions
from policygen_batch.warehouse.parquet import PartitionedWriter

START = datetime(2024, 5, 1, 12, tzinfo=UTC)


def _table(day_offsets: list[int], first_id: int) -> pa.Table:
    rows = [
        {
            s.EVENT_ID: f"e{first_id + i:06d}",
            s.EVENT_TIME: START + timedelta(days=offset),
            s.SOURCE_KEY: "k",
            s.RAW: "{}",
        }
        for i, offset in enumerate(day_offsets)
    ]
    return pa.Table.from_pylist(rows, schema=s.EVENTS_FILE_SCHEMA)


@settings(max_examples=40, deadline=None)
@given(
    batches=st.lists(
        st.one_of(
            # grouped by date with a few stragglers (files spanning midnight) ...
            st.lists(st.integers(0, 3), min_size=1, max_size=60).map(sorted),
            # ... or dates interleaving row by row (past the sorting threshold)
            st.lists(st.integers(0, 3), min_size=1, max_size=300),
        ),
        min_size=1,
        max_size=6,
    ),
    flush_rows=st.integers(1, 80),
    max_open_files=st.integers(1, 5),
)
def test_rows_land_in_their_dates_files_in_arrival_order(
    tmp_path_factory: pytest.TempPathFactory,
    batches: list[list[int]],
    flush_rows: int,
    max_open_files: int,
) -> None:
    """Whatever the batching, flushing and bound on open files: a date's files, in the
    order ``close`` lists them, hold exactly its rows in the order they came."""
    folder = tmp_path_factory.mktemp("w")
    options = WriteOptions(
        flush_rows=flush_rows, max_buffered_rows=2 * flush_rows, max_open_files=max_open_files
    )
    writer = PartitionedWriter(folder, "c", options, lambda table: table)
    expected: dict[str, list[str]] = {}
    next_id = 0
    for offsets in batches:
        table = _table(offsets, next_id)
        for i, offset in enumerate(offsets):
            day = (START + timedelta(days=offset)).date().isoformat()
            expected.setdefault(day, []).append(f"e{next_id + i:06d}")
        next_id += len(offsets)
        writer.add(table)
        assert sum(writer._buffered.values()) <= options.max_buffered_rows
        assert len(writer._open) <= max_open_files
    files = writer.close()
    assert files == sorted(files)
    assert {day for day, _ in files} == set(expected)
    written: dict[str, list[str]] = {}
    for day, path in files:
        written.setdefault(day, []).extend(pl.read_parquet(path)[s.EVENT_ID].to_list())
    assert written == expected


def test_a_date_written_again_after_its_file_closed_gets_another_file(tmp_path: Path) -> None:
    options = WriteOptions(flush_rows=1, max_buffered_rows=1, max_open_files=2)
    writer = PartitionedWriter(tmp_path, "c", options, lambda table: table)
    for n, offset in enumerate([0, 1, 2, 0, 0]):  # day 0 closed when day 2 opens
        writer.add(_table([offset], n))
    files = writer.close()
    assert [(day[-2:], path.name) for day, path in files] == [
        ("01", "c-2024-05-01-0000.parquet"),
        ("01", "c-2024-05-01-0001.parquet"),
        ("02", "c-2024-05-02-0000.parquet"),
        ("03", "c-2024-05-03-0000.parquet"),
    ]
    assert pl.read_parquet(files[1][1])[s.EVENT_ID].to_list() == ["e000003", "e000004"]
