"""synthesize: grouping, statuses, unknown resources, input contract, determinism."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch import schema as s
from policygen_batch.synth import (
    GeneralizeOptions,
    SynthError,
    SynthOptions,
    UnknownResource,
    synthesize,
)
from policygen_batch.synth.policy import prune_covered
from policygen_batch.validate import validate_policy
from policygen_batch.validate.findings import FindingType
from tests.synth.support import ACCOUNT, ROLE, USER, allows, json_statements, usage

PASS = f"arn:aws:iam::{ACCOUNT}:role/Web"
TABLE = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders"

ROWS = [
    (ROLE, "s3:GetObject", "arn:aws:s3:::b/in/a.csv", "allowed"),
    (ROLE, "s3:PutObject", "arn:aws:s3:::b/in/a.csv", "allowed"),
    (ROLE, "s3:ListBucket", "arn:aws:s3:::b", "allowed"),
    (ROLE, "ec2:DescribeInstances", "*", "allowed"),
    (ROLE, "ec2:DescribeVpcs", "*", "allowed"),
    (ROLE, "ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*", "allowed"),
    (ROLE, "iam:PassRole", PASS, "implied"),
    (ROLE, "dynamodb:DescribeTable", TABLE, "denied"),
    (USER, "s3:GetObject", "arn:aws:s3:::b/x", "denied"),
]


def test_groups_by_service_and_identical_resource_set() -> None:
    """Actions sharing exactly one resource set share a statement; * actions go together."""
    docs = synthesize(usage(ROWS))[ROLE].documents
    assert len(docs) == 1
    pairs = [(st["Action"], st["Resource"]) for st in json_statements(docs)]
    assert pairs == [
        (["ec2:DescribeInstances", "ec2:DescribeVpcs"], ["*"]),
        (["ec2:RunInstances"], [f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"]),
        (["iam:PassRole"], [PASS]),
        (["s3:GetObject", "s3:PutObject"], ["arn:aws:s3:::b/in/a.csv"]),
        (["s3:ListBucket"], ["arn:aws:s3:::b"]),
    ]


def test_denied_is_excluded_unless_asked_and_implied_is_granted() -> None:
    """Denied calls grant nothing by default; implied PassRole is always granted."""
    result = synthesize(usage(ROWS))
    assert allows(result[ROLE].documents, "iam:PassRole", PASS)
    assert not allows(result[ROLE].documents, "dynamodb:DescribeTable", TABLE)
    assert result[USER].documents == ()
    assert "nothing to grant" in result[USER].notes[0]
    with_denied = synthesize(usage(ROWS), SynthOptions(include_denied=True))
    assert allows(with_denied[ROLE].documents, "dynamodb:DescribeTable", TABLE)
    assert allows(with_denied[USER].documents, "s3:GetObject", "arn:aws:s3:::b/x")


def test_unknown_resource_is_wildcard_or_skipped_and_always_noted() -> None:
    """A null resource is granted on * (default) or left out; either way a note says so."""
    rows = [*ROWS, (ROLE, "ssm:GetParameter", None, "allowed")]
    granted = synthesize(usage(rows))[ROLE]
    assert allows(granted.documents, "ssm:GetParameter", "*")
    assert granted.unknown_resource_actions == ("ssm:GetParameter",)
    assert "granted on *: ssm:GetParameter" in granted.notes[-1]
    skipped = synthesize(usage(rows), SynthOptions(unknown_resource=UnknownResource.SKIP))[ROLE]
    assert not any("ssm:" in a for st in json_statements(skipped.documents) for a in st["Action"])
    assert "not granted: ssm:GetParameter" in skipped.notes[-1]


def test_covered_resources_are_pruned() -> None:
    """A resource another of the same action covers is dropped; * covers everything."""
    assert prune_covered(["arn:aws:s3:::b/in/*", "arn:aws:s3:::b/in/x", "arn:aws:s3:::c"]) == (
        "arn:aws:s3:::b/in/*",
        "arn:aws:s3:::c",
    )
    assert prune_covered(["arn:aws:s3:::b/*", "arn:aws:s3:::b/in/*"]) == ("arn:aws:s3:::b/*",)
    assert prune_covered(["arn:aws:s3:::b/a?c", "arn:aws:s3:::b/abc"]) == ("arn:aws:s3:::b/a?c",)
    assert prune_covered(["*", "arn:aws:s3:::b"]) == ("*",)


def test_generalisation_is_reported_per_principal() -> None:
    """Collapsed resources come back as records and notes of the principal."""
    rows = [(ROLE, "s3:GetObject", f"arn:aws:s3:::lake/in/{n}.csv", "allowed") for n in range(5)]
    result = synthesize(usage(rows), SynthOptions(generalize=GeneralizeOptions(s3_key_threshold=4)))
    policies = result[ROLE]
    assert [g.pattern for g in policies.generalizations] == ["arn:aws:s3:::lake/in/*"]
    assert policies.notes[0].startswith("s3:GetObject: 5 resources generalised")
    assert [st["Resource"] for st in json_statements(policies.documents)] == [
        ["arn:aws:s3:::lake/in/*"]
    ]


def test_output_does_not_depend_on_row_order() -> None:
    """Reversed and shuffled rows give byte-identical documents and identical notes."""

    def render(frame: pl.DataFrame) -> list[tuple[str, list[bytes], tuple[str, ...]]]:
        return [
            (arn, [d.to_bytes() for d in p.documents], p.notes)
            for arn, p in synthesize(frame).items()
        ]

    frame = usage(ROWS)
    assert render(frame) == render(frame.reverse())
    assert render(frame) == render(frame.sample(fraction=1.0, shuffle=True, seed=3))


def test_documents_pass_offline_validation() -> None:
    """The project's ValidatePolicy equivalent finds no error in what synthesis writes."""
    for policies in synthesize(usage(ROWS), SynthOptions(include_denied=True)).values():
        for doc in policies.documents:
            findings = validate_policy(doc.to_json())
            assert [f for f in findings if f.finding_type is FindingType.ERROR] == []


def test_input_contract_is_checked() -> None:
    """Missing columns and malformed actions or resources are refused with the principal."""
    with pytest.raises(SynthError, match="lacks the columns"):
        synthesize(usage(ROWS).drop(s.STATUS))
    with pytest.raises(SynthError, match="not service:Action"):
        synthesize(usage([(ROLE, "GetObject", "*", "allowed")]))
    with pytest.raises(SynthError, match="neither an ARN"):
        synthesize(usage([(ROLE, "s3:GetObject", "bucket/key", "allowed")]))


def test_rows_that_grant_nothing_are_not_checked_or_granted() -> None:
    """Statuses other than allowed/implied/denied are ignored, whatever their action."""
    result = synthesize(usage([(ROLE, None, None, "unmapped"), (ROLE, "s3:X", "*", "weird")]))
    assert result[ROLE].documents == ()


def test_empty_usage_gives_no_principals() -> None:
    """No rows, no principals."""
    assert synthesize(usage([])) == {}


def _prune_every_pattern(resources: list[str]) -> tuple[str, ...]:
    """The definition prune_covered must agree with: every pattern tested as a regex."""
    import re

    unique = sorted(set(resources))
    if "*" in unique:
        return ("*",)
    patterns = [r for r in unique if "*" in r or "?" in r]
    prefixes = [p[:-1] for p in patterns if "*" not in p[:-1] and "?" not in p and p[-1] == "*"]
    regexes = [
        re.compile(
            "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in p), re.DOTALL
        )
        for p in patterns
    ]
    return tuple(
        r
        for r in unique
        if not any(r != pre + "*" and r.startswith(pre) for pre in prefixes)
        and not (r not in patterns and any(rx.fullmatch(r) for rx in regexes))
    )


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab*?/", min_size=1, max_size=5), max_size=8))
def test_prune_covered_equals_testing_every_pattern(resources: list[str]) -> None:
    """Leaving prefix patterns to the prefix test drops exactly what their regexes would."""
    assert prune_covered(resources) == _prune_every_pattern(resources)
