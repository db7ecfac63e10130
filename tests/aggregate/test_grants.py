"""Granted actions from IAM authorization snapshots (get-account-authorization-details)."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from benchmarks.generate import generate
from policygen_batch import schema as s
from policygen_batch.aggregate.authz import AuthzSnapshotError, read_snapshots
from policygen_batch.aggregate.grants import GRANTS_SCHEMA, Grants, evaluate_grants, load_grants
from policygen_batch.catalog import Catalog, load_catalog

REPO = Path(__file__).resolve().parents[2]
A = "111122223333"
B = "444455556666"

Json = dict[str, Any]


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog."""
    return load_catalog()


# --------------------------------------------------------------------------- builders


def doc(*statements: Any) -> Json:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action: str | list[str], resource: str | list[str] = "*", **more: Any) -> Json:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **more}


def deny(action: str | list[str], resource: str | list[str] = "*", **more: Any) -> Json:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **more}


def role(
    name: str,
    account: str = A,
    *,
    inline: list[Json] | None = None,
    attached: list[str] | None = None,
    boundary: str | None = None,
    path: str = "/",
    **more: Any,
) -> Json:
    entry: Json = {
        "Path": path,
        "RoleName": name,
        "RoleId": "AROA" + name.upper()[:17].ljust(17, "X"),
        "Arn": f"arn:aws:iam::{account}:role{path}{name}",
        "CreateDate": "2023-01-02T03:04:05Z",
        "AssumeRolePolicyDocument": doc(
            {
                "Effect": "Allow",
                "Principal": {"Service": "ec2.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
        "RolePolicyList": [
            {"PolicyName": f"inline{i}", "PolicyDocument": d} for i, d in enumerate(inline or [])
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn} for arn in attached or []
        ],
        **more,
    }
    if boundary:
        entry["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "Policy",
            "PermissionsBoundaryArn": boundary,
        }
    return entry


def user(
    name: str,
    account: str = A,
    *,
    groups: list[str] | None = None,
    inline: list[Json] | None = None,
) -> Json:
    return {
        "Path": "/",
        "UserName": name,
        "UserId": "AIDA" + name.upper()[:17].ljust(17, "X"),
        "Arn": f"arn:aws:iam::{account}:user/{name}",
        "CreateDate": "2022-05-06T07:08:09Z",
        "UserPolicyList": [
            {"PolicyName": f"u{i}", "PolicyDocument": d} for i, d in enumerate(inline or [])
        ],
        "GroupList": groups or [],
        "AttachedManagedPolicies": [],
    }


def group(
    name: str, account: str = A, *, inline: list[Json] | None = None, attached: Sequence[str] = ()
) -> Json:
    return {
        "Path": "/",
        "GroupName": name,
        "GroupId": "AGPA" + name.upper().ljust(17, "X"),
        "Arn": f"arn:aws:iam::{account}:group/{name}",
        "GroupPolicyList": [
            {"PolicyName": f"g{i}", "PolicyDocument": d} for i, d in enumerate(inline or [])
        ],
        "AttachedManagedPolicies": [
            {"PolicyName": arn.rsplit("/", 1)[-1], "PolicyArn": arn} for arn in attached
        ],
    }


def managed(arn: str, *versions: Json, default: int = -1, flag: bool = True) -> Json:
    """A managed policy with versions v1…vN; ``default`` indexes the default one."""
    chosen = len(versions) + default if default < 0 else default
    return {
        "PolicyName": arn.rsplit("/", 1)[-1],
        "Arn": arn,
        "Path": "/",
        "DefaultVersionId": f"v{chosen + 1}",
        "PolicyVersionList": [
            {"Document": d, "VersionId": f"v{i + 1}"}
            | ({"IsDefaultVersion": i == chosen} if flag else {})
            for i, d in enumerate(versions)
        ],
    }


def snapshot(
    roles: Sequence[Json] = (),
    users: Sequence[Json] = (),
    groups: Sequence[Json] = (),
    policies: Sequence[Json] = (),
) -> Json:
    return {
        "UserDetailList": list(users),
        "GroupDetailList": list(groups),
        "RoleDetailList": list(roles),
        "Policies": list(policies),
    }


def grants_of(tmp_path: Path, catalog: Catalog, *docs: Any, name: str = "authz.json") -> Grants:
    path = tmp_path / name
    path.write_text("\n".join(json.dumps(d) for d in docs))
    return load_grants([path], catalog)


def arn_of(name: str, account: str = A, kind: str = "role") -> str:
    return f"arn:aws:iam::{account}:{kind}/{name}"


def row(g: Grants, arn: str, action: str) -> dict[str, Any]:
    found = g.frame.filter((pl.col(s.PRINCIPAL_ARN) == arn) & (pl.col(s.ACTION) == action))
    assert found.height == 1, (arn, action)
    return found.row(0, named=True)


def expand(catalog: Catalog, pattern: str) -> set[str]:
    return {a.full_name for a in catalog.expand(pattern)}


# --------------------------------------------------------------------------- evaluation


def test_wildcards_and_case_expand_to_canonical_catalog_names(
    tmp_path: Path, catalog: Catalog
) -> None:
    """`sqs:get*`, `S3:getobject` and `?` patterns give the catalog's canonical names."""
    g = grants_of(
        tmp_path,
        catalog,
        snapshot([role("r", inline=[doc(allow(["sqs:get*", "S3:getobject", "kms:?ecrypt"]))])]),
    )
    want = expand(catalog, "sqs:Get*") | {"s3:GetObject", "kms:Decrypt"}
    assert g.actions_of(arn_of("r")) == want
    assert "sqs:GetQueueUrl" in want
    assert g.frame.schema == GRANTS_SCHEMA
    assert g.frame.columns == list(s.GRANTS_COLUMNS)
    assert g.principals[arn_of("r")].granted_count == len(want)


def test_not_action_grants_every_other_action(tmp_path: Path, catalog: Catalog) -> None:
    """Allow + NotAction grants the whole catalog except what it names."""
    st = {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}
    g = grants_of(tmp_path, catalog, snapshot([role("r", inline=[doc(st)])]))
    every = {a.full_name for a in catalog.actions()}
    assert g.actions_of(arn_of("r")) == every - expand(catalog, "iam:*") - expand(
        catalog, "organizations:*"
    )


def test_plain_deny_is_applied_and_scoped_or_conditional_deny_is_partial(
    tmp_path: Path, catalog: Catalog
) -> None:
    """A Deny on * removes; a Deny on ARNs, NotResource or a Condition only flags."""
    cond = {"Bool": {"aws:SecureTransport": "false"}}
    policy = doc(
        allow("s3:*"),
        deny("s3:DeleteBucket"),
        deny(["s3:Delete*"], "*", Sid="NoDeletes"),
        deny("s3:PutObject", Condition=cond),
        deny("s3:GetObject", "arn:aws:s3:::secret/*"),
        {"Effect": "Deny", "Action": "s3:ListBucket", "NotResource": "arn:aws:s3:::open"},
        {"Effect": "Deny", "NotAction": ["s3:Get*", "s3:Put*", "s3:List*"], "Resource": "*"},
    )
    g = grants_of(tmp_path, catalog, snapshot([role("r", inline=[policy])]))
    got = g.actions_of(arn_of("r"))
    assert got == expand(catalog, "s3:Get*") | expand(catalog, "s3:Put*") | expand(
        catalog, "s3:List*"
    )
    assert not got & expand(catalog, "s3:Delete*")
    put = row(g, arn_of("r"), "s3:PutObject")
    assert put[s.PARTIAL_DENY] and put[s.PARTIAL_DENY_SOURCES] == ["inline:inline0#3"]
    assert row(g, arn_of("r"), "s3:GetObject")[s.PARTIAL_DENY_SOURCES] == ["inline:inline0#4"]
    assert row(g, arn_of("r"), "s3:ListBucket")[s.PARTIAL_DENY]
    untouched = row(g, arn_of("r"), "s3:GetBucketPolicy")
    assert not untouched[s.PARTIAL_DENY] and untouched[s.PARTIAL_DENY_SOURCES] == []
    assert untouched[s.GRANT_SCOPE] == s.GrantScope.ALL


def test_scope_of_each_grant(tmp_path: Path, catalog: Catalog) -> None:
    """All, all-except, specific ARNs (listed) and conditional grants keep their scope."""
    cond = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    policy = doc(
        allow("sqs:SendMessage"),
        allow("sqs:SendMessage", "arn:aws:sqs:*:111122223333:q"),
        allow("s3:GetObject", ["arn:aws:s3:::b/*", "arn:aws:s3:::a/*"]),
        allow("s3:GetObject", "arn:aws:s3:::c/*", Condition=cond),
        allow("ssm:GetParameter", Condition=cond),
        {"Effect": "Allow", "Action": "sns:Publish", "NotResource": "arn:aws:sns:*:*:secret"},
    )
    other = {"Statement": allow("s3:GetObject", "arn:aws:s3:::a/*")}  # one statement, no list
    g = grants_of(tmp_path, catalog, snapshot([role("r", inline=[policy, other])]))
    arn = arn_of("r")
    send = row(g, arn, "sqs:SendMessage")
    assert send[s.GRANT_SCOPE] == s.GrantScope.ALL
    assert send[s.GRANT_SOURCES] == ["inline:inline0"]
    get = row(g, arn, "s3:GetObject")
    assert get[s.GRANT_SCOPE] == s.GrantScope.RESOURCES
    assert get[s.GRANT_RESOURCES] == ["arn:aws:s3:::a/*", "arn:aws:s3:::b/*"]
    assert get[s.GRANT_CONDITIONS] == [json.dumps(cond, separators=(",", ":"), sort_keys=True)]
    assert get[s.GRANT_SOURCES] == ["inline:inline0", "inline:inline1"]
    param = row(g, arn, "ssm:GetParameter")
    assert param[s.GRANT_SCOPE] == s.GrantScope.CONDITIONAL and param[s.GRANT_RESOURCES] == []
    publish = row(g, arn, "sns:Publish")
    assert publish[s.GRANT_SCOPE] == s.GrantScope.ALL_EXCEPT
    assert publish[s.GRANT_NOT_RESOURCES] == ["arn:aws:sns:*:*:secret"]
    assert publish[s.BOUNDARY_SCOPE] is None and publish[s.GRANT_SERVICE] == "sns"


def test_permission_boundary_intersects_and_narrows_the_scope(
    tmp_path: Path, catalog: Catalog
) -> None:
    """Only actions the boundary allows stay; the effective scope is the narrower one."""
    b_arn = f"arn:aws:iam::{A}:policy/Boundary"
    boundary = managed(
        b_arn,
        doc(
            allow("s3:Get*"),
            allow("s3:PutObject", "arn:aws:s3:::b/*"),
            allow("kms:*"),
            deny("s3:GetObjectAcl"),
        ),
    )
    identity = doc(allow(["s3:*", "sqs:SendMessage"]))
    g = grants_of(
        tmp_path,
        catalog,
        snapshot(
            [role("r", inline=[identity], boundary=b_arn), role("free", inline=[identity])],
            policies=[boundary],
        ),
    )
    got = g.actions_of(arn_of("r"))
    assert got == (expand(catalog, "s3:Get*") - {"s3:GetObjectAcl"}) | {"s3:PutObject"}
    put = row(g, arn_of("r"), "s3:PutObject")
    assert put[s.GRANT_SCOPE] == s.GrantScope.RESOURCES
    assert put[s.BOUNDARY_SCOPE] == s.GrantScope.RESOURCES
    assert put[s.BOUNDARY_RESOURCES] == ["arn:aws:s3:::b/*"]
    assert row(g, arn_of("r"), "s3:GetObject")[s.BOUNDARY_SCOPE] == s.GrantScope.ALL
    assert g.principals[arn_of("r")].boundary_applied
    assert "sqs:SendMessage" in g.actions_of(arn_of("free"))  # no boundary: untouched


def test_missing_boundary_or_policy_is_not_guessed(tmp_path: Path, catalog: Catalog) -> None:
    """A boundary or managed policy absent from the snapshot is reported, not applied."""
    gone = f"arn:aws:iam::{A}:policy/Gone"
    aws = "arn:aws:iam::aws:policy/ReadOnlyAccess"
    g = grants_of(
        tmp_path,
        catalog,
        snapshot(
            [role("r", inline=[doc(allow("sqs:SendMessage"))], attached=[aws], boundary=gone)]
        ),
    )
    meta = g.principals[arn_of("r")]
    assert g.actions_of(arn_of("r")) == {"sqs:SendMessage"}
    assert not meta.boundary_applied and meta.principal.boundary_arn == gone
    assert meta.missing_policies == (gone, aws)


def test_users_get_their_groups_inline_and_managed_policies(
    tmp_path: Path, catalog: Catalog
) -> None:
    """A user's grants = own inline + its groups' inline and managed policies."""
    p_arn = f"arn:aws:iam::{A}:policy/Deploy"
    g = grants_of(
        tmp_path,
        catalog,
        snapshot(
            users=[
                user("ann", groups=["devs", "ops", "ghosts"], inline=[doc(allow("sns:Publish"))]),
                user("bob", B, groups=["devs"]),  # another account's group of the same name
            ],
            groups=[
                group("devs", inline=[doc(allow("lambda:GetFunction"))], attached=[p_arn]),
                group("ops", inline=[doc(deny("lambda:UpdateFunctionCode"))]),
                group("devs", B, inline=[doc(allow("sqs:SendMessage"))]),
            ],
            policies=[managed(p_arn, doc(allow(["lambda:UpdateFunctionCode", "ecr:PutImage"])))],
        ),
    )
    ann, bob = arn_of("ann", kind="user"), arn_of("bob", B, kind="user")
    assert g.actions_of(ann) == {"sns:Publish", "lambda:GetFunction", "ecr:PutImage"}
    assert g.actions_of(bob) == {"sqs:SendMessage"}
    meta = g.principals[ann]
    assert meta.principal.kind == s.PrincipalType.USER and meta.principal.groups == (
        "devs",
        "ops",
        "ghosts",
    )
    assert meta.missing_groups == ("ghosts",)
    assert f"group:devs/managed:{p_arn}" in meta.group_policies
    assert row(g, ann, "ecr:PutImage")[s.GRANT_SOURCES] == [f"group:devs/managed:{p_arn}"]
    assert meta.principal.access_keys is None  # real snapshots do not list access keys


def test_only_the_default_policy_version_counts(tmp_path: Path, catalog: Catalog) -> None:
    """Non-default versions are ignored; DefaultVersionId decides without IsDefaultVersion."""
    one = f"arn:aws:iam::{A}:policy/One"
    two = f"arn:aws:iam::{A}:policy/Two"
    everything = doc(allow("*"))
    g = grants_of(
        tmp_path,
        catalog,
        snapshot(
            [role("r", attached=[one, two])],
            policies=[
                managed(one, everything, doc(allow("sqs:SendMessage")), everything, default=1),
                managed(two, everything, doc(allow("sns:Publish")), flag=False),
            ],
        ),
    )
    assert g.actions_of(arn_of("r")) == {"sqs:SendMessage", "sns:Publish"}
    assert g.principals[arn_of("r")].principal.attached[0].arn == one


def test_url_encoded_and_string_documents(tmp_path: Path, catalog: Catalog) -> None:
    """Documents as the raw API returns them (URL-encoded) or as JSON text are decoded."""
    p_arn = f"arn:aws:iam::{A}:policy/Enc"
    encoded = urllib.parse.quote(json.dumps(doc(allow("sqs:SendMessage"))), safe="")
    entry = role("r", attached=[p_arn])
    entry["RolePolicyList"] = [
        {"PolicyName": "text", "PolicyDocument": json.dumps(doc(allow("sns:Publish")))},
        {"PolicyName": "junk", "PolicyDocument": "%7Bnot%20json"},
    ]
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:*"}]}
    entry["AssumeRolePolicyDocument"] = urllib.parse.quote(json.dumps(trust))
    pol = managed(p_arn, doc())
    pol["PolicyVersionList"][0]["Document"] = encoded
    g = grants_of(tmp_path, catalog, snapshot([entry], policies=[pol]))
    meta = g.principals[arn_of("r")]
    assert g.actions_of(arn_of("r")) == {"sqs:SendMessage", "sns:Publish"}
    assert meta.principal.trust_policy == trust
    assert len(meta.problems) == 1 and meta.problems[0].startswith("inline:junk: ")


def test_several_accounts_concatenated_listed_and_in_folders(
    tmp_path: Path, catalog: Catalog
) -> None:
    """Concatenated documents, a JSON array and a folder of files all merge; account from ARN."""
    a = snapshot([role("ra", inline=[doc(allow("sqs:SendMessage"))])])
    b = snapshot([role("rb", B, inline=[doc(allow("sns:Publish"))])])
    c = snapshot(users=[user("uc", "777788889999", inline=[doc(allow("kms:Decrypt"))])])
    (tmp_path / "cat.json").write_text(json.dumps(a) + json.dumps(b))
    sub = tmp_path / "nested"
    sub.mkdir()
    (sub / "c.json").write_text(json.dumps([c]))
    (sub / "notes.txt").write_text("not a snapshot")
    g = load_grants([tmp_path], catalog)
    assert g.accounts == (A, B, "777788889999")
    assert g.principals[arn_of("rb", B)].principal.account == B
    assert g.actions_of(arn_of("uc", "777788889999", "user")) == {"kms:Decrypt"}
    assert len(g.sources) == 2


def test_paginated_pages_merge_and_a_dangling_page_warns(tmp_path: Path, catalog: Catalog) -> None:
    """Pages with IsTruncated/Marker merge by ARN; a last page still truncated is a warning."""
    p_arn = f"arn:aws:iam::{A}:policy/P"
    page1 = snapshot([role("r", attached=[p_arn])]) | {"IsTruncated": True, "Marker": "m1"}
    page2 = snapshot(
        users=[user("u", groups=["g"])], policies=[managed(p_arn, doc(allow("sns:Publish")))]
    ) | {"IsTruncated": True, "Marker": "m2"}
    page3 = snapshot(groups=[group("g", inline=[doc(allow("sqs:SendMessage"))])]) | {
        "IsTruncated": False
    }
    g = grants_of(tmp_path, catalog, [page1, page2], page3)
    assert g.actions_of(arn_of("r")) == {"sns:Publish"}
    assert g.actions_of(arn_of("u", kind="user")) == {"sqs:SendMessage"}
    assert g.warnings == ()
    cut = grants_of(tmp_path, catalog, page1, page2, name="cut.json")
    assert cut.warnings and "IsTruncated" in cut.warnings[0]
    assert cut.principals[arn_of("u", kind="user")].missing_groups == ("g",)


def test_metadata_of_principals(tmp_path: Path, catalog: Catalog) -> None:
    """Kind from the path, RoleLastUsed, create date, tags, enriched access keys."""
    last = {"LastUsedDate": "2024-11-19T10:00:00Z", "Region": "eu-west-1"}
    sso = role("AWSReservedSSO_Admin_0123456789abcdef", path="/aws-reserved/sso.amazonaws.com/")
    slr = role("AWSServiceRoleForECS", path="/aws-service-role/ecs.amazonaws.com/")
    plain = role("app", path="/service/app/", RoleLastUsed=last, Tags=[{"Key": "t", "Value": "v"}])
    never = role("idle", RoleLastUsed={})
    keyed = user("k") | {"AccessKeys": [{"AccessKeyId": "AKIAEXAMPLE", "Status": "Active"}]}
    g = grants_of(tmp_path, catalog, snapshot([sso, slr, plain, never], users=[keyed]))
    kinds = {p.principal.name: p.principal.kind for p in g.principals.values()}
    assert kinds == {
        "AWSReservedSSO_Admin_0123456789abcdef": s.PrincipalType.SSO_ROLE,
        "AWSServiceRoleForECS": s.PrincipalType.SERVICE_LINKED_ROLE,
        "app": s.PrincipalType.ROLE,
        "idle": s.PrincipalType.ROLE,
        "k": s.PrincipalType.USER,
    }
    app = g.principals[f"arn:aws:iam::{A}:role/service/app/app"]
    assert (
        app.principal.path == "/service/app/"
        and app.principal.create_date == "2023-01-02T03:04:05Z"
    )
    assert (
        app.principal.role_last_used is not None
        and app.principal.role_last_used.region == "eu-west-1"
    )
    assert app.principal.tags == (("t", "v"),) and app.granted_count == 0
    assert g.principals[arn_of("idle")].principal.role_last_used is None
    keys = g.principals[arn_of("k", kind="user")].principal.access_keys
    assert keys is not None and keys[0].access_key_id == "AKIAEXAMPLE"
    assert g.frame.is_empty() and g.frame.schema == GRANTS_SCHEMA


def test_unknown_patterns_and_bad_statements_are_reported(tmp_path: Path, catalog: Catalog) -> None:
    """Patterns naming no action and statements IAM would reject are listed, never guessed."""
    policy = doc(
        allow(["s3:GetObjectt", "sqs:SendMessage"]),
        {"Effect": "Allow", "Action": "sns:Publish"},  # no Resource
        {"Effect": "Maybe", "Action": "kms:Decrypt", "Resource": "*"},
        "not a statement",
    )
    g = grants_of(tmp_path, catalog, snapshot([role("r", inline=[policy])]))
    meta = g.principals[arn_of("r")]
    assert g.actions_of(arn_of("r")) == {"sqs:SendMessage"}
    assert meta.unknown_patterns == ("s3:GetObjectt",)
    assert len(meta.problems) == 3


def test_conflicting_duplicates_warn_and_identical_ones_do_not(
    tmp_path: Path, catalog: Catalog
) -> None:
    """The same entity in two files: silent when identical, a warning when they differ."""
    same = snapshot([role("r", inline=[doc(allow("sns:Publish"))])])
    (tmp_path / "a.json").write_text(json.dumps(same))
    (tmp_path / "b.json").write_text(json.dumps(same))
    assert load_grants([tmp_path], catalog).warnings == ()
    changed = snapshot([role("r", inline=[doc(allow("sqs:SendMessage"))])])
    (tmp_path / "c.json").write_text(json.dumps(changed))
    g = load_grants([tmp_path], catalog)
    assert len(g.warnings) == 1 and g.actions_of(arn_of("r")) == {"sqs:SendMessage"}


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not JSON"), ('{"Users": []}', "not the output"), ("[1]", "expected JSON")],
)
def test_unreadable_snapshots_raise(tmp_path: Path, content: str, message: str) -> None:
    """A file that is not a snapshot at all raises AuthzSnapshotError naming the file."""
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(AuthzSnapshotError, match=message):
        read_snapshots([path])
    with pytest.raises(AuthzSnapshotError, match="no such"):
        read_snapshots([tmp_path / "missing.json"])


def test_evaluation_is_deterministic_and_shares_statements(
    tmp_path: Path, catalog: Catalog
) -> None:
    """Many principals sharing one policy: one expansion, same frame on every run, sorted."""
    p_arn = f"arn:aws:iam::{A}:policy/Shared"
    roles = [role(f"r{i:02d}", attached=[p_arn]) for i in range(30)]
    snap_path = tmp_path / "s.json"
    snap_path.write_text(
        json.dumps(snapshot(roles, policies=[managed(p_arn, doc(allow(["ec2:Describe*"])))]))
    )
    one = evaluate_grants(read_snapshots([snap_path]), catalog)
    two = evaluate_grants(read_snapshots([snap_path]), catalog)
    assert one.frame.equals(two.frame)
    assert one.frame.height == 30 * len(expand(catalog, "ec2:Describe*"))
    keys = one.frame.select(s.PRINCIPAL_ARN, s.ACTION).rows()
    assert keys == sorted(keys)
    assert one.catalog_version == catalog.version


# --------------------------------------------------------------------------- the generator


def _check_against_truth(root: Path, catalog: Catalog) -> None:
    truth = json.loads((root / "ground_truth.json").read_text())
    g = load_grants([root / "authz"], catalog)
    got = g.granted_sets()
    assert g.warnings == ()
    expected: dict[str, set[str]] = {}
    for arn, p in truth["principals"].items():
        if p["kind"] == "root":
            assert "expected_unused" not in p and arn not in got
            continue
        used = set(p["actions"]) | set(p["implied"])
        expected[arn] = set(p["expected_unused"]) | used
        assert not set(p["expected_unused"]) & used
    for arn, p in truth["authz"]["idle_principals"].items():
        expected[arn] = set(p["expected_unused"])
    assert got == expected  # granted − used = expected_unused, for every principal
    assert set(truth["authz"]["inactive"]) >= set(truth["authz"]["idle_principals"])
    scopes = set(g.frame[s.GRANT_SCOPE].unique())
    assert scopes >= {s.GrantScope.ALL, s.GrantScope.RESOURCES, s.GrantScope.CONDITIONAL}
    assert g.frame[s.PARTIAL_DENY].any()
    assert g.frame[s.BOUNDARY_SCOPE].drop_nulls().len() > 0
    assert all(not p.unknown_patterns and not p.problems for p in g.principals.values())
    assert all(not p.missing_policies for p in g.principals.values())


def test_generator_snapshots_give_exactly_the_ground_truth(
    tmp_path: Path, catalog: Catalog
) -> None:
    """Parsing the generator's snapshots gives its intended grants: unused = granted − used."""
    generate(tmp_path, 5, 1200, accounts=5, days=1, file_minutes=360, authz=True)
    _check_against_truth(tmp_path, catalog)


def test_committed_sample_snapshots_give_the_ground_truth(catalog: Catalog) -> None:
    """The same holds for sample_logs/ (paginated, URL-encoded and CLI-shaped files)."""
    sample = REPO / "sample_logs"
    if not (sample / "authz").is_dir():
        pytest.skip("sample_logs/authz not generated yet")
    _check_against_truth(sample, catalog)
