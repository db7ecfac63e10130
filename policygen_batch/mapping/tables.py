"""The curated mapping tables (``policygen_batch/catalog/data``), read into one frozen object.

They are data files, not code, so that adding a fact is adding a row (see the folder's
``PROVENANCE.md``). :func:`load_tables` reads them when called, never at import time;
callers load them once per run and pass them along with the catalog.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from importlib import resources
from typing import Any

import orjson

from policygen_batch.errors import CatalogError

_DATA_PACKAGE = "policygen_batch.catalog"


@dataclass(frozen=True, slots=True)
class Override:
    """One row of ``event_overrides.csv``: this event needs this action (one of several)."""

    event_source: str
    event_name: str
    action: str
    resource_rule: str | None
    note: str


@dataclass(frozen=True, slots=True)
class VariableSource:
    """Where one ARN variable's value is found in ``requestParameters``."""

    kind: str  # "path" (one value), "list" (a JSON array of strings), "regex" (all matches),
    # or "const" (a fixed value: the default a service applies when the request names none)
    expression: str
    transform: str | None
    # "request" (requestParameters) or "response" (responseElements): a create call's new
    # resource (RunInstances' instance ids, a snapshot id) is only named in the response.
    where: str = "request"


@dataclass(frozen=True, slots=True)
class ResourceRule:
    """How to build the ARN of one resource type from an event's request parameters."""

    rule_id: str  # "<prefix>:<type>" in lower case, or "<prefix>:<type>@<variant>"
    resource_type: str  # "<prefix>:<type>" (lower case) whose catalog ARN format is filled
    arn_paths: tuple[str, ...]  # parameters that may hold the whole ARN
    variables: tuple[tuple[str, tuple[VariableSource, ...]], ...]
    # When the request names nothing, take this type's ARNs from resources[] instead, minus
    # those named by these parameters (unless nothing would be left). None: no fallback.
    # KMS ReEncrypt logs no sourceKeyId unless the caller gave one; resources[] lists both keys.
    listed_except: tuple[str, ...] | None = None
    # The rule builds nothing for an event where one of these sources yields a value: a rule
    # on EventBridge's default bus must not fire for a call that names a custom bus.
    skip_if: tuple[VariableSource, ...] = ()


@dataclass(frozen=True, slots=True)
class PassRoleConfig:
    """Where ``iam:PassRole`` and ``ec2:CreateTags`` are implied (``passrole.json``)."""

    access_levels: tuple[str, ...]
    excluded_event_sources: tuple[str, ...]
    role_key_regex: str
    instance_profile_regex: str
    create_tags_event_source: str
    tag_spec_regex: str


@dataclass(frozen=True, slots=True)
class MappingTables:
    """Every curated table, as rows (the mapping turns them into polars frames)."""

    event_sources: tuple[tuple[str, str], ...]  # (host key, prefix)
    overrides: tuple[Override, ...]
    permissionless: tuple[tuple[str, str, str], ...]  # (host key, event name, reason)
    non_api_event_types: tuple[tuple[str, str], ...]  # (eventType, reason)
    denied_error_codes: tuple[str, ...]
    apigateway_methods: tuple[tuple[str, str], ...]  # (verb, HTTP method)
    resource_rules: tuple[ResourceRule, ...]
    passrole: PassRoleConfig


def _text(name: str) -> str:
    try:
        return (resources.files(_DATA_PACKAGE) / "data" / name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise CatalogError(f"mapping table {name} is missing from the installation") from exc


def _csv(name: str, columns: tuple[str, ...]) -> list[dict[str, str]]:
    rows = list(csv.DictReader(io.StringIO(_text(name))))
    for number, row in enumerate(rows, start=2):
        if any(row.get(column) is None for column in columns):
            raise CatalogError(f"{name}, line {number}: expected columns {', '.join(columns)}")
    return rows


_SOURCE_KINDS = ("path", "list", "regex", "const")


def _source(source: dict[str, Any]) -> VariableSource:
    return VariableSource(
        kind=next(k for k in _SOURCE_KINDS if k in source),
        expression=str(next(source[k] for k in _SOURCE_KINDS if k in source)),
        transform=source.get("transform"),
        where=source.get("in", "request"),
    )


def _rules(doc: dict[str, Any]) -> tuple[ResourceRule, ...]:
    rules: list[ResourceRule] = []
    for rule_id, spec in doc.items():
        if rule_id.startswith("_"):
            continue
        variables = tuple(
            (name, tuple(_source(source) for source in sources))
            for name, sources in spec.get("variables", {}).items()
        )
        rules.append(
            ResourceRule(
                rule_id=rule_id.lower(),
                resource_type=str(spec.get("resource_type", rule_id.split("@")[0])).lower(),
                arn_paths=tuple(spec.get("arn", ())),
                variables=variables,
                skip_if=tuple(_source(source) for source in spec.get("skip_if", ())),
                listed_except=(tuple(spec["listed_except"]) if "listed_except" in spec else None),
            )
        )
    return tuple(rules)


def load_tables() -> MappingTables:
    """Read every curated table from the installed package.

    Raises:
        CatalogError: when a table is missing or malformed (naming the file and line).
    """
    try:
        overrides = _csv(
            "event_overrides.csv", ("event_source", "event_name", "action", "resource_rule")
        )
        rules_doc = orjson.loads(_text("resource_rules.json"))
        passrole_doc = orjson.loads(_text("passrole.json"))
        return MappingTables(
            event_sources=tuple(
                (row["event_source"], row["prefix"])
                for row in _csv("event_sources.csv", ("event_source", "prefix"))
            ),
            overrides=tuple(
                Override(
                    event_source=row["event_source"],
                    event_name=row["event_name"],
                    action=row["action"],
                    resource_rule=row["resource_rule"].lower() or None,
                    note=row.get("note") or "",
                )
                for row in overrides
            ),
            permissionless=tuple(
                (row["event_source"], row["event_name"], row["reason"])
                for row in _csv("permissionless.csv", ("event_source", "event_name", "reason"))
            ),
            non_api_event_types=tuple(
                (row["event_type"], row["reason"])
                for row in _csv("non_api_event_types.csv", ("event_type", "reason"))
            ),
            denied_error_codes=tuple(
                row["error_code"] for row in _csv("denied_error_codes.csv", ("error_code",))
            ),
            apigateway_methods=tuple(
                (row["verb"], row["method"])
                for row in _csv("apigateway_methods.csv", ("verb", "method"))
            ),
            resource_rules=_rules(rules_doc),
            passrole=PassRoleConfig(
                access_levels=tuple(passrole_doc["access_levels"]),
                excluded_event_sources=tuple(passrole_doc["excluded_event_sources"]),
                role_key_regex=passrole_doc["role_key_regex"],
                instance_profile_regex=passrole_doc["instance_profile_regex"],
                create_tags_event_source=passrole_doc["create_tags_event_source"],
                tag_spec_regex=passrole_doc["tag_spec_regex"],
            ),
        )
    except (KeyError, StopIteration, TypeError, orjson.JSONDecodeError) as exc:
        raise CatalogError(f"a curated mapping table is malformed: {exc!r}") from exc
