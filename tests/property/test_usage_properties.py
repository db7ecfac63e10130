"""Hypothesis invariants of the usage plan: any cut of the events into partials, combined in
any order, equals one pass; counts reconcile with the events."""

from __future__ import annotations

import itertools
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policygen_batch import schema as s
from policygen_batch.aggregate.usage import combine, partial_usage
from policygen_batch.catalog import Catalog, load_catalog
from policygen_batch.mapping import MappingTables, load_tables
from policygen_batch.mapping.records import records_frame
from tests.factories import ACCOUNT, record, role_identity, user_identity

WHO = [
    role_identity("app/Deployer"),
    role_identity("Reader", session="r1"),
    user_identity("alice"),
    {"type": "AWSService", "invokedBy": "ec2.amazonaws.com"},
]
#: (eventName, eventSource, extra fields): successful, denied, permission-less, unmapped.
CALLS: list[tuple[str, str, dict[str, Any]]] = [
    ("DescribeInstances", "ec2.amazonaws.com", {}),
    ("ListBuckets", "s3.amazonaws.com", {}),
    ("GetParameter", "ssm.amazonaws.com", {"requestParameters": {"name": "/app/db"}}),
    ("GetCallerIdentity", "sts.amazonaws.com", {}),
    ("FrobnicateWidgets", "widgets.amazonaws.com", {}),
    (
        "DescribeTable",
        "dynamodb.amazonaws.com",
        {
            "requestParameters": {"tableName": "orders"},
            "errorCode": "AccessDeniedException",
            "errorMessage": "User: x is not authorized to perform: dynamodb:DescribeTable on "
            f"resource: arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders",
        },
    ),
]

events_strategy = st.lists(
    st.tuples(
        st.integers(0, len(WHO) - 1),
        st.integers(0, len(CALLS) - 1),
        st.integers(0, 3 * 24 * 3600 - 1),
    ),
    min_size=0,
    max_size=40,
)


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog."""
    return load_catalog()


@pytest.fixture(scope="module")
def tables() -> MappingTables:
    """The curated mapping tables."""
    return load_tables()


def _frame(spec: list[tuple[int, int, int]]) -> pl.DataFrame:
    records = []
    for n, (who, call, second) in enumerate(spec):
        name, source, extra = CALLS[call]
        day, rest = divmod(second, 24 * 3600)
        time = f"2024-05-0{day + 1}T{rest // 3600:02d}:{rest % 3600 // 60:02d}:{rest % 60:02d}Z"
        records.append(
            record(name, source, time=time, identity=WHO[who], event_id=f"e{n}", **extra)
        )
    return records_frame(records)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=events_strategy, cuts=st.lists(st.integers(0, 40), max_size=3), data=st.data())
def test_partials_combined_equal_one_pass(
    catalog: Catalog,
    tables: MappingTables,
    spec: list[tuple[int, int, int]],
    cuts: list[int],
    data: st.DataObject,
) -> None:
    """Cut the events anywhere, aggregate each piece, combine in any order: same tables."""
    frame = _frame(spec)
    one = partial_usage(frame.lazy(), catalog, tables)
    bounds = sorted({0, len(frame), *(min(c, len(frame)) for c in cuts)})
    pieces = [frame.slice(a, b - a) for a, b in itertools.pairwise(bounds)]
    partials = [partial_usage(p.lazy(), catalog, tables) for p in pieces]
    order = data.draw(st.permutations(range(len(partials))))
    assert combine([partials[i] for i in order]).equals(one)
    # nested combination (a tree of combines, as a distributed engine would do)
    if len(partials) > 2:
        nested = combine([combine(partials[:2]), combine(partials[2:])])
        assert nested.equals(one)


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=events_strategy)
def test_counts_reconcile(
    catalog: Catalog, tables: MappingTables, spec: list[tuple[int, int, int]]
) -> None:
    """Events total equals the input; per-principal events sum to the attributed total."""
    usage = partial_usage(_frame(spec).lazy(), catalog, tables)
    ev = usage.events.row(0, named=True)
    assert ev[s.EVENTS] == len(spec)
    assert usage.principals[s.EVENTS].sum() == ev[s.ATTRIBUTED_EVENTS]
    assert ev[s.UNMAPPED_EVENTS] == sum(1 for _, c, _ in spec if CALLS[c][0] == "FrobnicateWidgets")
    assert usage.unmapped[s.USAGE_COUNT].sum() == ev[s.UNMAPPED_EVENTS]
    allowed = usage.usage.filter(pl.col(s.STATUS) == s.MappingStatus.ALLOWED)
    assert (allowed[s.FIRST_SEEN] <= allowed[s.LAST_SEEN]).all()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(spec=events_strategy, ids=st.lists(st.integers(0, 5), min_size=40, max_size=40))
def test_shapes_equal_mapping_every_row(
    catalog: Catalog, tables: MappingTables, spec: list[tuple[int, int, int]], ids: list[int]
) -> None:
    """Mapping each distinct event shape once gives the tables of mapping every row, also
    when event ids repeat (those rows are mapped one by one)."""
    from policygen_batch.aggregate.usage import reduce_mapped
    from policygen_batch.mapping import map_events

    unique = _frame(spec)
    repeated = unique.with_columns(pl.Series(s.EVENT_ID, [f"e{i}" for i in ids[: len(spec)]]))
    for frame in (unique, repeated):
        by_row = reduce_mapped(map_events(frame.lazy(), catalog, tables).collect().lazy())
        assert partial_usage(frame.lazy(), catalog, tables).equals(by_row)
