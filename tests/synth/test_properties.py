"""Hypothesis invariants of synthesis over random usage tables:

* every allowed and implied (action, resource) is allowed by the principal's documents
  (denied ones too with ``include_denied``; a null resource as ``*``);
* no action outside the principal's granted input is allowed, and every resource is an
  input resource, a recorded generalisation pattern, or ``*`` for an unknown resource;
* the output does not depend on the order of the input rows;
* every document fits its quota, has unique alphanumeric Sids and IAM's shape.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.synth import (
    GeneralizeOptions,
    PolicyTarget,
    SplitOptions,
    SynthOptions,
    synthesize,
)
from tests.synth.support import ACCOUNT, OTHER, ROLE, USER, Row, allows, usage

PRINCIPALS = [ROLE, USER, f"arn:aws:iam::{OTHER}:role/Other"]
SEGMENTS = ["in", "out", "2024", "a b", "x${y}", "k:1", "deep", "n\nl", "q?"]


@st.composite
def _resource(draw: st.DrawFn, action: str) -> str | None:
    """A resource of the kind *action* uses (null one time in twenty)."""
    if draw(st.integers(0, 19)) == 0:
        return None
    account = draw(st.sampled_from([ACCOUNT, OTHER]))
    n = draw(st.integers(0, 40))
    path = "/".join([*draw(st.lists(st.sampled_from(SEGMENTS), max_size=3)), f"f{n}.csv"])
    folder = draw(st.sampled_from(["app", "app/db", "ops"]))
    bucket = f"arn:aws:s3:::bucket-{draw(st.integers(0, 2))}"
    by_action = {
        "ec2:DescribeInstances": "*",
        "sts:GetCallerIdentity": "*",
        "s3:ListBucket": bucket,
        "s3:GetObject": f"{bucket}/{path}",
        "s3:PutObject": f"{bucket}/{path}",
        "ssm:GetParameter": f"arn:aws:ssm:us-east-1:{account}:parameter/{folder}/p{n}",
        "iam:PassRole": f"arn:aws:iam::{account}:role/svc/Role{n}",
    }
    return by_action.get(action, f"arn:aws:lambda:eu-west-1:{account}:function:fn-{n}")


ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "ec2:DescribeInstances",
    "sts:GetCallerIdentity",
    "ssm:GetParameter",
    "iam:PassRole",
    "lambda:InvokeFunction",
]


@st.composite
def _row(draw: st.DrawFn) -> Row:
    action = draw(st.sampled_from(ACTIONS))
    status = (
        "implied"
        if action == "iam:PassRole"
        else draw(st.sampled_from(["allowed", "allowed", "denied"]))
    )
    return (draw(st.sampled_from(PRINCIPALS)), action, draw(_resource(action)), status)


_options = st.builds(
    SynthOptions,
    include_denied=st.booleans(),
    generalize=st.builds(
        GeneralizeOptions,
        s3_key_threshold=st.sampled_from([None, 2, 5, 20]),
        s3_max_prefixes=st.integers(1, 3),
        arn_threshold=st.sampled_from([None, 2, 5, 20]),
    ),
    split=st.builds(
        SplitOptions,
        target=st.sampled_from(list(PolicyTarget)),
        managed_quota=st.sampled_from([700, 1200, 6144]),
        user_inline_quota=st.sampled_from([700, 2048]),
    ),
)

_tables = st.lists(_row(), min_size=0, max_size=120)
_SETTINGS = settings(max_examples=60, deadline=None)


def _granted(rows: list[Row], options: SynthOptions) -> list[Row]:
    statuses = {"allowed", "implied"} | ({"denied"} if options.include_denied else set())
    return [r for r in rows if r[3] in statuses]


@_SETTINGS
@given(_tables, _options)
def test_every_granted_use_is_allowed(rows: list[Row], options: SynthOptions) -> None:
    """Every allowed/implied (and, if asked, denied) action is allowed on its resource."""
    result = synthesize(usage(rows), options)
    for principal, action, resource, _status in _granted(rows, options):
        assert action is not None
        assert allows(result[principal].documents, action, resource or "*"), (action, resource)


@_SETTINGS
@given(_tables, _options)
def test_nothing_outside_the_input_is_allowed(rows: list[Row], options: SynthOptions) -> None:
    """Actions come from the principal's granted rows; resources from its rows or patterns."""
    result = synthesize(usage(rows), options)
    for principal, policies in result.items():
        mine = [r for r in _granted(rows, options) if r[0] == principal]
        actions = {r[1] for r in mine}
        resources = {r[2] or "*" for r in mine}
        patterns = {g.pattern for g in policies.generalizations}
        for doc in policies.documents:
            for stmt in doc.statements:
                assert set(stmt.actions) <= actions
                assert set(stmt.resources) <= resources | patterns
        for g in policies.generalizations:
            container = g.pattern[: g.pattern.rindex("/") + 1] if "s3:::" in g.pattern else ""
            assert all(e.startswith(container) for e in g.examples), g


@_SETTINGS
@given(_tables, _options, st.randoms(use_true_random=False))
def test_row_order_does_not_matter(rows: list[Row], options: SynthOptions, rnd: Any) -> None:
    """Shuffled rows give byte-identical documents, equal notes and generalisations."""
    shuffled = list(rows)
    rnd.shuffle(shuffled)

    def render(table: list[Row]) -> list[Any]:
        return [
            (arn, [d.to_bytes() for d in p.documents], p.notes, p.generalizations)
            for arn, p in synthesize(usage(table), options).items()
        ]

    assert render(rows) == render(shuffled)


_SID = re.compile(r"[A-Za-z0-9]+")


@_SETTINGS
@given(_tables, _options)
def test_documents_fit_quota_and_have_iam_shape(rows: list[Row], options: SynthOptions) -> None:
    """Each document is within its quota, Sids are unique and alphanumeric, no list is empty."""
    for principal, policies in synthesize(usage(rows), options).items():
        quota = options.split.quota_for(principal)
        for doc in policies.documents:
            body = orjson.loads(doc.to_bytes())
            assert len(orjson.dumps(body)) <= quota  # whitespace outside strings not counted
            assert doc.size <= quota
            assert body["Version"] == "2012-10-17"
            assert body["Statement"]
            sids = [stmt["Sid"] for stmt in body["Statement"]]
            assert len(sids) == len(set(sids))
            for stmt in body["Statement"]:
                assert _SID.fullmatch(stmt["Sid"])
                assert stmt["Effect"] == "Allow"
                assert set(stmt) == {"Sid", "Effect", "Action", "Resource"}
                for key in ("Action", "Resource"):
                    assert isinstance(stmt[key], list)
                    assert stmt[key]
                    assert stmt[key] == sorted(set(stmt[key]))
