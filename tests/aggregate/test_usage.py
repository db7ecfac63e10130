"""The usage plan: one pass for all principals, partial aggregates that combine exactly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from policygen_batch import schema as s
from policygen_batch.aggregate.usage import (
    UsageFilter,
    UsageTables,
    combine,
    empty_usage,
    glob_regex,
    partial_usage,
    partitions,
    scan_partition,
)
from policygen_batch.catalog import Catalog, load_catalog
from policygen_batch.warehouse.parquet import event_files
from tests.factories import ACCOUNT, OTHER_ACCOUNT
from tests.usage_factories import convert, mixed_corpus, write_corpus


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog."""
    return load_catalog()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixed corpus converted once for the module."""
    root = tmp_path_factory.mktemp("usage")
    return convert(write_corpus(root / "src", mixed_corpus()), root / "wh")


def _run(warehouse: Path, catalog: Catalog, flt: UsageFilter | None = None) -> UsageTables:
    flt = flt or UsageFilter()
    parts = partitions(event_files(warehouse), flt)
    return combine([partial_usage(scan_partition(p, flt), catalog) for p in parts])


def _row(tables: UsageTables, arn_end: str, action: str, status: str) -> dict[str, object]:
    rows = tables.usage.filter(
        pl.col(s.PRINCIPAL_ARN).str.ends_with(arn_end)
        & (pl.col(s.ACTION) == action)
        & (pl.col(s.STATUS) == status)
    ).to_dicts()
    assert len(rows) == 1, rows
    return rows[0]


def test_counts_and_times_per_principal_action_resource(warehouse: Path, catalog: Catalog) -> None:
    """A key seen on two days has the summed count and the first/last event time."""
    tables = _run(warehouse, catalog)
    row = _row(tables, "role/app/Deployer", "s3:ListAllMyBuckets", s.MappingStatus.ALLOWED)
    assert row[s.USAGE_COUNT] == 2
    assert str(row[s.FIRST_SEEN]).startswith("2024-05-01 01:00:00")
    assert str(row[s.LAST_SEEN]).startswith("2024-05-02 03:00:00")
    assert row[s.RESOURCE] == "*"


def test_denied_implied_and_unmapped_are_kept_apart(warehouse: Path, catalog: Catalog) -> None:
    """Denied and implied rows keep their status; unmapped events land in their own table."""
    tables = _run(warehouse, catalog)
    denied = _row(tables, "role/Reader", "s3:GetObject", s.MappingStatus.DENIED)
    assert denied[s.RESOURCE] == "arn:aws:s3:::data-bucket/in/secret.csv"
    implied = _row(tables, "role/app/Deployer", "iam:PassRole", s.MappingStatus.IMPLIED)
    assert "RunInstances" in str(implied[s.DETAIL])
    unmapped = tables.unmapped.to_dicts()
    assert [(u[s.EVENT_NAME], u[s.USAGE_COUNT]) for u in unmapped] == [("FrobnicateWidgets", 1)]
    assert unmapped[0][s.PRINCIPAL_ARN].endswith("role/app/Deployer")


def test_event_tallies(warehouse: Path, catalog: Catalog) -> None:
    """Org-wide tallies count events, not mapped rows; the service's own call is unattributed."""
    ev = _run(warehouse, catalog).events.row(0, named=True)
    assert ev == {
        s.EVENTS: 16,
        s.ATTRIBUTED_EVENTS: 15,
        s.DENIED_EVENTS: 1,
        s.PERMISSIONLESS_EVENTS: 1,
        s.NON_API_EVENTS: 1,
        s.UNMAPPED_EVENTS: 1,
    }


def test_principal_tallies_and_kinds(warehouse: Path, catalog: Catalog) -> None:
    """Each principal appears once with its kind; cross-account calls count for the caller."""
    principals = {r[s.PRINCIPAL_ARN]: r for r in _run(warehouse, catalog).principals.to_dicts()}
    kinds = {arn.rsplit(":", 1)[-1]: r[s.PRINCIPAL_TYPE] for arn, r in principals.items()}
    assert kinds == {
        "role/Reader": s.PrincipalType.ROLE,
        "role/app/Deployer": s.PrincipalType.ROLE,
        "role/aws-reserved/sso.amazonaws.com/eu-west-1/"
        "AWSReservedSSO_DataEngineer_0123456789abcdef": s.PrincipalType.SSO_ROLE,
        "role/aws-service-role/autoscaling.amazonaws.com/"
        "AWSServiceRoleForAutoScaling": s.PrincipalType.SERVICE_LINKED_ROLE,
        "root": s.PrincipalType.ROOT,
        "user/alice": s.PrincipalType.USER,
        "role/Visitor": s.PrincipalType.ROLE,
    }
    visitor = principals[f"arn:aws:iam::{OTHER_ACCOUNT}:role/Visitor"]
    assert visitor[s.PRINCIPAL_ACCOUNT] == OTHER_ACCOUNT
    assert visitor[s.EVENTS] == 2  # one logged in ACCOUNT's trail, one in its own
    alice = principals[f"arn:aws:iam::{ACCOUNT}:user/alice"]
    assert (alice[s.EVENTS], alice[s.PERMISSIONLESS_EVENTS], alice[s.NON_API_EVENTS]) == (3, 1, 1)


def test_single_pass_equals_partials_combined(warehouse: Path, catalog: Catalog) -> None:
    """Mapping every partition at once gives the same tables as per-partition partials."""
    flt = UsageFilter()
    parts = partitions(event_files(warehouse), flt)
    assert len(parts) == 3
    one = partial_usage(pl.concat([scan_partition(p, flt) for p in parts]), catalog)
    assert one.equals(_run(warehouse, catalog))
    reversed_order = combine(
        [combine([partial_usage(scan_partition(p, flt), catalog)]) for p in reversed(parts)]
    )
    assert reversed_order.equals(one)


def test_empty_is_the_identity_of_combine(warehouse: Path, catalog: Catalog) -> None:
    """Combining with the empty tables changes nothing; no partitions give the empty tables."""
    tables = _run(warehouse, catalog)
    assert combine([tables, empty_usage()]).equals(tables)
    assert combine([]).equals(empty_usage())
    assert empty_usage().events.row(0) == (0, 0, 0, 0, 0, 0)


def test_window_prunes_partitions_and_rows(warehouse: Path, catalog: Catalog) -> None:
    """--since/--until keep whole days only (inclusive) and prune the other files."""
    flt = UsageFilter(since=date(2024, 5, 2), until=date(2024, 5, 2))
    assert [p.day for p in partitions(event_files(warehouse), flt)] == [date(2024, 5, 2)]
    tables = _run(warehouse, catalog, flt)
    assert tables.events[s.EVENTS].item() == 5
    assert all(str(t).startswith("2024-05-02") for t in tables.usage[s.FIRST_SEEN].to_list())


def test_account_and_principal_filters(warehouse: Path, catalog: Catalog) -> None:
    """--account keeps the callers of that account; --principal globs match whole ARNs."""
    other = _run(warehouse, catalog, UsageFilter(accounts=(OTHER_ACCOUNT,)))
    assert other.principals[s.PRINCIPAL_ARN].to_list() == [
        f"arn:aws:iam::{OTHER_ACCOUNT}:role/Visitor"
    ]
    roles = _run(warehouse, catalog, UsageFilter(principals=("*:role/app/*", "*:user/ali?e")))
    assert sorted(a.rsplit(":", 1)[-1] for a in roles.principals[s.PRINCIPAL_ARN]) == [
        "role/app/Deployer",
        "user/alice",
    ]
    assert _run(warehouse, catalog, UsageFilter(principals=("role/app/*",))).usage.is_empty()


def test_partitions_cut_large_days(warehouse: Path, catalog: Catalog, tmp_path: Path) -> None:
    """Files of a day committed by several runs can be cut apart; the result is the same."""
    corpus = mixed_corpus()
    wh = tmp_path / "wh"
    for n, item in enumerate(corpus):  # one convert run per archive: several files per day
        convert(write_corpus(tmp_path / f"src{n}", [item]), wh)
    flt = UsageFilter()
    tiny = partitions(event_files(wh), flt, max_bytes=1)
    assert len(tiny) == len(event_files(wh)) == len(corpus) > 3
    assert len({p.key for p in tiny}) == len(tiny)
    combined = combine([partial_usage(scan_partition(p, flt), catalog) for p in tiny])
    assert combined.equals(_run(warehouse, catalog))


@pytest.mark.parametrize(
    ("glob", "text", "matches"),
    [
        ("*", "anything", True),
        ("a?c", "abc", True),
        ("a?c", "abbc", False),
        ("arn:*:role/[!x]*", "arn:aws:iam::1:role/app", True),
        ("arn:*:role/[!x]*", "arn:aws:iam::1:role/xapp", False),
        ("a.b", "axb", False),
        ("a+b(c)", "a+b(c)", True),
        ("[", "[", True),
    ],
)
def test_glob_regex(glob: str, text: str, matches: bool) -> None:
    """Globs become anchored polars regexes; regex metacharacters are literal."""
    frame = pl.DataFrame({"t": [text]})
    found = frame.select(pl.col("t").str.contains(f"^(?:{glob_regex(glob)})$")).item()
    assert found is matches


def test_raw_column_is_never_read(warehouse: Path) -> None:
    """The scan selects only the mapping's input columns (the raw JSON is never read)."""
    flt = UsageFilter()
    part = partitions(event_files(warehouse), flt)[0]
    plan = scan_partition(part, flt)
    assert s.RAW not in plan.collect_schema().names()
    assert "raw" not in plan.explain().split("PROJECT")[1].split("\n")[0]
