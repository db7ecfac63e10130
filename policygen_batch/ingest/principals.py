"""Who a CloudTrail record's policy is for: the rules of ARCHITECTURE §3, in one function.

The policy of an assumed-role session belongs to the role (with its path), not to the
session; a federated user's to the IAM user that called ``GetFederationToken``; a
cross-account caller lives in ``userIdentity.accountId``, not in the recipient account.
Calls that AWS services make for themselves, and the sign-in steps of SAML/OIDC/Identity
Center users, belong to nobody whose policy we write.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from policygen_batch.schema import PrincipalType, RecordFlag

_SSO_ROLE_PREFIX = "AWSReservedSSO_"
_SERVICE_LINKED_PATH = ":role/aws-service-role/"
_WEB_IDENTITY_TYPES = frozenset({"SAMLUser", "WebIdentityUser", "IdentityCenterUser", "Unknown"})

#: Flag set when a role's path had to be guessed from a session ARN (a partial identity).
ROLE_PATH_UNKNOWN = RecordFlag.ROLE_PATH_UNKNOWN


@dataclass(frozen=True, slots=True)
class Principal:
    """The resolved caller of one record."""

    arn: str | None
    kind: str
    account: str | None
    session_name: str | None = None
    flag: str | None = None


def _role_kind(role_arn: str) -> str:
    if _SERVICE_LINKED_PATH in role_arn:
        return PrincipalType.SERVICE_LINKED_ROLE
    if role_arn.rsplit("/", 1)[-1].startswith(_SSO_ROLE_PREFIX):
        return PrincipalType.SSO_ROLE
    return PrincipalType.ROLE


def _account_of(arn: str | None) -> str | None:
    if not arn:
        return None
    parts = arn.split(":", 5)
    return parts[4] or None if len(parts) == 6 else None


def _role_from_session_arn(session_arn: str) -> tuple[str, str | None] | None:
    """``arn:aws:sts::A:assumed-role/Name/sess`` → (``arn:aws:iam::A:role/Name``, ``sess``)."""
    parts = session_arn.split(":", 5)
    if len(parts) != 6 or not parts[5].startswith("assumed-role/"):
        return None
    pieces = parts[5].split("/")
    if len(pieces) < 2:
        return None
    session = pieces[2] if len(pieces) > 2 else None
    return f"arn:{parts[1]}:iam::{parts[4]}:role/{pieces[1]}", session


def _session_name(identity_arn: str | None) -> str | None:
    if identity_arn and ":assumed-role/" in identity_arn:
        pieces = identity_arn.split("/")
        return pieces[2] if len(pieces) > 2 else None
    if identity_arn and ":federated-user/" in identity_arn:
        return identity_arn.rsplit("/", 1)[-1]
    return None


def resolve_principal(identity: Any) -> Principal:  # noqa: PLR0911 - one return per identity type
    """Resolve a record's ``userIdentity`` object (any shape, even missing) to a Principal."""
    if not isinstance(identity, dict):
        return Principal(None, PrincipalType.UNKNOWN, None)
    id_type = identity.get("type")
    arn = identity.get("arn")
    account = identity.get("accountId") or _account_of(arn)
    context = identity.get("sessionContext")
    issuer = context.get("sessionIssuer") if isinstance(context, dict) else None
    issuer_arn = issuer.get("arn") if isinstance(issuer, dict) else None

    if id_type == "AssumedRole":
        session = _session_name(arn)
        if issuer_arn:
            return Principal(
                issuer_arn, _role_kind(issuer_arn), _account_of(issuer_arn) or account, session
            )
        guessed = _role_from_session_arn(arn) if arn else None
        if guessed is not None:
            role_arn, session = guessed
            return Principal(role_arn, _role_kind(role_arn), account, session, ROLE_PATH_UNKNOWN)
        return Principal(None, PrincipalType.UNKNOWN, account)
    if id_type == "IAMUser":
        if not arn and identity.get("userName") and account:
            arn = f"arn:aws:iam::{account}:user/{identity['userName']}"
        return Principal(arn, PrincipalType.USER if arn else PrincipalType.UNKNOWN, account)
    if id_type == "Root":
        root_arn = arn or (f"arn:aws:iam::{account}:root" if account else None)
        return Principal(root_arn, PrincipalType.ROOT, account)
    if id_type == "FederatedUser":
        session = _session_name(arn)
        if issuer_arn:
            return Principal(issuer_arn, PrincipalType.USER, _account_of(issuer_arn), session)
        return Principal(None, PrincipalType.UNKNOWN, account, session)
    if id_type == "AWSService":
        return Principal(None, PrincipalType.AWS_SERVICE, None)
    if id_type == "AWSAccount":
        return Principal(None, PrincipalType.AWS_ACCOUNT, account)
    if id_type in _WEB_IDENTITY_TYPES:
        return Principal(None, PrincipalType.WEB_IDENTITY, account)
    return Principal(None, PrincipalType.UNKNOWN, account)
