"""What every user and role is granted today, from IAM authorization snapshots.

The unused-permission report is *granted − used*; this module computes the *granted* half for
all principals of all accounts at once (ARCHITECTURE §2, "report"; issue 5). Snapshots are
read by :mod:`policygen_batch.aggregate.authz`; here each principal's policies are evaluated
at the level of actions:

1. **identity policies**: its inline policies, the default version of each attached managed
   policy, and — for a user — the inline and managed policies of its groups;
2. **granted** = union of the ``Allow`` statements' actions: ``Action`` patterns expanded
   through the catalog (``s3:Get*``, ``*``; case-insensitive; canonical names out), and for
   ``NotAction`` every catalog action but the ones it names;
3. **minus explicit Deny at action level**: a ``Deny`` on ``Resource: "*"`` with no
   ``Condition`` removes its actions. A Deny scoped by resource (or ``NotResource``) or by a
   condition is *not* applied — whether it bites depends on the request — and the action is
   kept with :data:`~policygen_batch.schema.PARTIAL_DENY` set, naming the statement;
4. **intersected with the permission boundary**, when the principal has one: an action stays
   only if the boundary allows it too (the boundary's own Denies count as Denies).

The scope of each grant is kept (:class:`~policygen_batch.schema.GrantScope`): on ``*``, on
all but some ARNs (``NotResource``), on specific ARNs (listed), or only under a condition;
with a boundary the effective scope is the narrower of the two. Service control policies,
resource policies and session policies are not in a snapshot and are not evaluated: the result
is what the identity's own policies would allow, an upper bound of what it can do.

The work is one polars plan over (principal → statement) links joined to (statement → action)
expansions; a distinct statement is expanded once however many principals share it, and a
distinct pattern once per run (``*`` is ~22,000 actions).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final

import polars as pl

from policygen_batch import schema as s
from policygen_batch.aggregate.authz import (
    PolicyDocument,
    Snapshot,
    SnapshotPrincipal,
    Statement,
    read_snapshots,
)
from policygen_batch.catalog.model import Catalog

#: Scope ranks, broadest highest: a principal's grant of an action has the highest rank of the
#: statements allowing it; a boundary narrows it to the lower of the two.
_RANK: Final = {
    s.GrantScope.ALL: 3,
    s.GrantScope.ALL_EXCEPT: 2,
    s.GrantScope.RESOURCES: 1,
    s.GrantScope.CONDITIONAL: 0,
}
_SCOPE_OF_RANK: Final = {rank: scope for scope, rank in _RANK.items()}
_IDENTITY: Final = "identity"
_BOUNDARY: Final = "boundary"
# working columns (never leave this module)
_STMT: Final = "_stmt"
_LAYER: Final = "_layer"
_LABEL: Final = "_label"
_EFFECT: Final = "_effect"
_RANK_COL: Final = "_rank"
_RES: Final = "_resources"
_COND: Final = "_condition"
_B_RANK: Final = "_boundary_rank"
_HAS_BOUNDARY: Final = "_has_boundary"
_IN_BOUNDARY: Final = "_in_boundary"
_LINK: Final = "_link"
_PRINCIPAL: Final = "_principal"  # a principal's code (its position in the snapshot)
_ACT: Final = "_action"  # an action's code (its position in the sorted catalog)

_LIST: Final[pl.DataType] = pl.List(pl.String)
#: Schema of :attr:`Grants.frame` (columns in :data:`policygen_batch.schema.GRANTS_COLUMNS`).
GRANTS_SCHEMA: Final = pl.Schema(
    [
        (s.PRINCIPAL_ARN, pl.String()),
        (s.PRINCIPAL_TYPE, pl.String()),
        (s.PRINCIPAL_ACCOUNT, pl.String()),
        (s.ACTION, pl.String()),
        (s.GRANT_SERVICE, pl.String()),
        (s.GRANT_SCOPE, pl.String()),
        (s.GRANT_RESOURCES, _LIST),
        (s.GRANT_NOT_RESOURCES, _LIST),
        (s.GRANT_CONDITIONS, _LIST),
        (s.GRANT_SOURCES, _LIST),
        (s.BOUNDARY_SCOPE, pl.String()),
        (s.BOUNDARY_RESOURCES, _LIST),
        (s.PARTIAL_DENY, pl.Boolean()),
        (s.PARTIAL_DENY_SOURCES, _LIST),
    ]
)


@dataclass(frozen=True, slots=True)
class PrincipalGrants:
    """One user or role: what its snapshot says (``principal``) and notes from the evaluation.

    ``principal`` carries arn, kind, account, path, name, create date, inline and attached
    policies, groups, boundary, trust policy, RoleLastUsed and — only when someone enriched
    the file — access keys (a real export never lists them: ``access_keys`` is None).
    """

    principal: SnapshotPrincipal
    granted_count: int
    #: ``group:<name>/inline:<policy>`` and ``group:<name>/managed:<arn>`` labels (users).
    group_policies: tuple[str, ...]
    #: False when there is no boundary, or when its document is missing from the snapshot
    #: (then it could not be applied: the grants are an over-estimate, see missing_policies).
    boundary_applied: bool
    #: Managed policies (attached, via a group, or the boundary) absent from the snapshot.
    missing_policies: tuple[str, ...]
    missing_groups: tuple[str, ...]
    #: Action patterns of its policies that name no catalog action (typos, retired actions).
    unknown_patterns: tuple[str, ...]
    #: Statements or documents that could not be understood (``<policy label>: <problem>``).
    problems: tuple[str, ...]

    @property
    def arn(self) -> str:
        """The principal's ARN (with its path)."""
        return self.principal.arn


@dataclass(frozen=True)
class Grants:
    """The granted actions of every principal of the snapshots.

    ``frame`` has one row per (principal, granted action), columns
    :data:`policygen_batch.schema.GRANTS_COLUMNS`, sorted by principal then action;
    ``principals`` holds every user and role of the snapshots, granted anything or not.
    """

    frame: pl.DataFrame
    principals: Mapping[str, PrincipalGrants]
    catalog_version: str
    sources: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def accounts(self) -> tuple[str, ...]:
        """Accounts that have at least one user or role in the snapshots, sorted."""
        return tuple(sorted({p.principal.account for p in self.principals.values()}))

    def actions_of(self, arn: str) -> frozenset[str]:
        """The canonical names of the actions ``arn`` is granted (empty if unknown)."""
        rows = self.frame.filter(pl.col(s.PRINCIPAL_ARN) == arn)
        return frozenset(rows.get_column(s.ACTION).to_list())

    def granted_sets(self) -> dict[str, frozenset[str]]:
        """Every principal's granted actions, principals with none included (empty set)."""
        found: dict[str, frozenset[str]] = dict.fromkeys(self.principals, frozenset())
        grouped = self.frame.group_by(s.PRINCIPAL_ARN).agg(pl.col(s.ACTION))
        for arn, actions in grouped.iter_rows():
            found[arn] = frozenset(actions)
        return found


def load_grants(paths: Iterable[Path], catalog: Catalog) -> Grants:
    """Read the snapshots under ``paths`` (files or folders) and evaluate every principal."""
    return evaluate_grants(read_snapshots(paths), catalog)


# --------------------------------------------------------------------------- expansion


class _Expander:
    """Statement → granted actions, cached per pattern and per statement for one run."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._patterns: dict[str, frozenset[str]] = {}
        self._statements: dict[Statement, tuple[frozenset[str], tuple[str, ...]]] = {}
        self._all: frozenset[str] | None = None

    def pattern(self, pattern: str) -> frozenset[str]:
        found = self._patterns.get(pattern)
        if found is None:
            found = frozenset(a.full_name for a in self._catalog.expand(pattern.strip()))
            self._patterns[pattern] = found
        return found

    def every_action(self) -> frozenset[str]:
        if self._all is None:
            self._all = self.pattern("*")
        return self._all

    def statement(self, st: Statement) -> tuple[frozenset[str], tuple[str, ...]]:
        """The actions a statement names (complemented for NotAction) and its unknown patterns."""
        found = self._statements.get(st)
        if found is None:
            named: set[str] = set()
            unknown: list[str] = []
            for pattern in st.actions:
                actions = self.pattern(pattern)
                if not actions:
                    unknown.append(pattern)
                named |= actions
            covered = self.every_action() - named if st.not_action else frozenset(named)
            found = (covered, tuple(unknown))
            self._statements[st] = found
        return found


def _rank(st: Statement) -> int:
    if st.condition is not None:
        return _RANK[s.GrantScope.CONDITIONAL]
    if st.not_resource:
        return _RANK[s.GrantScope.ALL_EXCEPT]
    if "*" in st.resources:
        return _RANK[s.GrantScope.ALL]
    return _RANK[s.GrantScope.RESOURCES]


# --------------------------------------------------------------------------- links


@dataclass(slots=True)
class _Links:
    """Rows of the (principal → statement) table, and the distinct statements."""

    statements: dict[Statement, int]
    principal: list[str]
    stmt: list[int]
    layer: list[str]
    label: list[str]

    def add(self, arn: str, layer: str, label: str, document: PolicyDocument) -> None:
        for index, st in enumerate(document.statements):
            sid = self.statements.setdefault(st, len(self.statements))
            self.principal.append(arn)
            self.stmt.append(sid)
            self.layer.append(layer)
            self.label.append(f"{label}#{st.sid or index}")


@dataclass(slots=True)
class _Notes:
    """Per-principal notes gathered while linking its policies."""

    group_policies: list[str]
    missing_policies: list[str]
    missing_groups: list[str]
    problems: list[str]
    boundary_applied: bool = False


def _link_principal(snapshot: Snapshot, p: SnapshotPrincipal, links: _Links) -> _Notes:
    notes = _Notes([], [], [], [])

    def add(layer: str, label: str, document: PolicyDocument | None, missing: str) -> bool:
        if document is None:
            notes.missing_policies.append(missing)
            return False
        notes.problems.extend(f"{label}: {problem}" for problem in document.problems)
        links.add(p.arn, layer, label, document)
        return True

    def managed(layer: str, prefix: str, arn: str) -> bool:
        policy = snapshot.policies.get(arn)
        document = None if policy is None else policy.document
        return add(layer, f"{prefix}managed:{arn}", document, arn)

    for inline in p.inline:
        add(_IDENTITY, f"inline:{inline.name}", inline.document, "")
    for attached in p.attached:
        managed(_IDENTITY, "", attached.arn)
    for name in p.groups:
        group = snapshot.group(p.account, name)
        if group is None:
            notes.missing_groups.append(name)
            continue
        for inline in group.inline:
            label = f"group:{name}/inline:{inline.name}"
            notes.group_policies.append(label)
            add(_IDENTITY, label, inline.document, "")
        for attached in group.attached:
            notes.group_policies.append(f"group:{name}/managed:{attached.arn}")
            managed(_IDENTITY, f"group:{name}/", attached.arn)
    if p.boundary_arn is not None:
        notes.boundary_applied = managed(_BOUNDARY, "boundary:", p.boundary_arn)
    return notes


# --------------------------------------------------------------------------- evaluation


def _sorted_unique(expr: pl.Expr) -> pl.Expr:
    return expr.drop_nulls().unique().sort()


def _allowed(rows: pl.LazyFrame, layer: str) -> pl.LazyFrame:
    """(principal, action) → best rank and its resources, conditions and sources in a layer."""
    allow = rows.filter((pl.col(_LAYER) == layer) & (pl.col(_EFFECT) == "Allow"))
    resources_of = pl.col(_RES).filter(pl.col(_RANK_COL) == _RANK[s.GrantScope.RESOURCES])
    except_of = pl.col(_RES).filter(pl.col(_RANK_COL) == _RANK[s.GrantScope.ALL_EXCEPT])
    return allow.group_by(s.PRINCIPAL_ARN, s.ACTION).agg(
        pl.col(_RANK_COL).max(),
        _sorted_unique(resources_of.explode()).alias(s.GRANT_RESOURCES),
        _sorted_unique(except_of.explode()).alias(s.GRANT_NOT_RESOURCES),
        _sorted_unique(pl.col(_COND)).alias(s.GRANT_CONDITIONS),
        _sorted_unique(pl.col(_LABEL).str.replace(r"#[^#]*$", "")).alias(s.GRANT_SOURCES),
    )


def _live_rows(linked: pl.LazyFrame, expansion: pl.LazyFrame, bounded: list[int]) -> pl.LazyFrame:
    """The links joined to their statements' actions (``_ACT`` codes), only for the pairs
    (principal, action) that no full Deny removes and, for a principal with a boundary
    (``_PRINCIPAL`` code in *bounded*), that the boundary allows.

    A broad Allow or a NotAction Deny expands to ~22,000 actions per principal; expanding
    every link with all its columns, aggregating, and only then dropping the denied or
    out-of-bounds pairs took 4.5 s and 1.7 GB for the 1M corpus's snapshots, whose grants
    are 40,000 rows. So the pairs are dropped first, on integer codes, and the links' other
    columns joined to the rows that remain. What is looked up for those pairs (partial
    denies, the boundary's scope) is unchanged, so the grants are too.
    """
    key = [_PRINCIPAL, _ACT]

    def pairs(selected: pl.Expr) -> pl.LazyFrame:
        """The distinct (principal, action) codes of the *selected* statements' links."""
        return linked.filter(selected).join(expansion, on=_STMT).select(key).unique()

    full = pl.col(_RANK_COL) == _RANK[s.GrantScope.ALL]
    denied = pairs((pl.col(_EFFECT) == "Deny") & full)
    allowed_by_boundary = pairs((pl.col(_LAYER) == _BOUNDARY) & (pl.col(_EFFECT) == "Allow"))
    numbered = linked.with_row_index(_LINK)
    return (
        numbered.select(_LINK, _PRINCIPAL, _STMT)
        .join(expansion, on=_STMT)
        .join(denied, on=key, how="anti")
        .join(
            allowed_by_boundary.with_columns(pl.lit(True).alias(_IN_BOUNDARY)), on=key, how="left"
        )
        .filter(~pl.col(_PRINCIPAL).is_in(bounded) | pl.col(_IN_BOUNDARY).is_not_null())
        .select(_LINK, _ACT)
        .join(numbered, on=_LINK)
        .drop(_LINK)
    )


def evaluate_grants(snapshot: Snapshot, catalog: Catalog) -> Grants:
    """Evaluate every user and role of ``snapshot`` (see the module docstring for the rules)."""
    expander = _Expander(catalog)
    links = _Links({}, [], [], [], [])
    notes = {arn: _link_principal(snapshot, p, links) for arn, p in snapshot.principals.items()}

    stmt_ids: list[int] = []
    stmt_actions: list[int] = []  # codes: positions in action_names
    action_names = sorted(expander.every_action())
    action_code = {name: code for code, name in enumerate(action_names)}
    unknown_by_stmt: dict[int, tuple[str, ...]] = {}
    for st, sid in links.statements.items():
        actions, unknown = expander.statement(st)
        stmt_ids.extend([sid] * len(actions))
        stmt_actions.extend(action_code[a] for a in sorted(actions))
        if unknown:
            unknown_by_stmt[sid] = unknown
    ordered = sorted(links.statements.items(), key=lambda item: item[1])
    statements = pl.LazyFrame(
        {
            _STMT: [sid for _, sid in ordered],
            _EFFECT: [st.effect for st, _ in ordered],
            _RANK_COL: [_rank(st) for st, _ in ordered],
            _RES: [list(st.resources) for st, _ in ordered],
            _COND: [st.condition for st, _ in ordered],
        },
        schema={_STMT: pl.UInt32, _EFFECT: pl.String, _RANK_COL: pl.Int8, _RES: _LIST,
                _COND: pl.String},
    )  # fmt: skip
    expansion = pl.LazyFrame(
        {_STMT: stmt_ids, _ACT: stmt_actions}, schema={_STMT: pl.UInt32, _ACT: pl.UInt32}
    )
    principal_code = {arn: code for code, arn in enumerate(snapshot.principals)}
    link_frame = pl.LazyFrame(
        {
            s.PRINCIPAL_ARN: links.principal,
            _PRINCIPAL: [principal_code[arn] for arn in links.principal],
            _STMT: links.stmt,
            _LAYER: links.layer,
            _LABEL: links.label,
        },
        schema={s.PRINCIPAL_ARN: pl.String, _PRINCIPAL: pl.UInt32, _STMT: pl.UInt32,
                _LAYER: pl.String, _LABEL: pl.String},
    )  # fmt: skip
    linked = link_frame.join(statements, on=_STMT)
    bounded = [principal_code[a] for a in snapshot.principals if notes[a].boundary_applied]
    names = pl.LazyFrame(
        {_ACT: range(len(action_names)), s.ACTION: action_names},
        schema={_ACT: pl.UInt32, s.ACTION: pl.String},
    )
    rows = (
        _live_rows(linked, expansion, bounded)
        .join(names, on=_ACT)
        .drop(_ACT, _PRINCIPAL)
        .collect()  # read three times below
        .lazy()
    )
    full = pl.col(_RANK_COL) == _RANK[s.GrantScope.ALL]
    partial_deny = (
        rows.filter((pl.col(_EFFECT) == "Deny") & ~full)
        .group_by(s.PRINCIPAL_ARN, s.ACTION)
        .agg(_sorted_unique(pl.col(_LABEL)).alias(s.PARTIAL_DENY_SOURCES))
    )
    boundary = _allowed(rows, _BOUNDARY).select(
        s.PRINCIPAL_ARN,
        s.ACTION,
        pl.col(_RANK_COL).alias(_B_RANK),
        pl.col(s.GRANT_RESOURCES).alias(s.BOUNDARY_RESOURCES),
    )
    principals = pl.LazyFrame(
        {
            s.PRINCIPAL_ARN: list(snapshot.principals),
            s.PRINCIPAL_TYPE: [p.kind for p in snapshot.principals.values()],
            s.PRINCIPAL_ACCOUNT: [p.account for p in snapshot.principals.values()],
            _HAS_BOUNDARY: [notes[arn].boundary_applied for arn in snapshot.principals],
        },
        schema={s.PRINCIPAL_ARN: pl.String, s.PRINCIPAL_TYPE: pl.String,
                s.PRINCIPAL_ACCOUNT: pl.String, _HAS_BOUNDARY: pl.Boolean},
    )  # fmt: skip
    scope_names = pl.Series(list(_SCOPE_OF_RANK.values()), dtype=pl.String)
    scope_ranks = pl.Series(list(_SCOPE_OF_RANK), dtype=pl.Int8)
    granted = (
        _allowed(rows, _IDENTITY)
        .join(principals, on=s.PRINCIPAL_ARN)
        .join(boundary, on=[s.PRINCIPAL_ARN, s.ACTION], how="left")
        .filter(~pl.col(_HAS_BOUNDARY) | pl.col(_B_RANK).is_not_null())
        .join(partial_deny, on=[s.PRINCIPAL_ARN, s.ACTION], how="left")
        .with_columns(
            pl.min_horizontal(_RANK_COL, _B_RANK)
            .replace_strict(scope_ranks, scope_names)
            .alias(s.GRANT_SCOPE),
            pl.col(_B_RANK).replace_strict(scope_ranks, scope_names).alias(s.BOUNDARY_SCOPE),
            pl.col(s.ACTION).str.split(":").list.first().alias(s.GRANT_SERVICE),
            pl.col(s.PARTIAL_DENY_SOURCES).is_not_null().alias(s.PARTIAL_DENY),
            pl.col(s.PARTIAL_DENY_SOURCES).fill_null(pl.lit([], dtype=_LIST)),
            pl.col(s.BOUNDARY_RESOURCES).fill_null(pl.lit([], dtype=_LIST)),
        )
        .select(list(s.GRANTS_COLUMNS))
        .sort(s.PRINCIPAL_ARN, s.ACTION)
    )
    frame = granted.collect().cast(GRANTS_SCHEMA)
    counts = dict(frame.group_by(s.PRINCIPAL_ARN).len().iter_rows())

    unknown_of: dict[str, set[str]] = {}
    for arn, sid in zip(links.principal, links.stmt, strict=True):
        if sid in unknown_by_stmt:
            unknown_of.setdefault(arn, set()).update(unknown_by_stmt[sid])
    result = {
        arn: _describe(p, notes[arn], counts.get(arn, 0), sorted(unknown_of.get(arn, ())))
        for arn, p in snapshot.principals.items()
    }
    return Grants(
        frame=frame,
        principals=MappingProxyType(result),
        catalog_version=catalog.version,
        sources=snapshot.sources,
        warnings=snapshot.warnings,
    )


def _describe(
    p: SnapshotPrincipal, notes: _Notes, granted: int, unknown: list[str]
) -> PrincipalGrants:
    return PrincipalGrants(
        principal=p,
        granted_count=granted,
        group_policies=tuple(notes.group_policies),
        boundary_applied=notes.boundary_applied,
        missing_policies=tuple(sorted(set(notes.missing_policies))),
        missing_groups=tuple(notes.missing_groups),
        unknown_patterns=tuple(unknown),
        problems=tuple(notes.problems),
    )
