"""Aggregated usage of every principal → least-privilege IAM policy documents.

Input contract — a polars DataFrame of aggregated usage, one row per
(principal, action, resource, status), as the aggregate stage produces it:

==================  =================  ==========================================================
column              type               meaning
==================  =================  ==========================================================
``principal_arn``   str                the role or user the policy is for (schema.PRINCIPAL_ARN)
``action``          str                canonical IAM action, ``s3:GetObject`` (schema.ACTION)
``resource``        str or null        an ARN, an ARN pattern (``*``/``?``), or ``*`` when the
                                       action supports no resource-level permission; null when
                                       the events did not name it (schema.RESOURCE)
``status``          str                ``allowed`` | ``implied`` | ``denied`` (schema.STATUS);
                                       other values are ignored
``count``           int                events behind the row (schema.USAGE_COUNT)
``first_seen``      datetime (UTC)     earliest event (schema.FIRST_SEEN)
``last_seen``       datetime (UTC)     latest event (schema.LAST_SEEN)
==================  =================  ==========================================================

Only the first four are read; the others may be present (and are, in the aggregate stage's
table) and are left alone. Extra columns are ignored.

What comes out, per principal (:class:`PrincipalPolicies`):

* ``allowed`` and ``implied`` rows (``iam:PassRole`` is never logged but needed) are granted;
  ``denied`` rows only with ``include_denied``;
* a null resource is granted on ``*`` (``unknown_resource="wildcard"``, with a note naming the
  actions, so recall stays whole) or left out (``"skip"``);
* resources are generalised past configurable thresholds (:mod:`.generalize`), then, per
  action, resources another resource of the same action already covers are dropped;
* actions with exactly the same resource set, of one service, share a statement (so the
  ``*``-only actions of a service are one statement);
* the statements are split into documents within the size quota (:mod:`.split`); shapes, Sids
  and canonical JSON are those of :mod:`.document`.

Deterministic: the result depends only on the *set* of input rows, never on their order,
and serialises to byte-identical JSON. No I/O happens here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

import polars as pl

from policygen_batch import schema as s
from policygen_batch.synth.document import (
    PolicyDocument,
    Statement,
    SynthError,
    service_of,
)
from policygen_batch.synth.generalize import Generalization, GeneralizeOptions, generalize
from policygen_batch.synth.split import SplitOptions, split_policy

#: The columns synthesis reads; the rest of the usage contract is carried, not needed.
REQUIRED_COLUMNS: Final = (s.PRINCIPAL_ARN, s.ACTION, s.RESOURCE, s.STATUS)
WILDCARD: Final = "*"

_ACTION_SHAPE = r"^[A-Za-z0-9-]+:[A-Za-z0-9_.*?-]+$"
_RESOURCE_SHAPE = r"(?s)^(\*|arn:.+)$"
_RESOURCES: Final = "_synth_resources"


class UnknownResource(StrEnum):
    """What to grant when the events did not name the resource of a used action."""

    WILDCARD = "wildcard"  # grant on "*" and say so: the principal keeps working
    SKIP = "skip"  # grant nothing for those rows and say so: strictest, may break the workload


@dataclass(frozen=True, slots=True)
class SynthOptions:
    """How policies are shaped; every field has the conservative default."""

    include_denied: bool = False
    unknown_resource: UnknownResource = UnknownResource.WILDCARD
    generalize: GeneralizeOptions = field(default_factory=GeneralizeOptions)
    split: SplitOptions = field(default_factory=SplitOptions)


@dataclass(frozen=True, slots=True)
class PrincipalPolicies:
    """The documents of one principal and everything a report should say about them.

    ``documents`` is empty when the principal used nothing grantable (only denied calls,
    say): IAM rejects an empty statement list, so no document is made.
    """

    principal_arn: str
    documents: tuple[PolicyDocument, ...]
    generalizations: tuple[Generalization, ...] = ()
    unknown_resource_actions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


def _check_columns(usage: pl.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in usage.columns]
    if missing:
        raise SynthError(f"usage lacks the columns {missing} (has {usage.columns})")


def _check_rows(granted: pl.DataFrame) -> None:
    """Rows that would reach a policy must have IAM-shaped actions and resources."""
    bad_action = granted.filter(~pl.col(s.ACTION).fill_null("").str.contains(_ACTION_SHAPE))
    if not bad_action.is_empty():
        row = bad_action.row(0, named=True)
        raise SynthError(
            f"{row[s.PRINCIPAL_ARN]}: action {row[s.ACTION]!r} is not service:Action "
            f"({bad_action.height} such rows)"
        )
    bad_resource = granted.filter(
        pl.col(s.RESOURCE).is_not_null() & ~pl.col(s.RESOURCE).str.contains(_RESOURCE_SHAPE)
    )
    if not bad_resource.is_empty():
        row = bad_resource.row(0, named=True)
        raise SynthError(
            f"{row[s.PRINCIPAL_ARN]}: resource {row[s.RESOURCE]!r} of {row[s.ACTION]} is "
            f"neither an ARN nor '*' ({bad_resource.height} such rows)"
        )


def _wildcard_regex(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL)


def prune_covered(resources: Iterable[str]) -> tuple[str, ...]:
    """*resources* without those another one of them already covers, sorted.

    ``*`` covers everything; a ``<literal prefix>*`` pattern covers anything starting with
    that prefix (patterns included); any pattern covers the literal ARNs it matches. Other
    pattern-in-pattern cases are kept: both stay, which is redundant but never wrong.
    """
    unique = sorted(set(resources))
    if WILDCARD in unique:
        return (WILDCARD,)
    patterns = {r for r in unique if "*" in r or "?" in r}
    if not patterns:
        return tuple(unique)
    prefix_patterns = {p for p in patterns if "*" not in p[:-1] and "?" not in p and p[-1] == "*"}
    prefixes = [p[:-1] for p in sorted(prefix_patterns)]
    # A prefix pattern matches exactly what starts with its prefix, which the prefix test
    # already drops; only the other patterns need a regular expression (compiling one per
    # pattern was a third of synthesis).
    regexes = [_wildcard_regex(p) for p in sorted(patterns - prefix_patterns)]
    kept: list[str] = []
    for r in unique:
        if any(r != pre + "*" and r.startswith(pre) for pre in prefixes):
            continue
        if r not in patterns and any(rx.fullmatch(r) for rx in regexes):
            continue
        kept.append(r)
    return tuple(kept)


def statements_of(resources_by_action: Mapping[str, Iterable[str]]) -> list[Statement]:
    """One statement per (service, identical resource set), sorted."""
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for action, resources in resources_by_action.items():
        key = (service_of(action), prune_covered(resources))
        groups.setdefault(key, []).append(action)
    stmts = [Statement.of(actions, res) for (_svc, res), actions in groups.items()]
    return sorted(stmts, key=lambda st: st.sort_key)


def synthesize(
    usage: pl.DataFrame, options: SynthOptions | None = None
) -> dict[str, PrincipalPolicies]:
    """Policies for every principal in *usage* (see the module docstring), keyed by ARN.

    Every principal that has a row appears in the result, in ARN order — also one whose
    rows grant nothing (its ``documents`` are then empty).
    """
    opts = options if options is not None else SynthOptions()
    _check_columns(usage)
    usage = usage.filter(pl.col(s.PRINCIPAL_ARN).is_not_null())
    principals = usage.get_column(s.PRINCIPAL_ARN).unique().sort().to_list()
    statuses = [s.MappingStatus.ALLOWED, s.MappingStatus.IMPLIED]
    if opts.include_denied:
        statuses.append(s.MappingStatus.DENIED)
    rows = usage.filter(pl.col(s.STATUS).is_in(statuses)).select(
        s.PRINCIPAL_ARN, s.ACTION, s.RESOURCE
    )
    _check_rows(rows)
    unknown = (
        rows.filter(pl.col(s.RESOURCE).is_null())
        .group_by(s.PRINCIPAL_ARN)
        .agg(pl.col(s.ACTION).unique().sort())
    )
    unknown_by = {p: tuple(a) for p, a in unknown.iter_rows()}
    if opts.unknown_resource is UnknownResource.WILDCARD:
        rows = rows.with_columns(pl.col(s.RESOURCE).fill_null(WILDCARD))
    else:
        rows = rows.filter(pl.col(s.RESOURCE).is_not_null())
    widened, generalizations = generalize(rows.unique(), opts.generalize)
    per_action = widened.group_by(s.PRINCIPAL_ARN, s.ACTION).agg(
        pl.col(s.RESOURCE).unique().alias(_RESOURCES)
    )
    by_principal: dict[str, dict[str, list[str]]] = {}
    for principal, action, resources in per_action.iter_rows():
        by_principal.setdefault(principal, {})[action] = resources
    gens_by: dict[str, list[Generalization]] = {}
    for g in generalizations:
        gens_by.setdefault(g.principal_arn, []).append(g)
    result: dict[str, PrincipalPolicies] = {}
    for principal in principals:
        split = split_policy(principal, statements_of(by_principal.get(principal, {})), opts.split)
        gens = tuple(gens_by.get(principal, ()))
        unknown_actions = unknown_by.get(principal, ())
        notes = [g.describe() for g in gens]
        if unknown_actions:
            verb = (
                "granted on *"
                if opts.unknown_resource is UnknownResource.WILDCARD
                else "not granted"
            )
            notes.append(f"resource not named by the events, {verb}: {', '.join(unknown_actions)}")
        notes.extend(split.notes)
        if not split.documents:
            notes.append("nothing to grant (no allowed or implied use): no policy document")
        result[principal] = PrincipalPolicies(
            principal, split.documents, gens, unknown_actions, tuple(notes)
        )
    return result
