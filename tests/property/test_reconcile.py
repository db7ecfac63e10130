"""For any mix of good, duplicated and broken files, the counts reconcile: every record read
is a row, a dropped duplicate or quarantined, per file and in total."""

from __future__ import annotations

import gzip
import tempfile
from pathlib import Path
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policygen_batch import api
from policygen_batch.config import ConvertConfig
from tests.factories import ACCOUNT, OTHER_ACCOUNT, record

BROKEN = {
    "corrupt_gzip": b"\x1f\x8b\x08\x00\x00garbage",
    "truncated": b'{"Records": [{"eventID": "x", ',
    "wrong_shape": b'{"Records": 42}',
    "empty": b"",
}

good_record = st.builds(
    lambda n, acct, timeless: ("timeless" if timeless else "ok", f"id-{n}", acct),
    st.integers(0, 15),
    st.sampled_from([ACCOUNT, OTHER_ACCOUNT]),
    st.booleans(),
)
good_file = st.tuples(st.just("good"), st.lists(good_record, min_size=0, max_size=8), st.booleans())
broken_file = st.tuples(st.just("broken"), st.sampled_from(sorted(BROKEN)), st.just(False))


def _render(records: list[tuple[str, str, str]], as_lines: bool) -> bytes:
    docs: list[dict[str, Any]] = []
    for state, event_id, account in records:
        rec = record(event_id=event_id, account=account, time="2024-05-03T10:00:00Z")
        if state == "timeless":
            del rec["eventTime"]
        docs.append(rec)
    if as_lines:
        return b"\n".join(orjson.dumps(d) for d in docs) + b"\n" if docs else b"\n"
    return gzip.compress(orjson.dumps({"Records": docs}), mtime=0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(good_file, broken_file), min_size=1, max_size=7))
def test_counts_reconcile(files: list[tuple[str, Any, bool]]) -> None:
    """records_read = rows_written + duplicates + quarantined, per source and overall;
    the warehouse holds exactly the distinct timed (eventID, account) pairs."""
    with tempfile.TemporaryDirectory() as tmp:
        src, wh = Path(tmp) / "src", Path(tmp) / "wh"
        src.mkdir()
        expected_rows: set[tuple[str, str]] = set()
        expected_read = expected_quarantined_files = 0
        for i, (kind, payload, as_lines) in enumerate(files):
            name = f"f{i:02d}.json" + ("l" if as_lines else ".gz")
            if kind == "broken":
                (src / name).write_bytes(BROKEN[payload])
                expected_quarantined_files += 1
                continue
            data = _render(payload, as_lines)
            (src / name).write_bytes(data)
            if as_lines and not payload:
                expected_quarantined_files += 1  # a JSON-lines file with no line is empty
                continue
            expected_read += len(payload)
            expected_rows |= {(e, a) for state, e, a in payload if state == "ok"}
        summary = api.convert(ConvertConfig(sources=(str(src),), warehouse=wh, workers=1))
        assert summary.files_quarantined == expected_quarantined_files
        assert summary.records_read == expected_read
        assert summary.records_read == (
            summary.rows_written + summary.duplicates_dropped + summary.records_quarantined
        )
        assert summary.rows_written == len(expected_rows)
        rows = api.query(wh, "SELECT event_id, account_id FROM events").rows()
        assert set(rows) == expected_rows and len(rows) == len(expected_rows)
        for source in api.query(wh, "SELECT * FROM sources").to_dicts():
            assert source["records_read"] == (
                source["rows_written"]
                + source["duplicates_dropped"]
                + source["records_quarantined"]
            )
