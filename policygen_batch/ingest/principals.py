"""Who a CloudTrail record's policy is for: the rules of ARCHITECTURE §3, vectorised.

The policy of an assumed-role session belongs to the role (with its path), not to the
session; a federated user's to the IAM user that called ``GetFederationToken``; a
cross-account caller lives in ``userIdentity.accountId``, not in the recipient account.
Calls that AWS services make for themselves (type ``AWSService``, or no type but an
``invokedBy``, as KMS's scheduled ``RotateKey`` events have), and the sign-in steps of
SAML/OIDC/Identity Center users, belong to nobody whose policy we write.

The rules are polars expressions over a few ``userIdentity`` columns that the reader
extracts, so they run once per batch in Rust instead of once per record in Python.
"""

from __future__ import annotations

from typing import Final

import polars as pl

from policygen_batch import schema as s
from policygen_batch.schema import PrincipalType

# Identity columns the reader extracts besides those of the schema; dropped after use.
ID_ACCOUNT: Final = "_identity_account"  # userIdentity.accountId
USER_NAME: Final = "_user_name"  # userIdentity.userName
ISSUER_ARN: Final = "_issuer_arn"  # userIdentity.sessionContext.sessionIssuer.arn
ROLE_PATH_GUESSED: Final = "_role_path_guessed"  # role ARN rebuilt from the session ARN

IDENTITY_INPUTS: Final = (
    s.IDENTITY_TYPE,
    s.IDENTITY_ARN,
    ID_ACCOUNT,
    USER_NAME,
    ISSUER_ARN,
    s.INVOKED_BY,
)

_SESSION_ARN = r"^arn:([^:]+):sts::([^:]*):assumed-role/([^/]+).*$"
_WEB_IDENTITY_TYPES = ("SAMLUser", "WebIdentityUser", "IdentityCenterUser", "Unknown")


def _account_of(arn: pl.Expr) -> pl.Expr:
    return arn.str.split(":").list.get(4, null_on_oob=True).replace("", None)


def resolve_principals(frame: pl.DataFrame) -> pl.DataFrame:
    """Add principal ARN, kind, account and session name from the identity columns.

    Also adds the boolean :data:`ROLE_PATH_GUESSED`: a partial identity without
    ``sessionIssuer`` only names the role, so its path cannot be known.
    """
    kind_in = pl.col(s.IDENTITY_TYPE)
    arn = pl.col(s.IDENTITY_ARN)
    issuer = pl.col(ISSUER_ARN)
    account = pl.coalesce(pl.col(ID_ACCOUNT), _account_of(arn))
    from_session = (
        pl.when(arn.str.contains(_SESSION_ARN))
        .then(arn.str.replace(_SESSION_ARN, "arn:${1}:iam::${2}:role/${3}"))
        .otherwise(None)
    )
    role_arn = pl.coalesce(issuer, from_session)
    role_name = role_arn.str.split("/").list.last()
    role_kind = (
        pl.when(role_arn.str.contains(":role/aws-service-role/", literal=True))
        .then(pl.lit(PrincipalType.SERVICE_LINKED_ROLE))
        .when(role_name.str.starts_with("AWSReservedSSO_"))
        .then(pl.lit(PrincipalType.SSO_ROLE))
        .when(role_arn.is_not_null())
        .then(pl.lit(PrincipalType.ROLE))
        .otherwise(pl.lit(PrincipalType.UNKNOWN))
    )
    user_arn = pl.coalesce(arn, pl.format("arn:aws:iam::{}:user/{}", account, pl.col(USER_NAME)))
    principal_arn = (
        pl.when(kind_in == "AssumedRole")
        .then(role_arn)
        .when(kind_in == "IAMUser")
        .then(user_arn)
        .when(kind_in == "Root")
        .then(pl.coalesce(arn, pl.format("arn:aws:iam::{}:root", account)))
        .when(kind_in == "FederatedUser")
        .then(issuer)
        .otherwise(None)
    )
    principal_type = (
        pl.when(kind_in == "AssumedRole")
        .then(role_kind)
        .when((kind_in == "IAMUser") & user_arn.is_not_null())
        .then(pl.lit(PrincipalType.USER))
        .when(kind_in == "Root")
        .then(pl.lit(PrincipalType.ROOT))
        .when((kind_in == "FederatedUser") & issuer.is_not_null())
        .then(pl.lit(PrincipalType.USER))
        .when((kind_in == "AWSService") | (kind_in.is_null() & pl.col(s.INVOKED_BY).is_not_null()))
        .then(pl.lit(PrincipalType.AWS_SERVICE))
        .when(kind_in == "AWSAccount")
        .then(pl.lit(PrincipalType.AWS_ACCOUNT))
        .when(kind_in.is_in(_WEB_IDENTITY_TYPES))
        .then(pl.lit(PrincipalType.WEB_IDENTITY))
        .otherwise(pl.lit(PrincipalType.UNKNOWN))
    )
    principal_account = (
        pl.when(kind_in.is_in(("AssumedRole", "FederatedUser")) & issuer.is_not_null())
        .then(pl.coalesce(_account_of(issuer), account))
        .when(kind_in == "AWSService")
        .then(None)
        .otherwise(account)
    )
    session_name = (
        pl.when(arn.str.contains(":assumed-role/", literal=True))
        .then(arn.str.split("/").list.get(2, null_on_oob=True))
        .when(arn.str.contains(":federated-user/", literal=True))
        .then(arn.str.split("/").list.last())
        .otherwise(None)
    )
    return frame.with_columns(
        principal_arn.alias(s.PRINCIPAL_ARN),
        principal_type.alias(s.PRINCIPAL_TYPE),
        principal_account.alias(s.PRINCIPAL_ACCOUNT),
        session_name.alias(s.SESSION_NAME),
        ((kind_in == "AssumedRole") & issuer.is_null() & from_session.is_not_null())
        .fill_null(False)
        .alias(ROLE_PATH_GUESSED),
    )
