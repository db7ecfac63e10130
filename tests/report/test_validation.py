"""Validation of generated documents gives the same findings inline and in the pool."""

from __future__ import annotations

from pathlib import Path

import pytest

from policygen_batch.catalog import load_catalog
from policygen_batch.report.validation import ValidationHelper, validate_documents


def _doc(action: str, resource: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": [action], "Resource": [resource]}],
    }


_DOCS = [
    _doc("s3:GetObject", "arn:aws:s3:::bucket/key"),
    _doc("iam:PassRole", "*"),  # a security warning
    _doc("s3:GetObjekt", "*"),  # an error, with a suggestion
    _doc("ec2:DescribeInstances", "*"),
    _doc("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q"),
]


def test_pool_equals_inline() -> None:
    """Findings per document, in document order, whatever the number of workers."""
    docs = _DOCS
    catalog = load_catalog()
    inline = validate_documents(docs, catalog, workers=1)
    pooled = validate_documents(docs, catalog, workers=2, min_parallel=1)
    assert pooled == inline
    assert inline[0] == ()
    assert any(f["finding_type"] == "SECURITY_WARNING" for f in inline[1])
    assert any(f["finding_type"] == "ERROR" for f in inline[2])


def test_helper_equals_inline() -> None:
    """The helper's half and this process's half come back in document order, for any
    number of documents (odd, even, one, none) and for several calls to one helper."""
    catalog = load_catalog()
    docs = [*_DOCS, _DOCS[1], _DOCS[2], _DOCS[0]]
    with ValidationHelper(Path(catalog.source)) as helper:
        for count in (len(docs), len(docs) - 1, 3, 2, 1, 0):
            subset = docs[len(docs) - count :]
            expected = validate_documents(subset, catalog, workers=1)
            assert validate_documents(subset, catalog, helper=helper) == expected


def test_a_dead_helper_is_an_error() -> None:
    """A helper that has gone away fails the validation instead of losing findings."""
    catalog = load_catalog()
    helper = ValidationHelper(Path(catalog.source))
    helper.close()
    with pytest.raises(RuntimeError, match="validation helper"):
        validate_documents(_DOCS, catalog, helper=helper)
