"""``policygen run --authz`` on sample_logs/: unused actions equal the generator's truth.

The generator writes one authorization snapshot per account and, per principal,
``expected_unused`` = granted − (used ∪ implied); idle principals (in a snapshot, no call at
all) expect everything they are granted. Every account of the sample has data events, so
nothing is ``not_observable`` and the comparison is exact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from policygen_batch.cli.app import main

SAMPLE = Path(__file__).resolve().parents[2] / "sample_logs"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``policygen run`` on sample_logs with its snapshots."""
    root = tmp_path_factory.mktemp("unused-e2e")
    with pytest.raises(SystemExit) as exit_info:
        main(["run", str(SAMPLE / "AWSLogs"), "--warehouse", str(root / "wh"), "--out",
              str(root / "out"), "--authz", str(SAMPLE / "authz"), "--workers", "2",
              "--quiet"])  # fmt: skip
    assert exit_info.value.code in (0, None)
    return root / "out"


@pytest.fixture(scope="module")
def truth() -> dict[str, Any]:
    """The generator's ground truth."""
    data: dict[str, Any] = orjson.loads((SAMPLE / "ground_truth.json").read_bytes())
    return data


def _expected(truth: dict[str, Any]) -> dict[str, list[str]]:
    found = {
        arn: p["expected_unused"]
        for arn, p in truth["principals"].items()
        if p.get("expected_unused") is not None
    }
    found.update(
        {arn: p["expected_unused"] for arn, p in truth["authz"]["idle_principals"].items()}
    )
    return found


def test_unused_actions_equal_the_truth(out: Path, truth: dict[str, Any]) -> None:
    """For every principal of the snapshots, unused_actions == expected_unused."""
    summary = orjson.loads((out / "summary.json").read_bytes())
    rows = {r["arn"]: r for r in summary["principals"]}
    expected = _expected(truth)
    assert expected
    differ = {}
    for arn, unused in expected.items():
        assert arn in rows, f"{arn}: no report"
        report = orjson.loads((out / rows[arn]["report"]).read_bytes())
        got = report["unused"]["unused_actions"]
        if got != unused:
            differ[arn] = (sorted(set(got) - set(unused)), sorted(set(unused) - set(got)))
        assert report["unused"]["not_observable"]["actions"] == []
        assert report["unused"]["used_not_granted"] == []
        row = rows[arn]
        assert row["granted_actions"] == row["used_granted_actions"] + row["unused_actions"]
    assert not differ, differ


def test_idle_and_inactive_principals(out: Path, truth: dict[str, Any]) -> None:
    """Principals with no activity are reported idle, with every grant unused."""
    summary = orjson.loads((out / "summary.json").read_bytes())
    rows = {r["arn"]: r for r in summary["principals"]}
    for arn in truth["authz"]["inactive"]:
        assert rows[arn]["idle"] is True, arn
        assert rows[arn]["unused_actions"] == rows[arn]["granted_actions"]
    assert summary["unused"]["idle"] == len(truth["authz"]["inactive"])


def test_trust_findings_in_the_index(out: Path) -> None:
    """The role trusted by an account outside the organization is found and indexed."""
    summary = orjson.loads((out / "summary.json").read_bytes())
    codes = {f["issue_code"] for f in summary["trust"]["findings"]}
    assert "EXTERNAL_PRINCIPAL_IN_TRUST_POLICY" in codes
    assert "999999999999" in (out / "index.md").read_text()
