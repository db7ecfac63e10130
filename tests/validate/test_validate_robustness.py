"""The validator never raises on malformed documents, whatever their shape."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policygen_batch.validate.catalog_view import CatalogView
from policygen_batch.validate.checks import validate_policy
from policygen_batch.validate.custom import check_access_not_granted, check_no_new_access
from policygen_batch.validate.document import PolicyType
from policygen_batch.validate.trust import external_access

KEYS = [
    "Version", "Statement", "Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
    "Principal", "NotPrincipal", "Condition", "AWS", "Federated", "StringEquals", "Bool",
    "ForAllValues:StringLike", "IpAddress", "aws:SourceIp", "aws:TagKeys", "s3:prefix",
]  # fmt: skip
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 5),
    st.sampled_from(
        [
            "Allow",
            "Deny",
            "*",
            "s3:Get*",
            "arn:aws:s3:::b/*",
            "iam:PassRole",
            "10.0.0.1/8",
            "${aws:username",
            "arn:aws:iam::123456789012:root",
            "2012-10-17",
            "",
        ]
    ),
)
json_st = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(KEYS), inner, max_size=5)
    ),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=json_st, ptype=st.sampled_from(list(PolicyType)))
def test_validate_policy_never_raises(catalog: CatalogView, doc: Any, ptype: PolicyType) -> None:
    """Any JSON value gives findings (or none), never an exception."""
    validate_policy(doc, ptype, catalog)
    external_access(doc, {"123456789012"})
    check_access_not_granted(doc, ["s3:GetObject"], ["*"])
    check_no_new_access(doc, doc, catalog)
