"""The library façade: one function per CLI command, no printing, no exiting.

The CLI (and any other client) calls these; they take explicit inputs (configuration,
catalog, progress sink) and return plain result objects, so the same job runs from a
notebook, a scheduler or the command line.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from policygen_batch.config import ConvertConfig
from policygen_batch.ingest.convert import ConvertSummary
from policygen_batch.progress import ProgressSink

# --- convert and query (the warehouse) -----------------------------------------------------


def convert(config: ConvertConfig, progress: ProgressSink | None = None) -> ConvertSummary:
    """Ingest new or changed CloudTrail objects into the warehouse (``policygen convert``)."""
    from policygen_batch.ingest.convert import convert as run_convert

    return run_convert(config, progress)


def query(warehouse: Path, sql: str) -> pl.DataFrame:
    """Run polars SQL over the warehouse tables ``events``, ``quarantine`` and ``sources``."""
    from policygen_batch.warehouse.query import run_query

    return run_query(warehouse, sql)
