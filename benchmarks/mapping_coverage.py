"""Share of real CloudTrail records that map to IAM actions.

Run as ``python -m benchmarks.mapping_coverage [FOLDER]``.

Reads the third-party captures in ``../shared/data/cloudtrail-real/*.json.gz`` (or the folder
given as the first argument), maps them with the bundled catalog, and prints per status the
number of events, the share of API events that map to a known action, and every
(eventSource, eventName) left unmapped with its reason. Exit status 0 always: it measures.
"""

from __future__ import annotations

import gzip
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import polars as pl

from policygen_batch import schema as s
from policygen_batch.catalog import load_catalog
from policygen_batch.mapping import load_tables, map_events, unmapped_summary
from policygen_batch.mapping.records import records_frame

DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "shared" / "data" / "cloudtrail-real"


def read_records(folder: Path) -> list[dict[str, Any]]:
    """Every record of every ``*.json.gz`` archive in *folder*, in file-name order."""
    records: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.json.gz")):
        doc = orjson.loads(gzip.decompress(path.read_bytes()))
        records.extend(r for r in doc.get("Records", []) if isinstance(r, dict))
    return records


def coverage(mapped: pl.DataFrame) -> dict[str, Any]:
    """Per-event status counts and the share of API events with a known action."""
    per_event = mapped.group_by(s.EVENT_ID).agg(
        (pl.col(s.STATUS) == s.MappingStatus.UNMAPPED).any().alias("unmapped"),
        pl.col(s.STATUS)
        .is_in([s.MappingStatus.NON_API, s.MappingStatus.PERMISSIONLESS])
        .all()
        .alias("no_action"),
    )
    total = per_event.height
    no_action = int(per_event["no_action"].sum())
    unmapped = int(per_event["unmapped"].sum())
    api = total - no_action
    return {
        "events": total,
        "no_action_needed": no_action,
        "api_events": api,
        "mapped": api - unmapped,
        "unmapped": unmapped,
        "mapped_share": (api - unmapped) / api if api else 1.0,
    }


def main(argv: list[str]) -> None:
    """Print the coverage table."""
    folder = Path(argv[0]) if argv else DEFAULT_FOLDER
    records = read_records(folder)
    if not records:
        print(f"no records under {folder}")
        return
    catalog = load_catalog()
    tables = load_tables()
    started = time.perf_counter()
    mapped = map_events(records_frame(records).lazy(), catalog, tables).collect()
    elapsed = time.perf_counter() - started
    stats = coverage(mapped)
    print(f"catalog {catalog.version}; {len(records)} records from {folder}")
    print(f"mapping took {elapsed:.3f} s ({len(records) / elapsed:,.0f} events/s on this tiny set)")
    print(mapped.group_by(s.STATUS).agg(pl.len().alias("rows")).sort(s.STATUS))
    print(
        f"API events (distinct eventID): {stats['api_events']}, mapped: {stats['mapped']}, "
        f"unmapped: {stats['unmapped']}"
        f" -> {stats['mapped_share']:.1%} map; no action needed: {stats['no_action_needed']}"
    )
    print(unmapped_summary(mapped.lazy()).collect())


if __name__ == "__main__":
    main(sys.argv[1:])
