"""The committed-key index keeps hashes only: a known hash is a candidate, never a verdict."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch import api
from policygen_batch import schema as s
from policygen_batch.config import ConvertConfig
from policygen_batch.ingest.convert import CommittedIds
from policygen_batch.warehouse.manifest import open_for_write
from policygen_batch.warehouse.options import WriteOptions
from policygen_batch.warehouse.parquet import write_events
from tests.factories import ACCOUNT, delivery_key, record, write_archive

DAY = "2024-05-01"


def _hashes(path: Path) -> dict[str, pl.Series]:
    """The key hashes a worker reports with a staged file of DAY."""
    keys = pl.LazyFrame(pq.read_table(path).select([s.EVENT_ID, s.ACCOUNT_ID]))
    return {DAY: CommittedIds.keys_of(keys, DAY).collect()[CommittedIds.HASH]}


def _staged(path: Path, event_ids: list[str]) -> Path:
    """A staged events file of *event_ids* on DAY, as a worker would leave it."""
    rows = [
        {
            s.EVENT_ID: event_id,
            s.EVENT_TIME: pa.scalar(1714564800_000000, pa.timestamp("us", tz="UTC")).as_py(),
            s.ACCOUNT_ID: ACCOUNT,
            s.SOURCE_KEY: f"src/{event_id}",
            s.RAW: "{}",
        }
        for event_id in event_ids
    ]
    table = pa.Table.from_pylist(rows, schema=s.EVENTS_FILE_SCHEMA)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_events(path, table, WriteOptions())
    return path


def _warehouse(tmp_path: Path) -> Path:
    src, wh = tmp_path / "src", tmp_path / "wh"
    write_archive(
        src,
        delivery_key(ACCOUNT, "us-east-1", DAY, "a"),
        [record(event_id="old-1", time=f"{DAY}T12:00:00Z")],
    )
    api.convert(ConvertConfig(sources=(str(src),), warehouse=wh, workers=1))
    return wh


def test_a_committed_key_is_dropped_and_counted(tmp_path: Path) -> None:
    wh = _warehouse(tmp_path)
    staged = _staged(tmp_path / "stage" / "x.parquet", ["old-1", "new-1"])
    with open_for_write(wh) as manifest:
        ids = CommittedIds(manifest, WriteOptions())
        dups = ids.drop_committed([(DAY, staged)], _hashes(staged))
    assert dups == {"src/old-1": 1}
    assert pl.read_parquet(staged)[s.EVENT_ID].to_list() == ["new-1"]


def test_a_hash_match_without_the_exact_key_keeps_the_row(tmp_path: Path) -> None:
    """Plant the hash of a key that is not committed (what a collision looks like): the
    exact check against the committed files must keep the row."""
    wh = _warehouse(tmp_path)
    staged = _staged(tmp_path / "stage" / "x.parquet", ["new-1", "new-2"])
    with open_for_write(wh) as manifest:
        ids = CommittedIds(manifest, WriteOptions())
        planted = _hashes(staged)  # the staged rows' own hashes
        ids._load({DAY})
        ids._known.append(planted[DAY])
        dups = ids.drop_committed([(DAY, staged)], planted)
    assert dups == {}
    assert pl.read_parquet(staged)[s.EVENT_ID].to_list() == ["new-1", "new-2"]


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.text(min_size=1, max_size=40), st.none() | st.text(max_size=14)),
        min_size=1,
        max_size=30,
    )
)
def test_a_worker_hashes_keys_as_the_parent_reads_them_from_files(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, str | None]]
) -> None:
    """Workers hash rows in memory as they write; the parent hashes committed files it
    reads. Were the two to differ, no duplicate across chunks would ever be found."""
    folder = tmp_path_factory.mktemp("h")
    table = pa.table(
        {s.EVENT_ID: [r[0] for r in rows], s.ACCOUNT_ID: [r[1] for r in rows]},
        schema=pa.schema(
            [s.EVENTS_FILE_SCHEMA.field(s.EVENT_ID), s.EVENTS_FILE_SCHEMA.field(s.ACCOUNT_ID)]
        ),
    )
    in_memory = CommittedIds.keys_of(pl.LazyFrame(table), DAY).collect()[CommittedIds.HASH]
    pq.write_table(table, folder / "f.parquet")
    with open_for_write(folder / "wh") as manifest:
        from_file = CommittedIds(manifest, WriteOptions())._read_keys({folder / "f.parquet": DAY})
    assert from_file[CommittedIds.HASH].to_list() == in_memory.to_list()
