"""The generate job with a stand-in policy builder: layout, summary, reports, determinism.

The real builder (synth) is exercised by the golden and end-to-end tests; here a trivial one
keeps these tests about the job itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
import polars as pl
import pytest

from policygen_batch import schema as s
from policygen_batch.catalog import Catalog, load_catalog
from policygen_batch.config import GenerateConfig
from policygen_batch.engine import LocalEngine
from policygen_batch.errors import UsageError
from policygen_batch.report.job import PolicySet, generate
from policygen_batch.report.model import PrincipalReport, Section
from tests.factories import ACCOUNT, OTHER_ACCOUNT
from tests.usage_factories import convert, mixed_corpus, write_corpus


def one_statement(
    usage: pl.DataFrame, config: GenerateConfig, catalog: Catalog
) -> Mapping[str, PolicySet]:
    """Every allowed action on "*" in one statement (enough to exercise the job)."""
    del config, catalog
    out: dict[str, PolicySet] = {}
    allowed = usage.filter(pl.col(s.STATUS) == s.MappingStatus.ALLOWED)
    for arn in allowed[s.PRINCIPAL_ARN].unique().sort():
        actions = sorted(set(allowed.filter(pl.col(s.PRINCIPAL_ARN) == arn)[s.ACTION]))
        doc = {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}],
        }
        out[arn] = PolicySet((doc,), ("stand-in builder",))
    return out


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog."""
    return load_catalog()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixed corpus, converted."""
    root = tmp_path_factory.mktemp("job")
    return convert(write_corpus(root / "src", mixed_corpus()), root / "wh")


def _generate(warehouse: Path, out: Path, catalog: Catalog, workers: int = 1, **kw: object) -> None:
    options: dict[str, Any] = dict(kw)  # each test passes its own options
    config = GenerateConfig(warehouse, out, workers=workers, **options)
    generate(
        config,
        catalog=catalog,
        engine=LocalEngine(workers, min_pool_bytes=0),  # the pool even for a tiny warehouse
        build_policies=one_statement,
    )


def _files(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


def test_layout_and_summary(warehouse: Path, catalog: Catalog, tmp_path: Path) -> None:
    """Every principal has a folder; policies only for roles, SSO roles and users."""
    out = tmp_path / "out"
    _generate(warehouse, out, catalog)
    summary = orjson.loads((out / "summary.json").read_bytes())
    rows = {r["arn"].rsplit(":", 1)[-1]: r for r in summary["principals"]}
    assert rows["role/app/Deployer"]["policies"] == [f"{ACCOUNT}/roles/Deployer/policy.json"]
    assert rows["role/app/Deployer"]["path"] == "/app/"
    sso = next(r for k, r in rows.items() if "AWSReservedSSO_" in k)
    assert sso["permission_set"] == "DataEngineer"
    assert sso["kind"] == s.PrincipalType.SSO_ROLE
    slr = next(r for k, r in rows.items() if "aws-service-role" in k)
    assert slr["policies"] == []
    assert "service-linked" in slr["no_policy"]
    assert rows["root"]["policies"] == []
    assert rows["root"]["report"] == f"{ACCOUNT}/root/report.json"
    assert rows["role/Visitor"]["account"] == OTHER_ACCOUNT
    assert summary["events"] == {
        "total": 16,
        "attributed": 15,
        "unattributed": 1,
        "non_api": 1,
        "permissionless": 1,
        "unmapped": 1,
        "denied": 1,
    }
    assert summary["unmapped"] == [
        {"event_source": "widgets.amazonaws.com", "event_name": "FrobnicateWidgets", "count": 1}
    ]
    for row in summary["principals"]:
        assert (out / row["report"]).is_file()
        assert (out / row["report_md"]).is_file()
        for policy in row["policies"]:
            assert (out / policy).is_file()
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["complete"] is True
    assert set(manifest["files"]) == set(_files(out))
    html = (out / "index.html").read_text()
    assert "<script" not in html
    assert "http://" not in html
    assert "https://" not in html


def test_report_json_sections(warehouse: Path, catalog: Catalog, tmp_path: Path) -> None:
    """report.json lists used, denied, implied and unmapped with counts and times."""
    out = tmp_path / "out"
    _generate(warehouse, out, catalog)
    deployer = orjson.loads((out / ACCOUNT / "roles/Deployer/report.json").read_bytes())
    assert [u["action"] for u in deployer["used"]] == ["ec2:RunInstances", "s3:ListAllMyBuckets"]
    buckets = deployer["used"][1]
    assert (buckets["count"], buckets["first_seen"], buckets["last_seen"]) == (
        2,
        "2024-05-01T01:00:00Z",
        "2024-05-02T03:00:00Z",
    )
    assert [i["action"] for i in deployer["implied"]] == ["iam:PassRole"]
    assert "RunInstances" in deployer["implied"][0]["resources"][0]["implied_by"]
    assert [u["event_name"] for u in deployer["unmapped"]] == ["FrobnicateWidgets"]
    assert deployer["policy"]["files"] == ["policy.json"]
    reader = orjson.loads((out / ACCOUNT / "roles/Reader/report.json").read_bytes())
    assert [d["action"] for d in reader["denied"]] == ["s3:GetObject"]
    assert reader["denied"][0]["resources"][0]["resource"].endswith("/in/secret.csv")
    md = (out / ACCOUNT / "roles/Reader/report.md").read_text()
    assert "## Denied" in md
    assert "/in/secret.csv" in md


def test_output_independent_of_workers_and_reruns(
    warehouse: Path, catalog: Catalog, tmp_path: Path
) -> None:
    """Byte-identical outputs for 1 and 3 workers, and for a re-run into the same OUT."""
    _generate(warehouse, tmp_path / "a", catalog, workers=1)
    _generate(warehouse, tmp_path / "b", catalog, workers=3)
    first = _files(tmp_path / "a")
    assert first == _files(tmp_path / "b")
    _generate(warehouse, tmp_path / "a", catalog, workers=1)
    assert _files(tmp_path / "a") == first


def test_filters_and_refusals(warehouse: Path, catalog: Catalog, tmp_path: Path) -> None:
    """--account narrows the principals; OUT inside the warehouse is refused."""
    out = tmp_path / "out"
    _generate(warehouse, out, catalog, accounts=(OTHER_ACCOUNT,))
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert [r["name"] for r in summary["principals"]] == ["Visitor"]
    assert summary["filters"]["accounts"] == [OTHER_ACCOUNT]
    with pytest.raises(UsageError, match="outside the warehouse"):
        GenerateConfig(warehouse, warehouse / "out")
    with pytest.raises(UsageError, match="12-digit"):
        GenerateConfig(warehouse, out, accounts=("123",))


class IdleRoles:
    """A stand-in for a later stage: adds idle principals, a section and a summary field."""

    def principals(self) -> list[tuple[str, str, str | None]]:
        """One idle role in each account."""
        return [
            (f"arn:aws:iam::{ACCOUNT}:role/ops/Idle", s.PrincipalType.ROLE, ACCOUNT),
            (f"arn:aws:iam::{OTHER_ACCOUNT}:role/Idle", s.PrincipalType.ROLE, OTHER_ACCOUNT),
        ]

    def sections(self, report: PrincipalReport) -> list[Section]:
        """A section saying how many actions were used."""
        n = len(report.used)
        return [Section("usage_note", "Usage note", {"used": n}, (f"{n} actions used.",))]

    def summary_fields(self, report: PrincipalReport) -> dict[str, object]:
        """A field per summary row."""
        return {"idle": not report.used}


def test_contributors_add_principals_sections_and_fields(
    warehouse: Path, catalog: Catalog, tmp_path: Path
) -> None:
    """Contributors extend reports without touching the core keys; idle principals are
    filtered like events."""
    out = tmp_path / "out"
    config = GenerateConfig(warehouse, out, workers=1, accounts=(ACCOUNT,))
    generate(
        config,
        catalog=catalog,
        engine=LocalEngine(1),
        build_policies=one_statement,
        contributors=[IdleRoles()],
    )
    summary = orjson.loads((out / "summary.json").read_bytes())
    rows = {r["name"]: r for r in summary["principals"]}
    assert "Idle" in rows
    assert rows["Idle"]["account"] == ACCOUNT  # the other account's idle role is filtered
    assert (rows["Idle"]["idle"], rows["Idle"]["events"], rows["Idle"]["policies"]) == (True, 0, [])
    assert rows["Deployer"]["idle"] is False
    report = orjson.loads((out / ACCOUNT / "roles/Deployer/report.json").read_bytes())
    assert report["usage_note"] == {"used": 2}
    assert "## Usage note" in (out / ACCOUNT / "roles/Deployer/report.md").read_text()
