"""Validation of generated documents gives the same findings inline and in the pool."""

from __future__ import annotations

from policygen_batch.catalog import load_catalog
from policygen_batch.report.validation import validate_documents


def _doc(action: str, resource: str) -> dict[str, object]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": [action], "Resource": [resource]}],
    }


def test_pool_equals_inline() -> None:
    """Findings per document, in document order, whatever the number of workers."""
    docs = [
        _doc("s3:GetObject", "arn:aws:s3:::bucket/key"),
        _doc("iam:PassRole", "*"),  # a security warning
        _doc("s3:GetObjekt", "*"),  # an error, with a suggestion
        _doc("ec2:DescribeInstances", "*"),
        _doc("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:q"),
    ]
    catalog = load_catalog()
    inline = validate_documents(docs, catalog, workers=1)
    pooled = validate_documents(docs, catalog, workers=2, min_parallel=1)
    assert pooled == inline
    assert inline[0] == ()
    assert any(f["finding_type"] == "SECURITY_WARNING" for f in inline[1])
    assert any(f["finding_type"] == "ERROR" for f in inline[2])
