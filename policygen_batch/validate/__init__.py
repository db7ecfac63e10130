"""Offline policy validation (Access Analyzer's ValidatePolicy) and custom policy checks.

The public surface, for ``generate`` and other stages:

* :func:`validate_policy` — findings for one parsed policy document;
* :func:`validate_policies` — the same for many documents, sharing catalog look-ups;
* :func:`validate_policy_text` — the same for text (bad JSON is a finding);
* :func:`catalog_view` — wrap the run's catalog once, reuse it for many policies;
* :func:`check_no_new_access`, :func:`check_access_not_granted` — sound custom checks;
* :func:`external_access` — trust-policy principals outside the organization.
"""

from policygen_batch.validate.checks import (
    all_checks,
    catalog_view,
    validate_policies,
    validate_policy,
    validate_policy_text,
)
from policygen_batch.validate.custom import (
    CustomCheckResult,
    Verdict,
    check_access_not_granted,
    check_no_new_access,
)
from policygen_batch.validate.document import PolicyType
from policygen_batch.validate.findings import Finding, FindingType, any_at_or_above
from policygen_batch.validate.trust import external_access

__all__ = [
    "CustomCheckResult",
    "Finding",
    "FindingType",
    "PolicyType",
    "Verdict",
    "all_checks",
    "any_at_or_above",
    "catalog_view",
    "check_access_not_granted",
    "check_no_new_access",
    "external_access",
    "validate_policies",
    "validate_policy",
    "validate_policy_text",
]
