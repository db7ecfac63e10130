"""External access through role trust policies."""

from __future__ import annotations

from typing import Any

from policygen_batch.validate.trust import external_access

ORG = {"111111111111", "222222222222"}


def trust(principal: Any, condition: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    """A one-statement trust policy."""
    stmt: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        stmt["Condition"] = condition
    stmt.update(kw)
    return {"Version": "2012-10-17", "Statement": [stmt]}


def codes(doc: dict[str, Any]) -> list[str]:
    """Issue codes of the external-access findings."""
    return [f.issue_code for f in external_access(doc, ORG)]


def test_principals_inside_the_org_are_fine() -> None:
    """Accounts, roots and roles of org accounts, and service principals, raise nothing."""
    doc = trust(
        {
            "AWS": ["111111111111", "arn:aws:iam::222222222222:role/ci"],
            "Service": "ec2.amazonaws.com",
        }
    )
    assert codes(doc) == []


def test_external_account_is_reported_with_its_path() -> None:
    """A principal in another account is reported at its JSON path."""
    found = external_access(trust({"AWS": ["111111111111", "arn:aws:iam::999999999999:root"]}), ORG)
    assert [(f.issue_code, f.path) for f in found] == [
        ("EXTERNAL_PRINCIPAL_IN_TRUST_POLICY", "Statement[0].Principal.AWS[1]")
    ]
    assert "999999999999" in found[0].message


def test_wildcard_principal_needs_an_org_condition() -> None:
    """``*`` is reported unless a condition keeps callers inside the organization."""
    assert codes(trust("*")) == ["WILDCARD_PRINCIPAL_IN_TRUST_POLICY"]
    assert codes(trust({"AWS": "*"})) == ["WILDCARD_PRINCIPAL_IN_TRUST_POLICY"]
    org_id = {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    assert codes(trust("*", org_id)) == []
    inside = {"StringEquals": {"aws:PrincipalAccount": ["111111111111"]}}
    assert codes(trust({"AWS": "*"}, inside)) == []
    outside = {"StringEquals": {"aws:PrincipalAccount": ["999999999999"]}}
    assert codes(trust({"AWS": "*"}, outside)) == ["WILDCARD_PRINCIPAL_IN_TRUST_POLICY"]
    negated = {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}
    assert codes(trust("*", negated)) == ["WILDCARD_PRINCIPAL_IN_TRUST_POLICY"]


def test_not_principal_is_reported() -> None:
    """Allow with NotPrincipal lets in everyone else."""
    doc = trust(None)
    del doc["Statement"][0]["Principal"]
    doc["Statement"][0]["NotPrincipal"] = {"AWS": "arn:aws:iam::111111111111:root"}
    assert codes(doc) == ["WILDCARD_PRINCIPAL_IN_TRUST_POLICY"]


def test_federated_principal_needs_an_audience() -> None:
    """OIDC and SAML providers need an audience condition; with one, nothing is reported."""
    gh = "arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com"
    assert codes(trust({"Federated": gh}, Action="sts:AssumeRoleWithWebIdentity")) == [
        "FEDERATED_PRINCIPAL_WITHOUT_AUDIENCE"
    ]
    aud = {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}
    assert codes(trust({"Federated": gh}, aud)) == []
    saml = "arn:aws:iam::111111111111:saml-provider/corp"
    assert codes(trust({"Federated": saml})) == ["FEDERATED_PRINCIPAL_WITHOUT_AUDIENCE"]
    saml_aud = {"StringEquals": {"SAML:aud": "https://signin.aws.amazon.com/saml"}}
    assert codes(trust({"Federated": saml}, saml_aud)) == []
    cognito = {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:pool"}}
    assert codes(trust({"Federated": "cognito-identity.amazonaws.com"}, cognito)) == []


def test_deny_statements_grant_no_access() -> None:
    """Deny statements are not access."""
    doc = trust("*", Effect="Deny")
    assert codes(doc) == []
