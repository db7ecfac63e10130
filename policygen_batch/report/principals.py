"""Who a principal is, whether it gets a policy, and the folder its files go to.

Folder layout (relative to OUT)::

    <account>/roles/<role-name>/    roles, SSO roles and service-linked roles
    <account>/users/<user-name>/    IAM users (and federated sessions, through their user)
    <account>/root/                 the account root
    <account>/other/<name>/         anything else with an ARN (never expected; kept visible)

A role's folder is its *name*; its path (``/service/notify/``) is shown in ``report.json``,
``report.md``, ``summary.json`` and the index. IAM keeps role names (and user names) unique
per account case-insensitively whatever the path, so name folders do not collide — except when
one role reached the warehouse under two ARNs (a session logged without its issuer, whose path
had to be guessed). Names that collide case-insensitively (which a case-insensitive file system
would merge) all get ``~<8 hex digits of the ARN's SHA-256>`` appended, so no principal
silently overwrites another and the folder stays stable from run to run.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from policygen_batch.schema import PrincipalType

_SSO_PREFIX = "AWSReservedSSO_"
_UNSAFE = re.compile(r"[^A-Za-z0-9+=,.@_-]")
_ACCOUNT = re.compile(r"^arn:[^:]*:[^:]*::(\d{12}):")

#: Why a principal of each kind gets no policy.
NO_POLICY_REASONS = {
    PrincipalType.SERVICE_LINKED_ROLE: (
        "service-linked role: its permissions are defined by the AWS service and cannot be "
        "edited, so no policy is generated"
    ),
    PrincipalType.ROOT: (
        "account root: its access cannot be limited by an identity policy (use SCPs, and avoid "
        "using root), so no policy is generated"
    ),
}
_OTHER_REASON = "not an IAM role or user: no identity policy applies"
#: The same, in a few words (summary rows and the index).
_SHORT_REASONS = {
    PrincipalType.SERVICE_LINKED_ROLE: "service-linked role",
    PrincipalType.ROOT: "account root",
}


@dataclass(frozen=True, slots=True)
class PrincipalInfo:
    """A principal as the reports describe it."""

    arn: str
    kind: str  # a PrincipalType value
    account: str
    name: str
    path: str  # IAM path ("/" when none); "" for root
    permission_set: str | None  # SSO roles: the Identity Center permission set
    folder: str  # relative to OUT, "/"-separated

    @property
    def gets_policy(self) -> bool:
        """True for roles, SSO roles and users (:data:`PrincipalType.POLICY_KINDS`)."""
        return self.kind in PrincipalType.POLICY_KINDS

    def identity_json(self) -> dict[str, str | None]:
        """The fields that name the principal in every JSON output."""
        return {
            "arn": self.arn,
            "kind": self.kind,
            "account": self.account,
            "name": self.name,
            "path": self.path,
            "permission_set": self.permission_set,
        }

    @property
    def no_policy_reason(self) -> str | None:
        """Why no policy is generated, or None when one is."""
        if self.gets_policy:
            return None
        return NO_POLICY_REASONS.get(self.kind, _OTHER_REASON)

    @property
    def no_policy_label(self) -> str | None:
        """:attr:`no_policy_reason` in a few words."""
        if self.gets_policy:
            return None
        return _SHORT_REASONS.get(self.kind, "not a role or user")


def permission_set_of(role_name: str) -> str | None:
    """``AWSReservedSSO_<permission set>_<hash>`` → the permission set's name."""
    if not role_name.startswith(_SSO_PREFIX):
        return None
    middle = role_name[len(_SSO_PREFIX) :]
    head, sep, _hash = middle.rpartition("_")
    return head if sep and head else None


def split_arn(arn: str) -> tuple[str, str]:
    """(path, name) of an IAM role or user ARN: ``…:role/a/b/Name`` → (``/a/b/``, ``Name``)."""
    resource = arn.split(":", 5)[-1]
    _kind, _, rest = resource.partition("/")
    if not rest:
        return "", resource
    path, _, name = rest.rpartition("/")
    return (f"/{path}/" if path else "/"), name


def describe(arn: str, kind: str, account: str | None) -> tuple[str, str, str, str | None]:
    """(account, name, path, permission set) of one principal (folder assigned later)."""
    match = _ACCOUNT.match(arn)
    acct = account or (match.group(1) if match else "unknown")
    if kind == PrincipalType.ROOT:
        return acct, "root", "", None
    path, name = split_arn(arn)
    permission_set = permission_set_of(name) if kind == PrincipalType.SSO_ROLE else None
    return acct, name, path, permission_set


def _group(kind: str) -> str:
    if kind in (PrincipalType.ROLE, PrincipalType.SSO_ROLE, PrincipalType.SERVICE_LINKED_ROLE):
        return "roles"
    if kind == PrincipalType.USER:
        return "users"
    if kind == PrincipalType.ROOT:
        return "root"
    return "other"


def safe_name(name: str) -> str:
    """A file-system-safe folder name: IAM name characters kept, anything else ``_``."""
    cleaned = _UNSAFE.sub("_", name) or "_"
    return "_" + cleaned if cleaned in {".", ".."} else cleaned


def resolve(principals: Iterable[tuple[str, str, str | None]]) -> list[PrincipalInfo]:
    """:class:`PrincipalInfo` for each ``(arn, kind, account)``, folders collision-free, sorted."""
    rows = sorted(set(principals))
    described = [(arn, kind, *describe(arn, kind, account)) for arn, kind, account in rows]
    base: dict[str, str] = {}
    clashes: dict[str, list[str]] = {}
    for arn, kind, acct, name, _path, _ps in described:
        group = _group(kind)
        folder = f"{acct}/root" if group == "root" else f"{acct}/{group}/{safe_name(name)}"
        base[arn] = folder
        clashes.setdefault(folder.lower(), []).append(arn)
    out: list[PrincipalInfo] = []
    for arn, kind, acct, name, path, permission_set in described:
        folder = base[arn]
        if len(clashes[folder.lower()]) > 1:
            folder = f"{folder}~{hashlib.sha256(arn.encode()).hexdigest()[:8]}"
        out.append(PrincipalInfo(arn, kind, acct, name, path, permission_set, folder))
    return sorted(out, key=lambda p: (p.account, p.folder, p.arn))
