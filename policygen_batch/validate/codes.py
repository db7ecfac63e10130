"""Every issue code the validator can emit, with its finding type and title.

The codes are Access Analyzer's (the UPPER_SNAKE form of the titles in its "policy validation
check reference"), so findings read the same offline and online. The few codes marked
``project`` are this tool's own additions, asked for by users of generated policies; they
say so in :func:`learn_more`.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from policygen_batch.validate.document import statement_index_of
from policygen_batch.validate.findings import Finding, FindingType

E = FindingType.ERROR
S = FindingType.SECURITY_WARNING
W = FindingType.WARNING
G = FindingType.SUGGESTION

_REFERENCE = (
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html"
)

#: code → (finding type, title, defined by Access Analyzer?)
CODES: Final = MappingProxyType(
    {
        code: (ftype, title, aa)
        for code, ftype, title, aa in (
            # grammar and structure
            ("JSON_SYNTAX_ERROR", E, "Json syntax error", True),
            ("DATA_TYPE_MISMATCH", E, "Data type mismatch", True),
            ("INVALID_POLICY_ELEMENT", E, "Invalid policy element", True),
            ("MISSING_VERSION", W, "Missing version", True),
            ("INVALID_VERSION", E, "Invalid version", True),
            ("MISSING_STATEMENT", E, "Missing statement", True),
            ("MISSING_EFFECT", E, "Missing effect", True),
            ("INVALID_EFFECT", E, "Invalid effect", True),
            ("MISSING_ACTION", E, "Missing action", True),
            ("MISSING_RESOURCE", E, "Missing resource", True),
            ("MISSING_PRINCIPAL", E, "Missing principal", True),
            ("UNSUPPORTED_PRINCIPAL", E, "Unsupported principal", True),
            ("UNSUPPORTED_ELEMENT_COMBINATION", E, "Unsupported element combination", True),
            ("UNIQUE_SIDS_REQUIRED", E, "Unique Sids required", True),
            ("UNIQUE_SIDS_RECOMMENDED", W, "Unique Sids recommended", True),
            ("UNSUPPORTED_SID", E, "Unsupported Sid", True),
            ("EMPTY_SID_VALUE", G, "Empty Sid value", True),
            # principals
            ("INVALID_PRINCIPAL_FORMAT", E, "Invalid principal format", True),
            ("INVALID_PRINCIPAL_KEY", E, "Invalid principal key", True),
            ("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", E, "Unsupported wildcard in principal", True),
            ("ALLOW_WITH_NOT_PRINCIPAL", S, "Allow with NotPrincipal", True),
            ("INVALID_ROLE_REFERENCE", W, "Invalid role reference", True),
            ("INVALID_USER_REFERENCE", W, "Invalid user reference", True),
            ("EMPTY_ARRAY_PRINCIPAL", G, "Empty array principal", True),
            ("EMPTY_OBJECT_PRINCIPAL", G, "Empty object principal", True),
            # service control policies and quotas
            ("SCP_SYNTAX_ERROR_ACTION_WILDCARD", E, "SCP syntax error action wildcard", True),
            ("SCP_SYNTAX_ERROR_ALLOW_CONDITION", E, "SCP syntax error allow condition", True),
            ("SCP_SYNTAX_ERROR_ALLOW_NOTACTION", E, "SCP syntax error allow NotAction", True),
            ("SCP_SYNTAX_ERROR_ALLOW_RESOURCE", E, "SCP syntax error allow resource", True),
            ("SCP_SYNTAX_ERROR_NOTRESOURCE", E, "SCP syntax error NotResource", True),
            ("SCP_SYNTAX_ERROR_PRINCIPAL", E, "SCP syntax error principal", True),
            ("POLICY_SIZE_EXCEEDS_SCP_QUOTA", E, "Policy size exceeds SCP quota", True),
            (
                "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
                W,
                "Policy size exceeds identity policy quota",
                True,
            ),
            (
                "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
                W,
                "Policy size exceeds role trust policy quota",
                False,
            ),
            # actions
            ("INVALID_ACTION", E, "Invalid action", True),
            ("INVALID_SERVICE_IN_ACTION", E, "Invalid service in action", True),
            ("UNSUPPORTED_ACTION_IN_POLICY", E, "Unsupported action in policy", True),
            ("WILDCARD_IN_SERVICE_NAME", G, "Wildcard in service name", True),
            ("VARIABLE_UNSUPPORTED_IN_ELEMENT", E, "Variable unsupported in element", True),
            # resources
            ("INVALID_ARN_PREFIX", E, "Invalid ARN prefix", True),
            ("MISSING_ARN_FIELD", E, "Missing ARN field", True),
            ("INVALID_PARTITION", E, "Invalid partition", True),
            ("INVALID_ARN_SERVICE_CASE", E, "Invalid ARN service case", True),
            ("INVALID_SERVICE", E, "Invalid service", True),
            ("INVALID_ARN_REGION", E, "Invalid ARN Region", True),
            ("INVALID_ARN_ACCOUNT", E, "Invalid ARN account", True),
            ("ARN_REGION_NOT_ALLOWED", E, "ARN Region not allowed", True),
            ("ARN_ACCOUNT_NOT_ALLOWED", E, "ARN account not allowed", True),
            ("MISSING_ARN_REGION", E, "Missing ARN Region", True),
            ("INVALID_ARN_RESOURCE", E, "Invalid ARN resource", True),
            ("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", E, "Unsupported resource ARN in policy", True),
            ("ACTION_RESOURCE_MISMATCH", W, "Action resource mismatch", False),
            # policy variables
            ("MISSING_BRACE_IN_VARIABLE", E, "Missing brace in variable", True),
            ("EMPTY_VARIABLE", E, "Empty variable", True),
            ("UNSUPPORTED_SPACE_IN_VARIABLE", E, "Unsupported space in variable", True),
            ("VARIABLE_UNSUPPORTED_IN_VERSION", E, "Variable unsupported in version", True),
            # conditions
            ("INVALID_CONDITION_OPERATOR", E, "Invalid condition operator", True),
            ("NULL_WITH_IF_EXISTS", E, "Null with if exists", True),
            ("NULL_WITH_QUALIFIER", G, "Null with qualifier", True),
            ("INVALID_CONDITION_KEY_FORMAT", E, "Invalid condition key format", True),
            ("INVALID_GLOBAL_CONDITION_KEY", E, "Invalid global condition key", True),
            ("UNSUPPORTED_GLOBAL_CONDITION_KEY", E, "Unsupported global condition key", True),
            ("INVALID_SERVICE_CONDITION_KEY", E, "Invalid service condition key", True),
            ("MISSING_TAG_KEY_IN_CONDITION", E, "Missing tag key in condition", True),
            (
                "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                E,
                "Duplicate keys with different case",
                True,
            ),
            ("INVALID_CONDITION_DATA_TYPE", E, "Invalid condition data type", True),
            ("INVALID_CONDITION_MULTIPLE_BOOLEAN", E, "Invalid condition multiple Boolean", True),
            ("INVALID_VARIABLE_FOR_OPERATOR", E, "Invalid variable for operator", True),
            ("MISSING_QUALIFIER", E, "Missing qualifier", True),
            ("INVALID_REGION", E, "Invalid Region", True),
            ("TYPE_MISMATCH", W, "Type mismatch", True),
            ("TYPE_MISMATCH_BOOLEAN", W, "Type mismatch Boolean", True),
            ("TYPE_MISMATCH_DATE", W, "Type mismatch date", True),
            ("TYPE_MISMATCH_NUMBER", W, "Type mismatch number", True),
            ("TYPE_MISMATCH_IP_RANGE", W, "Type mismatch IP range", True),
            ("INVALID_DATE_VALUE", W, "Invalid date value", True),
            ("WILDCARD_WITHOUT_LIKE_OPERATOR", W, "Wildcard without like operator", True),
            (
                "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                S,
                "ForAllValues with single valued key",
                True,
            ),
            ("MISSING_PAIRED_CONDITION_KEYS", S, "Missing paired condition keys", True),
            ("PRIVATE_IP_ADDRESS", E, "Private IP address", True),
            ("PRIVATE_NOT_IP_ADDRESS", E, "Private NotIpAddress", True),
            ("PRIVATE_IP_ADDRESS_SUBSET", G, "Private IP address subset", True),
            ("PRIVATE_NOT_IP_ADDRESS_SUBSET", G, "Private NotIpAddress subset", True),
            ("IMPROVE_IP_RANGE", G, "Improve IP range", True),
            ("REDUNDANT_CONDITION_VALUE_NUM", G, "Redundant condition value num", True),
            ("EMPTY_ARRAY_CONDITION", G, "Empty array condition", True),
            ("EMPTY_ARRAY_CONDITION_FORALLVALUES", G, "Empty array condition ForAllValues", True),
            ("EMPTY_ARRAY_CONDITION_FORANYVALUE", G, "Empty array condition ForAnyValue", True),
            ("EMPTY_ARRAY_CONDITION_IFEXISTS", G, "Empty array condition IfExists", True),
            ("EMPTY_OBJECT_CONDITION", G, "Empty object condition", True),
            # security warnings on broad grants
            ("PASS_ROLE_WITH_STAR_IN_RESOURCE", S, "Pass role with star in resource", True),
            (
                "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
                S,
                "Pass role with star in action and resource",
                True,
            ),
            ("PASS_ROLE_WITH_NOT_RESOURCE", S, "Pass role with NotResource", True),
            (
                "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
                S,
                "Pass role with star in action and NotResource",
                True,
            ),
            (
                "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
                S,
                "Pass role with NotAction and NotResource",
                True,
            ),
            (
                "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
                S,
                "Pass role with star in resource and NotAction",
                True,
            ),
            ("CREATE_SLR_WITH_STAR_IN_RESOURCE", W, "Create SLR with star in resource", True),
            (
                "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
                W,
                "Create SLR with star in action and resource",
                True,
            ),
            ("CREATE_SLR_WITH_NOT_RESOURCE", W, "Create SLR with NotResource", True),
            (
                "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
                W,
                "Create SLR with star in action and NotResource",
                True,
            ),
            (
                "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
                W,
                "Create SLR with NotAction and NotResource",
                True,
            ),
            (
                "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
                W,
                "Create SLR with star in resource and NotAction",
                True,
            ),
            ("ALLOW_WITH_NOT_ACTION", S, "Allow with NotAction", False),
            ("ALLOW_WITH_NOT_RESOURCE", S, "Allow with NotResource", False),
            (
                "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                S,
                "Deny with unsupported tag condition key for service",
                True,
            ),
            (
                "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                G,
                "Allow with unsupported tag condition key for service",
                True,
            ),
            # empty elements and redundancy
            ("EMPTY_ARRAY_ACTION", G, "Empty array action", True),
            ("EMPTY_ARRAY_NOT_ACTION", G, "Empty array NotAction", False),
            ("EMPTY_ARRAY_RESOURCE", G, "Empty array resource", True),
            ("EMPTY_ARRAY_NOT_RESOURCE", G, "Empty array NotResource", False),
            ("REDUNDANT_ACTION", G, "Redundant action", True),
            ("REDUNDANT_RESOURCE", G, "Redundant resource", True),
            ("REDUNDANT_STATEMENT", G, "Redundant statement", True),
            # trust policies: external access (this project's own check)
            ("EXTERNAL_PRINCIPAL_IN_TRUST_POLICY", S, "External principal in trust policy", False),
            ("WILDCARD_PRINCIPAL_IN_TRUST_POLICY", S, "Wildcard principal in trust policy", False),
            (
                "FEDERATED_PRINCIPAL_WITHOUT_AUDIENCE",
                S,
                "Federated principal without audience condition",
                False,
            ),
        )
    }
)


def finding_type_of(code: str) -> FindingType:
    """The finding type of an issue code (a ``KeyError`` is a bug in a check)."""
    return CODES[code][0]


def learn_more(code: str) -> str | None:
    """The reference section for an Access Analyzer code; ``None`` for the project's own."""
    ftype, title, aa = CODES[code]
    if not aa:
        return None
    kind = {
        E: "error",
        S: "security-warning",
        W: "general-warning",
        G: "suggestion",
    }[ftype]
    slug = "".join(ch if ch.isalnum() else "-" for ch in title.lower())
    return f"{_REFERENCE}#access-analyzer-reference-policy-checks-{kind}-{slug}"


def make(code: str, message: str, path: str = "") -> Finding:
    """A finding for *code* at *path*, its type and statement index filled in."""
    return Finding(
        finding_type=finding_type_of(code),
        issue_code=code,
        message=message,
        path=path,
        statement_index=statement_index_of(path),
        learn_more=learn_more(code),
    )
