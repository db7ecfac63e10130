"""The real third-party CloudTrail captures: every (eventSource, eventName) is accounted for."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks.mapping_coverage import DEFAULT_FOLDER, coverage, read_records
from policygen_batch import schema as s
from policygen_batch.catalog import Catalog
from policygen_batch.mapping import MappingTables, map_events
from policygen_batch.mapping.records import records_frame


@pytest.fixture(scope="module")
def mapped(catalog: Catalog, tables: MappingTables) -> pl.DataFrame:
    """The real records, mapped once for this module."""
    folder = Path(DEFAULT_FOLDER)
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    records = read_records(folder)
    if not records:
        pytest.skip(f"no records under {folder}")
    return map_events(records_frame(records).lazy(), catalog, tables).collect()


def test_every_pair_is_accounted_for(mapped: pl.DataFrame, catalog: Catalog) -> None:
    """Each (source, name) maps to catalog actions, is permissionless/non-API, or says why not."""
    for row in mapped.iter_rows(named=True):
        status = row[s.STATUS]
        assert status in s.MappingStatus.ALL
        if status in (s.MappingStatus.ALLOWED, s.MappingStatus.DENIED, s.MappingStatus.IMPLIED):
            assert catalog.canonical(row[s.ACTION]) == row[s.ACTION]
        else:
            assert row[s.ACTION] is None
            assert row[s.DETAIL], row


def test_share_that_maps(mapped: pl.DataFrame) -> None:
    """All API events of the captures map (the figure the benchmark prints)."""
    stats = coverage(mapped)
    assert stats["events"] == mapped[s.EVENT_ID].n_unique()
    assert stats["mapped_share"] == 1.0, stats


def test_resources_fit_catalog_formats(mapped: pl.DataFrame, catalog: Catalog) -> None:
    """Every ARN attached to an allowed action fits one of that action's ARN formats."""
    allowed = mapped.filter(
        (pl.col(s.STATUS) == s.MappingStatus.ALLOWED)
        & pl.col(s.RESOURCE).is_not_null()
        & (pl.col(s.RESOURCE) != "*")
    )
    assert allowed.height > 50
    for action, resource in allowed.select(s.ACTION, s.RESOURCE).unique().iter_rows():
        assert catalog.match_arn(action, resource), (action, resource)


def test_known_cases_in_the_captures(mapped: pl.DataFrame) -> None:
    """Spot checks: suffix stripping, S3 REST names, monitoring, denials from errorMessage."""
    pairs = set(mapped.select(s.EVENT_NAME, s.ACTION).unique().iter_rows())
    assert ("UpdateFunctionCode20150331v2", "lambda:UpdateFunctionCode") in pairs
    assert ("ListObjects", "s3:ListBucket") in pairs
    assert ("ListBuckets", "s3:ListAllMyBuckets") in pairs
    assert ("DescribeAlarms", "cloudwatch:DescribeAlarms") in pairs
    denied = mapped.filter(pl.col(s.STATUS) == s.MappingStatus.DENIED)
    assert {"ec2:GetPasswordData", "organizations:LeaveOrganization"} <= set(denied[s.ACTION])
    statuses = dict(mapped.select(s.EVENT_NAME, s.STATUS).unique().iter_rows())
    assert statuses["GetCallerIdentity"] == s.MappingStatus.PERMISSIONLESS
    assert statuses["ConsoleLogin"] == s.MappingStatus.NON_API
