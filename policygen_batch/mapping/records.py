"""Raw CloudTrail records → an events frame, for tests, the coverage benchmark and one-off
forensic use on a handful of records.

It runs the ingest reader itself (:mod:`policygen_batch.ingest.reader`), so principals,
flags and columns are exactly what ``convert`` would store; each record is read on its own,
so none is dropped as a duplicate of another (a record that cannot be read at all, e.g.
one without a time, is left out, as ``convert`` would quarantine it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import polars as pl

from policygen_batch import schema as s
from policygen_batch.ingest.reader import FileRejected, build_rows, split_object, to_events


def records_frame(records: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """One row per readable record, with the warehouse's events columns."""
    parsed = []
    for index, rec in enumerate(records):
        try:
            one = split_object(orjson.dumps(rec), f"record-{index}", None, set())
        except FileRejected:
            continue
        if one.ids:
            parsed.append(one)
    table = (
        to_events(build_rows(parsed, set())[0]) if parsed else s.EVENTS_FILE_SCHEMA.empty_table()
    )
    return pl.DataFrame(table)
