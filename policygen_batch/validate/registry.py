"""The shape of a check and the context every check reads.

A check is a small function ``Context → findings`` wrapped in a :class:`Check` that records
which issue codes it can emit, which policy types it applies to and whether it needs the
catalog. The :func:`check` decorator builds that wrapper; it registers nothing anywhere (the
registry is the immutable tuple assembled in :mod:`policygen_batch.validate.checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from policygen_batch.validate import patterns
from policygen_batch.validate.catalog_view import ActionFacts, CatalogView
from policygen_batch.validate.codes import CODES
from policygen_batch.validate.document import PolicyType, StatementView, statements
from policygen_batch.validate.findings import Finding

ALL_TYPES = frozenset(PolicyType)


@dataclass
class CatalogMemo:
    """Facts derived from the catalog view alone: action expansions, ARN reports, compiled
    ARN formats (each keyed by topic in :attr:`topics`).

    None of them depends on the document, so documents validated against the same view may
    share one memo (:func:`~policygen_batch.validate.checks.validate_policies` does): a run
    that validates a thousand policies naming the same ARNs analyses each ARN once.
    """

    expansions: dict[str, tuple[ActionFacts, ...] | None] = field(default_factory=dict)
    topics: dict[str, dict[Any, Any]] = field(default_factory=dict)


@dataclass
class Context:
    """One document under validation, with memoised catalog look-ups shared by the checks."""

    document: Any
    policy_type: PolicyType
    catalog: CatalogView | None
    statements: tuple[StatementView, ...] = ()
    #: Catalog-derived facts; shared with other documents validated against the same view.
    cache: CatalogMemo = field(default_factory=CatalogMemo)
    #: Facts derived from this document, computed by one check and read by others.
    local: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        document: Any,
        policy_type: PolicyType,
        catalog: CatalogView | None,
        cache: CatalogMemo | None = None,
    ) -> Context:
        """Build the context for *document* (*cache*: a memo shared with other documents
        validated against the same *catalog*; a fresh one when ``None``)."""
        memo = cache if cache is not None else CatalogMemo()
        return cls(document, policy_type, catalog, tuple(statements(document)), memo)

    @property
    def memo(self) -> dict[str, dict[Any, Any]]:
        """Memo for derived facts (ARN reports, compiled formats), keyed by topic."""
        return self.cache.topics

    def expand(self, pattern: str) -> tuple[ActionFacts, ...] | None:
        """Catalog actions an action pattern matches; ``None`` without a catalog.

        ``*`` and patterns with a wildcard in the service part search every service.
        """
        if self.catalog is None:
            return None
        key = pattern.lower()
        if key in self.cache.expansions:
            return self.cache.expansions[key]
        catalog = self.catalog
        prefix, sep, name = key.partition(":")
        if key == "*":
            prefixes: Sequence[str] = catalog.service_prefixes()
            name = "*"
        elif not sep:
            self.cache.expansions[key] = ()
            return ()
        elif patterns.has_wildcard(prefix):
            rx = patterns.to_regex(prefix, fold_case=True)
            prefixes = [p for p in catalog.service_prefixes() if rx.match(p)]
        else:
            prefixes = [prefix] if catalog.has_service(prefix) else []
        if not patterns.has_wildcard(name):
            found = [catalog.action(p, name) for p in prefixes]
            result = tuple(a for a in found if a is not None)
        else:
            rx = patterns.to_regex(name, fold_case=True)
            result = tuple(a for p in prefixes for a in catalog.actions(p) if rx.match(a.name))
        self.cache.expansions[key] = result
        return result


CheckFn = Callable[[Context], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    """A registered check: its function, the codes it emits and where it applies."""

    name: str
    codes: tuple[str, ...]
    policy_types: frozenset[PolicyType]
    needs_catalog: bool
    run: CheckFn
    summary: str

    def applies(self, policy_type: PolicyType, has_catalog: bool) -> bool:
        """Whether this check runs for a policy type (and the catalog at hand)."""
        return policy_type in self.policy_types and (has_catalog or not self.needs_catalog)


def check(
    *codes: str,
    policy_types: Iterable[PolicyType] = ALL_TYPES,
    needs_catalog: bool = False,
) -> Callable[[CheckFn], Check]:
    """Wrap a check function; its docstring's first line becomes the check's summary."""
    for code in codes:
        if code not in CODES:
            raise ValueError(f"undeclared issue code {code}")  # a bug in this package

    def wrap(fn: CheckFn) -> Check:
        doc = (fn.__doc__ or "").strip().splitlines()
        return Check(
            name=fn.__name__,
            codes=codes,
            policy_types=frozenset(policy_types),
            needs_catalog=needs_catalog,
            run=fn,
            summary=doc[0] if doc else fn.__name__,
        )

    return wrap
