"""One failing ("bad") and one passing ("good") fixture for every issue code of every check."""

from __future__ import annotations

from typing import Any

import pytest

from policygen_batch.validate.catalog_view import CatalogView
from policygen_batch.validate.checks import all_checks, validate_policy, validate_policy_text
from policygen_batch.validate.codes import CODES
from policygen_batch.validate.document import PolicyType
from policygen_batch.validate.findings import FindingType

V = "2012-10-17"
OBJ = "arn:aws:s3:::b/k"
ACCT = "arn:aws:iam::123456789012:root"
ROLE = "arn:aws:iam::123456789012:role/app"
DROP = object()  # a statement key given this value is left out


def S(**kw: Any) -> dict[str, Any]:
    """A statement: Allow s3:GetObject on one object, with *kw* replacing or dropping keys."""
    base: dict[str, Any] = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": OBJ}
    base.update(kw)
    return {k: v for k, v in base.items() if v is not DROP}


def P(*statements: dict[str, Any], version: Any = V) -> dict[str, Any]:
    """A policy document of the given statements."""
    doc: dict[str, Any] = {"Version": version, "Statement": list(statements)}
    if version is DROP:
        del doc["Version"]
    return doc


def R(**kw: Any) -> dict[str, Any]:
    """A resource-policy statement (with a Principal)."""
    return S(Principal={"AWS": ACCT}, **kw)


def T(**kw: Any) -> dict[str, Any]:
    """A trust-policy statement."""
    base: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": ACCT},
        "Action": "sts:AssumeRole",
    }
    base.update(kw)
    return {k: v for k, v in base.items() if v is not DROP}


def C(block: dict[str, Any], **kw: Any) -> dict[str, Any]:
    """A policy of one statement with a Condition block."""
    return P(S(Condition=block, **kw))


ID, RES, TR, SCP = PolicyType.IDENTITY, PolicyType.RESOURCE, PolicyType.TRUST, PolicyType.SCP
PASSROLE_NOT = {"NotResource": ROLE}
MANY = [f"arn:aws:s3:::bucket-{i:04d}/some/long/prefix/*" for i in range(200)]

# (issue code, policy type, bad document, good document)
CASES: list[tuple[str, PolicyType, Any, Any]] = [
    # grammar and structure
    ("DATA_TYPE_MISMATCH", ID, P(S(Effect=1)), P(S())),
    ("DATA_TYPE_MISMATCH", ID, P(S(Action=["s3:GetObject", 7])), P(S())),
    ("DATA_TYPE_MISMATCH", ID, ["not", "an", "object"], P(S())),
    ("INVALID_POLICY_ELEMENT", ID, P(S(Foo=1)), P(S())),
    ("MISSING_VERSION", ID, P(S(), version=DROP), P(S())),
    ("INVALID_VERSION", ID, P(S(), version="2020-01-01"), P(S(), version="2008-10-17")),
    ("MISSING_STATEMENT", ID, {"Version": V}, P(S())),
    ("MISSING_EFFECT", ID, P(S(Effect=DROP)), P(S())),
    ("INVALID_EFFECT", ID, P(S(Effect="allow")), P(S(Effect="Deny"))),
    ("MISSING_ACTION", ID, P(S(Action=DROP)), P(S())),
    ("MISSING_RESOURCE", ID, P(S(Resource=DROP)), P(S())),
    ("MISSING_PRINCIPAL", RES, P(S()), P(R())),
    ("UNSUPPORTED_PRINCIPAL", ID, P(R()), P(S())),
    ("UNSUPPORTED_ELEMENT_COMBINATION", ID, P(S(NotAction="s3:PutObject")), P(S())),
    ("UNIQUE_SIDS_REQUIRED", ID, P(S(Sid="A"), S(Sid="A")), P(S(Sid="A"), S(Sid="B"))),
    ("UNIQUE_SIDS_RECOMMENDED", RES, P(R(Sid="A"), R(Sid="A")), P(R(Sid="A"), R(Sid="B"))),
    ("UNSUPPORTED_SID", ID, P(S(Sid="my sid")), P(S(Sid="MySid1"))),
    ("EMPTY_SID_VALUE", ID, P(S(Sid="")), P(S(Sid="A"))),
    # principals
    ("INVALID_PRINCIPAL_FORMAT", RES, P(S(Principal=ACCT)), P(S(Principal="*"))),
    ("INVALID_PRINCIPAL_KEY", RES, P(S(Principal={"Aws": ACCT})), P(R())),
    (
        "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
        RES,
        P(S(Principal={"AWS": "arn:aws:iam::123456789012:role/*"})),
        P(S(Principal={"AWS": "*"})),
    ),
    ("ALLOW_WITH_NOT_PRINCIPAL", RES, P(S(NotPrincipal={"AWS": ACCT})), P(R())),
    ("INVALID_ROLE_REFERENCE", RES, P(S(Principal={"AWS": "AROAABCDEFGHIJKLMNOPQ"})), P(R())),
    ("INVALID_USER_REFERENCE", RES, P(S(Principal={"AWS": "AIDAABCDEFGHIJKLMNOPQ"})), P(R())),
    ("EMPTY_ARRAY_PRINCIPAL", RES, P(S(Principal={"AWS": []})), P(R())),
    ("EMPTY_OBJECT_PRINCIPAL", RES, P(S(Principal={})), P(R())),
    # service control policies and quotas
    (
        "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
        SCP,
        P(S(Action="s3:*Object", Resource="*")),
        P(S(Action="s3:Get*", Resource="*")),
    ),
    (
        "SCP_SYNTAX_ERROR_ALLOW_CONDITION",
        SCP,
        P(S(Resource="*", Condition={"Bool": {"aws:SecureTransport": "true"}})),
        P(S(Effect="Deny", Resource="*", Condition={"Bool": {"aws:SecureTransport": "false"}})),
    ),
    (
        "SCP_SYNTAX_ERROR_ALLOW_NOTACTION",
        SCP,
        P(S(Action=DROP, NotAction="iam:*", Resource="*")),
        P(S(Effect="Deny", Action=DROP, NotAction="iam:*", Resource="*")),
    ),
    ("SCP_SYNTAX_ERROR_ALLOW_RESOURCE", SCP, P(S()), P(S(Resource="*"))),
    (
        "SCP_SYNTAX_ERROR_NOTRESOURCE",
        SCP,
        P(S(Effect="Deny", Resource=DROP, NotResource=OBJ)),
        P(S(Effect="Deny")),
    ),
    ("SCP_SYNTAX_ERROR_PRINCIPAL", SCP, P(S(Resource="*", Principal="*")), P(S(Resource="*"))),
    (
        "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
        SCP,
        P(S(Effect="Deny", Resource=MANY)),
        P(S(Effect="Deny", Resource=MANY[:20])),
    ),
    (
        "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
        ID,
        P(S(Resource=MANY)),
        P(S(Resource=MANY[:40])),
    ),
    (
        "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
        TR,
        P(T(Principal={"AWS": [f"arn:aws:iam::{i:012d}:root" for i in range(80)]})),
        P(T()),
    ),
    # actions
    ("INVALID_ACTION", ID, P(S(Action="s3:GetObjekt")), P(S(Action="s3:getobject"))),
    ("INVALID_ACTION", ID, P(S(Action="s3GetObject")), P(S())),
    ("INVALID_SERVICE_IN_ACTION", ID, P(S(Action="s4:GetObject")), P(S())),
    ("UNSUPPORTED_ACTION_IN_POLICY", TR, P(T(Action="s3:GetObject")), P(T(Action="sts:Assume*"))),
    ("WILDCARD_IN_SERVICE_NAME", ID, P(S(Action="s*:GetObject")), P(S(Action="s3:Get*"))),
    ("VARIABLE_UNSUPPORTED_IN_ELEMENT", ID, P(S(Action="s3:${aws:username}")), P(S())),
    # resources
    ("INVALID_ARN_PREFIX", ID, P(S(Resource="s3:::b/k")), P(S())),
    ("MISSING_ARN_FIELD", ID, P(S(Resource="arn:aws:s3:b")), P(S())),
    (
        "INVALID_PARTITION",
        ID,
        P(S(Resource="arn:aws-moon:s3:::b/k")),
        P(S(Resource="arn:aws-cn:s3:::b/k")),
    ),
    ("INVALID_ARN_SERVICE_CASE", ID, P(S(Resource="arn:aws:S3:::b/k")), P(S())),
    ("INVALID_SERVICE", ID, P(S(Resource="arn:aws:s4:::b/k")), P(S())),
    (
        "INVALID_ARN_REGION",
        ID,
        P(
            S(
                Action="lambda:InvokeFunction",
                Resource="arn:aws:lambda:moon:123456789012:function:f",
            )
        ),
        P(
            S(
                Action="lambda:InvokeFunction",
                Resource="arn:aws:lambda:us-east-1:123456789012:function:f",
            )
        ),
    ),
    (
        "INVALID_ARN_ACCOUNT",
        ID,
        P(S(Action="lambda:InvokeFunction", Resource="arn:aws:lambda:us-east-1:12345:function:f")),
        P(S(Action="lambda:InvokeFunction", Resource="arn:aws:lambda:*:*:function:f")),
    ),
    (
        "ARN_REGION_NOT_ALLOWED",
        ID,
        P(S(Action="iam:GetRole", Resource="arn:aws:iam:us-east-1:123456789012:role/r")),
        P(S(Action="iam:GetRole", Resource=ROLE)),
    ),
    ("ARN_ACCOUNT_NOT_ALLOWED", ID, P(S(Resource="arn:aws:s3::123456789012:b/k")), P(S())),
    (
        "MISSING_ARN_REGION",
        ID,
        P(S(Action="lambda:InvokeFunction", Resource="arn:aws:lambda::123456789012:function:f")),
        P(
            S(
                Action="lambda:InvokeFunction",
                Resource="arn:aws:lambda:eu-west-1:123456789012:function:f",
            )
        ),
    ),
    (
        "INVALID_ARN_RESOURCE",
        ID,
        P(
            S(
                Action="lambda:InvokeFunction",
                Resource="arn:aws:lambda:us-east-1:123456789012:funktion:f",
            )
        ),
        P(
            S(
                Action="lambda:InvokeFunction",
                Resource="arn:aws:lambda:us-east-1:123456789012:function:f:*",
            )
        ),
    ),
    (
        "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
        ID,
        P(S(Action="s3:ListBucket")),
        P(S(Action="s3:ListBucket", Resource="arn:aws:s3:::b")),
    ),
    (
        "ACTION_RESOURCE_MISMATCH",
        ID,
        P(S(Action=["s3:GetObject", "s3:ListBucket"])),
        P(S(Action=["s3:GetObject", "s3:ListBucket"], Resource=["arn:aws:s3:::b", OBJ])),
    ),
    # policy variables
    (
        "MISSING_BRACE_IN_VARIABLE",
        ID,
        P(S(Resource="arn:aws:s3:::b/${aws:username")),
        P(S(Resource="arn:aws:s3:::b/${aws:username}")),
    ),
    ("EMPTY_VARIABLE", ID, P(S(Resource="arn:aws:s3:::b/${}")), P(S())),
    (
        "UNSUPPORTED_SPACE_IN_VARIABLE",
        ID,
        P(S(Resource="arn:aws:s3:::b/${aws: username}")),
        P(S(Resource="arn:aws:s3:::b/${aws:username, 'anonymous'}")),
    ),
    (
        "VARIABLE_UNSUPPORTED_IN_VERSION",
        ID,
        P(S(Resource="arn:aws:s3:::b/${aws:username}"), version="2008-10-17"),
        P(S(Resource="arn:aws:s3:::b/${aws:username}")),
    ),
    # conditions
    (
        "INVALID_CONDITION_OPERATOR",
        ID,
        C({"StringEqualz": {"aws:SourceVpc": "vpc-1"}}),
        C({"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}),
    ),
    (
        "NULL_WITH_IF_EXISTS",
        ID,
        C({"NullIfExists": {"aws:TokenIssueTime": "true"}}),
        C({"Null": {"aws:TokenIssueTime": "true"}}),
    ),
    (
        "NULL_WITH_QUALIFIER",
        ID,
        C({"ForAnyValue:Null": {"aws:TagKeys": "true"}}),
        C({"Null": {"aws:TagKeys": "true"}}),
    ),
    (
        "INVALID_CONDITION_KEY_FORMAT",
        ID,
        C({"StringEquals": {"SourceVpc": "v"}}),
        C({"StringEquals": {"aws:SourceVpc": "v"}}),
    ),
    (
        "INVALID_GLOBAL_CONDITION_KEY",
        ID,
        C({"StringEquals": {"aws:SourceVpcc": "v"}}),
        C({"StringEquals": {"aws:sourcevpc": "v"}}),
    ),
    (
        "UNSUPPORTED_GLOBAL_CONDITION_KEY",
        ID,
        C({"ArnEquals": {"aws:ARN": ROLE}}),
        C({"ArnEquals": {"aws:PrincipalArn": ROLE}}),
    ),
    (
        "INVALID_SERVICE_CONDITION_KEY",
        ID,
        C({"StringEquals": {"s3:prefixx": "a/"}}),
        C({"StringEquals": {"s3:prefix": "a/"}}),
    ),
    (
        "INVALID_SERVICE_CONDITION_KEY",
        ID,
        C({"StringEquals": {"s4:prefix": "a/"}}),
        C({"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:o/r:*"}}),
    ),
    (
        "MISSING_TAG_KEY_IN_CONDITION",
        ID,
        C({"StringEquals": {"aws:ResourceTag": "x"}}),
        C({"StringEquals": {"aws:ResourceTag/team": "x"}}),
    ),
    (
        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
        ID,
        C({"StringEquals": {"aws:SourceVpc": "a", "aws:sourcevpc": "b"}}),
        C({"StringEquals": {"aws:SourceVpc": ["a", "b"]}}),
    ),
    (
        "INVALID_CONDITION_DATA_TYPE",
        ID,
        C({"StringEquals": {"aws:SourceVpc": ["a", 1]}}),
        C({"StringEquals": {"aws:SourceVpc": ["a", "b"]}}),
    ),
    (
        "INVALID_CONDITION_MULTIPLE_BOOLEAN",
        ID,
        C({"Bool": {"aws:SecureTransport": ["true", "false"]}}),
        C({"Bool": {"aws:SecureTransport": "true"}}),
    ),
    (
        "INVALID_VARIABLE_FOR_OPERATOR",
        ID,
        C({"NumericLessThan": {"aws:MultiFactorAuthAge": "${aws:username}"}}),
        C({"StringEquals": {"aws:PrincipalTag/owner": "${aws:username}"}}),
    ),
    (
        "MISSING_QUALIFIER",
        ID,
        C({"StringEquals": {"aws:TagKeys": "a"}}),
        C({"ForAllValues:StringEquals": {"aws:TagKeys": "a"}}),
    ),
    (
        "INVALID_REGION",
        ID,
        C({"StringEquals": {"aws:RequestedRegion": "moon-1"}}),
        C({"StringEquals": {"aws:RequestedRegion": ["us-east-1", "us-gov-west-1"]}}),
    ),
    (
        "TYPE_MISMATCH",
        ID,
        C({"StringEquals": {"aws:SecureTransport": "true"}}),
        C({"Bool": {"aws:SecureTransport": "true"}}),
    ),
    (
        "TYPE_MISMATCH_BOOLEAN",
        ID,
        C({"Bool": {"aws:SecureTransport": "yes"}}),
        C({"Bool": {"aws:SecureTransport": True}}),
    ),
    (
        "TYPE_MISMATCH_DATE",
        ID,
        C({"DateGreaterThan": {"aws:CurrentTime": "yesterday"}}),
        C({"DateGreaterThan": {"aws:CurrentTime": "2024-01-01T00:00:00Z"}}),
    ),
    (
        "TYPE_MISMATCH_NUMBER",
        ID,
        C({"NumericLessThan": {"aws:MultiFactorAuthAge": "ten"}}),
        C({"NumericLessThan": {"aws:MultiFactorAuthAge": 3600}}),
    ),
    (
        "TYPE_MISMATCH_IP_RANGE",
        ID,
        C({"IpAddress": {"aws:SourceIp": "not-an-ip"}}),
        C({"IpAddress": {"aws:SourceIp": "2001:db8::/32"}}),
    ),
    (
        "INVALID_DATE_VALUE",
        ID,
        C({"DateGreaterThan": {"aws:CurrentTime": "1700000000"}}),
        C({"DateGreaterThan": {"aws:CurrentTime": "2024-01-01"}}),
    ),
    (
        "WILDCARD_WITHOUT_LIKE_OPERATOR",
        ID,
        C({"StringEquals": {"aws:PrincipalTag/team": "dev*"}}),
        C({"StringLike": {"aws:PrincipalTag/team": "dev*"}}),
    ),
    (
        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
        ID,
        C({"ForAllValues:StringEquals": {"aws:SourceVpc": ["a"]}}),
        C({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}),
    ),
    (
        "MISSING_PAIRED_CONDITION_KEYS",
        ID,
        C({"IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"}}),
        C(
            {
                "IpAddress": {"aws:VpcSourceIp": "10.0.0.0/8"},
                "StringEquals": {"aws:SourceVpc": "vpc-1"},
            }
        ),
    ),
    (
        "PRIVATE_IP_ADDRESS",
        ID,
        C({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        C({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    ),
    (
        "PRIVATE_NOT_IP_ADDRESS",
        ID,
        C({"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}}),
        C({"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
    ),
    (
        "PRIVATE_IP_ADDRESS_SUBSET",
        ID,
        C({"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}),
        C({"IpAddress": {"aws:SourceIp": ["198.51.100.0/24", "203.0.113.0/24"]}}),
    ),
    (
        "PRIVATE_NOT_IP_ADDRESS_SUBSET",
        ID,
        C({"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "203.0.113.0/24"]}}),
        C({"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24"]}}),
    ),
    (
        "IMPROVE_IP_RANGE",
        ID,
        C({"IpAddress": {"aws:SourceIp": "203.0.113.5/24"}}),
        C({"IpAddress": {"aws:SourceIp": "203.0.113.5"}}),
    ),
    (
        "REDUNDANT_CONDITION_VALUE_NUM",
        ID,
        C({"NumericLessThan": {"aws:MultiFactorAuthAge": ["2700", "3600"]}}),
        C({"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}),
    ),
    (
        "EMPTY_ARRAY_CONDITION",
        ID,
        C({"StringEquals": {"aws:SourceVpc": []}}),
        C({"StringEquals": {"aws:SourceVpc": ["v"]}}),
    ),
    (
        "EMPTY_ARRAY_CONDITION_FORALLVALUES",
        ID,
        C({"ForAllValues:StringEquals": {"aws:TagKeys": []}}),
        C({"ForAllValues:StringEquals": {"aws:TagKeys": ["a"]}}),
    ),
    (
        "EMPTY_ARRAY_CONDITION_FORANYVALUE",
        ID,
        C({"ForAnyValue:StringEquals": {"aws:TagKeys": []}}),
        C({"ForAnyValue:StringEquals": {"aws:TagKeys": ["a"]}}),
    ),
    (
        "EMPTY_ARRAY_CONDITION_IFEXISTS",
        ID,
        C({"StringEqualsIfExists": {"aws:SourceVpc": []}}),
        C({"StringEqualsIfExists": {"aws:SourceVpc": "v"}}),
    ),
    ("EMPTY_OBJECT_CONDITION", ID, C({}), C({"Bool": {"aws:SecureTransport": "true"}})),
    # PassRole and CreateServiceLinkedRole
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        ID,
        P(S(Action="iam:PassRole", Resource="*")),
        P(S(Action="iam:PassRole", Resource=ROLE)),
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        ID,
        P(S(Action="iam:PassRole", Resource="arn:aws:iam::123456789012:role/*")),
        P(
            S(
                Action="iam:PassRole",
                Resource="*",
                Condition={"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
            )
        ),
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        ID,
        P(S(Action="iam:*", Resource="*")),
        P(S(Action="iam:Get*", Resource="*")),
    ),
    (
        "PASS_ROLE_WITH_NOT_RESOURCE",
        ID,
        P(S(Action="iam:PassRole", Resource=DROP, **PASSROLE_NOT)),
        P(S(Action="iam:PassRole", Resource=ROLE)),
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        ID,
        P(S(Action="iam:Pass*", Resource=DROP, **PASSROLE_NOT)),
        P(S(Action="iam:List*", Resource=DROP, **PASSROLE_NOT)),
    ),
    (
        "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        ID,
        P(S(Action=DROP, NotAction="s3:*", Resource=DROP, **PASSROLE_NOT)),
        P(S(Action=DROP, NotAction="iam:*", Resource=DROP, **PASSROLE_NOT)),
    ),
    (
        "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        ID,
        P(S(Action=DROP, NotAction="s3:*", Resource="*")),
        P(S(Action=DROP, NotAction="iam:*", Resource="*")),
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_RESOURCE",
        ID,
        P(S(Action="iam:CreateServiceLinkedRole", Resource="*")),
        P(
            S(
                Action="iam:CreateServiceLinkedRole",
                Resource="*",
                Condition={"StringEquals": {"iam:AWSServiceName": "ecs.amazonaws.com"}},
            )
        ),
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        ID,
        P(S(Action="iam:Create*", Resource="*")),
        P(S(Action="iam:CreateRole", Resource=ROLE)),
    ),
    (
        "CREATE_SLR_WITH_NOT_RESOURCE",
        ID,
        P(S(Action="iam:CreateServiceLinkedRole", Resource=DROP, **PASSROLE_NOT)),
        P(S(Action="iam:CreateServiceLinkedRole", Resource=ROLE)),
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        ID,
        P(S(Action="iam:*", Resource=DROP, **PASSROLE_NOT)),
        P(S(Action="iam:Get*", Resource=DROP, **PASSROLE_NOT)),
    ),
    (
        "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
        ID,
        P(S(Action=DROP, NotAction="s3:*", Resource=DROP, **PASSROLE_NOT)),
        P(S(Action=DROP, NotAction="iam:*", Resource=DROP, **PASSROLE_NOT)),
    ),
    (
        "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        ID,
        P(S(Action=DROP, NotAction="s3:*", Resource="*")),
        P(S(Action=DROP, NotAction=["iam:*", "s3:*"], Resource="*")),
    ),
    (
        "ALLOW_WITH_NOT_ACTION",
        ID,
        P(S(Action=DROP, NotAction="iam:*")),
        P(S(Effect="Deny", Action=DROP, NotAction="iam:*")),
    ),
    (
        "ALLOW_WITH_NOT_RESOURCE",
        ID,
        P(S(Resource=DROP, NotResource=OBJ)),
        P(S(Effect="Deny", Resource=DROP, NotResource=OBJ)),
    ),
    (
        "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        ID,
        P(
            S(
                Effect="Deny",
                Action=["ec2:TerminateInstances", "s3:ListAllMyBuckets"],
                Resource="*",
                Condition={"StringEquals": {"aws:ResourceTag/status": "Confidential"}},
            )
        ),
        P(
            S(
                Effect="Deny",
                Action=["ec2:TerminateInstances"],
                Resource="*",
                Condition={"StringEquals": {"aws:ResourceTag/status": "Confidential"}},
            )
        ),
    ),
    (
        "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
        ID,
        P(
            S(
                Action=["ec2:StartInstances", "s3:ListAllMyBuckets"],
                Resource="*",
                Condition={"StringEquals": {"aws:ResourceTag/team": "a"}},
            )
        ),
        P(
            S(
                Action=["ec2:StartInstances"],
                Resource="*",
                Condition={"StringEquals": {"aws:ResourceTag/team": "a"}},
            )
        ),
    ),
    # empty elements and redundancy
    ("EMPTY_ARRAY_ACTION", ID, P(S(Action=[])), P(S())),
    ("EMPTY_ARRAY_NOT_ACTION", ID, P(S(Effect="Deny", Action=DROP, NotAction=[])), P(S())),
    ("EMPTY_ARRAY_RESOURCE", ID, P(S(Resource=[])), P(S())),
    ("EMPTY_ARRAY_NOT_RESOURCE", ID, P(S(Effect="Deny", Resource=DROP, NotResource=[])), P(S())),
    (
        "REDUNDANT_ACTION",
        ID,
        P(S(Action=["s3:Get*", "s3:GetObject"])),
        P(S(Action=["s3:GetObject", "s3:GetObjectAcl"])),
    ),
    ("REDUNDANT_ACTION", ID, P(S(Action=["s3:GetObject", "S3:getobject"])), P(S())),
    (
        "REDUNDANT_RESOURCE",
        ID,
        P(S(Resource=["arn:aws:s3:::b/*", OBJ])),
        P(S(Resource=["arn:aws:s3:::b/x*", "arn:aws:s3:::b/y*"])),
    ),
    (
        "REDUNDANT_STATEMENT",
        ID,
        P(S(Sid="A"), S(Sid="B", Action=["s3:GetObject"])),
        P(S(Sid="A"), S(Sid="B", Action="s3:PutObject")),
    ),
]


def _ids(case: tuple[str, PolicyType, Any, Any]) -> str:
    return case[0]


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_bad_fixture_raises_the_code(
    case: tuple[str, PolicyType, Any, Any], catalog: CatalogView
) -> None:
    """The bad document yields the issue code, with the code's finding type."""
    code, ptype, bad, _ = case
    found = [f for f in validate_policy(bad, ptype, catalog) if f.issue_code == code]
    assert found, f"{code} not raised"
    assert all(f.finding_type is CODES[code][0] for f in found)


@pytest.mark.parametrize("case", CASES, ids=[_ids(c) for c in CASES])
def test_good_fixture_does_not_raise_the_code(
    case: tuple[str, PolicyType, Any, Any], catalog: CatalogView
) -> None:
    """The good document, one change away from the bad one, does not yield the code."""
    code, ptype, _, good = case
    codes = {f.issue_code for f in validate_policy(good, ptype, catalog)}
    assert code not in codes


def test_every_registered_code_has_fixtures() -> None:
    """Each code a registered check can emit appears in the fixture table."""
    covered = {c[0] for c in CASES}
    emitted = {code for chk in all_checks() for code in chk.codes}
    assert emitted - covered == set()
    assert len(all_checks()) >= 40


def test_registry_is_consistent() -> None:
    """Check names are unique, codes are declared, and every check has a summary."""
    checks = all_checks()
    assert len({c.name for c in checks}) == len(checks)
    for chk in checks:
        assert chk.summary and chk.codes
        assert all(code in CODES for code in chk.codes)


def test_json_syntax_error_reports_line_and_column() -> None:
    """Text that is not JSON gives one JSON_SYNTAX_ERROR with its position."""
    findings = validate_policy_text('{"Version": "2012-10-17",\n "Statement": [}')
    assert [f.issue_code for f in findings] == ["JSON_SYNTAX_ERROR"]
    assert "line 2" in findings[0].message


def test_clean_least_privilege_policy_has_no_findings(catalog: CatalogView) -> None:
    """A typical generated policy validates without any finding."""
    doc = P(
        S(Sid="S3Read", Action=["s3:GetObject"], Resource=["arn:aws:s3:::b/logs/*"]),
        S(Sid="S3List", Action="s3:ListBucket", Resource="arn:aws:s3:::b"),
        S(Sid="Ec2Describe", Action="ec2:DescribeInstances", Resource="*"),
        S(
            Sid="PassAppRole",
            Action="iam:PassRole",
            Resource=ROLE,
            Condition={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        ),
    )
    assert validate_policy(doc, "identity", catalog) == []


def test_without_catalog_catalog_checks_are_skipped() -> None:
    """Without a catalog the grammar checks still run and catalog checks stay silent."""
    findings = validate_policy(P(S(Action="s4:GetObjekt", Effect="allow")), "identity", None)
    codes = {f.issue_code for f in findings}
    assert "INVALID_EFFECT" in codes
    assert "INVALID_SERVICE_IN_ACTION" not in codes


def test_findings_are_sorted_and_carry_statement_and_path(catalog: CatalogView) -> None:
    """Findings come sorted by statement then severity, with index and JSON path."""
    doc = P(S(Sid=""), S(Action=["s3:GetObject", "s3:Nope"]))
    findings = validate_policy(doc, "identity", catalog)
    assert [f.statement_index for f in findings] == sorted(f.statement_index or 0 for f in findings)
    bad = next(f for f in findings if f.issue_code == "INVALID_ACTION")
    assert (bad.statement_index, bad.path) == (1, "Statement[1].Action[1]")
    assert bad.finding_type is FindingType.ERROR


def test_did_you_mean_suggestions(catalog: CatalogView) -> None:
    """Near-miss services and actions get the right suggestion first."""
    msgs = {
        f.issue_code: f.message
        for f in validate_policy(P(S(Action=["s4:GetObject", "s3:GetObjekt"])), ID, catalog)
    }
    assert "Did you mean s3?" in msgs["INVALID_SERVICE_IN_ACTION"]
    assert "Did you mean s3:GetObject" in msgs["INVALID_ACTION"]
    found = validate_policy(P(S(Action="ec2:DescribeInstance", Resource="*")), ID, catalog)
    assert "ec2:DescribeInstances" in found[0].message
