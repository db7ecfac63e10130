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
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
from isal import igzip, igzip_lib

from policygen_batch import schema as s
from policygen_batch.ingest.principals import (
    ID_ACCOUNT,
    IDENTITY_INPUTS,
    ISSUER_ARN,
    ROLE_PATH_GUESSED,
    USER_NAME,
    resolve_principals,
)
from policygen_batch.schema import RecordFlag

_GZIP_MAGIC = b"\x1f\x8b"
_ISAL_ERROR: type[Exception] = igzip_lib.IsalError  # type: ignore[assignment]  # stub says instance


class FileRejected(Exception):
    """The whole object is unusable (corrupt gzip, invalid JSON, wrong shape, empty)."""


@dataclass(slots=True)
class ParsedObject:
    """One source object split into records: those to keep (still Python values), the
    quarantined ones with reasons, and the tallies. Arrow conversion happens later, for
    many objects at once (:func:`build_rows`): CloudTrail delivers many small files, and
    per-call costs would otherwise dominate."""

    source_key: str
    records_read: int
    duplicates: int = 0
    quarantine: list[tuple[int | None, str, str | None]] = field(default_factory=list)
    records: list[dict[str, Any]] = field(default_factory=list)
    raws: list[bytes] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    accounts: list[Any] = field(default_factory=list)
    times: list[Any] = field(default_factory=list)
    indexes: list[int] = field(default_factory=list)
    flags: dict[int, list[str]] = field(default_factory=dict)  # kept position → flags


@dataclass(slots=True)
class ParsedFile:
    """One object fully parsed (:func:`parse_object`): its rows and its tallies."""

    events: pa.Table | None
    quarantine: list[tuple[int | None, str, str | None]]
    records_read: int
    duplicates: int

    @property
    def rows(self) -> int:
        """Rows that go to the warehouse (before cross-file de-duplication)."""
        return 0 if self.events is None else self.events.num_rows


def decompress(data: bytes) -> bytes:
    """Gunzip when the gzip magic is present (multi-member archives included).

    ISA-L's inflate is about 1.5x as fast as zlib's on CloudTrail archives; when it yields
    nothing, the standard library decides, so that a damaged header is reported as such.
    """
    if not data.startswith(_GZIP_MAGIC):
        return data
    try:
        out: bytes = igzip.decompress(data)  # type: ignore[no-untyped-call]  # isal ships no hints
        return out or gzip.decompress(data)
    except (OSError, EOFError, zlib.error, _ISAL_ERROR) as exc:
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


#: Top-level fields copied as they are: (column, record key).
_TOP_FIELDS: tuple[tuple[str, str], ...] = (
    (s.REGION, "awsRegion"),
    (s.EVENT_SOURCE, "eventSource"),
    (s.EVENT_NAME, "eventName"),
    (s.EVENT_TYPE, "eventType"),
    (s.EVENT_CATEGORY, "eventCategory"),
    (s.EVENT_VERSION, "eventVersion"),
    (s.SOURCE_IP, "sourceIPAddress"),
    (s.USER_AGENT, "userAgent"),
    (s.ERROR_CODE, "errorCode"),
    (s.ERROR_MESSAGE, "errorMessage"),
    (s.SHARED_EVENT_ID, "sharedEventID"),
    (s.VPC_ENDPOINT_ID, "vpcEndpointId"),
    (s.READ_ONLY, "readOnly"),
    (s.MANAGEMENT_EVENT, "managementEvent"),
)
#: Fields kept as JSON text: (column, record key).
_JSON_FIELDS: tuple[tuple[str, str], ...] = (
    (s.REQUEST_PARAMETERS, "requestParameters"),
    (s.RESPONSE_ELEMENTS, "responseElements"),
    (s.ADDITIONAL_EVENT_DATA, "additionalEventData"),
)
#: ``userIdentity`` fields: (column, key).
_IDENTITY_FIELDS: tuple[tuple[str, str], ...] = (
    (s.IDENTITY_TYPE, "type"),
    (s.IDENTITY_ARN, "arn"),
    (ID_ACCOUNT, "accountId"),
    (USER_NAME, "userName"),
    (s.ACCESS_KEY_ID, "accessKeyId"),
    (s.INVOKED_BY, "invokedBy"),
)
_EMPTY: dict[str, Any] = {}

#: Rows as :func:`parse_object` yields them: the events file schema without the resolved
#: principal columns, plus the identity inputs that :func:`to_events` resolves.
PARSED_SCHEMA: pa.Schema = pa.schema(
    [
        field
        for field in s.EVENTS_FILE_SCHEMA
        if field.name
        not in (s.PRINCIPAL_ARN, s.PRINCIPAL_TYPE, s.PRINCIPAL_ACCOUNT, s.SESSION_NAME)
    ]
    + [pa.field(name, pa.string()) for name in (ID_ACCOUNT, USER_NAME, ISSUER_ARN)]
)


def _resources(value: Any) -> list[dict[str, Any]] | None:
    if not isinstance(value, list):
        return None
    return [
        {
            s.RESOURCE_ARN: _str(item.get("ARN") or item.get("arn")),
            s.RESOURCE_TYPE: _str(item.get("type")),
            s.RESOURCE_ACCOUNT_ID: _str(item.get("accountId")),
        }
        for item in value
        if isinstance(item, dict)
    ]


def _parse_times(values: list[str | None]) -> list[datetime | None]:
    """Per-value fallback for timestamps Arrow's vectorised cast refused."""
    out: list[datetime | None] = []
    for value in values:
        try:
            parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
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


def _array(values: list[Any], kind: pa.DataType) -> pa.Array:
    """An Arrow array of *values*; values of an unexpected JSON type are coerced, not lost
    (a number where a string belongs becomes its text, a non-boolean flag becomes null)."""
    try:
        return pa.array(values, kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        coerce = _bool if kind == pa.bool_() else _str
        return pa.array([coerce(v) for v in values], kind)


def _record_struct() -> pa.StructType:
    """The Arrow type that converts a whole list of record dicts in one C++ call."""
    string = pa.string()
    schema = s.EVENTS_FILE_SCHEMA
    issuer = pa.struct([pa.field("sessionIssuer", pa.struct([pa.field("arn", string)]))])
    identity = pa.struct(
        [pa.field(key, string) for _, key in _IDENTITY_FIELDS]
        + [pa.field("sessionContext", issuer)]
    )
    listed = pa.list_(pa.struct([pa.field(k, string) for k in ("ARN", "type", "accountId")]))
    return pa.struct(
        [pa.field(key, schema.field(column).type) for column, key in _TOP_FIELDS]
        + [pa.field("userIdentity", identity), pa.field("resources", listed)]
    )


_RECORD_STRUCT = _record_struct()


def _columns_fast(records: list[dict[str, Any]]) -> dict[str, pa.Array] | None:
    """Columns of well-typed records, converted by Arrow in C++; None when a value has a
    type the struct does not expect (the caller then takes the tolerant path)."""
    try:
        struct = pa.array(records, _RECORD_STRUCT)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    # flatten(), unlike StructArray.field, carries a parent's nulls into its children, and
    # one call per level is much cheaper than one compute call per field.
    top = dict(zip(_RECORD_STRUCT.names, struct.flatten(), strict=True))
    columns = {column: top[key] for column, key in _TOP_FIELDS}
    identity = dict(
        zip(_RECORD_STRUCT["userIdentity"].type.names, top["userIdentity"].flatten(), strict=True)
    )
    columns.update({column: identity[key] for column, key in _IDENTITY_FIELDS})
    (issuer,) = identity["sessionContext"].flatten()
    (columns[ISSUER_ARN],) = issuer.flatten()
    listed = top["resources"]
    items = listed.values
    renamed = pa.StructArray.from_arrays(
        items.flatten(),
        fields=list(PARSED_SCHEMA.field(s.RESOURCES).type.value_type),
        mask=items.is_null() if items.null_count else None,
    )
    columns[s.RESOURCES] = pa.ListArray.from_arrays(
        listed.offsets, renamed, mask=listed.is_null() if listed.null_count else None
    )
    return columns


def _columns_tolerant(records: list[dict[str, Any]]) -> dict[str, pa.Array]:
    """Columns of records whose values may have unexpected types: coerced, never lost."""
    string = pa.string()
    columns = {
        column: _array([r.get(key) for r in records], PARSED_SCHEMA.field(column).type)
        for column, key in _TOP_FIELDS
    }
    identities: list[dict[str, Any]] = [
        i if isinstance(i := r.get("userIdentity"), dict) else _EMPTY for r in records
    ]
    for column, key in _IDENTITY_FIELDS:
        columns[column] = _array([i.get(key) for i in identities], string)
    issuers: list[Any] = []
    for identity in identities:
        context = identity.get("sessionContext")
        issuer = context.get("sessionIssuer") if isinstance(context, dict) else None
        issuers.append(issuer.get("arn") if isinstance(issuer, dict) else None)
    columns[ISSUER_ARN] = _array(issuers, string)
    columns[s.RESOURCES] = pa.array(
        [_resources(r.get("resources")) for r in records], PARSED_SCHEMA.field(s.RESOURCES).type
    )
    return columns


def split_object(
    data: bytes,
    source_key: str,
    key_account: str | None,
    seen: set[tuple[str, str]],
) -> ParsedObject:
    """Decompress and parse one object; decide for each record whether it is kept.

    *seen* holds ``(event_id, account_id)`` of rows already produced in this chunk: a record
    found again is counted as a duplicate and dropped (first delivery wins), and new keys
    are added to it. Only the few fields these decisions need are read here.

    Raises:
        FileRejected: when nothing of the object can be used.
    """
    records, raws, bad_lines = _split_records(decompress(data))
    out = ParsedObject(source_key, records_read=len(records) + len(bad_lines))
    out.quarantine.extend((number, reason, None) for number, reason in bad_lines)
    dumps = orjson.dumps
    for index, rec in enumerate(records):
        raw = raws[index]
        if type(rec) is not dict:
            text = "null" if rec is None else _str(rec)
            out.quarantine.append((index, "record is not a JSON object", text))
            continue
        if raw is None:
            raw = dumps(rec)
        row_flags: list[str] = []
        when = rec.get("eventTime")
        if not when:
            when = rec.get("@timestamp")
            if not when:
                out.quarantine.append((index, "no eventTime (nor @timestamp)", raw.decode()))
                continue
            row_flags.append(RecordFlag.TIME_FROM_AT_TIMESTAMP)
        account = rec.get("recipientAccountId")
        if not account:
            identity = rec.get("userIdentity")
            account = key_account or (
                identity.get("accountId") if isinstance(identity, dict) else None
            )
            row_flags.append(RecordFlag.NO_RECIPIENT_ACCOUNT)
        event_id = rec.get("eventID")
        if not event_id:
            event_id = "synthetic-" + hashlib.sha256(raw).hexdigest()[:32]
            row_flags.append(RecordFlag.NO_EVENT_ID)
        key = (event_id if type(event_id) is str else str(event_id), str(account or ""))
        if key in seen:
            out.duplicates += 1
            continue
        seen.add(key)
        if row_flags:
            out.flags[len(out.ids)] = row_flags
        out.records.append(rec)
        out.ids.append(key[0])
        out.accounts.append(account or None)
        out.times.append(when)
        out.raws.append(raw)
        out.indexes.append(index)
    return out


def build_rows(
    objects: list[ParsedObject], seen: set[tuple[str, str]]
) -> tuple[pa.Table, list[tuple[str, int, str, str]]]:
    """Convert the kept records of *objects* to Arrow rows (:data:`PARSED_SCHEMA`) at once.

    Returns the rows and the records rejected here, as ``(source_key, index, reason, raw)``
    (an eventTime that does not parse); their keys are removed from *seen* again.
    """
    string = pa.string()
    records = [r for o in objects for r in o.records]
    columns = _columns_fast(records) or _columns_tolerant(records)
    dumps = orjson.dumps
    for column, name in _JSON_FIELDS:
        texts = [None if (v := r.get(name)) is None else dumps(v) for r in records]
        columns[column] = pa.array(texts, string)
    flags: list[list[str] | None] = []
    for o in objects:
        flags.extend(o.flags.get(i) for i in range(len(o.ids)))
    columns.update(
        {
            s.EVENT_ID: pa.array([i for o in objects for i in o.ids], string),
            s.EVENT_TIME: _time_column([t for o in objects for t in o.times]),
            s.ACCOUNT_ID: _array([a for o in objects for a in o.accounts], string),
            s.RECORD_FLAGS: pa.array(flags, pa.list_(string)),
            s.SOURCE_KEY: pa.array([o.source_key for o in objects for _ in o.ids], string),
            s.RECORD_INDEX: pa.array([i for o in objects for i in o.indexes], pa.int64()),
            s.RAW: pa.array([r for o in objects for r in o.raws], string),
        }
    )
    table = pa.Table.from_arrays(
        [columns[name] for name in PARSED_SCHEMA.names], schema=PARSED_SCHEMA
    )
    bad_time = table.column(s.EVENT_TIME).is_null()
    if not bad_time.null_count and not pc.any(bad_time).as_py():
        return table, []
    rejected = table.filter(bad_time).select(
        [s.SOURCE_KEY, s.RECORD_INDEX, s.RAW, s.EVENT_ID, s.ACCOUNT_ID]
    )
    out = []
    for key, index, raw, event_id, account in zip(*rejected.to_pydict().values(), strict=True):
        out.append((key, index, "unparseable eventTime", raw))
        seen.discard((event_id, account or ""))
    return table.filter(pc.invert(bad_time)), out


def parse_object(
    data: bytes, source_key: str, key_account: str | None, seen: set[tuple[str, str]]
) -> ParsedFile:
    """Split and build one object on its own (a convenience for tools and tests).

    Raises:
        FileRejected: when nothing of the object can be used.
    """
    split = split_object(data, source_key, key_account, seen)
    quarantine = list(split.quarantine)
    events = None
    if split.ids:
        events, rejected = build_rows([split], seen)
        quarantine.extend((index, reason, raw) for _, index, reason, raw in rejected)
    return ParsedFile(events, quarantine, split.records_read, split.duplicates)


def to_events(parsed: pa.Table) -> pa.Table:
    """Resolve principals over a batch of parsed rows; return rows of the events file schema.

    Kept apart from :func:`parse_object` so that it runs once per written row group rather
    than once per (often small) source object: the vectorised rules have a fixed cost.
    """
    identity = pl.DataFrame(parsed.select(list(IDENTITY_INPUTS)))
    # Few distinct identities make many rows: resolve each once, then join back.
    principal = identity.join(
        resolve_principals(identity.unique()),
        on=list(IDENTITY_INPUTS),
        how="left",
        nulls_equal=True,
        maintain_order="left",
    )
    string = pa.string()
    resolved = {
        c: principal[c].to_arrow().cast(string)
        for c in (s.PRINCIPAL_ARN, s.PRINCIPAL_TYPE, s.PRINCIPAL_ACCOUNT, s.SESSION_NAME)
    }
    guessed = principal[ROLE_PATH_GUESSED]
    if guessed.any():
        flags = parsed.column(s.RECORD_FLAGS).to_pylist()
        for row in guessed.arg_true():
            flags[row] = [*(flags[row] or []), RecordFlag.ROLE_PATH_UNKNOWN]
        resolved[s.RECORD_FLAGS] = pa.array(flags, pa.list_(string))
    return pa.Table.from_arrays(
        [
            resolved[name] if name in resolved else parsed.column(name)
            for name in s.EVENTS_FILE_SCHEMA.names
        ],
        schema=s.EVENTS_FILE_SCHEMA,
    )


def _time_column(values: list[str | None]) -> pa.Array:
    """Parse ISO-8601 times, vectorised when every value is well-formed (the usual case)."""
    target = pa.timestamp("us", tz="UTC")
    try:
        return pa.array(values, pa.string()).cast(target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.array(_parse_times(values), target)
