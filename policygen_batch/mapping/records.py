"""Raw CloudTrail records → a small events frame with the columns the mapping reads.

For tests, the coverage benchmark and one-off forensic use on a handful of records. It is
*not* the ingest path (that is :mod:`policygen_batch.ingest`, which also resolves principals
properly, de-duplicates and quarantines); the principal here is a plain approximation
(the session issuer's ARN for assumed roles, else ``userIdentity.arn``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import orjson
import polars as pl

from policygen_batch import schema as s


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def _principal(identity: Mapping[str, Any]) -> str | None:
    issuer = identity.get("sessionContext", {}).get("sessionIssuer", {})
    if isinstance(issuer, dict) and issuer.get("arn"):
        return str(issuer["arn"])
    arn = identity.get("arn")
    return None if arn is None else str(arn)


def records_frame(records: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """One row per record with the mapping's input columns (times stay as text parsed to UTC)."""
    rows: list[dict[str, Any]] = []
    for index, rec in enumerate(records):
        identity = rec.get("userIdentity") or {}
        listed = rec.get("resources")
        rows.append(
            {
                s.EVENT_ID: rec.get("eventID") or f"record-{index}",
                s.EVENT_TIME: rec.get("eventTime") or rec.get("@timestamp"),
                s.ACCOUNT_ID: rec.get("recipientAccountId") or identity.get("accountId"),
                s.REGION: rec.get("awsRegion"),
                s.EVENT_SOURCE: rec.get("eventSource"),
                s.EVENT_NAME: rec.get("eventName"),
                s.EVENT_TYPE: rec.get("eventType"),
                s.PRINCIPAL_ARN: _principal(identity),
                s.PRINCIPAL_TYPE: identity.get("type"),
                s.PRINCIPAL_ACCOUNT: identity.get("accountId"),
                s.ERROR_CODE: rec.get("errorCode"),
                s.ERROR_MESSAGE: rec.get("errorMessage"),
                s.REQUEST_PARAMETERS: _text(rec.get("requestParameters")),
                s.RESPONSE_ELEMENTS: _text(rec.get("responseElements")),
                s.RESOURCES: [
                    {
                        s.RESOURCE_ARN: item.get("ARN") or item.get("arn"),
                        s.RESOURCE_TYPE: item.get("type"),
                        s.RESOURCE_ACCOUNT_ID: item.get("accountId"),
                    }
                    for item in listed
                    if isinstance(item, dict)
                ]
                if isinstance(listed, list)
                else None,
            }
        )
    resource = pl.Struct(
        {s.RESOURCE_ARN: pl.String, s.RESOURCE_TYPE: pl.String, s.RESOURCE_ACCOUNT_ID: pl.String}
    )
    schema: dict[str, pl.DataType] = {
        name: pl.String()
        for name in (
            s.EVENT_ID,
            s.EVENT_TIME,
            s.ACCOUNT_ID,
            s.REGION,
            s.EVENT_SOURCE,
            s.EVENT_NAME,
            s.EVENT_TYPE,
            s.PRINCIPAL_ARN,
            s.PRINCIPAL_TYPE,
            s.PRINCIPAL_ACCOUNT,
            s.ERROR_CODE,
            s.ERROR_MESSAGE,
            s.REQUEST_PARAMETERS,
            s.RESPONSE_ELEMENTS,
        )
    }
    schema[s.RESOURCES] = pl.List(resource)
    frame = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    return frame.with_columns(
        pl.col(s.EVENT_TIME).str.to_datetime(time_zone="UTC", strict=False, time_unit="us")
    )
