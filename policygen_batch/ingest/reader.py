"""Turn the bytes of source objects into warehouse rows and quarantine rows.

This is the hot path of ``convert``. Each object is decompressed once (ISA-L) and parsed
once by msgspec, which does two things no general JSON parser does together: it hands
back each record's *exact source bytes* (the ``raw`` column, and the JSON-text columns,
without re-serialising anything), and it materialises only the ~25 fields the warehouse
flattens, skipping the rest of each record in C. The per-record decisions (time,
account, id, duplicate) are a short Python loop; the columns of many objects are then
built by Arrow at once (:func:`build_rows`), because CloudTrail delivers many small files
and per-call costs would otherwise dominate; principals are resolved per row group
(:func:`to_events`). Anything that cannot be used becomes a quarantine row with a reason,
so that for every object::

    records_read == rows + duplicates + quarantined

Accepted shapes: a CloudTrail archive ``{"Records": [...]}``, a JSON array of events, a
single event object, and JSON lines (one event per line: CloudTrail Lake and CloudWatch
Logs exports), each gzip'd or not.
"""

from __future__ import annotations

import gzip
import hashlib
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
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


# --- the shapes msgspec decodes: only what the warehouse flattens ---------------------------
# Scalars are typed ``Any`` so that a value of an unexpected JSON type is kept (and coerced
# later), never a reason to reject a record.


class _Issuer(msgspec.Struct):
    arn: Any = None


class _Context(msgspec.Struct):
    sessionIssuer: _Issuer | None = None


class _Identity(msgspec.Struct):
    type: Any = None
    arn: Any = None
    accountId: Any = None
    userName: Any = None
    accessKeyId: Any = None
    invokedBy: Any = None
    sessionContext: _Context | None = None


class _Resource(msgspec.Struct):
    ARN: Any = None
    arn: Any = None
    type: Any = None
    accountId: Any = None


class _Record(msgspec.Struct):
    """One CloudTrail record, typed where its structure is needed."""

    eventID: Any = None
    eventTime: Any = None
    timestamp: Any = msgspec.field(default=None, name="@timestamp")
    recipientAccountId: Any = None
    awsRegion: Any = None
    eventSource: Any = None
    eventName: Any = None
    eventType: Any = None
    eventCategory: Any = None
    eventVersion: Any = None
    sourceIPAddress: Any = None
    userAgent: Any = None
    errorCode: Any = None
    errorMessage: Any = None
    sharedEventID: Any = None
    vpcEndpointId: Any = None
    readOnly: Any = None
    managementEvent: Any = None
    requestParameters: msgspec.Raw = msgspec.Raw()
    responseElements: msgspec.Raw = msgspec.Raw()
    additionalEventData: msgspec.Raw = msgspec.Raw()
    userIdentity: _Identity | None = None
    resources: list[_Resource] | None = None


class _LooseRecord(_Record):
    """The same record when ``userIdentity`` or ``resources`` have an unexpected shape."""

    userIdentity: Any = None
    resources: Any = None  # widened on purpose


class _Archive(msgspec.Struct):
    Records: list[msgspec.Raw]


class _TypedArchive(msgspec.Struct):
    """The same archive decoded into records in one call: per-record calls cost twice as
    much (measured), so this is the fast path; any record of an unexpected shape sends
    the whole object to the per-record path instead."""

    Records: list[_Record]


@dataclass(frozen=True, slots=True)
class _Decoders:
    """msgspec decoders, built once per process (they are immutable and cheap to share)."""

    archive: msgspec.json.Decoder[_Archive] = field(
        default_factory=lambda: msgspec.json.Decoder(_Archive)
    )
    array: msgspec.json.Decoder[list[msgspec.Raw]] = field(
        default_factory=lambda: msgspec.json.Decoder(list[msgspec.Raw])
    )
    mapping: msgspec.json.Decoder[dict[str, msgspec.Raw]] = field(
        default_factory=lambda: msgspec.json.Decoder(dict[str, msgspec.Raw])
    )
    raw: msgspec.json.Decoder[msgspec.Raw] = field(
        default_factory=lambda: msgspec.json.Decoder(msgspec.Raw)
    )
    record: msgspec.json.Decoder[_Record] = field(
        default_factory=lambda: msgspec.json.Decoder(_Record)
    )
    loose: msgspec.json.Decoder[_LooseRecord] = field(
        default_factory=lambda: msgspec.json.Decoder(_LooseRecord)
    )
    typed_archive: msgspec.json.Decoder[_TypedArchive] = field(
        default_factory=lambda: msgspec.json.Decoder(_TypedArchive)
    )
    typed_array: msgspec.json.Decoder[list[_Record]] = field(
        default_factory=lambda: msgspec.json.Decoder(list[_Record])
    )


_DECODERS = _Decoders()


#: A record's source bytes: a zero-copy ``Raw`` view into the decompressed object, or bytes.
Text = bytes | msgspec.Raw


@dataclass(slots=True)
class ParsedObject:
    """One source object split into records: those to keep (decoded, not yet Arrow), the
    quarantined ones with reasons, and the tallies."""

    source_key: str
    records_read: int
    duplicates: int = 0
    quarantine: list[tuple[int | None, str, str | None]] = field(default_factory=list)
    records: list[_Record] = field(default_factory=list)
    raws: list[Text] = field(default_factory=list)
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


@dataclass(slots=True)
class _Texts:
    """A document split into records (see :func:`_record_texts`)."""

    texts: list[Text]  # the source bytes of each record
    positions: list[int]  # each record's index in the object
    bad_lines: list[tuple[int, str]] = field(default_factory=list)  # (line index, reason)
    typed: list[_Record] | None = None  # the records decoded at once, when that worked


def _decode_all(decoder: msgspec.json.Decoder[Any], document: bytes) -> Any:
    """*document* decoded by *decoder*, or None when some record has an unexpected shape
    (then each record is decoded on its own, and only the odd ones fall back)."""
    try:
        return decoder.decode(document)
    except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
        return None


def _record_texts(text: bytes) -> _Texts:
    """Split a document into the source bytes of its records, and decode them.

    An archive or array is decoded twice by msgspec, once into zero-copy views of each
    record's bytes and once into typed records: both passes together cost less than one
    pass plus a decoding call per record.
    """
    stripped = text.strip()
    if not stripped:
        raise FileRejected("empty file")
    decoders = _DECODERS
    typed: list[_Record] | None = None
    try:
        if stripped.startswith(b"{"):
            try:
                records = decoders.archive.decode(stripped).Records
            except msgspec.ValidationError:
                keys = decoders.mapping.decode(stripped)
                if "Records" in keys:
                    raise FileRejected("wrong top-level shape: 'Records' is not an array") from None
                if "eventName" in keys or "eventVersion" in keys:
                    return _Texts([stripped], [0])
                raise FileRejected(
                    "wrong top-level shape: an object without a 'Records' array"
                ) from None
            archive = _decode_all(decoders.typed_archive, stripped)
            typed = None if archive is None else archive.Records
        else:
            try:
                records = decoders.array.decode(stripped)
            except msgspec.ValidationError:
                raise FileRejected(
                    "wrong top-level shape: neither an object nor an array"
                ) from None
            typed = _decode_all(decoders.typed_array, stripped)
    except (msgspec.DecodeError, UnicodeDecodeError) as exc:
        lines = stripped.split(b"\n")
        if len(lines) < 2:
            raise FileRejected(f"invalid JSON: {exc}") from exc
        return _line_texts(lines, exc)
    return _Texts(list(records), list(range(len(records))), typed=typed)


def _line_texts(lines: list[bytes], first_error: Exception) -> _Texts:
    """JSON lines: each non-empty line is one event; a bad line is quarantined, not fatal.

    A file in which no line is a JSON object is not JSON lines at all but a broken
    document (a truncated, pretty-printed archive): rejected whole, with the parse error.
    """
    texts: list[Text] = []
    positions: list[int] = []
    bad: list[tuple[int, str]] = []
    check = _DECODERS.raw.decode
    for number, raw_line in enumerate(lines):
        line = raw_line.strip()
        if not line:
            continue
        try:
            check(line)
        except (msgspec.DecodeError, UnicodeDecodeError) as exc:
            bad.append((number, f"invalid JSON on line {number + 1}: {exc}"))
            continue
        if not line.startswith(b"{"):  # a scalar line is a fragment of a document
            bad.append((number, f"line {number + 1} is not a JSON object"))
            continue
        texts.append(line)
        positions.append(number)
    if not texts:
        raise FileRejected(f"invalid JSON: {first_error}")
    return _Texts(texts, positions, bad)


_SURROGATE = re.compile("[\udc80-\udcff]")


def _escape_non_utf8(data: bytes) -> bytes:
    """Bytes that are not UTF-8 as the JSON text ``\\xNN`` (an escaped backslash): the
    record stays valid JSON, and the original byte values stay readable."""
    text = data.decode("utf-8", errors="surrogateescape")
    return _SURROGATE.sub(lambda m: f"\\\\x{ord(m.group()) - 0xDC00:02x}", text).encode()


def _as_text(text: Text) -> str:
    """*text* as text for the quarantine table, escaped where it is not UTF-8."""
    data = bytes(text)
    return (data if _is_utf8(data) else _escape_non_utf8(data)).decode()


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode()
    except UnicodeDecodeError:
        return False
    return True


def _decode_one(text: Text, row_flags: list[str]) -> tuple[_Record | None, Text]:
    """Decode one record on its own: typed, else loosely typed (bytes that are not UTF-8
    escaped first, and flagged). Returns the record (None when it is not a JSON object)
    and the text to keep for it."""
    try:
        return _DECODERS.record.decode(text), text
    except (msgspec.ValidationError, UnicodeDecodeError):
        raw = bytes(text)
    if not _is_utf8(raw):
        raw = _escape_non_utf8(raw)
        row_flags.append(RecordFlag.INVALID_UTF8)
    try:
        return _DECODERS.loose.decode(raw), raw
    except msgspec.ValidationError:
        return None, raw


def seen_key(event_id: str, account: Any) -> str:
    """The de-duplication key of ``(event_id, account_id)`` as one string: a chunk holds one
    per row, and one string costs half a tuple of two (measured: 200 → 100 bytes a key).
    The length prefix keeps it unambiguous whatever the two values contain; a missing
    account counts as ``""``."""
    return f"{len(event_id)}:{event_id}{account or ''}"


def split_object(
    data: bytes,
    source_key: str,
    key_account: str | None,
    seen: set[str],
) -> ParsedObject:
    """Decompress and decode one object; decide for each record whether it is kept.

    *seen* holds the :func:`seen_key` of rows already produced in this chunk: a record
    found again is counted as a duplicate and dropped (first delivery wins), and new keys
    are added to it.

    Raises:
        FileRejected: when nothing of the object can be used.
    """
    split = _record_texts(decompress(data))
    typed = split.typed
    out = ParsedObject(source_key, records_read=len(split.texts) + len(split.bad_lines))
    out.quarantine.extend((number, reason, None) for number, reason in split.bad_lines)
    for position, (index, text) in enumerate(zip(split.positions, split.texts, strict=True)):
        row_flags: list[str] = []
        raw = text
        if typed is not None:
            rec = typed[position]
        else:
            decoded, raw = _decode_one(text, row_flags)
            if decoded is None:
                out.quarantine.append((index, "record is not a JSON object", _as_text(raw)))
                continue
            rec = decoded
        when = rec.eventTime
        if not when:
            when = rec.timestamp
            if not when:
                out.quarantine.append((index, "no eventTime (nor @timestamp)", _as_text(raw)))
                continue
            row_flags.append(RecordFlag.TIME_FROM_AT_TIMESTAMP)
        account = rec.recipientAccountId
        if not account:
            identity = rec.userIdentity
            caller = (
                identity.get("accountId") if isinstance(identity, dict) else
                identity.accountId if isinstance(identity, _Identity) else None
            )  # fmt: skip
            account = key_account or caller
            row_flags.append(RecordFlag.NO_RECIPIENT_ACCOUNT)
        event_id = rec.eventID
        if not event_id:
            event_id = "synthetic-" + hashlib.sha256(raw).hexdigest()[:32]
            row_flags.append(RecordFlag.NO_EVENT_ID)
        if type(event_id) is not str:
            event_id = str(event_id)
        key = seen_key(event_id, account)
        if key in seen:
            out.duplicates += 1
            continue
        seen.add(key)
        if row_flags:
            out.flags[len(out.ids)] = row_flags
        out.records.append(rec)
        out.ids.append(event_id)
        out.accounts.append(account or None)
        out.times.append(when)
        out.raws.append(raw)
        out.indexes.append(index)
    return out


#: Rows as :func:`build_rows` yields them: the events file schema without the resolved
#: principal columns, plus the identity inputs that :func:`to_events` resolves.
PARSED_SCHEMA: pa.Schema = pa.schema(
    [
        f
        for f in s.EVENTS_FILE_SCHEMA
        if f.name not in (s.PRINCIPAL_ARN, s.PRINCIPAL_TYPE, s.PRINCIPAL_ACCOUNT, s.SESSION_NAME)
    ]
    + [pa.field(name, pa.string()) for name in (ID_ACCOUNT, USER_NAME, ISSUER_ARN)]
)

#: Record attributes copied into columns: (column, attribute of _Record).
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
#: The attributes of a record in the order ``msgspec.structs.astuple`` returns them.
_RECORD_FIELDS: tuple[str, ...] = _Record.__struct_fields__
#: JSON-text columns, kept as the source bytes: (column, attribute).
_JSON_FIELDS: tuple[tuple[str, str], ...] = (
    (s.REQUEST_PARAMETERS, "requestParameters"),
    (s.RESPONSE_ELEMENTS, "responseElements"),
    (s.ADDITIONAL_EVENT_DATA, "additionalEventData"),
)
#: ``userIdentity`` columns in the order :func:`_identity_row` returns them.
_IDENTITY_COLUMNS: tuple[str, ...] = (
    s.IDENTITY_TYPE,
    s.IDENTITY_ARN,
    ID_ACCOUNT,
    USER_NAME,
    s.ACCESS_KEY_ID,
    s.INVOKED_BY,
    ISSUER_ARN,
)
_NO_IDENTITY: tuple[Any, ...] = (None,) * len(_IDENTITY_COLUMNS)


def _identity_row(identity: Any) -> tuple[Any, ...]:
    """The identity columns of one record, whatever shape its ``userIdentity`` had; for a
    typed identity the last item is still its ``sessionContext`` (see :func:`_identity_columns`)."""
    if type(identity) is _Identity:
        return msgspec.structs.astuple(identity)  # one C call; the issuer is read later
    if isinstance(identity, dict):
        context = identity.get("sessionContext")
        issuer = context.get("sessionIssuer") if isinstance(context, dict) else None
        return (
            identity.get("type"),
            identity.get("arn"),
            identity.get("accountId"),
            identity.get("userName"),
            identity.get("accessKeyId"),
            identity.get("invokedBy"),
            issuer.get("arn") if isinstance(issuer, dict) else None,
        )
    return _NO_IDENTITY


def _issuer_arn(context: Any) -> Any:
    """``sessionContext.sessionIssuer.arn`` of a typed context; other values are already
    the issuer ARN (or None)."""
    if type(context) is _Context:
        issuer = context.sessionIssuer
        return None if issuer is None else issuer.arn
    return context


def _identity_columns(identities: Sequence[Any]) -> list[Sequence[Any]]:
    """The values of :data:`_IDENTITY_COLUMNS`, column by column."""
    if not identities:
        return [()] * len(_IDENTITY_COLUMNS)
    columns: list[Sequence[Any]] = list(zip(*map(_identity_row, identities), strict=True))
    columns[-1] = [_issuer_arn(c) for c in columns[-1]]
    return columns


def _resources(value: Any) -> list[tuple[Any, Any, Any]] | None:
    """``resources[]`` as (arn, type, account) triples; other shapes keep what they can."""
    if value is None:
        return None
    if not isinstance(value, list):
        return []
    out: list[tuple[Any, Any, Any]] = []
    for item in value:
        if isinstance(item, _Resource):
            out.append((_str(item.ARN or item.arn), _str(item.type), _str(item.accountId)))
        elif isinstance(item, dict):
            arn = item.get("ARN") or item.get("arn")
            out.append((_str(arn), _str(item.get("type")), _str(item.get("accountId"))))
    return out


def _str(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return msgspec.json.encode(value).decode()
    return str(value).lower() if isinstance(value, bool) else str(value)


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    return None


def _array(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """An Arrow array of *values*; values of an unexpected JSON type are coerced, not lost
    (a number where text belongs becomes its text, a non-boolean flag becomes null)."""
    try:
        return pa.array(values, kind)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        coerce = _bool if kind == pa.bool_() else _str
        return pa.array([coerce(v) for v in values], kind)


#: Most bytes one ``string`` array holds (32-bit offsets); more become several chunks.
_MAX_STRING_BYTES = 2**31 - 1


def _text_array(
    values: Sequence[Text], *, nullable: bool = True, limit: int = _MAX_STRING_BYTES
) -> pa.Array | pa.ChunkedArray:
    """A string array of the UTF-8 texts *values* (record bytes or ``Raw`` views).

    The texts are joined into one buffer and their lengths become the offsets: no Python
    object per value, and Arrow checks the encoding in one vectorised pass. With
    *nullable*, an absent (empty) text or the literal ``null`` becomes null. Bytes that
    are not UTF-8 — msgspec does not check the fields it skips — are kept escaped (see
    :func:`_escape_non_utf8`) rather than dropped. Texts of more than *limit* bytes in
    all (one huge JSON-lines export) come back in chunks.
    """
    lengths = pa.array([0, *map(len, values)], pa.int64())
    offsets = pc.cumulative_sum(lengths)
    if offsets[-1].as_py() > limit and len(values) > 1:
        half = len(values) // 2
        parts = (values[:half], values[half:])
        return pa.chunked_array(
            chunk
            for part in parts
            for chunk in _chunks_of(_text_array(part, nullable=nullable, limit=limit))
        )
    data = pa.py_buffer(b"".join(values))
    binary = pa.Array.from_buffers(
        pa.large_binary(), len(values), [None, offsets.buffers()[1], data]
    )
    try:
        text = binary.cast(pa.large_string())
    except pa.ArrowInvalid:
        escaped = [_escape_non_utf8(bytes(v)) for v in values]
        text = pa.array(escaped, pa.large_binary()).cast(pa.large_string())
    text = text.cast(pa.string())
    if not nullable:
        return text
    absent = pc.or_(pc.equal(lengths.slice(1), 0), pc.equal(text, "null"))
    return pc.if_else(absent, pa.scalar(None, pa.string()), text)


def _chunks_of(array: pa.Array | pa.ChunkedArray) -> list[pa.Array]:
    return array.chunks if isinstance(array, pa.ChunkedArray) else [array]


def _parse_times(values: list[Any]) -> list[datetime | None]:
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


def _time_column(values: list[Any]) -> pa.Array:
    """Parse ISO-8601 times, vectorised when every value is well-formed (the usual case)."""
    target = pa.timestamp("us", tz="UTC")
    try:
        return pa.array(values, pa.string()).cast(target)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pa.array(_parse_times(values), target)


def _by_field(records: list[_Record]) -> dict[str, Sequence[Any]]:
    """The records' values, attribute by attribute. One C call per record turns it into a
    tuple, and ``zip`` transposes the tuples: half the cost of reading each attribute of
    each record in Python (measured)."""
    if not records:
        return {name: () for name in _RECORD_FIELDS}
    columns = zip(*map(msgspec.structs.astuple, records), strict=True)
    return dict(zip(_RECORD_FIELDS, columns, strict=True))


def build_rows(
    objects: list[ParsedObject], seen: set[str]
) -> tuple[pa.Table, list[tuple[str, int, str, str]]]:
    """Convert the kept records of *objects* to Arrow rows (:data:`PARSED_SCHEMA`) at once.

    Returns the rows and the records rejected here, as ``(source_key, index, reason, raw)``
    (an eventTime that does not parse); their keys are removed from *seen* again.
    """
    string = pa.string()
    records = [r for o in objects for r in o.records]
    by_field = _by_field(records)
    columns: dict[str, pa.Array] = {}
    for column, name in _TOP_FIELDS:
        columns[column] = _array(by_field[name], PARSED_SCHEMA.field(column).type)
    for column, name in _JSON_FIELDS:
        columns[column] = _text_array(by_field[name])
    identities = _identity_columns(by_field["userIdentity"])
    for column, values in zip(_IDENTITY_COLUMNS, identities, strict=True):
        columns[column] = _array(values, string)
    columns[s.RESOURCES] = pa.array(
        [None if r is None else _resources(r) for r in by_field["resources"]],
        PARSED_SCHEMA.field(s.RESOURCES).type,
    )
    flags: list[list[str] | None] = []
    for o in objects:
        if o.flags:
            flags.extend(o.flags.get(i) for i in range(len(o.ids)))
        else:
            flags.extend([None] * len(o.ids))
    columns.update(
        {
            s.EVENT_ID: pa.array([i for o in objects for i in o.ids], string),
            s.EVENT_TIME: _time_column([t for o in objects for t in o.times]),
            s.ACCOUNT_ID: _array([a for o in objects for a in o.accounts], string),
            s.RECORD_FLAGS: pa.array(flags, pa.list_(string)),
            s.SOURCE_KEY: pa.array([o.source_key for o in objects for _ in o.ids], string),
            s.RECORD_INDEX: pa.array([i for o in objects for i in o.indexes], pa.int64()),
            s.RAW: _text_array([r for o in objects for r in o.raws], nullable=False),
        }
    )
    table = pa.Table.from_arrays(
        [columns[name] for name in PARSED_SCHEMA.names], schema=PARSED_SCHEMA
    )
    bad_time = table.column(s.EVENT_TIME).is_null()
    if not pc.any(bad_time).as_py():
        return table, []
    rejected = table.filter(bad_time).select(
        [s.SOURCE_KEY, s.RECORD_INDEX, s.RAW, s.EVENT_ID, s.ACCOUNT_ID]
    )
    out = []
    for key, index, raw, event_id, account in zip(*rejected.to_pydict().values(), strict=True):
        out.append((key, index, "unparseable eventTime", raw))
        seen.discard(seen_key(event_id, account))
    return table.filter(pc.invert(bad_time)), out


def parse_object(
    data: bytes, source_key: str, key_account: str | None, seen: set[str]
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

    Kept apart from :func:`build_rows` so that it runs once per written row group rather
    than once per (often small) batch: the vectorised rules have a fixed cost.
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
