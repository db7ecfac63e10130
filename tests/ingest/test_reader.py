"""The reader turns any accepted object shape into rows, and everything else into reasons."""

from __future__ import annotations

import gzip

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from policygen_batch import schema as s
from policygen_batch.ingest.reader import FileRejected, parse_object, seen_key, to_events
from policygen_batch.schema import RecordFlag
from tests.factories import ACCOUNT, archive_bytes, record


def _parse(data: bytes, key_account: str | None = None) -> tuple[object, set[str]]:
    seen: set[str] = set()
    return parse_object(data, "src/key.json.gz", key_account, seen), seen


def test_archive_rows_keep_raw_and_flattened_columns() -> None:
    """Each record becomes one row; raw holds the whole event; nested identity is resolved."""
    rec = record(
        "GetObject",
        "s3.amazonaws.com",
        requestParameters={"bucketName": "b", "key": "k"},
        resources=[{"ARN": "arn:aws:s3:::b/k", "type": "AWS::S3::Object"}],
    )
    parsed, _ = _parse(archive_bytes([rec]))
    assert parsed.records_read == 1 and parsed.rows == 1 and not parsed.quarantine
    row = to_events(parsed.events).to_pylist()[0]
    assert row[s.PRINCIPAL_ARN] == f"arn:aws:iam::{ACCOUNT}:role/app/Deployer"
    assert row[s.PRINCIPAL_TYPE] == "role"
    assert row[s.SESSION_NAME] == "s1"
    assert orjson.loads(row[s.REQUEST_PARAMETERS]) == {"bucketName": "b", "key": "k"}
    assert row[s.RESOURCES] == [
        {"arn": "arn:aws:s3:::b/k", "type": "AWS::S3::Object", "account_id": None}
    ]
    assert orjson.loads(row[s.RAW]) == rec
    assert row[s.EVENT_TIME].isoformat() == "2024-05-01T12:00:00+00:00"
    assert row[s.RECORD_INDEX] == 0 and row[s.SOURCE_KEY] == "src/key.json.gz"


def test_json_lines_keep_good_lines_and_quarantine_bad_ones() -> None:
    """A JSON-lines export with one broken line loses only that line, with its number."""
    lines = [orjson.dumps(record()), b"{not json", orjson.dumps(record()), b""]
    parsed, _ = _parse(b"\n".join(lines))
    assert parsed.records_read == 3
    assert parsed.rows == 2
    assert [(q[0], q[1].split(":")[0]) for q in parsed.quarantine] == [
        (1, "invalid JSON on line 2")
    ]


def test_plain_array_and_single_event_are_accepted() -> None:
    """A JSON array of events and a lone event object both read as events."""
    parsed, _ = _parse(orjson.dumps([record(), record()]))
    assert parsed.rows == 2
    parsed, _ = _parse(orjson.dumps(record()))
    assert parsed.rows == 1


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"\x1f\x8b\x08\x00garbage", "corrupt gzip"),
        (gzip.compress(b'{"Records": [{"eventTime": "2024-')[:-6], "corrupt gzip"),
        (b'{"Records": [{"eventTime": "2024-', "invalid JSON"),
        (b'{"foo": 1}', "wrong top-level shape"),
        (b"42", "wrong top-level shape"),
    ],
)
def test_unusable_objects_are_rejected_with_a_reason(data: bytes, reason: str) -> None:
    """Corrupt, truncated, empty and wrongly shaped objects are rejected, saying why."""
    with pytest.raises(FileRejected, match=reason):
        _parse(data)


def test_record_problems_are_flagged_or_quarantined() -> None:
    """@timestamp stands in for eventTime (flagged); no time at all or a bad one quarantines."""
    logstash = record()
    del logstash["eventTime"]
    logstash["@timestamp"] = "2020-09-14T00:44:23.000Z"
    timeless = record()
    del timeless["eventTime"]
    bad_time = record(time="yesterday")
    no_id = record()
    del no_id["eventID"]
    parsed, _ = _parse(archive_bytes([logstash, timeless, bad_time, no_id, "a string"]))  # type: ignore[list-item]
    assert parsed.records_read == 5
    assert parsed.rows == 2
    reasons = sorted((q[0], q[1]) for q in parsed.quarantine)
    assert reasons == [
        (1, "no eventTime (nor @timestamp)"),
        (2, "unparseable eventTime"),
        (4, "record is not a JSON object"),
    ]
    rows = {r[s.RECORD_INDEX]: r for r in parsed.events.to_pylist()}
    assert rows[0][s.RECORD_FLAGS] == [RecordFlag.TIME_FROM_AT_TIMESTAMP]
    assert rows[0][s.EVENT_TIME].isoformat() == "2020-09-14T00:44:23+00:00"
    assert rows[3][s.RECORD_FLAGS] == [RecordFlag.NO_EVENT_ID]
    assert rows[3][s.EVENT_ID].startswith("synthetic-")


def test_duplicates_within_a_chunk_are_counted_not_written() -> None:
    """The same (eventID, account) twice keeps the first; the same id in another account is new."""
    a = record(event_id="e1")
    other = record(event_id="e1", account="999988887777")
    seen: set[str] = set()
    first = parse_object(archive_bytes([a, a]), "one", None, seen)
    second = parse_object(archive_bytes([a, other]), "two", None, seen)
    assert (first.rows, first.duplicates) == (1, 1)
    assert (second.rows, second.duplicates) == (1, 1)
    assert second.events.column(s.ACCOUNT_ID).to_pylist() == ["999988887777"]


def test_missing_recipient_account_falls_back_to_key_account() -> None:
    """Without recipientAccountId the account comes from the delivery key, flagged."""
    rec = record()
    del rec["recipientAccountId"]
    parsed, _ = _parse(archive_bytes([rec]), key_account="777766665555")
    row = parsed.events.to_pylist()[0]
    assert row[s.ACCOUNT_ID] == "777766665555"
    assert row[s.RECORD_FLAGS] == [RecordFlag.NO_RECIPIENT_ACCOUNT]


def test_unexpected_value_types_are_coerced_not_lost() -> None:
    """A file with a string readOnly or a numeric field takes the tolerant path: values are
    coerced (number → text, non-boolean flag → null) and every record still lands."""
    odd = record(readOnly="true", awsRegion=42, userAgent={"nested": True})
    plain = record()
    parsed, _ = _parse(archive_bytes([odd, plain]))
    rows = to_events(parsed.events).to_pylist()
    assert [r[s.READ_ONLY] for r in rows] == [True, True]
    assert rows[0][s.REGION] == "42"
    assert orjson.loads(rows[0][s.USER_AGENT]) == {"nested": True}


def test_identity_and_resources_of_odd_shapes_are_kept() -> None:
    """A userIdentity or resources[] of an unexpected shape takes the loose decoder: the
    record lands with what can be read, and its raw text is intact."""
    odd_identity = record(identity="not an object")  # type: ignore[arg-type]
    odd_resources = record(resources={"ARN": "arn:aws:s3:::b"})
    good = record(resources=[{"ARN": "arn:aws:s3:::b", "type": "AWS::S3::Bucket"}])
    parsed, _ = _parse(archive_bytes([odd_identity, odd_resources, good]))
    rows = to_events(parsed.events).to_pylist()
    assert [r[s.PRINCIPAL_TYPE] for r in rows] == ["unknown", "role", "role"]
    assert [r[s.RESOURCES] for r in rows] == [
        None,
        [],
        [{"arn": "arn:aws:s3:::b", "type": "AWS::S3::Bucket", "account_id": None}],
    ]
    assert orjson.loads(rows[0][s.RAW])["userIdentity"] == "not an object"


def test_raw_is_the_source_bytes_of_each_record() -> None:
    """raw keeps each record exactly as the archive spelled it (key order, spacing)."""
    text = (
        b'{"Records": [{"eventTime": "2024-05-01T00:00:00Z",  "eventID": "a", "z": 1, '
        b'"a": [1, 2]}]}'
    )
    parsed, _ = _parse(text)
    assert parsed.events.column(s.RAW).to_pylist() == [
        '{"eventTime": "2024-05-01T00:00:00Z",  "eventID": "a", "z": 1, "a": [1, 2]}'
    ]


def test_invalid_utf8_inside_a_record_is_kept_escaped() -> None:
    """Bytes that are not UTF-8 in a field the reader skips survive, backslash-escaped."""
    text = b'{"Records": [{"eventTime": "2024-05-01T00:00:00Z", "eventID": "a", "odd": "\xff"}]}'
    parsed, _ = _parse(text)
    (raw,) = parsed.events.column(s.RAW).to_pylist()
    assert orjson.loads(raw)["odd"] == "\\xff"  # still JSON; the byte value readable


def test_invalid_utf8_in_a_read_field_is_escaped_and_flagged() -> None:
    """A record whose eventName is not UTF-8 is kept, escaped, flagged; its neighbour too."""
    text = (
        b'{"Records": [{"eventTime": "2024-05-01T00:00:00Z", "eventID": "a", "eventName": "\xff"},'
        b' {"eventTime": "2024-05-01T00:00:00Z", "eventID": "b"}]}'
    )
    parsed, _ = _parse(text)
    rows = parsed.events.to_pylist()
    assert [r[s.EVENT_NAME] for r in rows] == ["\\xff", None]
    assert rows[0][s.RECORD_FLAGS] == [RecordFlag.INVALID_UTF8, RecordFlag.NO_RECIPIENT_ACCOUNT]
    assert orjson.loads(rows[0][s.RAW])["eventName"] == "\\xff"


def test_truncated_pretty_printed_archive_is_rejected_whole() -> None:
    """A multi-line document cut short is a broken file, not JSON lines of fragments."""
    pretty = orjson.dumps({"Records": [record(), record()]}, option=orjson.OPT_INDENT_2)
    with pytest.raises(FileRejected, match="invalid JSON"):
        _parse(pretty[: len(pretty) // 2])
    parsed, _ = _parse(pretty)  # whole, it reads
    assert parsed.rows == 2


def test_rows_do_not_depend_on_which_decoding_path_a_file_takes() -> None:
    """A well-formed archive is decoded in one call; one odd record sends the whole file
    to the per-record path. The well-formed records' rows must come out the same."""
    good = [
        record("GetObject", "s3.amazonaws.com", requestParameters={"bucketName": "b"}),
        record(
            "PutObject",
            "s3.amazonaws.com",
            resources=[{"ARN": "arn:aws:s3:::b/k", "accountId": ACCOUNT, "type": "T"}],
        ),
    ]
    fast, _ = _parse(archive_bytes(good))
    slow, _ = _parse(archive_bytes([*good, 42]))  # type: ignore[list-item]
    assert [q[1] for q in slow.quarantine] == ["record is not a JSON object"]
    assert to_events(slow.events).to_pylist() == to_events(fast.events).to_pylist()


def test_json_text_columns_are_null_when_absent_or_null() -> None:
    """requestParameters absent or JSON null → null; an empty object stays ``{}``."""
    absent = record()
    absent.pop("requestParameters", None)
    recs = [absent, record(requestParameters=None), record(requestParameters={})]
    parsed, _ = _parse(archive_bytes(recs))
    assert parsed.events.column(s.REQUEST_PARAMETERS).to_pylist() == [None, None, "{}"]


@pytest.mark.parametrize("odd_neighbour", [False, True], ids=["one-call", "per-record"])
def test_every_identity_field_lands_in_its_column(odd_neighbour: bool) -> None:
    """Each userIdentity field goes to its own column, on both decoding paths."""
    identity = {
        "type": "IAMUser",
        "arn": f"arn:aws:iam::{ACCOUNT}:user/ops/alice",
        "accountId": ACCOUNT,
        "userName": "alice",
        "accessKeyId": "AKIAEXAMPLE",
        "invokedBy": "cloudformation.amazonaws.com",
        "sessionContext": {"sessionIssuer": {"arn": "ignored-for-users"}},
    }
    recs = [record(identity=identity)] + ([7] if odd_neighbour else [])
    parsed, _ = _parse(archive_bytes(recs))
    row = to_events(parsed.events).to_pylist()[0]
    assert (row[s.IDENTITY_TYPE], row[s.IDENTITY_ARN]) == ("IAMUser", identity["arn"])
    assert (row[s.ACCESS_KEY_ID], row[s.INVOKED_BY]) == ("AKIAEXAMPLE", identity["invokedBy"])
    assert row[s.PRINCIPAL_ARN] == identity["arn"] and row[s.PRINCIPAL_ACCOUNT] == ACCOUNT


@given(st.tuples(st.text(), st.text()), st.tuples(st.text(), st.text()))
def test_seen_key_is_one_to_one(a: tuple[str, str], b: tuple[str, str]) -> None:
    """Two different (event_id, account) pairs never share a de-duplication key."""
    assert (seen_key(*a) == seen_key(*b)) == (a == b)


def test_texts_beyond_one_arrays_capacity_come_back_in_chunks() -> None:
    """More text than one string array holds (a huge JSON-lines export) is split into
    chunks with every value and null in place (the limit is lowered to show it)."""
    from policygen_batch.ingest.reader import _text_array

    values = [b'{"a":1}', b"", b"null", b'{"b":"\xc3\xa9"}', b"[]", b'"x"', b"{}"]
    whole = _text_array(values)
    chunked = _text_array(values, limit=12)
    assert chunked.num_chunks > 1
    assert (
        chunked.to_pylist()
        == whole.to_pylist()
        == ['{"a":1}', None, None, '{"b":"é"}', "[]", '"x"', "{}"]
    )
