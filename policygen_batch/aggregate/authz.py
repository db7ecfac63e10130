"""Read IAM authorization snapshots: what ``aws iam get-account-authorization-details`` prints.

The unused-permission report needs each principal's *current* policies, and the tool runs
offline, so it reads the snapshot an operator exported once per account (ARCHITECTURE §2,
"report"). This module only reads and normalises; :mod:`policygen_batch.aggregate.grants`
evaluates what the policies grant.

Shapes accepted, because each occurs in practice:

* one JSON document per file (the CLI's output, pages already merged by the CLI);
* several documents concatenated in one file (``cat */authz.json > all.json``, JSON lines),
  or a JSON array of documents — one account each, or several pages of one account;
* the paginated form of the raw API (``--no-paginate``, SDK loops): pages carrying
  ``IsTruncated``/``Marker``. Pages are merged by ARN, which also merges accounts: every
  entity's ARN names its account, so nothing has to say which page belongs to which account;
* policy documents as JSON objects (what the CLI and boto3 print) or as strings, URL-encoded
  as the API returns them (RFC 3986) or plain JSON text;
* ``Statement``, ``Action``, ``Resource``… as a single value or a list.

What a snapshot does not hold, said here so nobody looks for it: IAM users' access keys (the
operation does not list them; ``AccessKeys``/``AccessKeyMetadata`` are read when someone
enriched the file with ``list-access-keys`` output), service control policies, resource-based
policies, and session policies. Identity Center permission sets appear as the
``AWSReservedSSO_…`` roles they provision; the account root never appears.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import orjson

from policygen_batch import schema as s
from policygen_batch.errors import BadInputError

_SSO_PATH = "/aws-reserved/sso.amazonaws.com/"
_SLR_PATH = "/aws-service-role/"
_DECODER = json.JSONDecoder()
#: Keys of the four entity lists of a page.
_LISTS = ("UserDetailList", "GroupDetailList", "RoleDetailList", "Policies")


class AuthzSnapshotError(BadInputError):
    """A snapshot file cannot be read at all (not JSON, or not the expected shape)."""


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement of a policy, normalised: lists are tuples, the Condition canonical JSON.

    Hashable on purpose: a managed policy attached to a thousand roles is expanded once.
    """

    effect: str  # "Allow" or "Deny" as written (compared case-insensitively by grants)
    actions: tuple[str, ...]  # the Action or NotAction patterns
    not_action: bool
    resources: tuple[str, ...]  # the Resource or NotResource patterns (empty: neither given)
    not_resource: bool
    condition: str | None  # canonical JSON of the Condition block, None when absent
    sid: str | None = None


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A decoded policy: its statements, and what could not be understood in it."""

    statements: tuple[Statement, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class InlinePolicy:
    """An inline policy of a user, group or role."""

    name: str
    document: PolicyDocument


@dataclass(frozen=True, slots=True)
class AttachedPolicy:
    """A managed policy attached to an entity (its document lives in ``Policies``)."""

    name: str
    arn: str


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A managed policy with the document of its *default* version (the one IAM applies)."""

    arn: str
    name: str
    path: str
    default_version_id: str | None
    document: PolicyDocument | None  # None: the snapshot lists no default version's document


@dataclass(frozen=True, slots=True)
class Group:
    """An IAM group: its members' permissions include its policies."""

    arn: str
    account: str
    name: str
    path: str
    inline: tuple[InlinePolicy, ...]
    attached: tuple[AttachedPolicy, ...]


@dataclass(frozen=True, slots=True)
class RoleLastUsed:
    """``RoleLastUsed`` of a role as IAM tracked it (absent: never used in IAM's window)."""

    last_used_date: str | None
    region: str | None


@dataclass(frozen=True, slots=True)
class AccessKey:
    """An access key of a user, present only when the snapshot was enriched with it."""

    access_key_id: str
    status: str | None
    create_date: str | None


@dataclass(frozen=True, slots=True)
class SnapshotPrincipal:
    """A user or role as the snapshot describes it."""

    arn: str
    kind: str  # schema.PrincipalType: role, sso_role, service_linked_role or user
    account: str
    path: str
    name: str
    unique_id: str | None
    create_date: str | None
    inline: tuple[InlinePolicy, ...]
    attached: tuple[AttachedPolicy, ...]
    groups: tuple[str, ...]  # group names (users only), in the snapshot's order
    boundary_arn: str | None
    trust_policy: Any  # the decoded AssumeRolePolicyDocument (roles), else None
    role_last_used: RoleLastUsed | None
    #: None: the snapshot says nothing about keys (always the case for a real export).
    access_keys: tuple[AccessKey, ...] | None
    tags: tuple[tuple[str, str], ...]
    source: str  # the file it was read from


@dataclass(frozen=True)
class Snapshot:
    """Every account's snapshot merged: principals, groups and managed policies by ARN."""

    principals: Mapping[str, SnapshotPrincipal]
    groups: Mapping[tuple[str, str], Group]  # (account, group name) → group
    policies: Mapping[str, ManagedPolicy]
    sources: tuple[str, ...]
    warnings: tuple[str, ...] = ()

    @property
    def accounts(self) -> tuple[str, ...]:
        """Accounts with at least one user or role, sorted."""
        return tuple(sorted({p.account for p in self.principals.values()}))

    def group(self, account: str, name: str) -> Group | None:
        """The group ``name`` of ``account`` (group names are unique per account)."""
        return self.groups.get((account, name))


# --------------------------------------------------------------------------- documents


def _as_tuple(value: Any) -> tuple[str, ...]:
    """A string-or-list element as a tuple of strings (non-strings kept as their JSON)."""
    if value is None:
        return ()
    items = value if isinstance(value, list) else [value]
    return tuple(v if isinstance(v, str) else orjson.dumps(v).decode() for v in items)


def decode_document(raw: Any) -> tuple[Any, str | None]:
    """A policy document as a JSON value: objects as given, strings URL-decoded if needed.

    Returns ``(value, problem)``; ``problem`` says why the value is None.
    """
    if raw is None:
        return None, "no document"
    if not isinstance(raw, str):
        return raw, None
    text = raw.strip()
    if not text.startswith(("{", "[")):
        text = urllib.parse.unquote(text).strip()
    try:
        return orjson.loads(text), None
    except orjson.JSONDecodeError as exc:
        return None, f"policy document is not JSON: {exc}"


def parse_document(raw: Any) -> PolicyDocument:
    """Normalise a policy document; what cannot be understood is listed, never guessed."""
    value, problem = decode_document(raw)
    if problem is not None:
        return PolicyDocument((), (problem,))
    if not isinstance(value, dict):
        return PolicyDocument((), ("policy document is not a JSON object",))
    body = value.get("Statement")
    items = body if isinstance(body, list) else [body] if isinstance(body, dict) else []
    if body is not None and not items:
        return PolicyDocument((), ("Statement is neither an object nor a list",))
    statements: list[Statement] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(f"statement {index} is not an object")
            continue
        effect = item.get("Effect")
        if not isinstance(effect, str) or effect.lower() not in ("allow", "deny"):
            problems.append(f"statement {index} has no Effect Allow/Deny")
            continue
        has_action, has_not = "Action" in item, "NotAction" in item
        if has_action == has_not:
            problems.append(f"statement {index} needs exactly one of Action and NotAction")
            continue
        not_resource = "NotResource" in item
        if not not_resource and "Resource" not in item:
            problems.append(f"statement {index} has neither Resource nor NotResource")
            continue
        condition = item.get("Condition")
        sid = item.get("Sid")
        statements.append(
            Statement(
                effect="Allow" if effect.lower() == "allow" else "Deny",
                actions=_as_tuple(item.get("NotAction" if has_not else "Action")),
                not_action=has_not,
                resources=_as_tuple(item.get("NotResource" if not_resource else "Resource")),
                not_resource=not_resource,
                condition=(
                    orjson.dumps(condition, option=orjson.OPT_SORT_KEYS).decode()
                    if condition
                    else None
                ),
                sid=sid if isinstance(sid, str) and sid else None,
            )
        )
    return PolicyDocument(tuple(statements), tuple(problems))


# --------------------------------------------------------------------------- files and pages


def _documents(path: Path) -> Iterator[Any]:
    """Every top-level JSON value of a file (one, several concatenated, or JSON lines)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise AuthzSnapshotError(f"{path}: cannot read the snapshot: {exc}") from exc
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            return
        try:
            value, pos = _DECODER.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise AuthzSnapshotError(f"{path}: not JSON at character {exc.pos}: {exc.msg}") from exc
        yield value


def _pages(value: Any, path: Path) -> Iterator[Mapping[str, Any]]:
    """Pages inside a value: an object, or a (nested) list of them."""
    if isinstance(value, list):
        for item in value:
            yield from _pages(item, path)
    elif isinstance(value, dict):
        if not any(key in value for key in _LISTS):
            raise AuthzSnapshotError(
                f"{path}: a JSON object without {', '.join(_LISTS)}: not the output of "
                "get-account-authorization-details"
            )
        yield value
    else:
        raise AuthzSnapshotError(f"{path}: expected JSON objects, found {type(value).__name__}")


def snapshot_files(paths: Iterable[Path]) -> list[Path]:
    """The files to read: files as given, folders searched for ``*.json`` (sorted, recursive)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        elif path.is_file():
            found.append(path)
        else:
            raise AuthzSnapshotError(f"{path}: no such snapshot file or folder")
    return found


def _account_of(arn: str) -> str:
    """The account field of an ARN (``aws`` for AWS managed policies)."""
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 else ""


def _kind_of(path: str) -> str:
    if path.startswith(_SLR_PATH):
        return s.PrincipalType.SERVICE_LINKED_ROLE
    if path.startswith(_SSO_PATH):
        return s.PrincipalType.SSO_ROLE
    return s.PrincipalType.ROLE


def _inline(entries: Any) -> tuple[InlinePolicy, ...]:
    return tuple(
        InlinePolicy(str(e.get("PolicyName", "")), parse_document(e.get("PolicyDocument")))
        for e in entries or ()
        if isinstance(e, dict)
    )


def _attached(entries: Any) -> tuple[AttachedPolicy, ...]:
    return tuple(
        AttachedPolicy(str(e.get("PolicyName") or ""), str(e["PolicyArn"]))
        for e in entries or ()
        if isinstance(e, dict) and isinstance(e.get("PolicyArn"), str)
    )


def _boundary(entry: Any) -> str | None:
    if isinstance(entry, dict) and isinstance(entry.get("PermissionsBoundaryArn"), str):
        return str(entry["PermissionsBoundaryArn"])
    return None


def _tags(entries: Any) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(t.get("Key", "")), str(t.get("Value", "")))
        for t in entries or ()
        if isinstance(t, dict)
    )


def _access_keys(entry: Mapping[str, Any]) -> tuple[AccessKey, ...] | None:
    raw = entry.get("AccessKeys", entry.get("AccessKeyMetadata"))
    if not isinstance(raw, list):
        return None
    return tuple(
        AccessKey(str(k["AccessKeyId"]), k.get("Status"), k.get("CreateDate"))
        for k in raw
        if isinstance(k, dict) and isinstance(k.get("AccessKeyId"), str)
    )


def _last_used(entry: Any) -> RoleLastUsed | None:
    if not isinstance(entry, dict) or not entry:
        return None
    return RoleLastUsed(entry.get("LastUsedDate"), entry.get("Region"))


def _principal(entry: Mapping[str, Any], is_role: bool, source: str) -> SnapshotPrincipal:
    arn = str(entry["Arn"])
    path = str(entry.get("Path") or "/")
    trust = None
    if is_role:
        trust, _ = decode_document(entry.get("AssumeRolePolicyDocument"))
    return SnapshotPrincipal(
        arn=arn,
        kind=_kind_of(path) if is_role else s.PrincipalType.USER,
        account=_account_of(arn),
        path=path,
        name=str(entry.get("RoleName" if is_role else "UserName") or arn.rsplit("/", 1)[-1]),
        unique_id=entry.get("RoleId" if is_role else "UserId"),
        create_date=entry.get("CreateDate"),
        inline=_inline(entry.get("RolePolicyList" if is_role else "UserPolicyList")),
        attached=_attached(entry.get("AttachedManagedPolicies")),
        groups=() if is_role else tuple(str(g) for g in entry.get("GroupList") or ()),
        boundary_arn=_boundary(entry.get("PermissionsBoundary")),
        trust_policy=trust,
        role_last_used=_last_used(entry.get("RoleLastUsed")) if is_role else None,
        access_keys=None if is_role else _access_keys(entry),
        tags=_tags(entry.get("Tags")),
        source=source,
    )


def _policy(entry: Mapping[str, Any]) -> ManagedPolicy:
    versions = [v for v in entry.get("PolicyVersionList") or () if isinstance(v, dict)]
    default_id = entry.get("DefaultVersionId")
    chosen = next((v for v in versions if v.get("IsDefaultVersion") is True), None)
    if chosen is None and default_id is not None:
        chosen = next((v for v in versions if v.get("VersionId") == default_id), None)
    return ManagedPolicy(
        arn=str(entry["Arn"]),
        name=str(entry.get("PolicyName") or ""),
        path=str(entry.get("Path") or "/"),
        default_version_id=(chosen or {}).get("VersionId", default_id),
        document=None if chosen is None else parse_document(chosen.get("Document")),
    )


@dataclass(slots=True)
class _Merger:
    """Collects entities from every page; the same ARN twice must say the same thing."""

    principals: dict[str, SnapshotPrincipal] = field(default_factory=dict)
    groups: dict[tuple[str, str], Group] = field(default_factory=dict)
    policies: dict[str, ManagedPolicy] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def _put(self, table: dict[Any, Any], key: Any, value: Any, what: str) -> None:
        old = table.get(key)
        if old is not None and _comparable(old) != _comparable(value):
            self.warnings.append(
                f"{what} {key} appears twice with different content "
                f"({getattr(old, 'source', '')}, {getattr(value, 'source', '')}); "
                "the later one is used"
            )
        table[key] = value

    def page(self, page: Mapping[str, Any], source: str) -> None:
        for entry in _entries(page, "UserDetailList"):
            p = _principal(entry, False, source)
            self._put(self.principals, p.arn, p, "user")
        for entry in _entries(page, "RoleDetailList"):
            p = _principal(entry, True, source)
            self._put(self.principals, p.arn, p, "role")
        for entry in _entries(page, "GroupDetailList"):
            arn = str(entry["Arn"])
            g = Group(
                arn=arn,
                account=_account_of(arn),
                name=str(entry.get("GroupName") or arn.rsplit("/", 1)[-1]),
                path=str(entry.get("Path") or "/"),
                inline=_inline(entry.get("GroupPolicyList")),
                attached=_attached(entry.get("AttachedManagedPolicies")),
            )
            self._put(self.groups, (g.account, g.name), g, "group")
        for entry in _entries(page, "Policies"):
            policy = _policy(entry)
            self._put(self.policies, policy.arn, policy, "policy")


def _comparable(value: Any) -> Any:
    """An entity without the file it came from (same entity in two files is no conflict)."""
    if isinstance(value, SnapshotPrincipal):
        return (value.arn, value.inline, value.attached, value.groups, value.boundary_arn)
    return value


def _entries(page: Mapping[str, Any], key: str) -> Iterator[Mapping[str, Any]]:
    for entry in page.get(key) or ():
        if isinstance(entry, dict) and isinstance(entry.get("Arn"), str):
            yield entry


def read_snapshots(paths: Iterable[Path]) -> Snapshot:
    """Read and merge every snapshot under ``paths`` (files, or folders of ``*.json``).

    Raises :class:`AuthzSnapshotError` for a file that is not a snapshot at all; smaller
    problems (a policy document that does not parse, a page marked truncated at the end of
    the input) become :attr:`Snapshot.warnings`.
    """
    files = snapshot_files(paths)
    merger = _Merger()
    for index, path in enumerate(files):
        source = path.as_posix()
        last: Mapping[str, Any] | None = None
        for value in _documents(path):
            for page in _pages(value, path):
                merger.page(page, source)
                last = page
        if last is not None and last.get("IsTruncated") is True and index == len(files) - 1:
            merger.warnings.append(
                f"{source}: the last page is marked IsTruncated (Marker "
                f"{str(last.get('Marker'))[:24]}…): the snapshot is incomplete; export the "
                "remaining pages and pass them too"
            )
    return Snapshot(
        principals=MappingProxyType(dict(sorted(merger.principals.items()))),
        groups=MappingProxyType(dict(sorted(merger.groups.items()))),
        policies=MappingProxyType(dict(sorted(merger.policies.items()))),
        sources=tuple(p.as_posix() for p in files),
        warnings=tuple(merger.warnings),
    )
