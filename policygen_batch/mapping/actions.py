"""Event → IAM action(s), as polars joins against the curated tables and the catalog.

Steps, all vectorised over the whole frame:

1. eventSource → service prefix: the host minus ``.amazonaws.com`` is the key; the
   ``event_sources.csv`` exceptions replace it (monitoring → cloudwatch, …).
2. eventName normalisation: API-version suffixes are stripped (``GetFunction20150331v2``,
   ``CreateDistribution2020_05_31``): an 8-digit date or ``YYYY_MM_DD``, optionally followed by
   ``v<digits>``. Bare trailing digits are never stripped (``ListObjectsV2``,
   ``RestoreDBInstanceFromS3``, ``Ec2``…): see :data:`VERSION_SUFFIX`.
3. ``eventType`` in ``non_api_event_types.csv`` → status ``non_api``; (host, name) in
   ``permissionless.csv`` → ``permissionless``. Neither gets an action.
4. (host, name) in ``event_overrides.csv`` → those actions (several rows = several actions);
   API Gateway management calls → ``apigateway:<HTTP method>`` by their verb; otherwise
   ``<prefix>:<name>``.
5. The candidate is looked up case-insensitively in the catalog: found → canonical name;
   not found → status ``unmapped`` with the reason (unknown prefix or unknown action).
6. Denied calls (``denied_error_codes.csv``) take the action, and the resource, that their
   ``errorMessage`` names when it names them ("… is not authorized to perform: s3:GetObject on
   resource: arn:…"); status ``denied``. Other errors keep status ``allowed`` (the
   authorization check passed) with the error code in ``detail``.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from policygen_batch import schema as s
from policygen_batch.catalog.model import Catalog
from policygen_batch.mapping.derived import catalog_frames
from policygen_batch.mapping.tables import MappingTables
from policygen_batch.schema import MappingStatus

#: An API-version suffix: a date (``20150331`` or ``2020_05_31``) then an optional ``v2``.
VERSION_SUFFIX: Final = r"(?:\d{8}|\d{4}_\d{2}_\d{2})(?:v\d+)?$"
_HOST_SUFFIX: Final = r"\.amazonaws\.com$"
_MESSAGE_ACTION: Final = r"(?:perform|allows the):? ([A-Za-z0-9-]+:[A-Za-z0-9*]+)"
_MESSAGE_RESOURCE: Final = r"on resource:? \"?(arn:[^\"\s,]+|\*)"
_APIGATEWAY: Final = "apigateway"
APIGATEWAY_RULE: Final = "apigateway:path"

#: Partition of each region family; every other region is in ``aws``.
_PARTITIONS: Final = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-isob-", "aws-iso-b"),
    ("us-iso-", "aws-iso"),
    ("eu-isoe-", "aws-iso-e"),
    ("us-isof-", "aws-iso-f"),
)


def strip_version_suffix(name: str) -> str:
    """The scalar twin of the vectorised normalisation (for tests and one-off callers)."""
    import re

    return re.sub(VERSION_SUFFIX, "", name)


def partition_expr(region: pl.Expr) -> pl.Expr:
    """The ARN partition for a region column (``aws`` when unknown or empty)."""
    expr: pl.Expr = pl.lit("aws")
    for prefix, partition in reversed(_PARTITIONS):
        expr = pl.when(region.str.starts_with(prefix)).then(pl.lit(partition)).otherwise(expr)
    return expr


def prepare(events: pl.LazyFrame) -> pl.LazyFrame:
    """Number the rows and derive the join keys every later step uses."""
    return events.with_row_index(s.MAP_ROW).with_columns(
        pl.col(s.EVENT_SOURCE).str.replace(_HOST_SUFFIX, "").alias(s.MAP_SOURCE_KEY),
        pl.col(s.EVENT_NAME).str.replace(VERSION_SUFFIX, "").alias(s.MAP_NAME),
        partition_expr(pl.col(s.REGION).fill_null("")).alias(s.MAP_PARTITION),
    )


def catalog_actions_frame(catalog: Catalog) -> pl.LazyFrame:
    """Lower-case full name → canonical name and access level, for the lookup join
    (built once per catalog: :mod:`policygen_batch.mapping.derived`)."""
    return catalog_frames(catalog).actions.lazy()


def map_actions(prepared: pl.LazyFrame, catalog: Catalog, tables: MappingTables) -> pl.LazyFrame:
    """One row per (event row, action) with status and detail.

    Output columns: :data:`~policygen_batch.schema.MAP_ROW`, ``ACTION``, ``STATUS``,
    ``DETAIL``, ``MAP_RULE`` (the resource rule an override chose) and ``RESOURCE`` (only the
    ARN a denial message named; resources are attached later).
    """
    utf8 = pl.String
    sources = pl.LazyFrame(
        {
            s.MAP_SOURCE_KEY: [k for k, _ in tables.event_sources],
            s.MAP_PREFIX: [p for _, p in tables.event_sources],
        },
        schema={s.MAP_SOURCE_KEY: utf8, s.MAP_PREFIX: utf8},
    )
    non_api = pl.LazyFrame(
        {
            s.EVENT_TYPE: [t for t, _ in tables.non_api_event_types],
            s.MAP_NOTE: [r for _, r in tables.non_api_event_types],
        },
        schema={s.EVENT_TYPE: utf8, s.MAP_NOTE: utf8},
    )
    permissionless = pl.LazyFrame(
        {
            s.MAP_SOURCE_KEY: [k for k, _, _ in tables.permissionless],
            s.MAP_NAME: [n for _, n, _ in tables.permissionless],
            s.DETAIL: [r for _, _, r in tables.permissionless],
        },
        schema={s.MAP_SOURCE_KEY: utf8, s.MAP_NAME: utf8, s.DETAIL: utf8},
    )
    overrides = pl.LazyFrame(
        {
            s.MAP_SOURCE_KEY: [o.event_source for o in tables.overrides],
            s.MAP_NAME: [o.event_name for o in tables.overrides],
            s.MAP_CANDIDATE: [o.action for o in tables.overrides],
            s.MAP_RULE: [o.resource_rule for o in tables.overrides],
        },
        schema={s.MAP_SOURCE_KEY: utf8, s.MAP_NAME: utf8, s.MAP_CANDIDATE: utf8, s.MAP_RULE: utf8},
    )
    verbs = "|".join(verb for verb, _ in tables.apigateway_methods)
    methods = pl.LazyFrame(
        {
            s.MAP_VALUE: [v for v, _ in tables.apigateway_methods],
            s.MAP_NOTE: [m for _, m in tables.apigateway_methods],
        },
        schema={s.MAP_VALUE: utf8, s.MAP_NOTE: utf8},
    )
    services = pl.LazyFrame({s.MAP_PREFIX: sorted(catalog.services)}, schema={s.MAP_PREFIX: utf8})

    base = prepared.select(
        s.MAP_ROW, s.EVENT_TYPE, s.MAP_SOURCE_KEY, s.MAP_NAME, s.ERROR_CODE, s.ERROR_MESSAGE
    )

    # Step 3: events that need no action at all.
    classified = (
        base.join(non_api, on=s.EVENT_TYPE, how="left")
        .join(permissionless, on=[s.MAP_SOURCE_KEY, s.MAP_NAME], how="left")
        .with_columns(
            pl.when(pl.col(s.MAP_NOTE).is_not_null())
            .then(pl.lit(MappingStatus.NON_API))
            .when(pl.col(s.DETAIL).is_not_null())
            .then(pl.lit(MappingStatus.PERMISSIONLESS))
            .otherwise(pl.lit(None, dtype=utf8))
            .alias(s.STATUS),
            pl.coalesce(s.MAP_NOTE, s.DETAIL).alias(s.DETAIL),
        )
        .drop(s.MAP_NOTE)
    )
    no_action = classified.filter(pl.col(s.STATUS).is_not_null()).select(
        s.MAP_ROW,
        pl.lit(None, dtype=utf8).alias(s.ACTION),
        s.STATUS,
        s.DETAIL,
        pl.lit(None, dtype=utf8).alias(s.MAP_RULE),
        pl.lit(None, dtype=utf8).alias(s.RESOURCE),
    )

    # Step 4: candidate action names.
    api = (
        classified.filter(pl.col(s.STATUS).is_null())
        .drop(s.STATUS, s.DETAIL)
        .join(sources, on=s.MAP_SOURCE_KEY, how="left")
        .with_columns(pl.coalesce(s.MAP_PREFIX, s.MAP_SOURCE_KEY).alias(s.MAP_PREFIX))
        .join(overrides, on=[s.MAP_SOURCE_KEY, s.MAP_NAME], how="left")
        .with_columns(
            pl.when(pl.col(s.MAP_SOURCE_KEY) == _APIGATEWAY)
            .then(pl.col(s.MAP_NAME).str.extract(f"^({verbs})[A-Z]", 1))
            .alias(s.MAP_VALUE)
        )
        .join(methods, on=s.MAP_VALUE, how="left")
        .with_columns(
            pl.coalesce(
                s.MAP_CANDIDATE,
                pl.when(pl.col(s.MAP_NOTE).is_not_null()).then(
                    pl.lit(f"{_APIGATEWAY}:") + pl.col(s.MAP_NOTE)
                ),
                pl.col(s.MAP_PREFIX) + pl.lit(":") + pl.col(s.MAP_NAME),
            ).alias(s.MAP_CANDIDATE),
            pl.when(pl.col(s.MAP_NOTE).is_not_null() & pl.col(s.MAP_CANDIDATE).is_null())
            .then(pl.lit(APIGATEWAY_RULE))
            .otherwise(pl.col(s.MAP_RULE))
            .alias(s.MAP_RULE),
        )
        .drop(s.MAP_NOTE, s.MAP_VALUE)
    )

    # Step 6: denied calls take the action and resource their message names.
    denied_codes = list(tables.denied_error_codes)
    message = pl.col(s.ERROR_MESSAGE).fill_null("")
    named_action = message.str.extract(_MESSAGE_ACTION, 1)
    api = (
        api.with_columns(
            pl.col(s.ERROR_CODE).is_in(denied_codes).fill_null(False).alias(s.MAP_VALUE),
            named_action.alias(s.MAP_NOTE),
            message.str.extract(_MESSAGE_RESOURCE, 1).alias(s.RESOURCE),
        )
        .with_columns(
            pl.when(pl.col(s.MAP_VALUE) & pl.col(s.MAP_NOTE).is_not_null())
            .then(pl.col(s.MAP_NOTE))
            .otherwise(pl.col(s.MAP_CANDIDATE))
            .alias(s.MAP_CANDIDATE),
            pl.when(pl.col(s.MAP_VALUE) & pl.col(s.MAP_NOTE).is_not_null())
            .then(pl.lit(None, dtype=utf8))
            .otherwise(pl.col(s.MAP_RULE))
            .alias(s.MAP_RULE),
            pl.when(pl.col(s.MAP_VALUE)).then(pl.col(s.RESOURCE)).alias(s.RESOURCE),
        )
        .unique(subset=[s.MAP_ROW, s.MAP_CANDIDATE], keep="first", maintain_order=True)
    )

    # Step 5: the catalog decides what exists, in canonical case.
    known = services.with_columns(pl.lit(True).alias(s.MAP_FLAG))
    is_denied = pl.col(s.MAP_VALUE)
    looked_up = (
        api.drop(s.MAP_NOTE, s.MAP_PREFIX)
        .with_columns(
            pl.col(s.MAP_CANDIDATE).alias(s.MAP_NOTE),
            pl.col(s.MAP_CANDIDATE)
            .str.split(":")
            .list.first()
            .str.to_lowercase()
            .alias(s.MAP_PREFIX),
            pl.col(s.MAP_CANDIDATE).str.to_lowercase(),
        )
        .join(catalog_actions_frame(catalog).drop(s.MAP_NOTE), on=s.MAP_CANDIDATE, how="left")
        .join(known, on=s.MAP_PREFIX, how="left")
        .with_columns(
            pl.when(pl.col(s.ACTION).is_null())
            .then(pl.lit(MappingStatus.UNMAPPED))
            .when(is_denied)
            .then(pl.lit(MappingStatus.DENIED))
            .otherwise(pl.lit(MappingStatus.ALLOWED))
            .alias(s.STATUS),
            pl.when(pl.col(s.ACTION).is_not_null())
            .then(
                pl.when(is_denied)
                .then(
                    pl.lit("denied: ")
                    + pl.col(s.ERROR_CODE)
                    + pl.when(named_action.is_not_null())
                    .then(pl.lit("; action named by errorMessage"))
                    .otherwise(pl.lit(""))
                )
                .when(pl.col(s.ERROR_CODE).is_not_null())
                .then(pl.lit("call failed after authorization: ") + pl.col(s.ERROR_CODE))
            )
            .when(pl.col(s.MAP_FLAG).is_null())
            .then(
                pl.lit("unknown service prefix '")
                + pl.col(s.MAP_PREFIX)
                + pl.lit("' (eventSource '")
                + pl.col(s.MAP_SOURCE_KEY)
                + pl.lit(".amazonaws.com')")
            )
            .otherwise(
                pl.lit("no IAM action ")
                + pl.col(s.MAP_NOTE)
                + pl.lit(f" in catalog {catalog.version}")
            )
            .alias(s.DETAIL),
        )
        .select(s.MAP_ROW, s.ACTION, s.STATUS, s.DETAIL, s.MAP_RULE, s.RESOURCE)
    )
    return pl.concat([looked_up, no_action], how="vertical")
