"""Small builders of CloudTrail records and archives for tests (real gzip files on disk)."""

from __future__ import annotations

import gzip
import uuid
from pathlib import Path
from typing import Any

import orjson

ACCOUNT = "111122223333"
OTHER_ACCOUNT = "444455556666"


def role_identity(
    role: str = "app/Deployer", account: str = ACCOUNT, session: str = "s1"
) -> dict[str, Any]:
    """An ``AssumedRole`` identity for role path+name *role* in *account*."""
    name = role.rsplit("/", 1)[-1]
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{name}/{session}",
        "accountId": account,
        "accessKeyId": "ASIAEXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": "AROAEXAMPLE",
                "arn": f"arn:aws:iam::{account}:role/{role}",
                "accountId": account,
                "userName": name,
            },
            "attributes": {"creationDate": "2024-05-01T00:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def user_identity(name: str = "alice", account: str = ACCOUNT) -> dict[str, Any]:
    """An ``IAMUser`` identity."""
    return {
        "type": "IAMUser",
        "principalId": "AIDAEXAMPLE",
        "arn": f"arn:aws:iam::{account}:user/{name}",
        "accountId": account,
        "accessKeyId": "AKIAEXAMPLE",
        "userName": name,
    }


def record(
    event_name: str = "DescribeInstances",
    source: str = "ec2.amazonaws.com",
    *,
    time: str = "2024-05-01T12:00:00Z",
    identity: dict[str, Any] | None = None,
    account: str = ACCOUNT,
    event_id: str | None = None,
    region: str = "us-east-1",
    **extra: Any,
) -> dict[str, Any]:
    """One CloudTrail record with the usual fields; *extra* adds or overrides fields."""
    rec: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": identity if identity is not None else role_identity(account=account),
        "eventTime": time,
        "eventSource": source,
        "eventName": event_name,
        "awsRegion": region,
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2.15.0",
        "requestParameters": None,
        "responseElements": None,
        "requestID": str(uuid.uuid4()),
        "eventID": event_id or str(uuid.uuid4()),
        "readOnly": True,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    rec.update(extra)
    return rec


def delivery_key(account: str, region: str, day: str, name: str) -> str:
    """The key an organization trail delivers a file under."""
    y, m, d = day.split("-")
    return f"AWSLogs/o-exampleorg/{account}/CloudTrail/{region}/{y}/{m}/{d}/{name}.json.gz"


def archive_bytes(records: list[dict[str, Any]]) -> bytes:
    """A gzip'd ``{"Records": [...]}`` document, as CloudTrail delivers it."""
    return gzip.compress(orjson.dumps({"Records": records}), mtime=0)


def write_archive(root: Path, key: str, records: list[dict[str, Any]]) -> Path:
    """Write *records* as a CloudTrail archive at ``root/key``; return its path."""
    path = root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(archive_bytes(records))
    return path
