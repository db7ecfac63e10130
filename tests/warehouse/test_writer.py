"""The partitioned writer puts every row in its date's file, in the order rows came."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch import schema as s
from policygen_batch.warehouse.parquet import PartitionedWriter, WriteOptions

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
)
def test_rows_land_in_their_dates_file_in_arrival_order(
    tmp_path_factory: pytest.TempPathFactory, batches: list[list[int]], flush_rows: int
) -> None:
    folder = tmp_path_factory.mktemp("w")
    options = WriteOptions(flush_rows=flush_rows, max_buffered_rows=2 * flush_rows)
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
    files = writer.close()
    assert sorted(files) == sorted(expected)
    for day, path in files.items():
        assert pl.read_parquet(path)[s.EVENT_ID].to_list() == expected[day]
