"""Forensic SQL over a warehouse: the tables ``events``, ``quarantine`` and ``sources``."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from policygen_batch.errors import QueryError, WarehouseError
from policygen_batch.warehouse.layout import Layout
from policygen_batch.warehouse.manifest import Manifest
from policygen_batch.warehouse.parquet import scan_events, scan_quarantine


def run_query(root: Path, sql: str) -> pl.DataFrame:
    """Run *sql* (polars SQL dialect) and collect the result.

    Raises:
        WarehouseError: *root* is not a warehouse.
        QueryError: the statement does not parse or fails.
    """
    if not Layout(root).marker.exists():
        raise WarehouseError(f"{root} is not a policygen warehouse (run 'policygen convert')")
    manifest = Manifest(Layout(root))  # one read of the commit log for all three tables
    context = pl.SQLContext(
        {
            "events": scan_events(root, manifest.committed_files("events/")),
            "quarantine": scan_quarantine(root, manifest.committed_files("quarantine/")),
            "sources": pl.DataFrame(manifest.sources()).lazy(),
        }
    )
    try:
        return context.execute(sql, eager=True)
    except (pl.exceptions.PolarsError, ValueError) as exc:
        raise QueryError(f"query failed: {exc}") from exc
