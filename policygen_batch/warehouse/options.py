"""Parquet settings for the events table, apart from the writer so that reading them (the
CLI builds a configuration before it starts anything) does not import polars and Arrow."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """Parquet settings for the events table."""

    flush_rows: int = 5_000  # rows of one date that make a row group
    max_buffered_rows: int = 10_000  # all dates together: a chunk spanning many days
    # (a backfill) flushes its largest date early instead of holding them all. Measured on
    # 400k events: 20k/60k peaked at 700 MiB, 8k/16k at 530 MiB, at the same speed; on a
    # 32 MiB task of the 1M corpus (14 dates), 10k/20k at 425 MiB, 5k/10k (and batches of
    # 4096 records) at 366 MiB, at the same CPU time and warehouse size.
    compression_level: int = 1  # zstd level: 1 is about as small as 3 on JSON text, faster
    max_open_files: int = 32  # per writer: an open Parquet file holds buffers of about
    # its largest row group's compressed size (measured: 3.4 MiB for 10k rows, 1.3 MiB for
    # 400), so a chunk spanning a year of days would hold hundreds of MiB with a file open
    # per date. 32 keeps one file per date for chunks spanning a month.
