"""Principal resolution follows ARCHITECTURE §3 for every userIdentity type."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from policygen_batch import schema as s
from policygen_batch.ingest.principals import (
    ID_ACCOUNT,
    IDENTITY_INPUTS,
    ISSUER_ARN,
    ROLE_PATH_GUESSED,
    USER_NAME,
    resolve_principals,
)
from policygen_batch.schema import PrincipalType
from tests.factories import ACCOUNT, OTHER_ACCOUNT, role_identity, user_identity


def resolve(identity: Any) -> dict[str, Any]:
    """Resolve one userIdentity object through the vectorised rules."""
    ident = identity if isinstance(identity, dict) else {}
    context = ident.get("sessionContext") or {}
    frame = pl.DataFrame(
        {
            s.IDENTITY_TYPE: [ident.get("type")],
            s.IDENTITY_ARN: [ident.get("arn")],
            ID_ACCOUNT: [ident.get("accountId")],
            USER_NAME: [ident.get("userName")],
            ISSUER_ARN: [(context.get("sessionIssuer") or {}).get("arn")],
            s.INVOKED_BY: [ident.get("invokedBy")],
        },
        schema=dict.fromkeys(IDENTITY_INPUTS, pl.String),
    )
    return resolve_principals(frame).row(0, named=True)


def test_assumed_role_resolves_to_role_with_path_not_session() -> None:
    """An assumed-role session's policy is the role's, path included."""
    p = resolve(role_identity("team/app/Worker", session="i-0abc"))
    assert p[s.PRINCIPAL_ARN] == f"arn:aws:iam::{ACCOUNT}:role/team/app/Worker"
    assert (p[s.PRINCIPAL_TYPE], p[s.PRINCIPAL_ACCOUNT], p[s.SESSION_NAME]) == (
        PrincipalType.ROLE,
        ACCOUNT,
        "i-0abc",
    )
    assert p[ROLE_PATH_GUESSED] is False


@pytest.mark.parametrize(
    ("role", "kind"),
    [
        (
            "aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef",
            PrincipalType.SSO_ROLE,
        ),
        (
            "aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
            PrincipalType.SERVICE_LINKED_ROLE,
        ),
        ("MyAWSReservedSSO_NotReally", PrincipalType.ROLE),
    ],
)
def test_sso_and_service_linked_roles_are_told_apart(role: str, kind: str) -> None:
    """SSO permission-set roles and service-linked roles get their own kinds."""
    assert resolve(role_identity(role))[s.PRINCIPAL_TYPE] == kind


def test_cross_account_role_lives_in_callers_account() -> None:
    """A role of another account calling into this one belongs to its own account."""
    p = resolve(role_identity("Auditor", account=OTHER_ACCOUNT))
    assert p[s.PRINCIPAL_ACCOUNT] == OTHER_ACCOUNT
    assert p[s.PRINCIPAL_ARN] == f"arn:aws:iam::{OTHER_ACCOUNT}:role/Auditor"


def test_partial_assumed_role_rebuilds_role_arn_and_flags_unknown_path() -> None:
    """Without sessionIssuer the role ARN comes from the session ARN, path unknown."""
    identity = role_identity("deep/path/Worker")
    del identity["sessionContext"]
    p = resolve(identity)
    assert p[s.PRINCIPAL_ARN] == f"arn:aws:iam::{ACCOUNT}:role/Worker"
    assert p[ROLE_PATH_GUESSED] is True
    assert p[s.SESSION_NAME] == "s1"


def test_gov_cloud_partition_is_kept() -> None:
    """A session ARN in another partition rebuilds a role ARN in that partition."""
    identity = {
        "type": "AssumedRole",
        "arn": "arn:aws-us-gov:sts::123456789012:assumed-role/R/x",
        "accountId": "123456789012",
    }
    assert resolve(identity)[s.PRINCIPAL_ARN] == "arn:aws-us-gov:iam::123456789012:role/R"


def test_federated_user_resolves_to_issuing_iam_user() -> None:
    """GetFederationToken sessions act with the IAM user's permissions."""
    identity: dict[str, Any] = {
        "type": "FederatedUser",
        "arn": f"arn:aws:sts::{ACCOUNT}:federated-user/bob-session",
        "accountId": ACCOUNT,
        "sessionContext": {
            "sessionIssuer": {"type": "IAMUser", "arn": f"arn:aws:iam::{ACCOUNT}:user/bob"}
        },
    }
    p = resolve(identity)
    assert (p[s.PRINCIPAL_ARN], p[s.PRINCIPAL_TYPE], p[s.SESSION_NAME]) == (
        f"arn:aws:iam::{ACCOUNT}:user/bob",
        PrincipalType.USER,
        "bob-session",
    )


@pytest.mark.parametrize(
    ("identity", "arn", "kind", "account"),
    [
        (user_identity("carol"), f"arn:aws:iam::{ACCOUNT}:user/carol", PrincipalType.USER, ACCOUNT),
        (
            {"type": "IAMUser", "accountId": OTHER_ACCOUNT, "userName": "dave"},
            f"arn:aws:iam::{OTHER_ACCOUNT}:user/dave",
            PrincipalType.USER,
            OTHER_ACCOUNT,
        ),
        (
            {"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT},
            f"arn:aws:iam::{ACCOUNT}:root",
            PrincipalType.ROOT,
            ACCOUNT,
        ),
        (
            {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
            None,
            PrincipalType.AWS_SERVICE,
            None,
        ),
        (
            {"type": "AWSAccount", "principalId": "AIDAX", "accountId": OTHER_ACCOUNT},
            None,
            PrincipalType.AWS_ACCOUNT,
            OTHER_ACCOUNT,
        ),
        (
            {"type": "SAMLUser", "principalId": "x", "userName": "u"},
            None,
            PrincipalType.WEB_IDENTITY,
            None,
        ),
        (
            {"type": "IdentityCenterUser", "accountId": ACCOUNT},
            None,
            PrincipalType.WEB_IDENTITY,
            ACCOUNT,
        ),
        (None, None, PrincipalType.UNKNOWN, None),
        ({"type": "SomethingNew"}, None, PrincipalType.UNKNOWN, None),
    ],
)
def test_other_identity_types(
    identity: Any, arn: str | None, kind: str, account: str | None
) -> None:
    """Users, root, services, other accounts and web identities resolve per §3."""
    p = resolve(identity)
    assert (p[s.PRINCIPAL_ARN], p[s.PRINCIPAL_TYPE], p[s.PRINCIPAL_ACCOUNT]) == (arn, kind, account)
