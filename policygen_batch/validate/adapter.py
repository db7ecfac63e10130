"""The project's IAM catalog seen through the validator's ``CatalogView`` protocol.

The adapter is cheap to build (nothing is computed up front) and memoises what it derives per
service, so ``generate`` can build one per run and validate thousands of policies with it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from policygen_batch.validate.catalog_view import (
    ActionFacts,
    CatalogView,
    arn_index,
    key_matches_template,
)

if TYPE_CHECKING:
    from policygen_batch.catalog.model import Action, Catalog, Service


class CatalogAdapter:
    """A :class:`CatalogView` over a :class:`policygen_batch.catalog.model.Catalog`."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog
        self._actions: dict[str, tuple[ActionFacts, ...]] = {}
        self._by_name: dict[str, dict[str, ActionFacts]] = {}
        self._formats: dict[str, Mapping[str, tuple[str, ...]]] = {}
        self._prefixes: tuple[str, ...] | None = None
        self._arn_index: dict[str, tuple[tuple[str, str, str], ...]] | None = None

    @property
    def catalog(self) -> Catalog:
        """The wrapped catalog."""
        return self._catalog

    def _service(self, prefix: str) -> Service | None:
        return self._catalog.service(prefix)

    def has_service(self, prefix: str) -> bool:
        """True when the service prefix exists."""
        return self._service(prefix) is not None

    def service_prefixes(self) -> Sequence[str]:
        """Every service prefix, sorted."""
        if self._prefixes is None:
            self._prefixes = tuple(sorted(self._catalog.services))
        return self._prefixes

    def _facts(self, service: Service, action: Action) -> ActionFacts:
        keys = {k.lower() for k in action.condition_keys}
        for use in action.resource_types:
            keys.update(k.lower() for k in use.condition_keys)
            rtype = service.resource_types.get(use.name.lower())
            if rtype is not None:
                keys.update(k.lower() for k in rtype.condition_keys)
        return ActionFacts(
            service=service.prefix,
            name=action.name,
            access_level=action.access_level,
            resource_types=tuple((use.name, use.required) for use in action.resource_types),
            condition_keys=frozenset(keys),
        )

    def _index(self, prefix: str) -> dict[str, ActionFacts]:
        key = prefix.lower()
        if key not in self._by_name:
            service = self._service(key)
            facts = (
                {name: self._facts(service, a) for name, a in service.actions.items()}
                if service is not None
                else {}
            )
            self._by_name[key] = facts
            self._actions[key] = tuple(facts.values())
        return self._by_name[key]

    def actions(self, prefix: str) -> Sequence[ActionFacts]:
        """Every action of a service."""
        self._index(prefix)
        return self._actions[prefix.lower()]

    def action(self, prefix: str, name: str) -> ActionFacts | None:
        """One action, case-insensitively."""
        return self._index(prefix).get(name.lower())

    def resource_formats(self, prefix: str) -> Mapping[str, tuple[str, ...]]:
        """Resource type → ARN formats."""
        key = prefix.lower()
        if key not in self._formats:
            service = self._service(key)
            self._formats[key] = (
                {rt.name: rt.arn.alternatives for rt in service.resource_types.values()}
                if service is not None
                else {}
            )
        return self._formats[key]

    def resource_condition_keys(self, prefix: str, resource_type: str) -> frozenset[str]:
        """Lower-case condition keys of a resource type."""
        rtype = self._catalog.resource_type(prefix, resource_type)
        return frozenset(k.lower() for k in rtype.condition_keys) if rtype else frozenset()

    def arn_formats(self, arn_service: str) -> Sequence[tuple[str, str, str]]:
        """Formats whose ARN service field is *arn_service* (index built on first use)."""
        if self._arn_index is None:
            self._arn_index = arn_index(self, self.service_prefixes())
        return self._arn_index.get(arn_service, ())

    def condition_key_type(self, prefix: str, key: str) -> str | None:
        """Type of a service condition key, templates (``${TagKey}``) included."""
        service = self._service(prefix)
        if service is None:
            return None
        found = service.condition_keys.get(key.lower())
        if found is not None:
            return found.type
        for name, ck in service.condition_keys.items():
            if "${" in name and key_matches_template(key, name):
                return ck.type
        return None

    def condition_keys(self, prefix: str) -> Sequence[str]:
        """Every condition key of a service, as the catalog spells them."""
        service = self._service(prefix)
        return sorted(ck.name for ck in service.condition_keys.values()) if service else []


def view_of(catalog: object) -> CatalogView | None:
    """A :class:`CatalogView` for *catalog*: a project ``Catalog``, a view, or ``None``."""
    if catalog is None:
        return None
    from policygen_batch.catalog.model import Catalog

    if isinstance(catalog, Catalog):
        return CatalogAdapter(catalog)
    if isinstance(catalog, CatalogAdapter) or hasattr(catalog, "resource_formats"):
        return catalog  # type: ignore[return-value]  # a CatalogView already (duck-typed)
    raise TypeError(f"not a catalog: {type(catalog).__name__}")
