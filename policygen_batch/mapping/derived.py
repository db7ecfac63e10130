"""What the mapping derives from the catalog alone, derived once per loaded catalog.

The mapping runs once per warehouse partition (a day, or part of one), and every run needs
the same lookup frames built from the catalog's Python objects — every action's canonical
name and access level, every action's resource types — and the resource types of the ARNs
that CloudTrail lists in ``resources[]``, which recur from day to day. Building the frames
took about 0.1 s per partition and classifying an ARN about 15 µs, so both are kept with the
:class:`~policygen_batch.catalog.model.Catalog` object they came from (in its ``derived``
memo: they go when the catalog goes). They are pure functions of the catalog, so the
mapping's output does not depend on whether they were computed now or earlier.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl

from policygen_batch import schema as s
from policygen_batch.catalog.model import Catalog

#: Classified ARNs kept per catalog; past this many the memo starts afresh, so that an
#: organization with millions of distinct object ARNs does not grow it without bound.
MAX_CLASSIFIED = 1 << 18


@dataclass(eq=False)
class CatalogFrames:
    """The catalog as the mapping's lookup frames, and a memo of ARN classifications."""

    catalog: Catalog
    #: ``MAP_CANDIDATE`` (lower-case full name), ``ACTION`` (canonical), ``MAP_NOTE``
    #: (access level): one row per action.
    actions: pl.DataFrame
    #: ``ACTION``, ``MAP_CANDIDATE`` (``svc:type`` lower-case), ``MAPPED_RESOURCE_TYPE``
    #: (``svc:Type``): one row per (action, resource type).
    action_types: pl.DataFrame
    _classified: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def classify(self, arns: Iterable[str]) -> pl.DataFrame:
        """``RESOURCE`` → ``MAP_CANDIDATE``: each ARN with each resource type key
        (``svc:type``, lower case) that :meth:`Catalog.classify_arn` finds for it; an ARN
        of no known type has no row."""
        memo = self._classified
        resources: list[str] = []
        keys: list[str] = []
        for arn in arns:
            found = memo.get(arn)
            if found is None:
                if len(memo) >= MAX_CLASSIFIED:
                    memo.clear()
                found = memo[arn] = tuple(
                    f"{t.service}:{t.name.lower()}" for t in self.catalog.classify_arn(arn)
                )
            resources.extend([arn] * len(found))
            keys.extend(found)
        return pl.DataFrame(
            {s.RESOURCE: resources, s.MAP_CANDIDATE: keys},
            schema={s.RESOURCE: pl.String, s.MAP_CANDIDATE: pl.String},
        )


def catalog_frames(catalog: Catalog) -> CatalogFrames:
    """The derived frames of *catalog* (built on first use, then reused)."""
    found = catalog.derived.get(__name__)
    if not isinstance(found, CatalogFrames):
        found = catalog.derived[__name__] = _build(catalog)
    return found


def _build(catalog: Catalog) -> CatalogFrames:
    actions = list(catalog.actions())
    names = [action.full_name for action in actions]
    action_frame = pl.DataFrame(
        {
            s.MAP_CANDIDATE: [name.lower() for name in names],
            s.ACTION: names,
            s.MAP_NOTE: [action.access_level for action in actions],
        },
        schema={s.MAP_CANDIDATE: pl.String, s.ACTION: pl.String, s.MAP_NOTE: pl.String},
    )
    typed: list[str] = []
    type_keys: list[str] = []
    labels: list[str] = []
    for action in actions:
        for use in action.resource_types:
            typed.append(action.full_name)
            type_keys.append(f"{action.service}:{use.name.lower()}")
            labels.append(f"{action.service}:{use.name}")
    types_frame = pl.DataFrame(
        {s.ACTION: typed, s.MAP_CANDIDATE: type_keys, s.MAPPED_RESOURCE_TYPE: labels},
        schema={s.ACTION: pl.String, s.MAP_CANDIDATE: pl.String, s.MAPPED_RESOURCE_TYPE: pl.String},
    )
    return CatalogFrames(catalog, action_frame, types_frame)
