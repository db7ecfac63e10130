"""Permissions a call needs that CloudTrail never logs: ``iam:PassRole`` and ``ec2:CreateTags``.

``iam:PassRole`` — when a successful call whose action is a Write/Permissions-management/
Tagging one (``passrole.json``) carries a role in ``requestParameters`` under a key such as
``role``, ``roleArn``, ``executionRoleArn``, ``taskRoleArn``, ``serviceRole``,
``DataAccessRoleArn`` (any depth: the JSON text is scanned with one regular expression, so
nested keys count too):

* a role ARN is used as it is;
* a bare name (``my-role``) becomes ``arn:<partition>:iam::<recipient account>:role/<name>``;
  ALL-CAPITALS values are skipped because those keys sometimes hold an enum (``"role":
  "ADMIN"``), not a role;
* an instance profile (``iamInstanceProfile`` ``{arn|name}``) names a profile, not a role:
  the role inside it can only be resolved with the IAM authorization snapshot, so the row is
  emitted with a **null resource** and a detail saying so (never ``*``).

Event sources whose role keys name the role being acted on rather than passed (sts
AssumeRole's ``roleArn``, iam's own calls) are excluded.

``ec2:CreateTags`` — when a successful ec2 create call carries ``TagSpecifications``
(``tagSpecificationSet`` in the record), on ``arn:<p>:ec2:<region>:<account>:<type>/*`` for
each tagged resource type the catalog knows (the new resource's id does not exist before the
call, which is why AWS documents ``*`` plus the ``ec2:CreateAction`` condition for this).

Every such row has status ``implied`` and a detail naming the action and key it came from.
"""

from __future__ import annotations

import polars as pl

from policygen_batch import schema as s
from policygen_batch.catalog.model import Catalog
from policygen_batch.mapping.derived import catalog_frames
from policygen_batch.mapping.tables import MappingTables
from policygen_batch.schema import MappingStatus

_OUT = (s.MAP_ROW, s.ACTION, s.STATUS, s.DETAIL, s.RESOURCE, s.MAPPED_RESOURCE_TYPE)
_PASS_ROLE = "iam:PassRole"
_CREATE_TAGS = "ec2:CreateTags"


def _implied(
    action: str, detail: list[pl.Expr], resource: pl.Expr, rtype: pl.Expr
) -> list[pl.Expr]:
    """The output columns of one implied row: ``detail`` follows "implied by <trigger>"."""
    return [
        pl.col(s.MAP_ROW),
        pl.lit(action).alias(s.ACTION),
        pl.lit(MappingStatus.IMPLIED).alias(s.STATUS),
        pl.concat_str([pl.lit("implied by "), pl.col(s.MAP_CANDIDATE), *detail]).alias(s.DETAIL),
        resource.alias(s.RESOURCE),
        rtype.alias(s.MAPPED_RESOURCE_TYPE),
    ]


def implied_actions(
    prepared: pl.LazyFrame, actions: pl.LazyFrame, catalog: Catalog, tables: MappingTables
) -> pl.LazyFrame:
    """Rows (status ``implied``) for the never-logged permissions of successful calls."""
    config = tables.passrole
    levels = catalog_frames(catalog).actions.lazy().select(s.ACTION, s.MAP_NOTE)
    level_ok = pl.any_horizontal(
        [pl.col(s.MAP_NOTE).str.contains(level, literal=True) for level in config.access_levels]
    )
    # One triggering action per event row (the first in name order) for the detail text.
    trigger = (
        actions.filter(pl.col(s.STATUS) == MappingStatus.ALLOWED)
        .join(levels, on=s.ACTION, how="inner")
        .filter(level_ok)
        .group_by(s.MAP_ROW)
        .agg(pl.col(s.ACTION).min().alias(s.MAP_CANDIDATE))
    )
    events = prepared.select(
        s.MAP_ROW,
        s.MAP_SOURCE_KEY,
        s.REQUEST_PARAMETERS,
        s.REGION,
        s.ACCOUNT_ID,
        s.MAP_PARTITION,
        s.ERROR_CODE,
    ).filter(
        pl.col(s.ERROR_CODE).is_null()
        & pl.col(s.REQUEST_PARAMETERS).is_not_null()
        & ~pl.col(s.MAP_SOURCE_KEY).is_in(list(config.excluded_event_sources))
    )
    base = events.join(trigger, on=s.MAP_ROW, how="inner")

    roles = (
        base.with_columns(
            pl.col(s.REQUEST_PARAMETERS).str.extract_all(config.role_key_regex).alias(s.MAP_VALUE)
        )
        .explode(s.MAP_VALUE)
        .filter(pl.col(s.MAP_VALUE).is_not_null())
        .with_columns(
            pl.col(s.MAP_VALUE).str.extract(config.role_key_regex, 1).alias(s.MAP_NOTE),
            pl.col(s.MAP_VALUE).str.extract(config.role_key_regex, 2).alias(s.MAP_VALUE),
        )
        .with_columns(
            pl.when(pl.col(s.MAP_VALUE).str.contains(r"^arn:[^:]+:iam::\d{12}:role/"))
            .then(pl.col(s.MAP_VALUE))
            .when(
                pl.col(s.MAP_VALUE).str.contains(r"^[\w+=,.@/-]+$")
                & (pl.col(s.MAP_VALUE) != pl.col(s.MAP_VALUE).str.to_uppercase())
            )
            .then(
                pl.concat_str(
                    [
                        pl.lit("arn:"),
                        pl.col(s.MAP_PARTITION),
                        pl.lit(":iam::"),
                        pl.col(s.ACCOUNT_ID),
                        pl.lit(":role/"),
                        pl.col(s.MAP_VALUE).str.strip_prefix("/"),
                    ]
                )
            )
            .alias(s.RESOURCE)
        )
        .filter(pl.col(s.RESOURCE).is_not_null())
        .select(
            _implied(
                _PASS_ROLE,
                [pl.lit(" (requestParameters."), pl.col(s.MAP_NOTE), pl.lit(")")],
                pl.col(s.RESOURCE),
                pl.lit("iam:role"),
            )
        )
    )

    profiles = (
        base.with_columns(
            pl.col(s.REQUEST_PARAMETERS)
            .str.extract(config.instance_profile_regex, 2)
            .alias(s.MAP_VALUE)
        )
        .filter(pl.col(s.MAP_VALUE).is_not_null())
        .with_columns(
            pl.coalesce(
                pl.col(s.MAP_VALUE).str.extract(r"\"arn\"\s*:\s*\"([^\"]+)\"", 1),
                pl.col(s.MAP_VALUE).str.extract(r"\"name\"\s*:\s*\"([^\"]+)\"", 1),
            ).alias(s.MAP_VALUE)
        )
        .filter(pl.col(s.MAP_VALUE).is_not_null())
        .select(
            _implied(
                _PASS_ROLE,
                [
                    pl.lit(" (requestParameters.iamInstanceProfile "),
                    pl.col(s.MAP_VALUE),
                    pl.lit(
                        "); unresolved: the role inside an instance profile needs the IAM "
                        "authorization snapshot"
                    ),
                ],
                pl.lit(None, dtype=pl.String),
                pl.lit(None, dtype=pl.String),
            )
        )
    )

    ec2 = catalog.service("ec2")
    ec2_types = sorted(ec2.resource_types) if ec2 is not None else []
    tags = (
        base.filter(
            (pl.col(s.MAP_SOURCE_KEY) == config.create_tags_event_source)
            & pl.col(s.REQUEST_PARAMETERS).str.contains("tagSpecificationSet", literal=True)
            & (pl.col(s.MAP_CANDIDATE) != _CREATE_TAGS)
        )
        .with_columns(
            pl.col(s.REQUEST_PARAMETERS)
            .str.extract_all(config.tag_spec_regex)
            .list.eval(pl.element().str.extract(config.tag_spec_regex, 1))
            .alias(s.MAP_VALUE)
        )
        .explode(s.MAP_VALUE)
        .filter(pl.col(s.MAP_VALUE).is_in(ec2_types))
        .unique(subset=[s.MAP_ROW, s.MAP_VALUE])
        .select(
            _implied(
                _CREATE_TAGS,
                [pl.lit(" (TagSpecifications: "), pl.col(s.MAP_VALUE), pl.lit(")")],
                pl.concat_str(
                    [
                        pl.lit("arn:"),
                        pl.col(s.MAP_PARTITION),
                        pl.lit(":ec2:"),
                        pl.col(s.REGION),
                        pl.lit(":"),
                        pl.col(s.ACCOUNT_ID),
                        pl.lit(":"),
                        pl.col(s.MAP_VALUE),
                        pl.lit("/*"),
                    ]
                ),
                pl.lit("ec2:") + pl.col(s.MAP_VALUE),
            )
        )
    )
    return pl.concat([roles, profiles, tags], how="vertical").unique(
        subset=[s.MAP_ROW, s.ACTION, s.RESOURCE, s.DETAIL], maintain_order=True
    )
