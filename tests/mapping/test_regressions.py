"""Exact expected actions and ARNs for every case named in issue 3 and ARCHITECTURE §4."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from policygen_batch.mapping import strip_version_suffix
from tests.mapping.conftest import ACCOUNT, record

A = ACCOUNT
Rows = set[tuple[str | None, str | None, str]]


def rows(frame: pl.DataFrame) -> Rows:
    """(action, resource, status) triples of a mapped frame."""
    return {(r["action"], r["resource"], r["status"]) for r in frame.iter_rows(named=True)}


OBJ = {"bucketName": "bkt", "key": "dir/file.txt"}
S3_OBJECT_RESOURCES = [
    {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::bkt/dir/file.txt"},
    {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::bkt"},
]

CASES: list[tuple[str, dict[str, Any], Rows]] = [
    # S3 REST names.
    (
        "s3 ListObjects",
        record("s3", "ListObjects", {"bucketName": "bkt"}),
        {("s3:ListBucket", "arn:aws:s3:::bkt", "allowed")},
    ),
    (
        "s3 ListObjectsV2",
        record("s3", "ListObjectsV2", {"bucketName": "bkt"}),
        {("s3:ListBucket", "arn:aws:s3:::bkt", "allowed")},
    ),
    (
        "s3 HeadBucket",
        record("s3", "HeadBucket", {"bucketName": "bkt"}),
        {("s3:ListBucket", "arn:aws:s3:::bkt", "allowed")},
    ),
    ("s3 ListBuckets", record("s3", "ListBuckets", {}), {("s3:ListAllMyBuckets", "*", "allowed")}),
    (
        "s3 HeadObject",
        record("s3", "HeadObject", OBJ),
        {("s3:GetObject", "arn:aws:s3:::bkt/dir/file.txt", "allowed")},
    ),
    (
        "s3 GetObject via resources[]",
        record("s3", "GetObject", OBJ, resources=S3_OBJECT_RESOURCES),
        {("s3:GetObject", "arn:aws:s3:::bkt/dir/file.txt", "allowed")},
    ),
    (
        "s3 ListObjectVersions",
        record("s3", "ListObjectVersions", {"bucketName": "bkt"}),
        {("s3:ListBucketVersions", "arn:aws:s3:::bkt", "allowed")},
    ),
    (
        "s3 UploadPart",
        record("s3", "UploadPart", OBJ),
        {("s3:PutObject", "arn:aws:s3:::bkt/dir/file.txt", "allowed")},
    ),
    (
        "s3 CompleteMultipartUpload",
        record("s3", "CompleteMultipartUpload", OBJ),
        {("s3:PutObject", "arn:aws:s3:::bkt/dir/file.txt", "allowed")},
    ),
    (
        "s3 CopyObject",
        record(
            "s3",
            "CopyObject",
            {
                "bucketName": "dst",
                "key": "new.txt",
                "x-amz-copy-source": "src/old/a.txt?versionId=1",
            },
            resources=[
                {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::dst/new.txt"},
                {"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::src/old/a.txt"},
            ],
        ),
        {
            ("s3:PutObject", "arn:aws:s3:::dst/new.txt", "allowed"),
            ("s3:GetObject", "arn:aws:s3:::src/old/a.txt", "allowed"),
        },
    ),
    (
        "s3 DeleteObjects",
        record(
            "s3",
            "DeleteObjects",
            {"bucketName": "bkt"},
            resources=[{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::bkt/a"}],
        ),
        {("s3:DeleteObject", "arn:aws:s3:::bkt/a", "allowed")},
    ),
    (
        "s3 GetBucketLifecycle",
        record("s3", "GetBucketLifecycle", {"bucketName": "bkt"}),
        {("s3:GetLifecycleConfiguration", "arn:aws:s3:::bkt", "allowed")},
    ),
    (
        "s3 PutBucketEncryption",
        record("s3", "PutBucketEncryption", {"bucketName": "bkt"}),
        {("s3:PutEncryptionConfiguration", "arn:aws:s3:::bkt", "allowed")},
    ),
    (
        "s3 DeleteBucketReplication",
        record("s3", "DeleteBucketReplication", {"bucketName": "bkt"}),
        {("s3:PutReplicationConfiguration", "arn:aws:s3:::bkt", "allowed")},
    ),
    (
        "s3 DeleteBucketPublicAccessBlock",
        record("s3", "DeleteBucketPublicAccessBlock", {"bucketName": "bkt"}),
        {("s3:PutBucketPublicAccessBlock", "arn:aws:s3:::bkt", "allowed")},
    ),
    # Lambda: Invoke and API-version suffixes; function ARNs from names.
    (
        "lambda Invoke",
        record(
            "lambda",
            "Invoke",
            {"functionName": "arn:aws:lambda:us-east-1:111122223333:function:fn"},
            resources=[
                {
                    "type": "AWS::Lambda::Function",
                    "ARN": "arn:aws:lambda:us-east-1:111122223333:function:fn",
                }
            ],
        ),
        {("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:111122223333:function:fn", "allowed")},
    ),
    (
        "lambda GetFunction20150331v2",
        record("lambda", "GetFunction20150331v2", {"functionName": "fn"}),
        {("lambda:GetFunction", f"arn:aws:lambda:us-east-1:{A}:function:fn", "allowed")},
    ),
    (
        "lambda CreateFunction20150331",
        record(
            "lambda",
            "CreateFunction20150331",
            {"functionName": "fn", "role": f"arn:aws:iam::{A}:role/exec"},
        ),
        {
            ("lambda:CreateFunction", f"arn:aws:lambda:us-east-1:{A}:function:fn", "allowed"),
            ("iam:PassRole", f"arn:aws:iam::{A}:role/exec", "implied"),
        },
    ),
    (
        "cloudfront 2020_05_31",
        record("cloudfront", "GetDistribution2020_05_31", {"id": "E1"}),
        {("cloudfront:GetDistribution", f"arn:aws:cloudfront::{A}:distribution/E1", "allowed")},
    ),
    # Other renames.
    (
        "bedrock Converse",
        record("bedrock", "Converse", {"modelId": "anthropic.claude-3"}),
        {
            (
                "bedrock:InvokeModel",
                "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3",
                "allowed",
            )
        },
    ),
    (
        "bedrock ConverseStream",
        record("bedrock", "ConverseStream", {"modelId": "m"}),
        {
            (
                "bedrock:InvokeModelWithResponseStream",
                "arn:aws:bedrock:us-east-1::foundation-model/m",
                "allowed",
            )
        },
    ),
    (
        "ssm OpenControlChannel",
        record("ssm", "OpenControlChannel", {}),
        {("ssmmessages:OpenControlChannel", "*", "allowed")},
    ),
    (
        "kms ReEncrypt",
        record(
            "kms",
            "ReEncrypt",
            {"sourceKeyId": f"arn:aws:kms:us-east-1:{A}:key/src-1", "destinationKeyId": "dst-2"},
        ),
        {
            ("kms:ReEncryptFrom", f"arn:aws:kms:us-east-1:{A}:key/src-1", "allowed"),
            ("kms:ReEncryptTo", f"arn:aws:kms:us-east-1:{A}:key/dst-2", "allowed"),
        },
    ),
    (
        "kms Decrypt resources[]",
        record(
            "kms",
            "Decrypt",
            {"encryptionContext": {}},
            resources=[{"type": "AWS::KMS::Key", "ARN": f"arn:aws:kms:us-east-1:{A}:key/k1"}],
        ),
        {("kms:Decrypt", f"arn:aws:kms:us-east-1:{A}:key/k1", "allowed")},
    ),
    (
        "apigateway GetResource",
        record("apigateway", "GetResource", {"restApiId": "abc", "resourceId": "r1"}),
        {("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis/abc/resources/r1", "allowed")},
    ),
    (
        "apigateway CreateDeployment",
        record("apigateway", "CreateDeployment", {"restApiId": "abc"}),
        {("apigateway:POST", "arn:aws:apigateway:us-east-1::/restapis/abc/deployments", "allowed")},
    ),
    (
        "apigateway CreateDeployment with a stage in its body",
        record(
            "apigateway",
            "CreateDeployment",
            {"restApiId": "abc", "stageName": "prod", "description": "x"},
        ),
        {("apigateway:POST", "arn:aws:apigateway:us-east-1::/restapis/abc/deployments", "allowed")},
    ),
    (
        "apigateway GetRestApis",
        record("apigateway", "GetRestApis", {}),
        {("apigateway:GET", "arn:aws:apigateway:us-east-1::/restapis", "allowed")},
    ),
    (
        "apigateway DeleteStage",
        record("apigateway", "DeleteStage", {"restApiId": "abc", "stageName": "prod"}),
        {
            (
                "apigateway:DELETE",
                "arn:aws:apigateway:us-east-1::/restapis/abc/stages/prod",
                "allowed",
            )
        },
    ),
    (
        "s3express data call",
        record("s3express", "PutObject", {"bucketName": "b--use1-az4--x-s3", "key": "k"}),
        {
            (
                "s3express:CreateSession",
                f"arn:aws:s3express:us-east-1:{A}:bucket/b--use1-az4--x-s3",
                "allowed",
            )
        },
    ),
    (
        "monitoring -> cloudwatch",
        record("monitoring", "DescribeAlarms", {"alarmNames": ["hi"]}),
        {("cloudwatch:DescribeAlarms", f"arn:aws:cloudwatch:us-east-1:{A}:alarm:hi", "allowed")},
    ),
    (
        "resource-level action, no resource in the event",
        record("monitoring", "DescribeAlarms", {}),
        {("cloudwatch:DescribeAlarms", None, "allowed")},
    ),
    # Resource shapes.
    (
        "dynamodb table",
        record("dynamodb", "GetItem", {"tableName": "t1"}),
        {("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{A}:table/t1", "allowed")},
    ),
    (
        "sqs queue url",
        record(
            "sqs",
            "SendMessage",
            {"queueUrl": "https://sqs.us-east-1.amazonaws.com/444455556666/q1"},
        ),
        {("sqs:SendMessage", "arn:aws:sqs:us-east-1:444455556666:q1", "allowed")},
    ),
    (
        "logs group",
        record("logs", "CreateLogGroup", {"logGroupName": "/aws/lambda/fn"}),
        {
            (
                "logs:CreateLogGroup",
                f"arn:aws:logs:us-east-1:{A}:log-group:/aws/lambda/fn",
                "allowed",
            )
        },
    ),
    (
        "logs stream",
        record("logs", "PutLogEvents", {"logGroupName": "g", "logStreamName": "s"}),
        {("logs:PutLogEvents", f"arn:aws:logs:us-east-1:{A}:log-group:g:log-stream:s", "allowed")},
    ),
    (
        "ssm parameters",
        record("ssm", "GetParameters", {"names": ["/app/a", "b"]}),
        {
            ("ssm:GetParameters", f"arn:aws:ssm:us-east-1:{A}:parameter/app/a", "allowed"),
            ("ssm:GetParameters", f"arn:aws:ssm:us-east-1:{A}:parameter/b", "allowed"),
        },
    ),
    (
        "secret by name",
        record("secretsmanager", "GetSecretValue", {"secretId": "prod/db"}),
        {
            (
                "secretsmanager:GetSecretValue",
                f"arn:aws:secretsmanager:us-east-1:{A}:secret:prod/db-??????",
                "allowed",
            )
        },
    ),
    (
        "kinesis stream",
        record("kinesis", "PutRecord", {"streamName": "st"}),
        {("kinesis:PutRecord", f"arn:aws:kinesis:us-east-1:{A}:stream/st", "allowed")},
    ),
    (
        "state machine",
        record(
            "states",
            "StartExecution",
            {"stateMachineArn": f"arn:aws:states:us-east-1:{A}:stateMachine:sm"},
        ),
        {("states:StartExecution", f"arn:aws:states:us-east-1:{A}:stateMachine:sm", "allowed")},
    ),
    (
        "iam role",
        record("iam", "GetRole", {"roleName": "r1"}),
        {("iam:GetRole", f"arn:aws:iam::{A}:role/r1", "allowed")},
    ),
    (
        "sts AssumeRole",
        record(
            "sts",
            "AssumeRole",
            {"roleArn": f"arn:aws:iam::{A}:role/target", "roleSessionName": "x"},
            resources=[{"type": "AWS::IAM::Role", "ARN": f"arn:aws:iam::{A}:role/target"}],
        ),
        {("sts:AssumeRole", f"arn:aws:iam::{A}:role/target", "allowed")},
    ),
    # Partitions.
    (
        "aws-us-gov partition",
        record("dynamodb", "GetItem", {"tableName": "t"}, region="us-gov-west-1"),
        {("dynamodb:GetItem", f"arn:aws-us-gov:dynamodb:us-gov-west-1:{A}:table/t", "allowed")},
    ),
    (
        "aws-cn partition",
        record("s3", "HeadBucket", {"bucketName": "b"}, region="cn-north-1"),
        {("s3:ListBucket", "arn:aws-cn:s3:::b", "allowed")},
    ),
    # Permissionless, non-API, unmapped.
    (
        "GetCallerIdentity",
        record("sts", "GetCallerIdentity", None),
        {(None, None, "permissionless")},
    ),
    (
        "AssumeRoleWithSAML",
        record("sts", "AssumeRoleWithSAML", {}),
        {(None, None, "permissionless")},
    ),
    (
        "AssumeRoleWithWebIdentity",
        record("sts", "AssumeRoleWithWebIdentity", {}),
        {(None, None, "permissionless")},
    ),
    (
        "sso-oidc CreateToken",
        record("sso-oidc", "CreateToken", {}),
        {(None, None, "permissionless")},
    ),
    (
        "signin",
        record("signin", "ConsoleLogin", None, event_type="AwsConsoleSignIn"),
        {(None, None, "non_api")},
    ),
    (
        "service event",
        record("ec2", "SharedSnapshotCopyInitiated", None, event_type="AwsServiceEvent"),
        {(None, None, "non_api")},
    ),
    (
        "insight",
        record("ec2", "RunInstances", None, event_type="AwsCloudTrailInsight"),
        {(None, None, "non_api")},
    ),
    ("unknown action", record("s3", "FrobnicateBucket", {}), {(None, None, "unmapped")}),
    ("unknown service", record("nosuchsvc", "DoThing", {}), {(None, None, "unmapped")}),
    # Denied calls.
    (
        "AccessDenied with action and resource",
        record(
            "s3",
            "GetObject",
            OBJ,
            error_code="AccessDenied",
            error_message=(
                f"User: arn:aws:sts::{A}:assumed-role/app/s1 is not authorized to perform: "
                's3:GetObject on resource: "arn:aws:s3:::bkt/dir/file.txt" because no '
                "identity-based policy allows the s3:GetObject action"
            ),
        ),
        {("s3:GetObject", "arn:aws:s3:::bkt/dir/file.txt", "denied")},
    ),
    (
        "EC2 UnauthorizedOperation without names",
        record(
            "ec2",
            "DescribeInstances",
            {},
            error_code="Client.UnauthorizedOperation",
            error_message="You are not authorized to perform this operation.",
        ),
        {("ec2:DescribeInstances", "*", "denied")},
    ),
    (
        "error message names another action",
        record(
            "iam",
            "ListRoles",
            {},
            error_code="AccessDenied",
            error_message=(
                f"User: arn:aws:iam::{A}:user/u is not authorized to perform: iam:ListRoles "
                f"on resource: arn:aws:iam::{A}:role/"
            ),
        ),
        {("iam:ListRoles", f"arn:aws:iam::{A}:role/", "denied")},
    ),
    # Resources the event reveals (closed gaps: these once mapped to a null resource).
    (
        "s3 DeleteObjects without listed objects: every object of the bucket",
        record(
            "s3",
            "DeleteObjects",
            {"bucketName": "bkt", "Host": "bkt.s3.us-east-1.amazonaws.com", "delete": ""},
            resources=[
                {"type": "AWS::S3::Object", "ARNPrefix": "arn:aws:s3:::bkt/"},
                {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::bkt"},
            ],
        ),
        {("s3:DeleteObject", "arn:aws:s3:::bkt/*", "allowed")},
    ),
    (
        "kms ReEncrypt without sourceKeyId, one listed key (same source and destination)",
        record(
            "kms",
            "ReEncrypt",
            {"destinationKeyId": f"arn:aws:kms:us-east-1:{A}:key/k1"},
            resources=[{"type": "AWS::KMS::Key", "ARN": f"arn:aws:kms:us-east-1:{A}:key/k1"}],
        ),
        {
            ("kms:ReEncryptFrom", f"arn:aws:kms:us-east-1:{A}:key/k1", "allowed"),
            ("kms:ReEncryptTo", f"arn:aws:kms:us-east-1:{A}:key/k1", "allowed"),
        },
    ),
    (
        "kms ReEncrypt without sourceKeyId, two listed keys",
        record(
            "kms",
            "ReEncrypt",
            {"destinationKeyId": "dst-2"},
            resources=[
                {"type": "AWS::KMS::Key", "ARN": f"arn:aws:kms:us-east-1:{A}:key/src-1"},
                {"type": "AWS::KMS::Key", "ARN": f"arn:aws:kms:us-east-1:{A}:key/dst-2"},
            ],
        ),
        {
            ("kms:ReEncryptFrom", f"arn:aws:kms:us-east-1:{A}:key/src-1", "allowed"),
            ("kms:ReEncryptTo", f"arn:aws:kms:us-east-1:{A}:key/dst-2", "allowed"),
        },
    ),
    (
        "events PutEvents, entries hidden: the default bus",
        record("events", "PutEvents", {"entries": "HIDDEN_DUE_TO_SECURITY_REASONS"}),
        {("events:PutEvents", f"arn:aws:events:us-east-1:{A}:event-bus/default", "allowed")},
    ),
    (
        "events PutEvents with EventBusName in entries",
        record(
            "events",
            "PutEvents",
            {"entries": [{"eventBusName": f"arn:aws:events:us-east-1:{A}:event-bus/orders"}]},
        ),
        {("events:PutEvents", f"arn:aws:events:us-east-1:{A}:event-bus/orders", "allowed")},
    ),
    (
        "events PutRule on the default bus",
        record("events", "PutRule", {"name": "nightly", "scheduleExpression": "rate(1 day)"}),
        {("events:PutRule", f"arn:aws:events:us-east-1:{A}:rule/nightly", "allowed")},
    ),
    (
        "events PutTargets on a custom bus (ARN)",
        record(
            "events",
            "PutTargets",
            {"rule": "r1", "eventBusName": f"arn:aws:events:us-east-1:{A}:event-bus/orders"},
        ),
        {("events:PutTargets", f"arn:aws:events:us-east-1:{A}:rule/orders/r1", "allowed")},
    ),
    (
        "rds DescribeDBInstances with an identifier",
        record("rds", "DescribeDBInstances", {"dBInstanceIdentifier": "db-0"}),
        {("rds:DescribeDBInstances", f"arn:aws:rds:us-east-1:{A}:db:db-0", "allowed")},
    ),
    (
        "rds CreateDBSnapshot: instance and snapshot",
        record(
            "rds",
            "CreateDBSnapshot",
            {"dBInstanceIdentifier": "db-0", "dBSnapshotIdentifier": "s1"},
        ),
        {
            ("rds:CreateDBSnapshot", f"arn:aws:rds:us-east-1:{A}:db:db-0", "allowed"),
            ("rds:CreateDBSnapshot", f"arn:aws:rds:us-east-1:{A}:snapshot:s1", "allowed"),
        },
    ),
    (
        "ec2 RunInstances: new instances are instance/* (ids do not exist at authorization)",
        record(
            "ec2",
            "RunInstances",
            {
                "instancesSet": {"items": [{"imageId": "ami-0abc", "minCount": 1}]},
                "subnetId": "subnet-0def",
                "groupSet": {"items": [{"groupId": "sg-0123"}]},
            },
            response={
                "instancesSet": {"items": [{"instanceId": "i-0aa"}, {"instanceId": "i-0bb"}]}
            },
        ),
        {
            ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{A}:instance/*", "allowed"),
            ("ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-0abc", "allowed"),
            ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{A}:subnet/subnet-0def", "allowed"),
            ("ec2:RunInstances", f"arn:aws:ec2:us-east-1:{A}:security-group/sg-0123", "allowed"),
        },
    ),
    (
        "ec2 CreateSnapshot: volume from the request, the new snapshot is snapshot/*",
        record(
            "ec2",
            "CreateSnapshot",
            {"volumeId": "vol-01"},
            response={"snapshotId": "snap-02", "volumeId": "vol-01"},
        ),
        {
            ("ec2:CreateSnapshot", f"arn:aws:ec2:us-east-1:{A}:volume/vol-01", "allowed"),
            ("ec2:CreateSnapshot", "arn:aws:ec2:us-east-1::snapshot/*", "allowed"),
        },
    ),
    (
        "ec2 CreateSecurityGroup: the vpc, and the new group as security-group/*",
        record(
            "ec2",
            "CreateSecurityGroup",
            {"groupName": "g", "vpcId": "vpc-01"},
            response={"_return": True, "groupId": "sg-09"},
        ),
        {
            ("ec2:CreateSecurityGroup", f"arn:aws:ec2:us-east-1:{A}:vpc/vpc-01", "allowed"),
            ("ec2:CreateSecurityGroup", f"arn:aws:ec2:us-east-1:{A}:security-group/*", "allowed"),
        },
    ),
    (
        "ecr BatchGetImage: repository from its name",
        record("ecr", "BatchGetImage", {"repositoryName": "team/api", "imageIds": []}),
        {("ecr:BatchGetImage", f"arn:aws:ecr:us-east-1:{A}:repository/team/api", "allowed")},
    ),
    (
        "ecr PutImage in another registry",
        record("ecr", "PutImage", {"repositoryName": "api", "registryId": "444455556666"}),
        {("ecr:PutImage", "arn:aws:ecr:us-east-1:444455556666:repository/api", "allowed")},
    ),
    (
        "ecs DescribeServices: cluster name and service list",
        record("ecs", "DescribeServices", {"cluster": "c1", "services": ["web", "api"]}),
        {
            ("ecs:DescribeServices", f"arn:aws:ecs:us-east-1:{A}:service/c1/web", "allowed"),
            ("ecs:DescribeServices", f"arn:aws:ecs:us-east-1:{A}:service/c1/api", "allowed"),
        },
    ),
    (
        "ecs UpdateService: cluster ARN, no cluster means default",
        record(
            "ecs",
            "UpdateService",
            {"cluster": f"arn:aws:ecs:us-east-1:{A}:cluster/c1", "service": "web"},
        ),
        {("ecs:UpdateService", f"arn:aws:ecs:us-east-1:{A}:service/c1/web", "allowed")},
    ),
    (
        "ecs DescribeTasks",
        record("ecs", "DescribeTasks", {"tasks": ["abc123"]}),
        {("ecs:DescribeTasks", f"arn:aws:ecs:us-east-1:{A}:task/default/abc123", "allowed")},
    ),
    (
        "ecs RunTask: family:revision",
        record("ecs", "RunTask", {"cluster": "c1", "taskDefinition": "job:7"}),
        {("ecs:RunTask", f"arn:aws:ecs:us-east-1:{A}:task-definition/job:7", "allowed")},
    ),
    (
        "ecs RunTask: family alone is the latest revision, which the event does not say",
        record("ecs", "RunTask", {"taskDefinition": "job"}),
        {("ecs:RunTask", f"arn:aws:ecs:us-east-1:{A}:task-definition/job:*", "allowed")},
    ),
    (
        "ecs RegisterTaskDefinition: the new revision is family:*",
        record(
            "ecs",
            "RegisterTaskDefinition",
            {"family": "job"},
            response={"taskDefinition": {"family": "job", "revision": 3}},
        ),
        {
            (
                "ecs:RegisterTaskDefinition",
                f"arn:aws:ecs:us-east-1:{A}:task-definition/job:*",
                "allowed",
            )
        },
    ),
    (
        "ssm SendCommand with an AWS-owned document (account field matched by *) and an instance",
        record(
            "ssm",
            "SendCommand",
            {"documentName": "AWS-RunShellScript", "instanceIds": ["i-0aa"]},
        ),
        {
            ("ssm:SendCommand", "arn:aws:ssm:us-east-1:*:document/AWS-RunShellScript", "allowed"),
            ("ssm:SendCommand", f"arn:aws:ec2:us-east-1:{A}:instance/i-0aa", "allowed"),
        },
    ),
    (
        "ssm SendCommand with the account's own document",
        record("ssm", "SendCommand", {"documentName": "Deploy", "instanceIds": ["i-0aa"]}),
        {
            ("ssm:SendCommand", f"arn:aws:ssm:us-east-1:{A}:document/Deploy", "allowed"),
            ("ssm:SendCommand", f"arn:aws:ec2:us-east-1:{A}:instance/i-0aa", "allowed"),
        },
    ),
    (
        "ssm GetParametersByPath: the path as a parameter ARN",
        record("ssm", "GetParametersByPath", {"path": "/app/prod", "recursive": True}),
        {("ssm:GetParametersByPath", f"arn:aws:ssm:us-east-1:{A}:parameter/app/prod", "allowed")},
    ),
    (
        "cloudformation CreateStack: the new stack's id is not known at authorization",
        record(
            "cloudformation",
            "CreateStack",
            {"stackName": "st"},
            response={"stackId": f"arn:aws:cloudformation:us-east-1:{A}:stack/st/u-1"},
        ),
        {
            (
                "cloudformation:CreateStack",
                f"arn:aws:cloudformation:us-east-1:{A}:stack/st/*",
                "allowed",
            )
        },
    ),
    (
        "cloudformation DescribeStacks by name: any stack id of that name",
        record("cloudformation", "DescribeStacks", {"stackName": "st"}),
        {
            (
                "cloudformation:DescribeStacks",
                f"arn:aws:cloudformation:us-east-1:{A}:stack/st/*",
                "allowed",
            )
        },
    ),
    (
        "codebuild BatchGetBuilds: project from build ids",
        record("codebuild", "BatchGetBuilds", {"ids": ["proj:1111-2222"]}),
        {("codebuild:BatchGetBuilds", f"arn:aws:codebuild:us-east-1:{A}:project/proj", "allowed")},
    ),
    (
        "route53 ChangeResourceRecordSets",
        record("route53", "ChangeResourceRecordSets", {"hostedZoneId": "/hostedzone/Z1"}),
        {("route53:ChangeResourceRecordSets", "arn:aws:route53:::hostedzone/Z1", "allowed")},
    ),
    (
        "states CreateStateMachine: name",
        record("states", "CreateStateMachine", {"name": "wf"}),
        {("states:CreateStateMachine", f"arn:aws:states:us-east-1:{A}:stateMachine:wf", "allowed")},
    ),
    (
        "elasticloadbalancing RegisterTargets: target group ARN",
        record(
            "elasticloadbalancing",
            "RegisterTargets",
            {"targetGroupArn": f"arn:aws:elasticloadbalancing:us-east-1:{A}:targetgroup/tg/1a"},
        ),
        {
            (
                "elasticloadbalancing:RegisterTargets",
                f"arn:aws:elasticloadbalancing:us-east-1:{A}:targetgroup/tg/1a",
                "allowed",
            )
        },
    ),
    (
        "sqs CreateQueue: queue name",
        record("sqs", "CreateQueue", {"queueName": "q1"}),
        {("sqs:CreateQueue", f"arn:aws:sqs:us-east-1:{A}:q1", "allowed")},
    ),
    (
        "ec2 CreateTags: each resourcesSet id by its prefix",
        record(
            "ec2",
            "CreateTags",
            {
                "resourcesSet": {"items": [{"resourceId": "i-0aa"}, {"resourceId": "vol-0bb"}]},
                "tagSet": {"items": [{"key": "k", "value": "v"}]},
            },
        ),
        {
            ("ec2:CreateTags", f"arn:aws:ec2:us-east-1:{A}:instance/i-0aa", "allowed"),
            ("ec2:CreateTags", f"arn:aws:ec2:us-east-1:{A}:volume/vol-0bb", "allowed"),
        },
    ),
    (
        "glue GetTable: root catalog, database and table",
        record("glue", "GetTable", {"databaseName": "db", "name": "t1"}),
        {
            ("glue:GetTable", f"arn:aws:glue:us-east-1:{A}:catalog", "allowed"),
            ("glue:GetTable", f"arn:aws:glue:us-east-1:{A}:database/db", "allowed"),
            ("glue:GetTable", f"arn:aws:glue:us-east-1:{A}:table/db/t1", "allowed"),
        },
    ),
    (
        "glue GetDatabase: root catalog and database",
        record("glue", "GetDatabase", {"name": "db"}),
        {
            ("glue:GetDatabase", f"arn:aws:glue:us-east-1:{A}:catalog", "allowed"),
            ("glue:GetDatabase", f"arn:aws:glue:us-east-1:{A}:database/db", "allowed"),
        },
    ),
    (
        "iam CreateRole with a path: the role ARN from the response",
        record(
            "iam",
            "CreateRole",
            {"roleName": "r1", "path": "/svc/app/"},
            response={"role": {"path": "/svc/app/", "arn": f"arn:aws:iam::{A}:role/svc/app/r1"}},
        ),
        {("iam:CreateRole", f"arn:aws:iam::{A}:role/svc/app/r1", "allowed")},
    ),
    (
        "sts GetFederationToken",
        record("sts", "GetFederationToken", {"name": "analyst"}),
        {("sts:GetFederationToken", f"arn:aws:sts::{A}:federated-user/analyst", "allowed")},
    ),
]


@pytest.mark.parametrize(("case", "rec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_case(
    run: Callable[..., pl.DataFrame], case: str, rec: dict[str, Any], expected: Rows
) -> None:
    """The record maps to exactly these (action, resource, status) rows."""
    assert rows(run(rec)) == expected, case


def test_passrole_instance_profile_unresolved(run: Callable[..., pl.DataFrame]) -> None:
    """RunInstances with an instance profile implies PassRole, unresolved (null resource)."""
    out = run(
        record(
            "ec2",
            "RunInstances",
            {
                "instanceType": "t3.micro",
                "iamInstanceProfile": {"name": "web-profile"},
                "tagSpecificationSet": {
                    "items": [
                        {"resourceType": "instance", "tags": [{"key": "a", "value": "b"}]},
                        {"resourceType": "volume", "tags": [{"key": "a", "value": "b"}]},
                    ]
                },
            },
        )
    )
    implied = out.filter(pl.col("status") == "implied")
    assert rows(implied) == {
        ("iam:PassRole", None, "implied"),
        ("ec2:CreateTags", f"arn:aws:ec2:us-east-1:{A}:instance/*", "implied"),
        ("ec2:CreateTags", f"arn:aws:ec2:us-east-1:{A}:volume/*", "implied"),
    }
    detail = implied.filter(pl.col("action") == "iam:PassRole")["detail"][0]
    assert "web-profile" in detail and "authorization snapshot" in detail
    assert "implied by ec2:RunInstances" in detail


def test_passrole_keys_nested_and_named(run: Callable[..., pl.DataFrame]) -> None:
    """ECS task roles (ARNs) and a Glue role given by name are passed roles."""
    out = run(
        record(
            "ecs",
            "RegisterTaskDefinition",
            {
                "family": "f",
                "taskRoleArn": f"arn:aws:iam::{A}:role/task",
                "executionRoleArn": f"arn:aws:iam::{A}:role/path/exec",
            },
        ),
        record("glue", "CreateJob", {"name": "j", "role": "GlueRole"}),
    )
    assert {r for r in rows(out) if r[0] == "iam:PassRole"} == {
        ("iam:PassRole", f"arn:aws:iam::{A}:role/task", "implied"),
        ("iam:PassRole", f"arn:aws:iam::{A}:role/path/exec", "implied"),
        ("iam:PassRole", f"arn:aws:iam::{A}:role/GlueRole", "implied"),
    }


def test_no_passrole_for_assume_role_or_failed_calls(run: Callable[..., pl.DataFrame]) -> None:
    """sts:AssumeRole's roleArn is not passed; failed calls imply nothing."""
    out = run(
        record(
            "sts", "AssumeRole", {"roleArn": f"arn:aws:iam::{A}:role/t", "roleSessionName": "s"}
        ),
        record(
            "lambda",
            "CreateFunction20150331",
            {"functionName": "f", "role": f"arn:aws:iam::{A}:role/x"},
            error_code="InvalidParameterValueException",
            error_message="bad",
        ),
    )
    assert out.filter(pl.col("status") == "implied").height == 0
    failed = out.filter(pl.col("action") == "lambda:CreateFunction")
    assert failed["status"][0] == "allowed"
    assert "InvalidParameterValueException" in failed["detail"][0]


def test_every_event_is_kept(run: Callable[..., pl.DataFrame]) -> None:
    """Every input event yields at least one row, whatever its status."""
    recs = [c[1] for c in CASES]
    out = run(*recs)
    assert set(out["event_id"]) == {r["eventID"] for r in recs}
    assert set(out["status"]) <= {
        "allowed",
        "denied",
        "implied",
        "permissionless",
        "non_api",
        "unmapped",
    }
    unmapped = out.filter(pl.col("status") == "unmapped")
    assert unmapped["detail"].null_count() == 0


def test_unmapped_reasons(run: Callable[..., pl.DataFrame]) -> None:
    """Unmapped rows say whether the service or the action is unknown."""
    out = run(record("s3", "FrobnicateBucket", {}), record("nosuchsvc", "DoThing", {}))
    details = dict(zip(out["event_name"], out["detail"], strict=True))
    assert details["FrobnicateBucket"].startswith("no IAM action s3:FrobnicateBucket")
    assert details["DoThing"].startswith("unknown service prefix 'nosuchsvc'")


@given(st.from_regex(r"[A-Z][A-Za-z]{2,20}(V[0-9]|[0-9]{1,7}|FromS3)?", fullmatch=True))
def test_suffix_stripping_never_strips_bare_digits(name: str) -> None:
    """Names ending in up to 7 bare digits, V2 or FromS3 are left alone."""
    assert strip_version_suffix(name) == name


@given(
    st.from_regex(r"[A-Z][A-Za-z]{2,20}", fullmatch=True),
    st.sampled_from(["20150331", "20150331v2", "2020_05_31", "20181031v3"]),
)
def test_suffix_stripping_removes_api_versions(name: str, suffix: str) -> None:
    """A date suffix (optionally with vN) is removed, leaving the name."""
    assert strip_version_suffix(name + suffix) == name
