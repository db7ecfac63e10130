"""Whatever bytes an object holds, the reader either rejects the whole object with a reason
or accounts for every record: it never crashes and never loses a record silently."""

from __future__ import annotations

import gzip

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.ingest.reader import FileRejected, parse_object
from tests.factories import archive_bytes, record

VALID = orjson.dumps({"Records": [record(event_id="a"), record(event_id="b")]})


def _check(data: bytes) -> None:
    try:
        parsed = parse_object(data, "fuzz", None, set())
    except FileRejected as exc:
        assert str(exc)  # a reason, always
        return
    assert parsed.records_read == parsed.rows + parsed.duplicates + len(parsed.quarantine)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_arbitrary_bytes(data: bytes) -> None:
    """Random bytes: rejected with a reason, or every record accounted for."""
    _check(data)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(VALID) - 1), st.binary(min_size=1, max_size=4), st.booleans())
def test_mutated_archives(position: int, patch: bytes, gzipped: bool) -> None:
    """A valid archive with a few bytes overwritten (inside strings, keys, structure)."""
    data = VALID[:position] + patch + VALID[position + len(patch) :]
    _check(gzip.compress(data, mtime=0) if gzipped else data)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, len(archive_bytes([record()])) - 1))
def test_truncated_gzip(cut: int) -> None:
    """A gzip archive cut anywhere."""
    _check(archive_bytes([record(), record()])[:cut])
