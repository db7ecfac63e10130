"""CloudTrail events → the IAM actions and resources each one needed.

Contract of :func:`map_events` (the aggregation stage groups its output)::

    map_events(events: pl.LazyFrame, catalog: Catalog, tables: MappingTables | None = None)
        -> pl.LazyFrame

*events* has the warehouse columns of :mod:`policygen_batch.schema` (at least
``event_id, account_id, region, principal_arn, principal_type, principal_account,
event_time, event_source, event_name, event_type, error_code, error_message,
request_parameters, resources``; ``response_elements`` is read when present, for the ids a
create call returns). The result has :data:`~policygen_batch.schema.MAPPING_COLUMNS`,
**one row per (event, needed action, resource)**:

==================  ========================================================================
``action``          canonical IAM action (``s3:GetObject``); null for permissionless, non-API
                    and unmapped events
``resource``        an ARN shaped to the catalog's format for one of the action's resource
                    types; ``*`` when the action supports no resource-level permission; null
                    when the action needs a resource the event does not reveal (``detail``
                    says so; never silently widened to ``*``)
``resource_type``   ``<prefix>:<resource type>`` of the catalog, when known
``status``          ``allowed`` (the call passed authorization — successful, or failed later
                    with a non-authorization error named in ``detail``), ``denied``
                    (authorization refused it: report, never grant), ``implied`` (needed but
                    never logged: ``iam:PassRole``, ``ec2:CreateTags``), ``permissionless``,
                    ``non_api``, ``unmapped``
``detail``          why: the reason for permissionless/non-API/unmapped, the error code of
                    denied and failed calls, what an implied action was implied by
==================  ========================================================================

Every input event yields at least one row (nothing is dropped); an event that needs
several actions (``CopyObject``: ``s3:PutObject`` + ``s3:GetObject``) or touches several
resources yields several. The plan is lazy and vectorised: joins against the curated
tables (:mod:`policygen_batch.mapping.tables`) and the catalog; Python runs only over
*distinct* ARNs (classification) and distinct API Gateway requests (path building).
"""

from __future__ import annotations

import polars as pl

from policygen_batch import schema as s
from policygen_batch.catalog.model import Catalog
from policygen_batch.mapping.actions import map_actions, prepare, strip_version_suffix
from policygen_batch.mapping.passrole import implied_actions
from policygen_batch.mapping.resources import attach_resources
from policygen_batch.mapping.tables import MappingTables, load_tables

__all__ = [
    "EVENT_COLUMNS",
    "MappingTables",
    "load_tables",
    "map_events",
    "strip_version_suffix",
    "unmapped_summary",
]

#: The warehouse columns :func:`map_events` reads (the aggregation reads no others).
EVENT_COLUMNS = (
    s.EVENT_ID,
    s.ACCOUNT_ID,
    s.REGION,
    s.PRINCIPAL_ARN,
    s.PRINCIPAL_TYPE,
    s.PRINCIPAL_ACCOUNT,
    s.EVENT_TIME,
    s.EVENT_SOURCE,
    s.EVENT_NAME,
    s.EVENT_TYPE,
    s.ERROR_CODE,
    s.ERROR_MESSAGE,
    s.REQUEST_PARAMETERS,
    s.RESPONSE_ELEMENTS,
    s.RESOURCES,
)


def map_events(
    events: pl.LazyFrame, catalog: Catalog, tables: MappingTables | None = None
) -> pl.LazyFrame:
    """Map every event to the (action, resource, status, detail) rows described above."""
    tables = tables if tables is not None else load_tables()
    # Stage boundaries are materialised: the later steps branch many times over the same
    # inputs, and polars would otherwise re-run the shared upstream plan once per branch.
    if s.RESPONSE_ELEMENTS not in events.collect_schema():
        # Older callers and hand-made frames may lack it; only create calls' new ids read it.
        events = events.with_columns(pl.lit(None, dtype=pl.String).alias(s.RESPONSE_ELEMENTS))
    prepared = prepare(events.select(EVENT_COLUMNS)).collect().lazy()
    actions = map_actions(prepared, catalog, tables).collect().lazy()
    with_resources = attach_resources(prepared, actions, catalog, tables)
    implied = implied_actions(prepared, actions, catalog, tables)
    rows = pl.concat([with_resources, implied], how="vertical")
    event_side = prepared.select(
        s.MAP_ROW,
        *(c for c in s.MAPPING_COLUMNS if c in EVENT_COLUMNS),
    )
    return (
        rows.join(event_side, on=s.MAP_ROW, how="inner")
        .sort(s.MAP_ROW, s.STATUS, s.ACTION, s.RESOURCE, nulls_last=True, maintain_order=True)
        .select(s.MAPPING_COLUMNS)
    )


def unmapped_summary(mapped: pl.LazyFrame) -> pl.LazyFrame:
    """Unmapped events counted per (event_source, event_name, detail), most frequent first."""
    return (
        mapped.filter(pl.col(s.STATUS) == s.MappingStatus.UNMAPPED)
        .group_by(s.EVENT_SOURCE, s.EVENT_NAME, s.DETAIL)
        .agg(pl.len().alias("count"))
        .sort("count", s.EVENT_SOURCE, s.EVENT_NAME, descending=[True, False, False])
    )
