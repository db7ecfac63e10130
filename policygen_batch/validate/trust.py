"""External access through role trust policies: who outside the organization may assume a role.

:func:`external_access` reads one parsed trust policy and the set of the organization's
account IDs and reports, as findings with the validator's model:

* ``WILDCARD_PRINCIPAL_IN_TRUST_POLICY`` — ``"*"`` (or ``{"AWS": "*"}``, or Allow with
  NotPrincipal) without a condition that keeps callers inside the organization
  (aws:PrincipalOrgID, aws:PrincipalOrgPaths, or aws:PrincipalAccount / aws:PrincipalArn
  limited to the organization's accounts);
* ``EXTERNAL_PRINCIPAL_IN_TRUST_POLICY`` — an AWS principal (account, root, role, user or
  session ARN) in an account that is not the organization's;
* ``FEDERATED_PRINCIPAL_WITHOUT_AUDIENCE`` — a web-identity or SAML provider trusted
  without a condition on the token's audience, so any client of that provider may assume it.

Reading the authorization snapshots and reporting per role is the caller's job (the report
stage): this function only needs the document and the account set.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from typing import Any

from policygen_batch.validate.codes import make
from policygen_batch.validate.document import StatementView, statements
from policygen_batch.validate.findings import Finding, sort_findings

_ACCOUNT_IN_ARN = re.compile(r"^arn:[^:]+:(?:iam|sts)::(\d{12}):")
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_ORG_KEYS = frozenset({"aws:principalorgid", "aws:principalorgpaths"})
#: Claims that carry the audience of a web-identity token, per provider convention.
_AUDIENCE_CLAIMS = ("aud", "oaud", "azp", "app_id")


def _account_of(principal: str) -> str | None:
    if _ACCOUNT_ID.match(principal):
        return principal
    m = _ACCOUNT_IN_ARN.match(principal)
    return m.group(1) if m else None


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [i for i in items if isinstance(i, str)]


def _restricted_to_org(st: StatementView, org_accounts: Collection[str]) -> bool:
    """Whether a condition (not negated, not IfExists) keeps principals inside the org."""
    for entry in st.conditions():
        op, key = entry.operator, entry.key.lower()
        if "Not" in op or op.endswith("IfExists") or op.startswith("ForAllValues"):
            continue
        values = [str(v) for v in entry.values]
        if key in _ORG_KEYS and values:
            return True
        if key == "aws:principalaccount" and values and set(values) <= set(org_accounts):
            return True
        if key == "aws:principalarn" and values:
            accounts = {_account_of(v) for v in values}
            if None not in accounts and accounts <= set(org_accounts):
                return True
    return False


def _provider_host(federated: str) -> str | None:
    """The claim prefix for a federated principal (``token.actions.githubusercontent.com``)."""
    if federated.startswith("arn:"):
        _, _, rest = federated.partition(":oidc-provider/")
        if rest:
            return rest
        return "saml" if ":saml-provider/" in federated else None
    return federated


def _has_audience(st: StatementView, host: str) -> bool:
    for entry in st.conditions():
        key = entry.key.lower()
        if not key.startswith(host.lower() + ":") or "Not" in entry.operator:
            continue
        claim = key[len(host) + 1 :]
        if claim in _AUDIENCE_CLAIMS and entry.values:
            return True
    return False


def _principal_pairs(st: StatementView) -> list[tuple[str, str, str]]:
    """``(key, value, path)`` of every principal; ``"*"`` counts as ``{"AWS": "*"}``."""
    raw = st.raw.get("Principal")
    path = f"{st.path}.Principal"
    if raw == "*":
        return [("AWS", "*", path)]
    pairs: list[tuple[str, str, str]] = []
    if isinstance(raw, dict):
        for key, value in raw.items():
            for i, item in enumerate(_strings(value)):
                sub = f"[{i}]" if isinstance(value, list) else ""
                pairs.append((str(key), item, f"{path}.{key}{sub}"))
    return pairs


def _statement_findings(st: StatementView, org_accounts: Collection[str]) -> Iterator[Finding]:
    if not st.is_allow:
        return
    if st.has("NotPrincipal"):
        yield make(
            "WILDCARD_PRINCIPAL_IN_TRUST_POLICY",
            "Allow with NotPrincipal lets every principal not listed assume the role, in any "
            "account.",
            f"{st.path}.NotPrincipal",
        )
        return
    pairs = _principal_pairs(st)
    restricted = _restricted_to_org(st, org_accounts)
    for key, value, where in pairs:
        if key == "AWS" and value == "*":
            if not restricted:
                yield make(
                    "WILDCARD_PRINCIPAL_IN_TRUST_POLICY",
                    "Any AWS principal may assume the role: no condition limits callers to the "
                    "organization (aws:PrincipalOrgID, aws:PrincipalAccount).",
                    where,
                )
        elif key == "AWS":
            account = _account_of(value)
            if account is not None and account not in org_accounts and not restricted:
                yield make(
                    "EXTERNAL_PRINCIPAL_IN_TRUST_POLICY",
                    f"{value} is in account {account}, outside the organization's accounts.",
                    where,
                )
        elif key == "Federated":
            host = _provider_host(value)
            if host is not None and not _has_audience(st, host):
                yield make(
                    "FEDERATED_PRINCIPAL_WITHOUT_AUDIENCE",
                    f"The federated principal {value} is trusted without a condition on "
                    f"{host}:aud, so any client of that identity provider may assume the role.",
                    where,
                )


def external_access(document: Any, org_accounts: Collection[str]) -> list[Finding]:
    """Findings for principals outside *org_accounts* that a trust policy lets in."""
    accounts = frozenset(org_accounts)
    found: list[Finding] = []
    for st in statements(document):
        found.extend(_statement_findings(st, accounts))
    return sort_findings(found)
