"""Unused permissions and trust findings through the report contributors (issues 5 and 6).

A small hand-built organization: two accounts, one with data events in its trail and one
without; snapshots with wildcards, NotAction, plain and conditional Deny, a boundary, a group,
enriched access keys and an external trust. Everything runs through ``api.generate`` with
``authz`` set, so the wiring (config → contributors → report.json/summary/index) is tested too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from policygen_batch import api
from policygen_batch.catalog import Catalog, load_catalog
from policygen_batch.cli.app import main
from policygen_batch.config import GenerateConfig
from policygen_batch.errors import UsageError
from policygen_batch.report.unused import is_data_event_action
from tests.aggregate.test_grants import allow, deny, doc
from tests.factories import ACCOUNT, OTHER_ACCOUNT, record, role_identity, user_identity
from tests.usage_factories import convert, s3_get, write_corpus

A, B = ACCOUNT, OTHER_ACCOUNT
DEPLOYER = role_identity("app/Deployer")
READER = role_identity("Reader", session="r1")
ALICE = user_identity("alice")
VISITOR = role_identity("Visitor", account=B, session="v1")
BOUNDARY = f"arn:aws:iam::{A}:policy/ReadOnlyS3Boundary"

Json = dict[str, Any]


def role(name: str, account: str, *statements: Json, path: str = "/", **more: Any) -> Json:
    trust = more.pop("trust", {"Service": "ec2.amazonaws.com"})
    return {
        "Path": path,
        "RoleName": name,
        "RoleId": "AROA" + name.upper().ljust(17, "X"),
        "Arn": f"arn:aws:iam::{account}:role{path}{name}",
        "AssumeRolePolicyDocument": doc(
            {"Effect": "Allow", "Principal": trust, "Action": "sts:AssumeRole"}
        ),
        "RolePolicyList": [
            {"PolicyName": f"p{i}", "PolicyDocument": doc(st)} for i, st in enumerate(statements)
        ],
        "AttachedManagedPolicies": [],
        **more,
    }


def snapshot_a() -> Json:
    deployer = role(
        "Deployer",
        A,
        allow(
            [
                "s3:ListAllMyBuckets",
                "ec2:DescribeInstances",
                "ec2:DescribeVolumes",
                "s3:GetObject",
                "ec2:TerminateInstances",
            ]
        ),
        allow("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{A}:q1"),
        allow("kms:Decrypt", Condition={"StringEquals": {"aws:RequestedRegion": "us-east-1"}}),
        deny("ec2:TerminateInstances"),
        deny("s3:GetObject", "arn:aws:s3:::secret/*"),
        path="/app/",
    )
    reader = role("Reader", A, allow("s3:GetObject", "arn:aws:s3:::data-bucket/*"))
    bounded = role(
        "Bounded",
        A,
        allow("s3:*"),
        PermissionsBoundary={"PermissionsBoundaryType": "Policy",
                             "PermissionsBoundaryArn": BOUNDARY},
    )  # fmt: skip
    alice = {
        "Path": "/",
        "UserName": "alice",
        "UserId": "AIDAALICE",
        "Arn": f"arn:aws:iam::{A}:user/alice",
        "UserPolicyList": [
            {"PolicyName": "all-but-iam", "PolicyDocument": doc(
                {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})}
        ],
        "GroupList": ["devs"],
        "AttachedManagedPolicies": [],
        "AccessKeyMetadata": [
            {"AccessKeyId": "AKIAEXAMPLE", "Status": "Active"},
            {"AccessKeyId": "AKIAUNUSEDKEY", "Status": "Active"},
        ],
    }  # fmt: skip
    devs = {
        "Path": "/",
        "GroupName": "devs",
        "GroupId": "AGPADEVS",
        "Arn": f"arn:aws:iam::{A}:group/devs",
        "GroupPolicyList": [{"PolicyName": "g0", "PolicyDocument": doc(allow("iam:GetUser"))}],
        "AttachedManagedPolicies": [],
    }
    boundary = {
        "PolicyName": "ReadOnlyS3Boundary",
        "Arn": BOUNDARY,
        "Path": "/",
        "DefaultVersionId": "v1",
        "PolicyVersionList": [
            {"Document": doc(allow(["s3:GetObject", "s3:ListAllMyBuckets"])),
             "VersionId": "v1", "IsDefaultVersion": True}
        ],
    }  # fmt: skip
    return {
        "UserDetailList": [alice],
        "GroupDetailList": [devs],
        "RoleDetailList": [deployer, reader, bounded],
        "Policies": [boundary],
    }


def snapshot_b() -> Json:
    visitor = role(
        "Visitor",
        B,
        allow(
            [
                "ec2:DescribeInstances",
                "s3:GetObject",
                "lambda:InvokeFunction",
                "dynamodb:GetItem",
                "iam:ListRoles",
            ]
        ),
        trust={"AWS": "arn:aws:iam::999999999999:root"},
    )
    return {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": [visitor],
            "Policies": []}  # fmt: skip


def corpus() -> list[tuple[str, str, list[Json]]]:
    n = iter(range(10_000))

    def rec(name: str, source: str, time: str, who: Json, **kw: Any) -> Json:
        account = kw.pop("account", A)
        return record(name, source, time=time, identity=who, event_id=f"u-{next(n):04d}",
                      account=account, **kw)  # fmt: skip

    march = [rec("DescribeVolumes", "ec2.amazonaws.com", "2024-03-01T10:00:00Z", DEPLOYER)]
    may = [
        rec("ListBuckets", "s3.amazonaws.com", "2024-05-01T01:00:00Z", DEPLOYER),
        rec("DescribeInstances", "ec2.amazonaws.com", "2024-05-01T02:00:00Z", DEPLOYER),
        rec("DescribeRegions", "ec2.amazonaws.com", "2024-05-01T03:00:00Z", DEPLOYER),
        s3_get(rec, "2024-05-01T04:00:00Z", READER, "in/a.csv"),
        rec("ListBuckets", "s3.amazonaws.com", "2024-05-01T05:00:00Z", ALICE),
    ]
    other = [rec("DescribeInstances", "ec2.amazonaws.com", "2024-05-01T06:00:00Z", VISITOR,
                 account=B)]  # fmt: skip
    return [(A, "2024-03-01", march), (A, "2024-05-01", may), (B, "2024-05-01", other)]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog."""
    return load_catalog()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(warehouse, authz folder) of the hand-built organization."""
    root = tmp_path_factory.mktemp("unused")
    wh = convert(write_corpus(root / "src", corpus()), root / "wh")
    authz = root / "authz"
    authz.mkdir()
    (authz / f"{A}.json").write_text(json.dumps(snapshot_a()))
    (authz / f"{B}.json").write_text(json.dumps(snapshot_b()))
    return wh, authz


Run = Callable[..., tuple[Path, dict[str, Any]]]


@pytest.fixture(scope="module")
def run(
    setup: tuple[Path, Path], catalog: Catalog, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    """Generate with the snapshots; returns (out, summary rows by ARN)."""
    wh, authz = setup
    done: dict[str, tuple[Path, dict[str, Any]]] = {}

    def go(**options: Any) -> tuple[Path, dict[str, Any]]:
        key = json.dumps(options, sort_keys=True, default=str)
        if key not in done:
            out = tmp_path_factory.mktemp("out") / "out"
            config = GenerateConfig(wh, out, workers=1, authz=(authz,), **options)
            result = api.generate(config, catalog=catalog)
            done[key] = (out, {r["arn"]: r for r in result.summary["principals"]})
        return done[key]

    return go


def unused_of(out: Path, row: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((out / row["report"]).read_bytes())["unused"]
    return data


def test_scopes_partial_deny_and_unused(run: Run) -> None:
    """Plain Deny removes, scoped Deny is partial, scopes kept; unused = granted − used."""
    out, rows = run()
    u = unused_of(out, rows[f"arn:aws:iam::{A}:role/app/Deployer"])
    g = u["granted_actions"]
    assert g["actions"] == ["ec2:DescribeInstances", "ec2:DescribeVolumes", "kms:Decrypt",
                            "s3:GetObject", "s3:ListAllMyBuckets", "sqs:SendMessage"]  # fmt: skip
    assert g["by_scope"] == {"all": 4, "all_except": 0, "resources": 1, "conditional": 1}
    scoped = {e["action"]: e for e in g["scoped"]}
    assert scoped["sqs:SendMessage"]["resources"] == [f"arn:aws:sqs:us-east-1:{A}:q1"]
    assert scoped["kms:Decrypt"]["scope"] == "conditional"
    assert [p["action"] for p in g["partial_deny"]] == ["s3:GetObject"]
    assert u["unused_actions"] == ["kms:Decrypt", "s3:GetObject", "sqs:SendMessage"]
    assert u["unused_services"] == ["kms", "sqs"]
    assert u["not_observable"]["actions"] == []  # account A's trail has data events
    assert u["used_not_granted"] == [
        {"action": "ec2:DescribeRegions", "how": "used", "hint": u["used_not_granted"][0]["hint"]}
    ]
    rec = u["recommended"]
    assert "ec2:DescribeRegions" in rec["actions_added"]
    assert rec["actions_removed"] == ["kms:Decrypt", "s3:GetObject", "sqs:SendMessage"]
    row = rows[f"arn:aws:iam::{A}:role/app/Deployer"]
    assert (row["granted_actions"], row["unused_actions"], row["idle"]) == (6, 3, False)


def test_not_action_group_and_access_keys(run: Run, catalog: Catalog) -> None:
    """NotAction grants everything else, a group adds back; enriched keys: used and never seen."""
    out, rows = run()
    u = unused_of(out, rows[f"arn:aws:iam::{A}:user/alice"])
    every = {a.full_name for a in catalog.expand("*")}
    iam = {a.full_name for a in catalog.expand("iam:*")}
    assert set(u["granted_actions"]["actions"]) == (every - iam) | {"iam:GetUser"}
    assert "s3:ListAllMyBuckets" not in u["unused_actions"]
    assert "iam:GetUser" in u["unused_actions"]
    keys = u["access_keys"]
    assert keys["snapshot_lists_keys"] is True
    assert keys["never_seen"] == ["AKIAUNUSEDKEY"]
    seen = {k["access_key_id"]: k for k in keys["keys"]}
    assert seen["AKIAEXAMPLE"]["events"] == 1
    assert seen["AKIAEXAMPLE"]["last_seen"] == "2024-05-01T05:00:00Z"


def test_boundary_and_idle_principal(run: Run) -> None:
    """A role with no activity gets a report; its boundary narrows s3:* to what both allow."""
    out, rows = run()
    row = rows[f"arn:aws:iam::{A}:role/Bounded"]
    assert (row["idle"], row["events"], row["policies"]) == (True, 0, [])
    u = unused_of(out, row)
    assert u["unused_actions"] == ["s3:GetObject", "s3:ListAllMyBuckets"]
    assert u["recommended"]["actions_removed"] == u["unused_actions"]
    assert u["snapshot"]["boundary_applied"] is True


def test_not_observable_without_data_events(run: Run) -> None:
    """Account B has no data events: its data-event actions are not observable, not unused."""
    out, rows = run()
    u = unused_of(out, rows[f"arn:aws:iam::{B}:role/Visitor"])
    assert u["not_observable"]["actions"] == [
        "dynamodb:GetItem", "lambda:InvokeFunction", "s3:GetObject"]  # fmt: skip
    assert u["not_observable"]["data_events_in_account"] is False
    assert u["unused_actions"] == ["iam:ListRoles"]
    reader = unused_of(out, rows[f"arn:aws:iam::{A}:role/Reader"])
    assert reader["not_observable"]["data_event_regions"] == ["us-east-1"]
    assert reader["unused_actions"] == []  # it read an object: a data event was logged


def test_window_keeps_last_used_from_whole_warehouse(run: Run) -> None:
    """With --since, an action used before the window is unused, with its real last use."""
    from datetime import date

    out, rows = run(since=date(2024, 5, 1))
    u = unused_of(out, rows[f"arn:aws:iam::{A}:role/app/Deployer"])
    assert "ec2:DescribeVolumes" in u["unused_actions"]
    last = {e["action"]: e["last_used"] for e in u["last_used"]["actions"]}
    assert last["ec2:DescribeVolumes"] == "2024-03-01T10:00:00Z"
    assert "kms:Decrypt" not in last  # never used at all
    services = {e["service"]: e["last_used"] for e in u["last_used"]["services"]}
    assert services["kms"] is None
    assert services["ec2"] == "2024-05-01T03:00:00Z"
    assert u["last_used"]["source"] == "whole warehouse"


def test_trust_findings_per_role_and_in_index(run: Run) -> None:
    """A trust on an account outside the org is a finding, unless --org-accounts names it."""
    out, rows = run()
    visitor = rows[f"arn:aws:iam::{B}:role/Visitor"]
    assert visitor["trust_findings"] == 1
    report = orjson.loads((out / visitor["report"]).read_bytes())
    assert [f["issue_code"] for f in report["trust"]["findings"]] == [
        "EXTERNAL_PRINCIPAL_IN_TRUST_POLICY"
    ]
    assert report["trust"]["org_accounts"] == [A, B]
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert len(summary["trust"]["findings"]) == 1
    index = (out / "index.md").read_text()
    assert "## External access in trust policies" in index
    assert "## Unused permissions" in index
    assert "EXTERNAL_PRINCIPAL_IN_TRUST_POLICY" in (out / "index.html").read_text()
    _, rows2 = run(org_accounts=(A, B, "999999999999"))
    assert rows2[f"arn:aws:iam::{B}:role/Visitor"]["trust_findings"] == 0
    assert rows2[f"arn:aws:iam::{A}:user/alice"]["trust_findings"] is None


def test_principal_filter_keeps_idle_principals_out(run: Run) -> None:
    """--account limits the snapshot principals listed, like the events."""
    _, rows = run(accounts=(B,))
    assert set(rows) == {f"arn:aws:iam::{B}:role/Visitor"}


def test_output_is_deterministic(run: Run, setup: tuple[Path, Path], catalog: Catalog,
                                 tmp_path: Path) -> None:  # fmt: skip
    """The same inputs give the same report bytes."""
    out, rows = run()
    wh, authz = setup
    again = tmp_path / "again"
    api.generate(GenerateConfig(wh, again, workers=1, authz=(authz,)), catalog=catalog)
    for name in ("summary.json", "index.md", "index.html"):
        assert (out / name).read_bytes() == (again / name).read_bytes()
    for row in rows.values():
        assert (out / row["report"]).read_bytes() == (again / row["report"]).read_bytes()


def test_options_are_validated(setup: tuple[Path, Path], tmp_path: Path) -> None:
    """Missing snapshot paths and malformed org accounts are usage errors."""
    wh, authz = setup
    with pytest.raises(UsageError):
        GenerateConfig(wh, tmp_path / "o", authz=(tmp_path / "nope.json",))
    with pytest.raises(UsageError):
        GenerateConfig(wh, tmp_path / "o", authz=(authz,), org_accounts=("12",))
    with pytest.raises(UsageError):
        GenerateConfig(wh, tmp_path / "o", org_accounts=(A,))


def test_cli_prints_the_over_privileged_table(
    setup: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``generate --authz`` ends with the most over-privileged principals on stderr."""
    wh, authz = setup
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--warehouse", str(wh), "--out", str(tmp_path / "o"), "--authz",
              str(authz), "--org-accounts", f"{A},{B}", "--quiet", "--workers", "1"])  # fmt: skip
    assert exit_info.value.code in (0, None)
    err = capsys.readouterr().err
    assert "Most over-privileged" in err
    assert "alice" in err


@pytest.mark.parametrize(
    ("action", "data"),
    [
        ("s3:GetObject", True),
        ("s3:PutObjectTagging", True),
        ("s3:ListBucket", True),
        ("s3:PutObjectLockConfiguration", False),
        ("s3:CreateBucket", False),
        ("lambda:InvokeFunction", True),
        ("lambda:GetFunction", False),
        ("dynamodb:Query", True),
        ("dynamodb:CreateTable", False),
        ("kms:Decrypt", False),
    ],
)
def test_data_event_actions(action: str, data: bool) -> None:
    """Only calls CloudTrail logs as data events count as data-event actions."""
    assert is_data_event_action(action) is data
