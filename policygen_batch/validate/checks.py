"""The registry of policy checks and the functions that run them.

:func:`all_checks` returns the immutable registry (one :class:`~.registry.Check` per rule,
grouped by topic in the ``rules_*`` modules). :func:`validate_policy` runs every check that
applies to a document; it is the function ``generate`` calls for each policy it writes, and
:func:`validate_policy_text` is the same for text that may not even be JSON.

Reusing a catalog: building the view is cheap, but pass the same
:class:`~policygen_batch.validate.adapter.CatalogAdapter` (from :func:`catalog_view`) to many
calls so that what it derives per service is derived once.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policygen_batch.validate import (
    rules_catalog,
    rules_conditions,
    rules_grammar,
    rules_principals,
    rules_security,
)
from policygen_batch.validate.adapter import view_of
from policygen_batch.validate.catalog_view import CatalogView
from policygen_batch.validate.codes import make
from policygen_batch.validate.document import PolicyParseError, PolicyType, parse_policy_text
from policygen_batch.validate.findings import Finding, sort_findings
from policygen_batch.validate.registry import CatalogMemo, Check, Context


def all_checks() -> tuple[Check, ...]:
    """Every registered check, in a stable order (grammar first, redundancy last)."""
    found: list[Check] = []
    for module in (
        rules_grammar,
        rules_principals,
        rules_catalog,
        rules_conditions,
        rules_security,
    ):
        found.extend(v for v in vars(module).values() if isinstance(v, Check))
    return tuple(found)


def catalog_view(catalog: object) -> CatalogView | None:
    """The view the checks use, from a project ``Catalog`` (or a view, or ``None``)."""
    return view_of(catalog)


def validate_policy(
    document: Any,
    policy_type: PolicyType | str = PolicyType.IDENTITY,
    catalog: object = None,
) -> list[Finding]:
    """Findings for a parsed policy document, sorted by statement, severity and code.

    *catalog* is a :class:`policygen_batch.catalog.model.Catalog`, a
    :class:`~policygen_batch.validate.catalog_view.CatalogView`, or ``None`` (then the
    checks that need the catalog are skipped).
    """
    return validate_policies([document], policy_type, catalog)[0]


def validate_policies(
    documents: Sequence[Any],
    policy_type: PolicyType | str = PolicyType.IDENTITY,
    catalog: object = None,
) -> list[list[Finding]]:
    """:func:`validate_policy` for each document, in order, against one catalog.

    The same findings as one call per document; what the checks derive from the catalog
    alone (action expansions, the analysis of each ARN) is derived once for all documents,
    since generated policies name the same ARNs and actions over and over.
    """
    ptype = policy_type if isinstance(policy_type, PolicyType) else PolicyType.parse(policy_type)
    view = view_of(catalog)
    checks = [chk for chk in all_checks() if chk.applies(ptype, view is not None)]
    cache = CatalogMemo()
    results: list[list[Finding]] = []
    for document in documents:
        ctx = Context.of(document, ptype, view, cache)
        findings: list[Finding] = []
        for chk in checks:
            findings.extend(chk.run(ctx))
        results.append(sort_findings(findings))
    return results


def validate_policy_text(
    text: str | bytes,
    policy_type: PolicyType | str = PolicyType.IDENTITY,
    catalog: object = None,
) -> list[Finding]:
    """Like :func:`validate_policy` for policy text; bad JSON is a ``JSON_SYNTAX_ERROR``."""
    try:
        document = parse_policy_text(text)
    except PolicyParseError as exc:
        return [
            make(
                "JSON_SYNTAX_ERROR",
                f"Fix the JSON syntax error at line {exc.line} column {exc.column}: {exc}.",
            )
        ]
    return validate_policy(document, policy_type, catalog)
