"""Turn the bytes of one source object into warehouse rows and quarantine rows.

This is the hot path of ``convert``. It decompresses the object once, parses it once with
orjson, and builds the Arrow columns in a single Python loop over the records; timestamps
are parsed vectorised by Arrow afterwards. Anything it cannot use becomes a quarantine row
with a reason, so that for every file::

    records_read == rows + duplicates + quarantined

Accepted shapes: a CloudTrail archive ``{"Records": [...]}`` (gzip or not), a JSON array of
events, a single event object, and JSON lines (one event per line: CloudTrail Lake and
CloudWatch Logs exports), gzip or not.
"""

from __future__ import annotations

import gzip
import hashlib
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from policygen_batch import schema as s
from policygen_batch.ingest.principals import resolve_principal
from policygen_batch.schema import RecordFlag

_GZIP_MAGIC = b"\x1f\x8b"


class FileRejected(Exception):
    """The whole object is unusable (corrupt gzip, invalid JSON, wrong shape, empty)."""


@dataclass(slots=True)
class ParsedFile:
    """What one source object yielded: rows, quarantined records and the tallies."""

    events: pa.Table | None
    quarantine: list[tuple[int | None, str, str | None]] = field(default_factory=list)
    records_read: int = 0
    duplicates: int = 0

    @property
    def rows(self) -> int:
        """Rows that go to the warehouse (before cross-file de-duplication)."""
        return 0 if self.events is None else self.events.num_rows


def decompress(data: bytes) -> bytes:
    """Gunzip when the gzip magic is present (multi-member archives included)."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise FileRejected(f"corrupt gzip: {exc}") from exc


def _split_records(text: bytes) -> tuple[list[Any], list[bytes | None], list[tuple[int, str]]]:
    """Parse a document into records; return (records, raw texts or None, bad lines)."""
    stripped = text.strip()
    if not stripped:
        raise FileRejected("empty file")
    try:
        doc = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        lines = stripped.split(b"\n")
        if len(lines) < 2:
            raise FileRejected(f"invalid JSON: {exc}") from exc
        return _split_lines(lines, exc)
    if isinstance(doc, dict):
        records = doc.get("Records")
        if isinstance(records, list):
            return records, [None] * len(records), []
        if "eventName" in doc or "eventVersion" in doc:
            return [doc], [stripped], []
        raise FileRejected("wrong top-level shape: an object without a 'Records' array")
    if isinstance(doc, list):
        return doc, [None] * len(doc), []
    raise FileRejected(f"wrong top-level shape: {type(doc).__name__}")


def _split_lines(
    lines: list[bytes], first_error: orjson.JSONDecodeError
) -> tuple[list[Any], list[bytes | None], list[tuple[int, str]]]:
    """JSON lines: each non-empty line is one event; a bad line is quarantined, not fatal."""
    records: list[Any] = []
    raws: list[bytes | None] = []
    bad: list[tuple[int, str]] = []
    for number, raw_line in enumerate(lines):
        line = raw_line.strip()
        if not line:
            continue
        try:
            records.append(orjson.loads(line))
            raws.append(line)
        except orjson.JSONDecodeError as exc:
            bad.append((number, f"invalid JSON on line {number + 1}: {exc}"))
    if not records:
        raise FileRejected(f"invalid JSON: {first_error}")
    return records, raws, bad


def _json_text(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def _resources(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        return None
    out = []
    for item in value:
        if isinstance(item, dict):
            out.append(
                {
                    s.RESOURCE_ARN: item.get("ARN") or item.get("arn"),
                    s.RESOURCE_TYPE: item.get("type"),
                    s.RESOURCE_ACCOUNT_ID: item.get("accountId"),
                }
            )
    return out


def _parse_times(values: list[str | None]) -> list[datetime | None]:
    """Per-value fallback for timestamps Arrow's vectorised cast refused."""
    out: list[datetime | None] = []
    for value in values:
        try:
            parsed = datetime.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            parsed = None
        if parsed is not None and parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        out.append(parsed)
    return out


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode() if isinstance(value, dict | list) else str(value)


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def parse_object(  # noqa: PLR0912, PLR0915 - one flat loop is the fast path; helpers cost calls
    data: bytes,
    source_key: str,
    key_account: str | None,
    seen: set[tuple[str, str]],
) -> ParsedFile:
    """Parse one object's bytes into an events table (file schema) and quarantine rows.

    *seen* holds ``(event_id, account_id)`` of rows already produced in this chunk: a record
    found again is counted as a duplicate and dropped (first delivery wins), and new keys
    are added to it.

    Raises:
        FileRejected: when nothing of the object can be used.
    """
    records, raws, bad_lines = _split_records(decompress(data))
    result = ParsedFile(events=None, records_read=len(records) + len(bad_lines))
    for number, reason in bad_lines:
        result.quarantine.append((number, reason, None))

    cols: dict[str, list[Any]] = {name: [] for name in s.EVENTS_FILE_SCHEMA.names}
    times: list[str | None] = []
    for index, rec in enumerate(records):
        raw_bytes = raws[index]
        if not isinstance(rec, dict):
            result.quarantine.append(
                (index, "record is not a JSON object", _str(rec) if rec is not None else "null")
            )
            continue
        raw = (raw_bytes if raw_bytes is not None else orjson.dumps(rec)).decode()
        flags: list[str] = []
        when = rec.get("eventTime")
        if not when:
            when = rec.get("@timestamp")
            if not when:
                result.quarantine.append((index, "no eventTime (nor @timestamp)", raw))
                continue
            flags.append(RecordFlag.TIME_FROM_AT_TIMESTAMP)
        identity = rec.get("userIdentity")
        principal = resolve_principal(identity)
        if principal.flag:
            flags.append(principal.flag)
        account = rec.get("recipientAccountId")
        if not account:
            account = key_account or principal.account
            flags.append(RecordFlag.NO_RECIPIENT_ACCOUNT)
        event_id = rec.get("eventID")
        if not event_id:
            event_id = "synthetic-" + hashlib.sha256(raw.encode()).hexdigest()[:32]
            flags.append(RecordFlag.NO_EVENT_ID)
        key = (str(event_id), str(account or ""))
        if key in seen:
            result.duplicates += 1
            continue
        seen.add(key)
        ident = identity if isinstance(identity, dict) else {}
        times.append(_str(when))
        cols[s.EVENT_ID].append(key[0])
        cols[s.ACCOUNT_ID].append(account or None)
        cols[s.REGION].append(_str(rec.get("awsRegion")))
        cols[s.EVENT_SOURCE].append(_str(rec.get("eventSource")))
        cols[s.EVENT_NAME].append(_str(rec.get("eventName")))
        cols[s.EVENT_TYPE].append(_str(rec.get("eventType")))
        cols[s.EVENT_CATEGORY].append(_str(rec.get("eventCategory")))
        cols[s.EVENT_VERSION].append(_str(rec.get("eventVersion")))
        cols[s.READ_ONLY].append(_bool(rec.get("readOnly")))
        cols[s.MANAGEMENT_EVENT].append(_bool(rec.get("managementEvent")))
        cols[s.IDENTITY_TYPE].append(_str(ident.get("type")))
        cols[s.PRINCIPAL_ARN].append(principal.arn)
        cols[s.PRINCIPAL_TYPE].append(principal.kind)
        cols[s.PRINCIPAL_ACCOUNT].append(principal.account)
        cols[s.IDENTITY_ARN].append(_str(ident.get("arn")))
        cols[s.SESSION_NAME].append(principal.session_name)
        cols[s.ACCESS_KEY_ID].append(_str(ident.get("accessKeyId")))
        cols[s.INVOKED_BY].append(_str(ident.get("invokedBy")))
        cols[s.SOURCE_IP].append(_str(rec.get("sourceIPAddress")))
        cols[s.USER_AGENT].append(_str(rec.get("userAgent")))
        cols[s.ERROR_CODE].append(_str(rec.get("errorCode")))
        cols[s.ERROR_MESSAGE].append(_str(rec.get("errorMessage")))
        cols[s.REQUEST_PARAMETERS].append(_json_text(rec.get("requestParameters")))
        cols[s.RESPONSE_ELEMENTS].append(_json_text(rec.get("responseElements")))
        cols[s.ADDITIONAL_EVENT_DATA].append(_json_text(rec.get("additionalEventData")))
        cols[s.RESOURCES].append(_resources(rec.get("resources")))
        cols[s.SHARED_EVENT_ID].append(_str(rec.get("sharedEventID")))
        cols[s.VPC_ENDPOINT_ID].append(_str(rec.get("vpcEndpointId")))
        cols[s.RECORD_FLAGS].append(flags or None)
        cols[s.SOURCE_KEY].append(source_key)
        cols[s.RECORD_INDEX].append(index)
        cols[s.RAW].append(raw)

    if not times:
        return result
    cols[s.EVENT_TIME] = _time_column(times)
    table = pa.Table.from_pydict(cols, schema=s.EVENTS_FILE_SCHEMA)
    bad_time = table.column(s.EVENT_TIME).is_null()
    if pc.any(bad_time).as_py():
        rejected = table.filter(bad_time)
        for index, raw in zip(
            rejected.column(s.RECORD_INDEX).to_pylist(),
            rejected.column(s.RAW).to_pylist(),
            strict=True,
        ):
            result.quarantine.append((index, "unparseable eventTime", raw))
        for event_id, account in zip(
            rejected.column(s.EVENT_ID).to_pylist(),
            rejected.column(s.ACCOUNT_ID).to_pylist(),
            strict=True,
        ):
            seen.discard((event_id, account or ""))
        table = table.filter(pc.invert(bad_time))
    result.events = table
    return result


def _time_column(values: list[str | None]) -> pa.Array:
    """Parse ISO-8601 times, vectorised when every value is well-formed (the usual case)."""
    target = pa.timestamp("us", tz="UTC")
    try:
        return pa.array(values, pa.string()).cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array(_parse_times(values), target)
