"""Statements and documents: IAM shape, Sids, escaping, size and canonical JSON."""

from __future__ import annotations

import re

import orjson
import pytest

from policygen_batch.synth import POLICY_VERSION, PolicyDocument, Statement, SynthError
from policygen_batch.synth.document import DOCUMENT_OVERHEAD, sid_prefix, unique_sids


def test_statement_is_always_lists_sorted_and_unique() -> None:
    """One action and one resource still give lists; duplicates vanish, order is sorted."""
    stmt = Statement.of(["s3:PutObject", "s3:GetObject", "s3:GetObject"], ["arn:aws:s3:::b/k"])
    body = stmt.to_json()
    assert body["Action"] == ["s3:GetObject", "s3:PutObject"]
    assert body["Resource"] == ["arn:aws:s3:::b/k"]
    assert body["Effect"] == "Allow"


def test_sid_is_alphanumeric_service_prefixed_and_content_derived() -> None:
    """The Sid is PascalCase service + 8 hex digits, equal for equal content only."""
    a = Statement.of(["rds-data:ExecuteStatement"], ["*"])
    b = Statement.of(["rds-data:ExecuteStatement"], ["*"])
    c = Statement.of(["rds-data:BatchExecuteStatement"], ["*"])
    assert re.fullmatch(r"RdsData[0-9A-F]{8}", a.sid)
    assert a.sid == b.sid
    assert a.sid != c.sid


@pytest.mark.parametrize(
    ("service", "prefix"),
    [("s3", "S3"), ("ec2", "Ec2"), ("rds-data", "RdsData"), ("execute-api", "ExecuteApi")],
)
def test_sid_prefix(service: str, prefix: str) -> None:
    """Service prefixes become PascalCase without separators."""
    assert sid_prefix(service) == prefix


def test_sid_clash_moves_the_hash_window_keeping_the_length() -> None:
    """Two statements whose Sids clash get distinct Sids of the same length."""
    one = Statement.of(["s3:GetObject"], ["*"])
    clash = Statement(one.service, ("s3:PutObject",), ("*",), one.digest)
    fixed = unique_sids([one, clash])
    assert fixed[0].sid != fixed[1].sid
    assert len(fixed[0].sid) == len(fixed[1].sid)


def test_a_statement_spans_one_service_and_is_never_empty() -> None:
    """Mixed services and empty lists are refused: IAM would reject or we would misgroup."""
    with pytest.raises(SynthError):
        Statement.of(["s3:GetObject", "ec2:DescribeVpcs"], ["*"])
    with pytest.raises(SynthError):
        Statement.of([], ["*"])
    with pytest.raises(SynthError):
        Statement.of(["s3:GetObject"], [])
    with pytest.raises(SynthError):
        PolicyDocument.of([])


def test_literal_dollar_brace_is_escaped_in_json_only() -> None:
    """A key containing ``${`` is written ``${$}{`` so IAM does not read a variable."""
    stmt = Statement.of(["s3:GetObject"], ["arn:aws:s3:::b/a ${x}"])
    assert stmt.resources == ("arn:aws:s3:::b/a ${x}",)
    assert stmt.to_json()["Resource"] == ["arn:aws:s3:::b/a ${$}{x}"]


def test_document_json_and_size() -> None:
    """Version is 2012-10-17; size is the compact JSON length; the text ends with a newline."""
    doc = PolicyDocument.of(
        [Statement.of(["s3:GetObject"], ["arn:aws:s3:::b/*"]), Statement.of(["ec2:X"], ["*"])]
    )
    body = doc.to_json()
    assert body["Version"] == POLICY_VERSION
    assert [st["Action"][0] for st in body["Statement"]] == ["ec2:X", "s3:GetObject"]
    assert doc.size == len(orjson.dumps(body))
    text = doc.to_bytes()
    assert text.endswith(b"}\n")
    assert orjson.loads(text) == body
    assert doc.size == DOCUMENT_OVERHEAD + sum(s.size for s in doc.statements) + 1
