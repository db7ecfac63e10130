"""Every curated table agrees with the catalog: emitted actions exist, ARN templates fit."""

from __future__ import annotations

import re

from policygen_batch.catalog import Catalog
from policygen_batch.mapping import MappingTables
from policygen_batch.mapping.resources import known_transforms


def test_override_actions_exist(catalog: Catalog, tables: MappingTables) -> None:
    """Each action an override emits exists, spelled canonically."""
    for row in tables.overrides:
        assert catalog.canonical(row.action) == row.action, row


def test_event_source_prefixes_exist(catalog: Catalog, tables: MappingTables) -> None:
    """Each eventSource exception points at a real service prefix."""
    for host, prefix in tables.event_sources:
        assert catalog.service(prefix) is not None, (host, prefix)


def test_permissionless_are_not_overrides(tables: MappingTables) -> None:
    """An event cannot be both permissionless and mapped to an action."""
    overridden = {(o.event_source, o.event_name) for o in tables.overrides}
    assert not overridden & {(src, name) for src, name, _ in tables.permissionless}


def test_apigateway_methods_exist(catalog: Catalog, tables: MappingTables) -> None:
    """Every verb maps to an apigateway HTTP-method action."""
    for _, method in tables.apigateway_methods:
        assert catalog.canonical(f"apigateway:{method}") == f"apigateway:{method}"


def test_resource_rules_fit_the_catalog(catalog: Catalog, tables: MappingTables) -> None:
    """Each rule names a real resource type, fills all of its template, uses known transforms."""
    fill = {"Partition": "aws", "Region": "us-east-1", "Account": "111122223333"}
    for rule in tables.resource_rules:
        if rule.rule_id == "apigateway:path":
            continue
        prefix, _, name = rule.resource_type.partition(":")
        rtype = catalog.resource_type(prefix, name)
        assert rtype is not None, rule.rule_id
        given = {v for v, _ in rule.variables} | set(fill)
        if rule.variables:
            assert set(rtype.arn.variables) <= given, (rule.rule_id, rtype.arn.template)
        for source in [*(src for _, srcs in rule.variables for src in srcs), *rule.skip_if]:
            assert source.transform is None or source.transform in known_transforms()
            assert source.where in ("request", "response"), rule.rule_id
            if source.kind == "regex":
                assert re.compile(source.expression).groups == 1
        example = re.sub(r"\$\{(\w+)\}", lambda m: fill.get(m.group(1), "x1"), rtype.arn.template)
        assert rtype.arn.matches(example)


def test_override_rules_exist_and_fit_the_action(catalog: Catalog, tables: MappingTables) -> None:
    """An override's resource rule exists and builds a resource type of that action."""
    rules = {rule.rule_id: rule for rule in tables.resource_rules}
    for row in tables.overrides:
        if row.resource_rule is None:
            continue
        rule = rules[row.resource_rule]
        types = {f"{t.service}:{t.name.lower()}" for _, t in catalog.resource_types(row.action)}
        assert rule.resource_type in types, (row, types)


def test_default_rules_serve_some_action(catalog: Catalog, tables: MappingTables) -> None:
    """A default rule (no @variant) is keyed by a resource type some action uses."""
    used = {f"{a.service}:{u.name.lower()}" for a in catalog.actions() for u in a.resource_types}
    for rule in tables.resource_rules:
        if "@" not in rule.rule_id and rule.rule_id != "apigateway:path":
            assert rule.rule_id in used, rule.rule_id


def test_no_catalog_action_has_a_version_suffix(catalog: Catalog) -> None:
    """Stripping API-version suffixes can never turn a real action name into another."""
    from policygen_batch.mapping.actions import VERSION_SUFFIX

    pattern = re.compile(VERSION_SUFFIX)
    assert not [a.full_name for a in catalog.actions() if pattern.search(a.name)]
