"""Explicit generalisation when a principal touches very many resources of one kind.

A role that reads 5,000 objects would otherwise get a policy naming 5,000 ARNs (and no
policy fits that). Past a threshold, resources collapse to a prefix pattern — always
inside one *container*, never across one silently:

S3 objects
    Keys of one bucket, per (principal, action), when more than ``s3_key_threshold``
    distinct keys: by path segment, to the deepest directory level at which at most
    ``s3_max_prefixes`` patterns remain; with the default of 1 that is the longest common
    directory prefix + ``*`` (``arn:aws:s3:::lake/in/2024/*``, or ``lake/*`` when the keys
    share no directory). Never across buckets: bucket ARNs themselves never collapse.
Other ARNs
    ``arn:partition:service:region:account:`` + the resource part up to its last ``/`` or
    ``:`` is the container (``…:table/orders/index/``, ``…:parameter/app/``,
    ``…:function:``); the last component is the resource id. More than ``arn_threshold``
    distinct ids in one container, per (principal, action), collapse to the ids' longest
    common prefix + ``*``. Partition, service, region and account are part of the container,
    so nothing widens across accounts or regions.

Every collapse is recorded (:class:`Generalization`: the action, the pattern, how many
resources it replaced, a few examples) so the report can say what was widened and why.
Patterns cover what they replace by construction: a pattern is a prefix of each replaced
resource followed by ``*`` (IAM's ``*`` matches any characters, ``/`` included).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import polars as pl

from policygen_batch import schema as s
from policygen_batch.synth.document import SynthError

#: How many replaced resources a :class:`Generalization` quotes.
EXAMPLES: Final = 3

# S3 object ARN: container = arn:…:s3:::<bucket>/, id = key.
_S3_OBJECT = r"(?s)^(arn:[^:]*:s3:::[^/]+/)(.*)$"
# A bucket ARN (or a pattern of bucket ARNs): never collapsed.
_S3_BUCKET = r"(?s)^arn:[^:]*:s3:::[^/]*$"
# Any other ARN: container = the first five fields + the resource part up to its last / or :.
_ARN = r"(?s)^(arn:[^:]*:[^:]*:[^:]*:[^:]*:(?:.*[/:])?)([^/:]*)$"

_CONTAINER: Final = "_gen_container"
_ID: Final = "_gen_id"
_IS_S3: Final = "_gen_s3"
_N: Final = "_gen_n"
_IDS: Final = "_gen_ids"
_PATTERN: Final = "_gen_pattern"


class GeneralizationKind(StrEnum):
    """Which rule widened a resource set."""

    S3_KEY_PREFIX = "s3_key_prefix"  # object keys of one bucket → directory prefix + *
    RESOURCE_ID_PREFIX = "resource_id_prefix"  # ids of one ARN container → common prefix + *


@dataclass(frozen=True, slots=True)
class GeneralizeOptions:
    """Thresholds of generalisation; ``None`` turns a rule off.

    A threshold is a number of distinct resources of one kind, per principal and action:
    *more* than it triggers the collapse.
    """

    s3_key_threshold: int | None = 20
    s3_max_prefixes: int = 1
    arn_threshold: int | None = 20

    def __post_init__(self) -> None:
        for name in ("s3_key_threshold", "arn_threshold"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise SynthError(f"{name} must be at least 1 (or None to disable), not {value}")
        if self.s3_max_prefixes < 1:
            raise SynthError(f"s3_max_prefixes must be at least 1, not {self.s3_max_prefixes}")


@dataclass(frozen=True, slots=True)
class Generalization:
    """One collapse: *replaced* distinct resources of *action* became *pattern*."""

    principal_arn: str
    action: str
    kind: GeneralizationKind
    pattern: str
    replaced: int
    examples: tuple[str, ...] = field(default=())

    def describe(self) -> str:
        """One line for a person: what was widened to what, and from how many."""
        shown = ", ".join(self.examples)
        more = ", …" if self.replaced > len(self.examples) else ""
        return (
            f"{self.action}: {self.replaced} resources generalised to {self.pattern} "
            f"({self.kind.value}; e.g. {shown}{more})"
        )


def common_prefix(texts: Sequence[str]) -> str:
    """The longest prefix shared by every one of *texts*, character by character."""
    if not texts:
        return ""
    low, high = min(texts), max(texts)
    n = 0
    while n < min(len(low), len(high)) and low[n] == high[n]:
        n += 1
    return low[:n]


def s3_key_patterns(keys: Sequence[str], max_prefixes: int) -> dict[str, str]:
    """Each key → the pattern (or the key itself) that stands for it after collapsing.

    Tries directory depths from the deepest down to the keys' common directory depth and
    keeps the deepest at which at most *max_prefixes* distinct entries remain. At depth
    ``d`` a key with at least ``d`` directory segments becomes ``<first d segments>/*``; a
    shallower key stays as it is. At the common depth every key becomes one pattern, so
    the search always ends.
    """
    dirs = {k: k.split("/")[:-1] for k in keys}
    common = 0
    lists = list(dirs.values())
    while all(len(d) > common for d in lists) and len({d[common] for d in lists}) == 1:
        common += 1
    deepest = max(len(d) for d in lists)

    def at(depth: int) -> dict[str, str]:
        out: dict[str, str] = {}
        for key, ds in dirs.items():
            if len(ds) >= depth:
                out[key] = "/".join(ds[:depth]) + ("/*" if depth else "*")
            else:
                out[key] = key
        return out

    for depth in range(deepest, common, -1):
        mapping = at(depth)
        if len(set(mapping.values())) <= max_prefixes:
            return mapping
    return at(common)


def _parsed(rows: pl.DataFrame) -> pl.DataFrame:
    res = pl.col(s.RESOURCE)
    s3_container = res.str.extract(_S3_OBJECT, 1)
    return rows.with_columns(
        pl.when(s3_container.is_not_null())
        .then(s3_container)
        .when(~res.str.contains(_S3_BUCKET))
        .then(res.str.extract(_ARN, 1))
        .alias(_CONTAINER),
        pl.when(s3_container.is_not_null())
        .then(res.str.extract(_S3_OBJECT, 2))
        .when(~res.str.contains(_S3_BUCKET))
        .then(res.str.extract(_ARN, 2))
        .alias(_ID),
        s3_container.is_not_null().alias(_IS_S3),
    )


def generalize(
    rows: pl.DataFrame, options: GeneralizeOptions
) -> tuple[pl.DataFrame, tuple[Generalization, ...]]:
    """Collapse many resources of one kind into prefix patterns, for all principals at once.

    *rows* has unique ``(principal_arn, action, resource)`` rows. Returns the rows with
    collapsed resources replaced by their pattern (unique again), and every collapse made,
    sorted by principal, action and pattern. Counting and grouping run in polars over all
    principals; only the groups over a threshold reach the (small) Python step.
    """
    key = [s.PRINCIPAL_ARN, s.ACTION, s.RESOURCE]
    if rows.is_empty() or (options.s3_key_threshold is None and options.arn_threshold is None):
        return rows.select(key), ()
    parsed = _parsed(rows.select(key))
    over = pl.lit(value=False)
    if options.s3_key_threshold is not None:
        over = over | (pl.col(_IS_S3) & (pl.col(_N) > options.s3_key_threshold))
    if options.arn_threshold is not None:
        over = over | (~pl.col(_IS_S3) & (pl.col(_N) > options.arn_threshold))
    groups = (
        parsed.filter(pl.col(_CONTAINER).is_not_null())
        .group_by(s.PRINCIPAL_ARN, s.ACTION, _CONTAINER, _IS_S3)
        .agg(pl.col(_ID).n_unique().alias(_N), pl.col(_ID).unique().sort().alias(_IDS))
        .filter(over)
        .sort(s.PRINCIPAL_ARN, s.ACTION, _CONTAINER)
    )
    if groups.is_empty():
        return rows.select(key).unique(), ()
    replace: dict[str, list[str]] = {s.PRINCIPAL_ARN: [], s.ACTION: [], _CONTAINER: [], _ID: []}
    replace[_PATTERN] = []
    found: list[Generalization] = []
    for principal, action, container, is_s3, _n, ids in groups.iter_rows():
        if is_s3:
            mapping = s3_key_patterns(ids, options.s3_max_prefixes)
            kind = GeneralizationKind.S3_KEY_PREFIX
        else:
            prefix = common_prefix(ids) + "*"
            mapping = dict.fromkeys(ids, prefix)
            kind = GeneralizationKind.RESOURCE_ID_PREFIX
        by_pattern: dict[str, list[str]] = {}
        for ident, pattern in mapping.items():
            if pattern == ident:
                continue
            by_pattern.setdefault(pattern, []).append(ident)
            for column, value in zip(
                (s.PRINCIPAL_ARN, s.ACTION, _CONTAINER, _ID, _PATTERN),
                (principal, action, container, ident, container + pattern),
                strict=True,
            ):
                replace[column].append(value)
        for pattern, replaced in sorted(by_pattern.items()):
            examples = tuple(container + r for r in sorted(replaced)[:EXAMPLES])
            found.append(
                Generalization(
                    principal, action, kind, container + pattern, len(replaced), examples
                )
            )
    table = pl.DataFrame(replace, schema=dict.fromkeys(replace, pl.String))
    widened = (
        parsed.join(table, on=[s.PRINCIPAL_ARN, s.ACTION, _CONTAINER, _ID], how="left")
        .select(
            s.PRINCIPAL_ARN,
            s.ACTION,
            pl.coalesce(_PATTERN, s.RESOURCE).alias(s.RESOURCE),
        )
        .unique()
    )
    found.sort(key=lambda g: (g.principal_arn, g.action, g.pattern))
    return widened, tuple(found)
