"""Principal resolution follows ARCHITECTURE §3 for every userIdentity type."""

from __future__ import annotations

from typing import Any

import pytest

from policygen_batch.ingest.principals import resolve_principal
from policygen_batch.schema import PrincipalType, RecordFlag
from tests.factories import ACCOUNT, OTHER_ACCOUNT, role_identity, user_identity


def test_assumed_role_resolves_to_role_with_path_not_session() -> None:
    """An assumed-role session's policy is the role's, path included."""
    p = resolve_principal(role_identity("team/app/Worker", session="i-0abc"))
    assert p.arn == f"arn:aws:iam::{ACCOUNT}:role/team/app/Worker"
    assert (p.kind, p.account, p.session_name) == (PrincipalType.ROLE, ACCOUNT, "i-0abc")


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
    ],
)
def test_sso_and_service_linked_roles_are_told_apart(role: str, kind: str) -> None:
    """SSO permission-set roles and service-linked roles get their own kinds."""
    assert resolve_principal(role_identity(role)).kind == kind


def test_cross_account_role_lives_in_callers_account() -> None:
    """A role of another account calling into this one belongs to its own account."""
    p = resolve_principal(role_identity("Auditor", account=OTHER_ACCOUNT))
    assert p.account == OTHER_ACCOUNT
    assert p.arn == f"arn:aws:iam::{OTHER_ACCOUNT}:role/Auditor"


def test_partial_assumed_role_rebuilds_role_arn_and_flags_unknown_path() -> None:
    """Without sessionIssuer the role ARN comes from the session ARN, path unknown."""
    identity = role_identity("deep/path/Worker")
    del identity["sessionContext"]
    p = resolve_principal(identity)
    assert p.arn == f"arn:aws:iam::{ACCOUNT}:role/Worker"
    assert p.flag == RecordFlag.ROLE_PATH_UNKNOWN


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
    p = resolve_principal(identity)
    assert (p.arn, p.kind, p.session_name) == (
        f"arn:aws:iam::{ACCOUNT}:user/bob",
        PrincipalType.USER,
        "bob-session",
    )


@pytest.mark.parametrize(
    ("identity", "arn", "kind", "account"),
    [
        (user_identity("carol"), f"arn:aws:iam::{ACCOUNT}:user/carol", PrincipalType.USER, ACCOUNT),
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
    p = resolve_principal(identity)
    assert (p.arn, p.kind, p.account) == (arn, kind, account)
