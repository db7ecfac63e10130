"""Small warehouses for the usage, engine, golden and property tests, built from real archives.

Event ids are deterministic (``evt-<n>``) so that golden outputs do not change between runs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from policygen_batch import api
from policygen_batch.config import ConvertConfig
from tests.factories import (
    ACCOUNT,
    OTHER_ACCOUNT,
    delivery_key,
    record,
    role_identity,
    user_identity,
    write_archive,
)

DEPLOYER = role_identity("app/Deployer")
READER = role_identity("Reader", session="r1")
ALICE = user_identity("alice")
SSO = role_identity(
    "aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataEngineer_0123456789abcdef"
)
SLR = role_identity("aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")
ROOT = {"type": "Root", "arn": f"arn:aws:iam::{ACCOUNT}:root", "accountId": ACCOUNT}
SERVICE = {"type": "AWSService", "invokedBy": "cloudtrail.amazonaws.com"}
#: A role of OTHER_ACCOUNT calling into ACCOUNT: logged in ACCOUNT's trail.
VISITOR = role_identity("Visitor", account=OTHER_ACCOUNT, session="v1")


def write_corpus(root: Path, days: Sequence[tuple[str, str, Sequence[dict[str, Any]]]]) -> Path:
    """Write one archive per ``(account, day, records)`` under *root*; return *root*."""
    for n, (account, day, records) in enumerate(days):
        write_archive(root, delivery_key(account, "us-east-1", day, f"f{n:03d}"), list(records))
    return root


def convert(src: Path, warehouse: Path) -> Path:
    """Convert *src* into *warehouse* in-process; return the warehouse."""
    api.convert(ConvertConfig(sources=(str(src),), warehouse=warehouse, workers=1))
    return warehouse


BUCKET = "arn:aws:s3:::data-bucket"


def s3_get(
    rec: Callable[..., dict[str, Any]], time: str, who: dict[str, Any], key: str, **kw: Any
) -> dict[str, Any]:
    """An S3 GetObject data event on ``data-bucket/<key>`` made through *rec*."""
    return rec(
        "GetObject",
        "s3.amazonaws.com",
        time,
        who,
        requestParameters={"bucketName": "data-bucket", "key": key},
        resources=[
            {"type": "AWS::S3::Object", "ARN": f"{BUCKET}/{key}"},
            {"type": "AWS::S3::Bucket", "ARN": BUCKET, "accountId": ACCOUNT},
        ],
        eventCategory="Data",
        managementEvent=False,
        **kw,
    )


def mixed_corpus() -> list[tuple[str, str, list[dict[str, Any]]]]:
    """Three days, two accounts: roles, an SSO role, a user, root, an SLR, a service, denied
    calls, an implied PassRole, a permission-less call, a sign-in and an unmapped event."""
    n = iter(range(10_000))

    def rec(name: str, source: str, time: str, who: dict[str, Any], **kw: Any) -> dict[str, Any]:
        return record(name, source, time=time, identity=who, event_id=f"evt-{next(n):04d}", **kw)

    day1 = [
        rec("ListBuckets", "s3.amazonaws.com", "2024-05-01T01:00:00Z", DEPLOYER),
        s3_get(rec, "2024-05-01T02:00:00Z", READER, "in/a.csv"),
        s3_get(
            rec,
            "2024-05-01T03:00:00Z",
            READER,
            "in/secret.csv",
            errorCode="AccessDenied",
            errorMessage=(
                f"User: arn:aws:sts::{ACCOUNT}:assumed-role/Reader/r1 is not authorized to "
                f'perform: s3:GetObject on resource: "{BUCKET}/in/secret.csv" because no '
                "identity-based policy allows the s3:GetObject action"
            ),
        ),
        rec("DescribeInstances", "ec2.amazonaws.com", "2024-05-01T04:00:00Z", SSO),
        rec("GetCallerIdentity", "sts.amazonaws.com", "2024-05-01T05:00:00Z", ALICE),
        rec("DescribeInstances", "ec2.amazonaws.com", "2024-05-01T06:00:00Z", ROOT),
        rec("DescribeInstances", "ec2.amazonaws.com", "2024-05-01T07:00:00Z", SLR),
        rec("LookupEvents", "cloudtrail.amazonaws.com", "2024-05-01T08:00:00Z", SERVICE),
    ]
    day2 = [
        rec(
            "RunInstances",
            "ec2.amazonaws.com",
            "2024-05-02T01:00:00Z",
            DEPLOYER,
            requestParameters={
                "instanceType": "t3.micro",
                "iamInstanceProfile": {
                    "arn": f"arn:aws:iam::{ACCOUNT}:instance-profile/app/WebProfile"
                },
            },
            readOnly=False,
        ),
        rec("ListUsers", "iam.amazonaws.com", "2024-05-02T02:00:00Z", ALICE, region="us-east-1"),
        rec("ListBuckets", "s3.amazonaws.com", "2024-05-02T03:00:00Z", DEPLOYER),
        rec("FrobnicateWidgets", "widgets.amazonaws.com", "2024-05-02T04:00:00Z", DEPLOYER),
    ]
    day3 = [
        rec(
            "ConsoleLogin",
            "signin.amazonaws.com",
            "2024-05-03T01:00:00Z",
            ALICE,
            eventType="AwsConsoleSignIn",
        ),
        rec("DescribeInstances", "ec2.amazonaws.com", "2024-05-03T02:00:00Z", SSO),
    ]
    other = [
        rec(
            "DescribeTable",
            "dynamodb.amazonaws.com",
            "2024-05-02T05:00:00Z",
            VISITOR,
            account=ACCOUNT,
            requestParameters={"tableName": "orders"},
        ),
        rec(
            "ListQueues",
            "sqs.amazonaws.com",
            "2024-05-03T03:00:00Z",
            VISITOR,
            account=OTHER_ACCOUNT,
        ),
    ]
    return [
        (ACCOUNT, "2024-05-01", day1),
        (ACCOUNT, "2024-05-02", day2),
        (ACCOUNT, "2024-05-03", day3),
        (ACCOUNT, "2024-05-02", other[:1]),
        (OTHER_ACCOUNT, "2024-05-03", other[1:]),
    ]
