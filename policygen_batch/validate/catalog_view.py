"""What the validator needs to know about IAM, as a small protocol.

The checks ask a handful of questions (does this service exist, which actions does it have,
which resource types and ARN formats does an action accept, which condition keys does it
know). Keeping them behind :class:`CatalogView` lets the checks run against the project's
catalog (:func:`policygen_batch.validate.adapter.view_of`) and, in tests, against a handful of
hand-written facts.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class ActionFacts:
    """What the catalog says about one action."""

    service: str  # lower-case prefix
    name: str  # canonical spelling (``GetObject``)
    access_level: str
    resource_types: tuple[tuple[str, bool], ...]  # (resource type, required)
    condition_keys: frozenset[str] = field(default_factory=frozenset)  # lower-case

    @property
    def full_name(self) -> str:
        """``service:Action``."""
        return f"{self.service}:{self.name}"


class CatalogView(Protocol):
    """The questions the checks ask of the IAM catalog; every lookup ignores case."""

    def has_service(self, prefix: str) -> bool:
        """True when the service prefix exists."""
        ...

    def service_prefixes(self) -> Sequence[str]:
        """Every service prefix, lower case, sorted."""
        ...

    def actions(self, prefix: str) -> Sequence[ActionFacts]:
        """Every action of a service (empty for an unknown service)."""
        ...

    def action(self, prefix: str, name: str) -> ActionFacts | None:
        """One action, looked up without regard to case."""
        ...

    def resource_formats(self, prefix: str) -> Mapping[str, tuple[str, ...]]:
        """Resource type → ARN formats (``arn:${Partition}:s3:::${BucketName}``)."""
        ...

    def resource_condition_keys(self, prefix: str, resource_type: str) -> frozenset[str]:
        """Lower-case condition keys a resource type supports."""
        ...

    def arn_formats(self, arn_service: str) -> Sequence[tuple[str, str, str]]:
        """``(prefix, resource type, format)`` for formats whose ARN service field matches."""
        ...

    def condition_key_type(self, prefix: str, key: str) -> str | None:
        """The type of a service condition key (``String``, ``ArrayOfString`` …), or ``None``."""
        ...

    def condition_keys(self, prefix: str) -> Sequence[str]:
        """Every condition key of a service, as the catalog spells them."""
        ...


def arn_index(
    view: CatalogView, prefixes: Sequence[str]
) -> dict[str, tuple[tuple[str, str, str], ...]]:
    """ARN service field → ``(prefix, resource type, format)`` over the given services."""
    index: dict[str, list[tuple[str, str, str]]] = {}
    for prefix in prefixes:
        for rtype, formats in view.resource_formats(prefix).items():
            for fmt in formats:
                parts = fmt.split(":", 3)
                if len(parts) > 2:
                    index.setdefault(parts[2], []).append((prefix, rtype, fmt))
    return {k: tuple(v) for k, v in index.items()}


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, giving up (returning ``limit + 1``) once it exceeds *limit*."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def did_you_mean(word: str, candidates: Sequence[str], *, limit: int = 3) -> list[str]:
    """Close spellings of *word* among *candidates* (compared without case).

    Names one or two edits away come first (short service prefixes such as ``s4`` → ``s3``
    are too short for similarity ratios); then names that are similar as a whole.
    """
    by_lower = {c.lower(): c for c in candidates}
    target = word.lower()
    budget = 1 if len(target) <= 4 else 2
    near = sorted((d, c) for c in by_lower if (d := _edit_distance(target, c, budget)) <= budget)
    hits = [c for _, c in near]
    for c in difflib.get_close_matches(target, list(by_lower), n=limit, cutoff=0.75):
        if c not in hits:
            hits.append(c)
    return [by_lower[h] for h in hits[:limit]]


def key_matches_template(key: str, template: str) -> bool:
    """Whether a concrete key matches a catalog key with ``${TagKey}``-style parts."""
    key_l, tpl_l = key.lower(), template.lower()
    if "${" not in tpl_l:
        return key_l == tpl_l
    head, _, rest = tpl_l.partition("${")
    _, _, tail = rest.partition("}")
    return key_l.startswith(head) and key_l.endswith(tail) and len(key_l) > len(head) + len(tail)


@dataclass(frozen=True)
class MappingCatalogView:
    """A :class:`CatalogView` over plain mappings (tests, and small embedded catalogs).

    ``keys`` maps a service prefix to ``{key as spelled: type}``.
    """

    services: Mapping[str, Sequence[ActionFacts]]
    formats: Mapping[str, Mapping[str, tuple[str, ...]]] = field(default_factory=dict)
    keys: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    resource_keys: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def has_service(self, prefix: str) -> bool:
        """True when the service prefix exists."""
        return prefix.lower() in self.services

    def service_prefixes(self) -> Sequence[str]:
        """Every service prefix, sorted."""
        return sorted(self.services)

    def actions(self, prefix: str) -> Sequence[ActionFacts]:
        """Every action of a service."""
        return self.services.get(prefix.lower(), ())

    def action(self, prefix: str, name: str) -> ActionFacts | None:
        """One action, case-insensitively."""
        wanted = name.lower()
        return next((a for a in self.actions(prefix) if a.name.lower() == wanted), None)

    def resource_formats(self, prefix: str) -> Mapping[str, tuple[str, ...]]:
        """Resource type → ARN formats."""
        return self.formats.get(prefix.lower(), {})

    def resource_condition_keys(self, prefix: str, resource_type: str) -> frozenset[str]:
        """Condition keys of a resource type."""
        return self.resource_keys.get((prefix.lower(), resource_type), frozenset())

    def arn_formats(self, arn_service: str) -> Sequence[tuple[str, str, str]]:
        """Formats whose ARN service field is *arn_service*."""
        return arn_index(self, self.service_prefixes()).get(arn_service, ())

    def condition_key_type(self, prefix: str, key: str) -> str | None:
        """Type of a service condition key, templates (``${TagKey}``) included."""
        for template, kind in self.keys.get(prefix.lower(), {}).items():
            if key_matches_template(key, template):
                return kind
        return None

    def condition_keys(self, prefix: str) -> Sequence[str]:
        """Every condition key of a service."""
        return sorted(self.keys.get(prefix.lower(), {}))
