"""Hypothesis invariants of the generated policies over random usage:

* every observed successful mapped action is allowed on each resource it was used on;
* nothing unobserved is allowed: each allowed action was used successfully or is implied
  (or was denied, with ``--include-denied``);
* policies are byte-identical however the events were cut into partials (so whatever the
  number of workers).
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policygen_batch import schema as s
from policygen_batch.aggregate.usage import UsageTables, combine, partial_usage
from policygen_batch.catalog import Catalog, load_catalog
from policygen_batch.config import GenerateConfig
from policygen_batch.mapping import MappingTables, load_tables
from policygen_batch.mapping.records import records_frame
from policygen_batch.report.policies import synthesize_policies
from policygen_batch.report.render import canonical_json
from tests.factories import ACCOUNT, record, role_identity, user_identity

WHO = [role_identity("app/Deployer"), role_identity("Reader", session="r1"), user_identity()]
BUCKETS = ["lake-raw", "lake-curated"]
KEYS = [f"{d}/{n:02d}.csv" for d in ("in", "in/deep", "out") for n in range(12)]


def _s3(bucket: int, key: int) -> dict[str, Any]:
    b, k = BUCKETS[bucket], KEYS[key]
    return {
        "requestParameters": {"bucketName": b, "key": k},
        "resources": [
            {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{b}/{k}"},
            {"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{b}"},
        ],
    }


def _call(kind: int, a: int, b: int) -> tuple[str, str, dict[str, Any]]:
    """One of a few call shapes, parameterised by two small integers."""
    if kind == 0:
        return "GetObject", "s3.amazonaws.com", _s3(a % 2, b % len(KEYS))
    if kind == 1:
        return "PutObject", "s3.amazonaws.com", _s3(a % 2, b % len(KEYS))
    if kind == 2:
        return "GetParameter", "ssm.amazonaws.com", {"requestParameters": {"name": f"/app/p{b}"}}
    if kind == 3:
        return "DescribeInstances", "ec2.amazonaws.com", {}
    if kind == 4:
        profile = f"arn:aws:iam::{ACCOUNT}:instance-profile/Web{a % 3}"
        params = {"instanceType": "t3.micro", "iamInstanceProfile": {"arn": profile}}
        return "RunInstances", "ec2.amazonaws.com", {"requestParameters": params}
    table = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{b % 3}"
    return (
        "DescribeTable",
        "dynamodb.amazonaws.com",
        {
            "requestParameters": {"tableName": f"t{b % 3}"},
            "errorCode": "AccessDeniedException",
            "errorMessage": "User: x is not authorized to perform: dynamodb:DescribeTable on "
            f"resource: {table}",
        },
    )


events = st.lists(
    st.tuples(
        st.integers(0, len(WHO) - 1),
        st.integers(0, 5),
        st.integers(0, 5),
        st.integers(0, 40),
    ),
    min_size=1,
    max_size=60,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog."""
    return load_catalog()


@pytest.fixture(scope="module")
def tables() -> MappingTables:
    """The curated mapping tables."""
    return load_tables()


def _frame(spec: list[tuple[int, int, int, int]]) -> pl.DataFrame:
    records = []
    for n, (who, kind, a, b) in enumerate(spec):
        name, source, extra = _call(kind, a, b)
        records.append(
            record(
                name,
                source,
                time=f"2024-05-01T10:{n // 60:02d}:{n % 60:02d}Z",
                identity=WHO[who],
                event_id=f"e{n}",
                **extra,
            )
        )
    return records_frame(records)


def _glob(pattern: str) -> re.Pattern[str]:
    return re.compile(fnmatch.translate(pattern), re.DOTALL)


def _allows(docs: tuple[Any, ...], action: str, resource: str | None) -> bool:
    """Whether an Allow statement covers *action* on *resource* (None: on some resource)."""
    for doc in docs:
        for stmt in doc["Statement"]:
            if stmt["Effect"] != "Allow" or "Condition" in stmt:
                continue
            acts = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
            res = stmt["Resource"] if isinstance(stmt["Resource"], list) else [stmt["Resource"]]
            if not any(_glob(a.lower()).match(action.lower()) for a in acts):
                continue
            if resource is None or any(_glob(r).match(resource) for r in res):
                return True
    return False


def _granted_actions(docs: tuple[Any, ...], catalog: Catalog) -> set[str]:
    out: set[str] = set()
    for doc in docs:
        for stmt in doc["Statement"]:
            acts = stmt["Action"] if isinstance(stmt["Action"], list) else [stmt["Action"]]
            for a in acts:
                out.update(x.full_name for x in catalog.expand(a))
    return out


def _policies(
    usage: UsageTables, catalog: Catalog, include_denied: bool = False
) -> dict[str, tuple[Any, ...]]:
    config = GenerateConfig(
        warehouse=Path("/nonexistent-wh"),
        out=Path("/nonexistent-out"),
        workers=1,
        include_denied=include_denied,
    )
    built = synthesize_policies(usage.usage, config, catalog)
    return {arn: ps.documents for arn, ps in built.items()}


SETTINGS = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SETTINGS
@given(spec=events, include_denied=st.booleans())
def test_observed_is_allowed_and_unobserved_is_not(
    catalog: Catalog,
    tables: MappingTables,
    spec: list[tuple[int, int, int, int]],
    include_denied: bool,
) -> None:
    """Used actions are allowed on their resources; nothing else but implied (and denied)."""
    usage = partial_usage(_frame(spec).lazy(), catalog, tables)
    policies = _policies(usage, catalog, include_denied)
    rows = usage.usage.to_dicts()
    for arn in {r[s.PRINCIPAL_ARN] for r in rows}:
        mine = [r for r in rows if r[s.PRINCIPAL_ARN] == arn]
        docs = policies.get(arn, ())
        statuses = {s.MappingStatus.ALLOWED, s.MappingStatus.IMPLIED}
        if include_denied:
            statuses.add(s.MappingStatus.DENIED)
        for r in mine:
            if r[s.STATUS] == s.MappingStatus.ALLOWED:
                assert _allows(docs, r[s.ACTION], r[s.RESOURCE]), (arn, r)
        wanted = {r[s.ACTION].lower() for r in mine if r[s.STATUS] in statuses}
        granted = {a.lower() for a in _granted_actions(docs, catalog)}
        assert granted <= wanted, (arn, sorted(granted - wanted))


@SETTINGS
@given(spec=events, cuts=st.lists(st.integers(0, 60), max_size=3))
def test_policies_independent_of_partitioning(
    catalog: Catalog,
    tables: MappingTables,
    spec: list[tuple[int, int, int, int]],
    cuts: list[int],
) -> None:
    """Cutting the events into partials (as workers do) changes no byte of any policy."""
    frame = _frame(spec)
    bounds = sorted({0, len(frame), *(min(c, len(frame)) for c in cuts)})
    parts = [frame.slice(a, b - a) for a, b in itertools.pairwise(bounds)]
    whole = _policies(partial_usage(frame.lazy(), catalog, tables), catalog)
    cut = _policies(combine([partial_usage(p.lazy(), catalog, tables) for p in parts]), catalog)
    assert {k: [canonical_json(d) for d in v] for k, v in whole.items()} == {
        k: [canonical_json(d) for d in v] for k, v in cut.items()
    }
