"""The table of API calls the generator makes: what CloudTrail logs, and what IAM needs.

Each :class:`CallSpec` is one row: the ``eventSource`` and the ``eventName`` exactly as CloudTrail
writes them (API-version suffixes, S3 REST names, ``monitoring`` for CloudWatch…), the IAM
actions the call needs in canonical case, each bound to a *slot* that the row's builder fills
with real ARNs, and the never-logged actions the builder may imply (``iam:PassRole``,
``ec2:CreateTags``). The actions are data so that a test can check every one of them against
the IAM catalog; the builders are code because request parameters have real shapes.

This table is the oracle of the end-to-end tests: it must say what AWS really requires, not what
a mapper happens to produce.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks import rand
from benchmarks.org import Account, Organization, Principal, Resource

PASS_ROLE = "iam:PassRole"
CREATE_TAGS = "ec2:CreateTags"
HIDDEN = "HIDDEN_DUE_TO_SECURITY_REASONS"

Json = dict[str, Any]


@dataclass(slots=True)
class Ctx:
    """What a builder may use: the caller, the account and region the call lands in."""

    rng: random.Random
    org: Organization
    principal: Principal
    acct: Account  # the account that owns the resource (recipient of the record)
    region: str
    deny: bool = False


@dataclass(slots=True)
class Built:
    """A built call: request/response as logged, ``resources[]``, and ARNs per action slot."""

    request: Json | None
    slots: dict[str, list[str]]
    response: Json | None = None
    resources: list[Json] | None = None
    implied: list[tuple[str, str]] = field(default_factory=list)
    additional: Json | None = None
    #: cross-account sts:AssumeRole: the target account also records the call (as AWSAccount).
    twin_account: str | None = None


Builder = Callable[[Ctx], Built]


@dataclass(frozen=True, slots=True)
class CallSpec:
    """One API call as CloudTrail logs it and as IAM authorizes it."""

    key: str
    source: str
    event_name: str
    actions: tuple[tuple[str, str], ...]  # (IAM action, slot); empty: needs no permission
    builder: Builder
    read_only: bool
    data: bool = False
    implies: tuple[str, ...] = ()
    xacct: bool = False
    global_region: str | None = None
    deny_code: str = "AccessDenied"


# --------------------------------------------------------------------------- resource picking


def pick(ctx: Ctx, kind: str) -> Resource:
    """A resource this principal works with (or, when refused, one it does not)."""
    pool = ctx.acct.pool(kind, ctx.region)
    if not pool:
        raise KeyError(f"no {kind} in {ctx.acct.id}/{ctx.region}")
    key = (kind, f"{ctx.acct.id}/{ctx.region}")
    mine = ctx.principal.affinity.get(key)
    if mine is None:
        k = 1 if len(pool) == 1 else ctx.rng.randint(1, max(1, len(pool) - 1))
        mine = ctx.rng.sample(pool, k=k)
        ctx.principal.affinity[key] = mine
    if ctx.deny:
        others = [r for r in pool if r not in mine]
        return ctx.rng.choice(others or pool)
    return mine[0] if len(mine) == 1 else ctx.rng.choice(mine)


def _res(arn: str, account: str, rtype: str) -> Json:
    return {"accountId": account, "type": rtype, "ARN": arn}


def _one(arn: str) -> dict[str, list[str]]:
    return {"main": [arn]}


STAR: dict[str, list[str]] = {"main": ["*"]}


def _role(ctx: Ctx, service: str) -> str:
    """A role of the account that ``service`` may be handed (a PassRole target)."""
    roles = ctx.acct.pass_roles.get(service) or [
        arn for arns in ctx.acct.pass_roles.values() for arn in arns
    ]
    if not roles:
        return f"arn:aws:iam::{ctx.acct.id}:role/service-role/{service.split('.', 1)[0]}-default"
    return ctx.rng.choice(sorted(roles))


# --------------------------------------------------------------------------- generic builders


def star(request: Json | None = None) -> Builder:
    """A call on no particular resource (``*`` in IAM)."""

    def build(ctx: Ctx) -> Built:
        return Built(dict(request) if request is not None else None, STAR)

    return build


def on(kind: str, param: str, attr: str = "name", rtype: str | None = None, **more: Any) -> Builder:
    """A call on one resource of ``kind``, named in ``requestParameters[param]``."""

    def build(ctx: Ctx) -> Built:
        r = pick(ctx, kind)
        req: Json = {param: getattr(r, attr)}
        req.update(more)
        resources = [_res(r.arn, r.account, rtype)] if rtype else None
        return Built(req, _one(r.arn), resources=resources)

    return build


# --------------------------------------------------------------------------- S3


def _s3_host(bucket: Resource) -> str:
    return f"{bucket.name}.s3.{bucket.region}.amazonaws.com"


def _s3_extra(ctx: Ctx, out: int = 0, inn: int = 0) -> Json:
    return {
        "SignatureVersion": "SigV4",
        "CipherSuite": "TLS_AES_128_GCM_SHA256",
        "bytesTransferredIn": inn,
        "AuthenticationMethod": "AuthHeader",
        "x-amz-id-2": rand.alnum(ctx.rng, 76),
        "bytesTransferredOut": out,
    }


def _bucket_res(b: Resource) -> Json:
    return _res(b.arn, b.account, "AWS::S3::Bucket")


def s3_object(write: bool) -> Builder:
    """GetObject/HeadObject/PutObject/DeleteObject/multipart parts on one key."""

    def build(ctx: Ctx) -> Built:
        b = pick(ctx, "bucket")
        key = ctx.rng.choice(b.extra)
        obj = f"{b.arn}/{key}"
        req: Json = {"bucketName": b.name, "Host": _s3_host(b), "key": key}
        size = ctx.rng.randint(200, 5_000_000)
        return Built(
            req,
            _one(obj),
            resources=[{"type": "AWS::S3::Object", "ARN": obj}, _bucket_res(b)],
            additional=_s3_extra(ctx, 0 if write else size, size if write else 0),
        )

    return build


def s3_list(v2: bool) -> Builder:
    """ListObjects (v1 or ``list-type=2``): s3:ListBucket on the bucket."""

    def build(ctx: Ctx) -> Built:
        b = pick(ctx, "bucket")
        prefix = ctx.rng.choice(("", "in/", "out/", "reports/2024/"))
        req: Json = {"bucketName": b.name, "Host": _s3_host(b), "prefix": prefix}
        if v2:
            req["list-type"] = "2"
        req["encoding-type"] = "url"
        return Built(
            req,
            _one(b.arn),
            resources=[
                {"type": "AWS::S3::Object", "ARNPrefix": f"{b.arn}/{prefix}"},
                _bucket_res(b),
            ],
            additional=_s3_extra(ctx, ctx.rng.randint(300, 40_000)),
        )

    return build


def s3_copy(ctx: Ctx) -> Built:
    """CopyObject: s3:PutObject on the target, s3:GetObject on the source."""
    src_b = pick(ctx, "bucket")
    dst_b = pick(ctx, "bucket")
    src_key = ctx.rng.choice(src_b.extra)
    dst_key = "out/" + src_key.split("/", 1)[1]
    src, dst = f"{src_b.arn}/{src_key}", f"{dst_b.arn}/{dst_key}"
    req = {
        "bucketName": dst_b.name,
        "Host": _s3_host(dst_b),
        "x-amz-copy-source": f"{src_b.name}/{src_key}",
        "key": dst_key,
    }
    resources = [
        {"type": "AWS::S3::Object", "ARN": dst},
        _bucket_res(dst_b),
        {"type": "AWS::S3::Object", "ARN": src},
        _bucket_res(src_b),
    ]
    return Built(req, {"dst": [dst], "src": [src]}, resources=resources, additional=_s3_extra(ctx))


def s3_delete_objects(ctx: Ctx) -> Built:
    """DeleteObjects: the keys are in the request body, which CloudTrail does not log."""
    b = pick(ctx, "bucket")
    req = {"bucketName": b.name, "Host": _s3_host(b), "delete": ""}
    return Built(
        req,
        _one(f"{b.arn}/*"),
        resources=[{"type": "AWS::S3::Object", "ARNPrefix": f"{b.arn}/"}, _bucket_res(b)],
        additional=_s3_extra(ctx, 0, ctx.rng.randint(200, 4000)),
    )


def s3_bucket(sub: str | None = None) -> Builder:
    """A bucket-level management call (``?policy``, ``?encryption`` …)."""

    def build(ctx: Ctx) -> Built:
        b = pick(ctx, "bucket")
        req: Json = {"bucketName": b.name, "Host": _s3_host(b)}
        if sub:
            req[sub] = ""
        return Built(req, _one(b.arn), resources=[_bucket_res(b)], additional=_s3_extra(ctx))

    return build


def s3_list_buckets(ctx: Ctx) -> Built:
    """ListBuckets: s3:ListAllMyBuckets, no resource."""
    return Built({"Host": "s3.amazonaws.com"}, STAR, additional=_s3_extra(ctx, 1200))


# --------------------------------------------------------------------------- KMS


def _key_res(k: Resource) -> Json:
    return _res(k.arn, k.account, "AWS::KMS::Key")


def kms_key(op: str) -> Builder:
    """Decrypt/Encrypt/GenerateDataKey/DescribeKey/CreateGrant on one key."""

    def build(ctx: Ctx) -> Built:
        k = pick(ctx, "kms_key")
        req: Json
        if op == "Decrypt":
            req = {
                "encryptionAlgorithm": "SYMMETRIC_DEFAULT",
                "encryptionContext": {"aws:s3:arn": f"arn:aws:s3:::{ctx.principal.name.lower()}"},
            }
        elif op == "GenerateDataKey":
            req = {"keyId": k.arn, "keySpec": "AES_256"}
        elif op == "CreateGrant":
            req = {
                "keyId": k.arn,
                "granteePrincipal": ctx.principal.arn,
                "operations": ["Decrypt", "GenerateDataKey"],
            }
        else:
            req = {"keyId": k.name}
        return Built(req, _one(k.arn), resources=[_key_res(k)])

    return build


def kms_reencrypt(ctx: Ctx) -> Built:
    """ReEncrypt: kms:ReEncryptFrom on the source key, kms:ReEncryptTo on the destination."""
    src = pick(ctx, "kms_key")
    dst = pick(ctx, "kms_key")
    req = {
        "destinationKeyId": dst.arn,
        "sourceEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
        "destinationEncryptionAlgorithm": "SYMMETRIC_DEFAULT",
    }
    resources = [_key_res(src)] if src.arn == dst.arn else [_key_res(src), _key_res(dst)]
    return Built(req, {"src": [src.arn], "dst": [dst.arn]}, resources=resources)


# --------------------------------------------------------------------------- STS


def _credentials(ctx: Ctx) -> Json:
    return {
        "accessKeyId": "ASIA" + rand.upper_alnum(ctx.rng, 16),
        "sessionToken": rand.alnum(ctx.rng, 40),
        "expiration": "Dec 1, 2024, 1:00:00 AM",
    }


def sts_assume_role(ctx: Ctx) -> Built:
    """AssumeRole into an audit role of another account (recorded in both accounts)."""
    targets = sorted(
        p.arn
        for p in ctx.org.principals
        if p.archetype == "audit_target" and p.account != ctx.principal.account
    )
    if ctx.deny or not targets:
        target = f"arn:aws:iam::{ctx.acct.id}:role/security/BreakGlassRole"
    else:
        target = ctx.rng.choice(targets)
    target_acct = target.split(":")[4]
    session = f"security-audit-{ctx.rng.randrange(10**6):06d}"
    target_name = target.rsplit("/", 1)[1]
    role_id = "AROA" + rand.upper_alnum(ctx.rng, 17)
    return Built(
        {"roleArn": target, "roleSessionName": session, "durationSeconds": 3600},
        _one(target),
        response={
            "credentials": _credentials(ctx),
            "assumedRoleUser": {
                "assumedRoleId": f"{role_id}:{session}",
                "arn": f"arn:aws:sts::{target_acct}:assumed-role/{target_name}/{session}",
            },
        },
        resources=[_res(target, target_acct, "AWS::IAM::Role")],
        twin_account=target_acct if target_acct != ctx.acct.id and not ctx.deny else None,
    )


def sts_federation_token(ctx: Ctx) -> Built:
    """GetFederationToken by an IAM user: the federated user's later calls are the user's."""
    who = ctx.rng.choice(("partner-a", "partner-b", "analyst"))
    arn = f"arn:aws:sts::{ctx.acct.id}:federated-user/{who}"
    return Built(
        {"name": who, "durationSeconds": 43200},
        _one(arn),
        response={
            "credentials": _credentials(ctx),
            "federatedUser": {"federatedUserId": f"{ctx.acct.id}:{who}", "arn": arn},
            "packedPolicySize": 12,
        },
    )


# --------------------------------------------------------------------------- IAM


def _iam_role(ctx: Ctx) -> Resource:
    return pick(ctx, "role")


def iam_role(extra: Json | None = None) -> Builder:
    """An IAM call on one role of the account (``roleName`` without the path)."""

    def build(ctx: Ctx) -> Built:
        r = _iam_role(ctx)
        req: Json = {"roleName": r.name}
        if extra:
            req.update(extra)
        return Built(req, _one(r.arn))

    return build


def iam_create_role(ctx: Ctx) -> Built:
    """CreateRole with a path: the ARN carries it."""
    name = f"{ctx.rng.choice(('reporting', 'etl', 'webhook'))}-role-{ctx.rng.randrange(100)}"
    path = ctx.rng.choice(("/", "/service/generated/"))
    arn = f"arn:aws:iam::{ctx.acct.id}:role{path}{name}"
    req = {"roleName": name, "path": path, "assumeRolePolicyDocument": "{...}"}
    resp = {"role": {"path": path, "roleName": name, "arn": arn, "roleId": "AROA" + "X" * 17}}
    return Built(req, _one(arn), response=resp)


# --------------------------------------------------------------------------- EC2


def _instance_items(ids: list[str]) -> Json:
    return {"instancesSet": {"items": [{"instanceId": i} for i in ids]}}


def ec2_instances(ctx: Ctx) -> Built:
    """Start/Stop/TerminateInstances on one instance."""
    r = pick(ctx, "instance")
    return Built(_instance_items([r.name]), _one(r.arn))


def _tags(app: str, rtype: str) -> Json:
    return {
        "items": [
            {
                "resourceType": rtype,
                "tags": [{"key": "app", "value": app}, {"key": "owner", "value": "platform"}],
            }
        ]
    }


def ec2_run_instances(ctx: Ctx) -> Built:
    """RunInstances: PassRole through ``iamInstanceProfile``, CreateTags through TagSpecifications.

    The instance profile is named like its role (with path ``/``), so the role is known.
    """
    region, acct = ctx.region, ctx.acct.id
    iid = "i-0" + rand.hexstr(ctx.rng, 16)
    ami = "ami-0" + rand.hexstr(ctx.rng, 16)
    subnet = "subnet-0" + rand.hexstr(ctx.rng, 16)
    sg = "sg-0" + rand.hexstr(ctx.rng, 16)
    inst_arn = f"arn:aws:ec2:{region}:{acct}:instance/{iid}"
    req: Json = {
        "instancesSet": {"items": [{"imageId": ami, "minCount": 1, "maxCount": 1}]},
        "instanceType": ctx.rng.choice(("t3.micro", "m6i.large", "c7g.xlarge")),
        "blockDeviceMapping": {},
        "monitoring": {"enabled": False},
        "subnetId": subnet,
        "disableApiTermination": False,
        "disableApiStop": False,
        "clientToken": rand.uuid4(ctx.rng),
        "groupSet": {"items": [{"groupId": sg}]},
    }
    implied: list[tuple[str, str]] = []
    if ctx.rng.random() < 0.7:
        role = _role(ctx, "ec2.amazonaws.com")
        profile = f"arn:aws:iam::{acct}:instance-profile/{role.rsplit('/', 1)[1]}"
        req["iamInstanceProfile"] = {"arn": profile}
        implied.append((PASS_ROLE, role))
    if ctx.rng.random() < 0.6:
        req["tagSpecificationSet"] = _tags(ctx.principal.name, "instance")
        implied.append((CREATE_TAGS, inst_arn))
    resp = {
        "requestId": rand.uuid4(ctx.rng),
        "reservationId": "r-0" + rand.hexstr(ctx.rng, 16),
        "ownerId": acct,
        "instancesSet": {"items": [{"instanceId": iid, "imageId": ami, "subnetId": subnet}]},
    }
    slots = {
        "main": [
            inst_arn,
            f"arn:aws:ec2:{region}::image/{ami}",
            f"arn:aws:ec2:{region}:{acct}:subnet/{subnet}",
            f"arn:aws:ec2:{region}:{acct}:security-group/{sg}",
        ]
    }
    return Built(req, slots, response=resp, implied=implied)


def ec2_create_volume(ctx: Ctx) -> Built:
    """CreateVolume, tagged at creation (implies ec2:CreateTags on the new volume)."""
    vid = "vol-0" + rand.hexstr(ctx.rng, 16)
    arn = f"arn:aws:ec2:{ctx.region}:{ctx.acct.id}:volume/{vid}"
    req: Json = {
        "size": ctx.rng.choice((8, 20, 100)),
        "zone": ctx.region + "a",
        "volumeType": "gp3",
        "encrypted": True,
    }
    implied: list[tuple[str, str]] = []
    if ctx.rng.random() < 0.8:
        req["tagSpecificationSet"] = _tags(ctx.principal.name, "volume")
        implied.append((CREATE_TAGS, arn))
    return Built(req, _one(arn), response={"volumeId": vid, "status": "creating"}, implied=implied)


def ec2_create_snapshot(ctx: Ctx) -> Built:
    """CreateSnapshot: needs the volume and the new snapshot (snapshot ARNs have no account)."""
    v = pick(ctx, "volume")
    snap = "snap-0" + rand.hexstr(ctx.rng, 16)
    snap_arn = f"arn:aws:ec2:{ctx.region}::snapshot/{snap}"
    req = {"volumeId": v.name, "description": "nightly backup"}
    return Built(
        req, {"main": [v.arn, snap_arn]}, response={"snapshotId": snap, "volumeId": v.name}
    )


def ec2_create_tags(ctx: Ctx) -> Built:
    """CreateTags called directly (logged)."""
    r = pick(ctx, "instance")
    req = {
        "resourcesSet": {"items": [{"resourceId": r.name}]},
        "tagSet": {"items": [{"key": "patch-group", "value": "weekly"}]},
    }
    return Built(req, _one(r.arn), response={"_return": True})


def ec2_create_sg(ctx: Ctx) -> Built:
    """CreateSecurityGroup in a VPC: needs the new group and the VPC."""
    vpc = "vpc-0" + rand.hexstr(ctx.rng, 16)
    sg = "sg-0" + rand.hexstr(ctx.rng, 16)
    acct, region = ctx.acct.id, ctx.region
    req = {"groupName": f"{ctx.principal.name}-sg", "groupDescription": "app", "vpcId": vpc}
    slots = {
        "main": [
            f"arn:aws:ec2:{region}:{acct}:security-group/{sg}",
            f"arn:aws:ec2:{region}:{acct}:vpc/{vpc}",
        ]
    }
    return Built(req, slots, response={"_return": True, "groupId": sg})


def ec2_describe(ctx: Ctx) -> Built:
    """Describe*: no resource-level permissions."""
    return Built({"filterSet": {}, "maxResults": 100}, STAR)


# --------------------------------------------------------------------------- Lambda


def lambda_invoke(ctx: Ctx) -> Built:
    """Invoke (a data event): lambda:InvokeFunction."""
    f = pick(ctx, "function")
    req = {"functionName": f.arn, "invocationType": "RequestResponse", "logType": "None"}
    return Built(req, _one(f.arn), resources=[_res(f.arn, f.account, "AWS::Lambda::Function")])


def lambda_create(ctx: Ctx) -> Built:
    """CreateFunction20150331: the ``role`` parameter implies iam:PassRole."""
    f = pick(ctx, "function")
    role = _role(ctx, "lambda.amazonaws.com")
    req = {
        "functionName": f.name,
        "runtime": "python3.12",
        "role": role,
        "handler": "app.handler",
        "code": {},
        "timeout": 30,
        "memorySize": 256,
        "publish": True,
    }
    resp = {"functionName": f.name, "functionArn": f.arn, "role": role, "state": "Pending"}
    return Built(req, _one(f.arn), response=resp, implied=[(PASS_ROLE, role)])


def lambda_fn(**more: Any) -> Builder:
    """A Lambda management call on one function (by name)."""
    return on("function", "functionName", **more)


# --------------------------------------------------------------------------- ECS / States / CFN


def ecs_run_task(ctx: Ctx) -> Built:
    """RunTask; a task-role override implies iam:PassRole on it."""
    td = pick(ctx, "task_definition")
    cluster = pick(ctx, "cluster")
    req: Json = {
        "cluster": cluster.name,
        "taskDefinition": f"{td.name}:{td.extra[0]}",
        "count": 1,
        "launchType": "FARGATE",
    }
    implied: list[tuple[str, str]] = []
    if ctx.rng.random() < 0.4:
        role = _role(ctx, "ecs-tasks.amazonaws.com")
        req["overrides"] = {"taskRoleArn": role, "containerOverrides": []}
        implied.append((PASS_ROLE, role))
    return Built(req, _one(td.arn), implied=implied)


def ecs_register(ctx: Ctx) -> Built:
    """RegisterTaskDefinition: taskRoleArn and executionRoleArn imply iam:PassRole."""
    td = pick(ctx, "task_definition")
    task_role = _role(ctx, "ecs-tasks.amazonaws.com")
    exec_role = _role(ctx, "ecs-tasks.amazonaws.com")
    rev = int(td.extra[0]) + 1
    arn = f"arn:aws:ecs:{ctx.region}:{ctx.acct.id}:task-definition/{td.name}:{rev}"
    req = {
        "family": td.name,
        "taskRoleArn": task_role,
        "executionRoleArn": exec_role,
        "networkMode": "awsvpc",
        "containerDefinitions": [{"name": "app", "image": f"{td.name}:latest", "essential": True}],
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
    }
    resp = {"taskDefinition": {"taskDefinitionArn": arn, "family": td.name, "revision": rev}}
    implied = sorted({(PASS_ROLE, task_role), (PASS_ROLE, exec_role)})
    return Built(req, _one(arn), response=resp, implied=implied)


def ecs_service(ctx: Ctx) -> Built:
    """DescribeServices/UpdateService on one service of a cluster."""
    s = pick(ctx, "service")
    return Built({"cluster": s.extra[0], "services": [s.name]}, _one(s.arn))


def ecs_describe_tasks(ctx: Ctx) -> Built:
    """DescribeTasks: task ARNs carry the cluster name."""
    c = pick(ctx, "cluster")
    task = rand.hexstr(ctx.rng, 32)
    arn = f"arn:aws:ecs:{ctx.region}:{ctx.acct.id}:task/{c.name}/{task}"
    return Built({"cluster": c.name, "tasks": [task]}, _one(arn))


def states_create(ctx: Ctx) -> Built:
    """CreateStateMachine: ``roleArn`` implies iam:PassRole."""
    sm = pick(ctx, "state_machine")
    role = _role(ctx, "states.amazonaws.com")
    req = {"name": sm.name, "definition": HIDDEN, "roleArn": role, "type": "STANDARD"}
    resp = {"stateMachineArn": sm.arn, "creationDate": "Nov 20, 2024, 9:00:00 AM"}
    return Built(req, _one(sm.arn), response=resp, implied=[(PASS_ROLE, role)])


def states_start(ctx: Ctx) -> Built:
    """StartExecution of a state machine."""
    sm = pick(ctx, "state_machine")
    ex = rand.uuid4(ctx.rng)
    ex_arn = sm.arn.replace(":stateMachine:", ":execution:") + ":" + ex
    req = {"stateMachineArn": sm.arn, "name": ex, "input": HIDDEN}
    return Built(req, _one(sm.arn), response={"executionArn": ex_arn})


def states_describe(ctx: Ctx) -> Built:
    """DescribeExecution: on the execution ARN."""
    sm = pick(ctx, "state_machine")
    ex_arn = sm.arn.replace(":stateMachine:", ":execution:") + ":" + rand.uuid4(ctx.rng)
    return Built({"executionArn": ex_arn}, _one(ex_arn))


def cfn_stack(write: bool, create: bool = False) -> Builder:
    """Create/Update/DescribeStacks; ``roleARN`` (capital ARN, as logged) implies PassRole."""

    def build(ctx: Ctx) -> Built:
        st = pick(ctx, "stack")
        req: Json = {"stackName": st.name}
        implied: list[tuple[str, str]] = []
        resp: Json | None = None
        if write:
            req["templateURL"] = (
                f"https://s3.amazonaws.com/cfn-templates-{ctx.acct.id}/{st.name}.yaml"
            )
            req["capabilities"] = ["CAPABILITY_NAMED_IAM"]
            if create or ctx.rng.random() < 0.6:
                role = _role(ctx, "cloudformation.amazonaws.com")
                req["roleARN"] = role
                implied.append((PASS_ROLE, role))
            resp = {"stackId": st.arn}
        return Built(req, _one(st.arn), response=resp, implied=implied)

    return build


# --------------------------------------------------------------------------- messaging, data


def sqs(op: str) -> Builder:
    """SQS calls name the queue by URL; the IAM resource is the queue ARN."""

    def build(ctx: Ctx) -> Built:
        q = pick(ctx, "queue")
        req: Json = {"queueUrl": q.name}
        if op == "SendMessage":
            req["messageBody"] = HIDDEN
        elif op == "ReceiveMessage":
            req.update(maxNumberOfMessages=10, waitTimeSeconds=20)
        elif op == "DeleteMessage":
            req["receiptHandle"] = HIDDEN
        elif op == "GetQueueAttributes":
            req["attributeNames"] = ["All"]
        return Built(req, _one(q.arn), resources=[_res(q.arn, q.account, "AWS::SQS::Queue")])

    return build


def sqs_by_name(ctx: Ctx) -> Built:
    """GetQueueUrl/CreateQueue: by queue name."""
    q = pick(ctx, "queue")
    return Built({"queueName": q.arn.rsplit(":", 1)[1]}, _one(q.arn))


def ddb(op: str) -> Builder:
    """DynamoDB item calls (data events) and DescribeTable/CreateTable."""

    def build(ctx: Ctx) -> Built:
        t = pick(ctx, "table")
        req: Json = {"tableName": t.name}
        if op in ("GetItem", "DeleteItem", "UpdateItem", "PutItem"):
            req["key"] = {"pk": HIDDEN}
        elif op == "Query":
            req.update(keyConditionExpression="#pk = :pk", limit=50)
        return Built(req, _one(t.arn), resources=[_res(t.arn, t.account, "AWS::DynamoDB::Table")])

    return build


def logs_stream(ctx: Ctx) -> Built:
    """CreateLogStream: on the log-stream ARN."""
    g = pick(ctx, "log_group")
    stream = f"2024/11/20/[$LATEST]{rand.hexstr(ctx.rng, 32)}"
    arn = f"{g.arn}:log-stream:{stream}"
    return Built({"logGroupName": g.name, "logStreamName": stream}, _one(arn))


def ssm_params(ctx: Ctx) -> Built:
    """GetParameters: several names, one ARN each."""
    ps = sorted({pick(ctx, "parameter").name for _ in range(3)})
    arns = [f"arn:aws:ssm:{ctx.region}:{ctx.acct.id}:parameter{p}" for p in ps]
    return Built({"names": ps, "withDecryption": True}, {"main": arns})


def ssm_by_path(ctx: Ctx) -> Built:
    """GetParametersByPath: the path is the resource."""
    p = pick(ctx, "parameter").name.rsplit("/", 1)[0]
    arn = f"arn:aws:ssm:{ctx.region}:{ctx.acct.id}:parameter{p}"
    return Built({"path": p, "recursive": True, "withDecryption": True}, _one(arn))


def ssm_send_command(ctx: Ctx) -> Built:
    """SendCommand: on the (AWS-owned) document and the instance."""
    i = pick(ctx, "instance")
    doc = f"arn:aws:ssm:{ctx.region}::document/AWS-RunShellScript"
    req = {
        "documentName": "AWS-RunShellScript",
        "instanceIds": [i.name],
        "interactive": False,
        "parameters": HIDDEN,
    }
    return Built(req, {"main": [doc, i.arn]})


def glue_table(ctx: Ctx) -> Built:
    """GetTable: IAM checks the catalog, the database and the table."""
    t = pick(ctx, "glue_table")
    db = t.extra[0]
    base = f"arn:aws:glue:{ctx.region}:{ctx.acct.id}"
    slots = {"main": [f"{base}:catalog", f"{base}:database/{db}", t.arn]}
    return Built({"databaseName": db, "name": t.name}, slots)


def glue_database(ctx: Ctx) -> Built:
    """GetDatabase: the catalog and the database."""
    t = pick(ctx, "glue_table")
    db = t.extra[0]
    base = f"arn:aws:glue:{ctx.region}:{ctx.acct.id}"
    return Built({"name": db}, {"main": [f"{base}:catalog", f"{base}:database/{db}"]})


def athena(op: str) -> Builder:
    """Athena calls authorize on the workgroup."""

    def build(ctx: Ctx) -> Built:
        w = pick(ctx, "workgroup")
        if op == "StartQueryExecution":
            req: Json = {"queryString": HIDDEN, "workGroup": w.name}
        else:
            req = {"queryExecutionId": rand.uuid4(ctx.rng)}
        return Built(req, _one(w.arn))

    return build


def apigw(method: str, sub: str) -> Builder:
    """API Gateway management calls: apigateway:<HTTP method> on a path ARN."""

    def build(ctx: Ctx) -> Built:
        api = pick(ctx, "rest_api")
        base = f"arn:aws:apigateway:{ctx.region}::/restapis"
        if sub == "":
            return Built({"limit": 25}, _one(base))
        req: Json = {"restApiId": api.name}
        path = f"{base}/{api.name}/{sub}"
        if sub == "stages/prod":
            req.update(
                stageName="prod", patchOperations=[{"op": "replace", "path": "/*/*/logging"}]
            )
        elif sub == "deployments":
            req["stageName"] = "prod"
        return Built(req, _one(path))

    return build


def cloudfront(op: str) -> Builder:
    """CloudFront (a global service): on the distribution."""

    def build(ctx: Ctx) -> Built:
        d = pick(ctx, "distribution")
        if op == "CreateInvalidation":
            req: Json = {
                "distributionId": d.name,
                "invalidationBatch": {"paths": {"quantity": 1, "items": ["/*"]}},
            }
        else:
            req = {"id": d.name}
        return Built(req, _one(d.arn))

    return build


def bedrock(ctx: Ctx) -> Built:
    """Converse/ConverseStream/InvokeModel: on the foundation model (ARN without account)."""
    m = pick(ctx, "model")
    return Built({"modelId": m.name}, _one(m.arn))


def rds_snapshot(ctx: Ctx) -> Built:
    """CreateDBSnapshot: the instance and the new snapshot."""
    db = pick(ctx, "db")
    snap = f"{db.name}-{rand.lower_alnum(ctx.rng, 8)}"
    snap_arn = f"arn:aws:rds:{ctx.region}:{ctx.acct.id}:snapshot:{snap}"
    req = {"dBSnapshotIdentifier": snap, "dBInstanceIdentifier": db.name}
    return Built(req, {"main": [db.arn, snap_arn]})


def events_put(ctx: Ctx) -> Built:
    """PutEvents: on the default bus."""
    arn = f"arn:aws:events:{ctx.region}:{ctx.acct.id}:event-bus/default"
    return Built({"entries": HIDDEN}, _one(arn))


def elb_register(ctx: Ctx) -> Built:
    """RegisterTargets: on the target group."""
    tg = pick(ctx, "target_group")
    i = pick(ctx, "instance")
    return Built({"targetGroupArn": tg.arn, "targets": [{"id": i.name}]}, _one(tg.arn))


def codebuild_builds(ctx: Ctx) -> Built:
    """BatchGetBuilds: build ids are ``project:uuid``; the resource is the project."""
    p = pick(ctx, "project")
    return Built({"ids": [f"{p.name}:{rand.uuid4(ctx.rng)}"]}, _one(p.arn))


def route53_change(ctx: Ctx) -> Built:
    """ChangeResourceRecordSets: on the hosted zone."""
    z = pick(ctx, "hosted_zone")
    req = {"hostedZoneId": z.name, "changeBatch": {"changes": [{"action": "UPSERT"}]}}
    return Built(req, _one(z.arn))


def no_permission(request: Json | None = None) -> Builder:
    """A call that needs no IAM permission (sts:GetCallerIdentity)."""

    def build(ctx: Ctx) -> Built:
        return Built(dict(request) if request is not None else None, {})

    return build


# --------------------------------------------------------------------------- the table

_S3 = "s3.amazonaws.com"
_EC2_DENY = "Client.UnauthorizedOperation"
_ADE = "AccessDeniedException"


def _c(  # noqa: PLR0917 — table rows read best as positional columns
    key: str,
    source: str,
    name: str,
    actions: tuple[str, ...] | tuple[tuple[str, str], ...],
    builder: Builder,
    ro: bool,
    **kw: Any,
) -> CallSpec:
    acts = tuple((a, "main") if isinstance(a, str) else a for a in actions)
    return CallSpec(key, source, name, acts, builder, ro, **kw)


def _table() -> tuple[CallSpec, ...]:
    us1 = "us-east-1"
    return (
        # --- S3 data events: REST names differ from IAM names
        _c("s3.GetObject", _S3, "GetObject", ("s3:GetObject",), s3_object(False), True,
           data=True, xacct=True),
        _c("s3.HeadObject", _S3, "HeadObject", ("s3:GetObject",), s3_object(False), True,
           data=True),
        _c("s3.PutObject", _S3, "PutObject", ("s3:PutObject",), s3_object(True), False,
           data=True, xacct=True),
        _c("s3.DeleteObject", _S3, "DeleteObject", ("s3:DeleteObject",), s3_object(True), False,
           data=True),
        _c("s3.ListObjects", _S3, "ListObjects", ("s3:ListBucket",), s3_list(True), True,
           data=True, xacct=True),
        _c("s3.ListObjectsV2", _S3, "ListObjectsV2", ("s3:ListBucket",), s3_list(True), True,
           data=True),
        _c("s3.ListObjectVersions", _S3, "ListObjectVersions", ("s3:ListBucketVersions",),
           s3_list(False), True, data=True),
        _c("s3.CopyObject", _S3, "CopyObject",
           (("s3:PutObject", "dst"), ("s3:GetObject", "src")), s3_copy, False, data=True),
        _c("s3.DeleteObjects", _S3, "DeleteObjects", ("s3:DeleteObject",), s3_delete_objects,
           False, data=True),
        _c("s3.CreateMultipartUpload", _S3, "CreateMultipartUpload", ("s3:PutObject",),
           s3_object(True), False, data=True, xacct=True),
        _c("s3.UploadPart", _S3, "UploadPart", ("s3:PutObject",), s3_object(True), False,
           data=True, xacct=True),
        _c("s3.CompleteMultipartUpload", _S3, "CompleteMultipartUpload", ("s3:PutObject",),
           s3_object(True), False, data=True, xacct=True),
        # --- S3 management
        _c("s3.ListBuckets", _S3, "ListBuckets", ("s3:ListAllMyBuckets",), s3_list_buckets, True),
        _c("s3.HeadBucket", _S3, "HeadBucket", ("s3:ListBucket",), s3_bucket(), True),
        _c("s3.GetBucketLocation", _S3, "GetBucketLocation", ("s3:GetBucketLocation",),
           s3_bucket("location"), True),
        _c("s3.GetBucketPolicy", _S3, "GetBucketPolicy", ("s3:GetBucketPolicy",),
           s3_bucket("policy"), True),
        _c("s3.PutBucketPolicy", _S3, "PutBucketPolicy", ("s3:PutBucketPolicy",),
           s3_bucket("policy"), False),
        _c("s3.GetBucketEncryption", _S3, "GetBucketEncryption",
           ("s3:GetEncryptionConfiguration",), s3_bucket("encryption"), True),
        _c("s3.GetBucketVersioning", _S3, "GetBucketVersioning", ("s3:GetBucketVersioning",),
           s3_bucket("versioning"), True),
        _c("s3.PutBucketLifecycle", _S3, "PutBucketLifecycle",
           ("s3:PutLifecycleConfiguration",), s3_bucket("lifecycle"), False),
        _c("s3.DeleteBucketPublicAccessBlock", _S3, "DeleteBucketPublicAccessBlock",
           ("s3:PutBucketPublicAccessBlock",), s3_bucket("publicAccessBlock"), False),
        # --- KMS
        _c("kms.Decrypt", "kms.amazonaws.com", "Decrypt", ("kms:Decrypt",), kms_key("Decrypt"),
           True, xacct=True, deny_code=_ADE),
        _c("kms.Encrypt", "kms.amazonaws.com", "Encrypt", ("kms:Encrypt",), kms_key("Encrypt"),
           True, deny_code=_ADE),
        _c("kms.GenerateDataKey", "kms.amazonaws.com", "GenerateDataKey",
           ("kms:GenerateDataKey",), kms_key("GenerateDataKey"), True, xacct=True,
           deny_code=_ADE),
        _c("kms.ReEncrypt", "kms.amazonaws.com", "ReEncrypt",
           (("kms:ReEncryptFrom", "src"), ("kms:ReEncryptTo", "dst")), kms_reencrypt, True,
           deny_code=_ADE),
        _c("kms.DescribeKey", "kms.amazonaws.com", "DescribeKey", ("kms:DescribeKey",),
           kms_key("DescribeKey"), True, deny_code=_ADE),
        _c("kms.CreateGrant", "kms.amazonaws.com", "CreateGrant", ("kms:CreateGrant",),
           kms_key("CreateGrant"), False, deny_code=_ADE),
        _c("kms.ListAliases", "kms.amazonaws.com", "ListAliases", ("kms:ListAliases",), star({}),
           True, deny_code=_ADE),
        # --- STS
        _c("sts.AssumeRole", "sts.amazonaws.com", "AssumeRole", ("sts:AssumeRole",),
           sts_assume_role, True),
        _c("sts.GetCallerIdentity", "sts.amazonaws.com", "GetCallerIdentity", (),
           no_permission(), True),
        _c("sts.GetFederationToken", "sts.amazonaws.com", "GetFederationToken",
           ("sts:GetFederationToken",), sts_federation_token, True),
        _c("sts.GetSessionToken", "sts.amazonaws.com", "GetSessionToken",
           ("sts:GetSessionToken",), star({"durationSeconds": 3600}), True),
        # --- IAM (global: us-east-1)
        _c("iam.GetRole", "iam.amazonaws.com", "GetRole", ("iam:GetRole",), iam_role(), True,
           global_region=us1),
        _c("iam.ListRoles", "iam.amazonaws.com", "ListRoles", ("iam:ListRoles",), star({}),
           True, global_region=us1),
        _c("iam.CreateRole", "iam.amazonaws.com", "CreateRole", ("iam:CreateRole",),
           iam_create_role, False, global_region=us1),
        _c("iam.AttachRolePolicy", "iam.amazonaws.com", "AttachRolePolicy",
           ("iam:AttachRolePolicy",),
           iam_role({"policyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}), False,
           global_region=us1),
        _c("iam.ListAttachedRolePolicies", "iam.amazonaws.com", "ListAttachedRolePolicies",
           ("iam:ListAttachedRolePolicies",), iam_role(), True, global_region=us1),
        _c("iam.GetAccountSummary", "iam.amazonaws.com", "GetAccountSummary",
           ("iam:GetAccountSummary",), star(), True, global_region=us1),
        _c("iam.GetAccountAuthorizationDetails", "iam.amazonaws.com",
           "GetAccountAuthorizationDetails", ("iam:GetAccountAuthorizationDetails",),
           star({"filter": ["Role", "User", "LocalManagedPolicy"]}), True, global_region=us1),
        _c("iam.ListUsers", "iam.amazonaws.com", "ListUsers", ("iam:ListUsers",), star({}),
           True, global_region=us1),
        _c("iam.GenerateCredentialReport", "iam.amazonaws.com", "GenerateCredentialReport",
           ("iam:GenerateCredentialReport",), star(), False, global_region=us1),
        _c("iam.GetCredentialReport", "iam.amazonaws.com", "GetCredentialReport",
           ("iam:GetCredentialReport",), star(), True, global_region=us1),
        # --- EC2
        _c("ec2.DescribeInstances", "ec2.amazonaws.com", "DescribeInstances",
           ("ec2:DescribeInstances",), ec2_describe, True, deny_code=_EC2_DENY),
        _c("ec2.DescribeSecurityGroups", "ec2.amazonaws.com", "DescribeSecurityGroups",
           ("ec2:DescribeSecurityGroups",), ec2_describe, True, deny_code=_EC2_DENY),
        _c("ec2.DescribeVpcs", "ec2.amazonaws.com", "DescribeVpcs", ("ec2:DescribeVpcs",),
           ec2_describe, True, deny_code=_EC2_DENY),
        _c("ec2.DescribeSubnets", "ec2.amazonaws.com", "DescribeSubnets",
           ("ec2:DescribeSubnets",), ec2_describe, True, deny_code=_EC2_DENY),
        _c("ec2.DescribeVolumes", "ec2.amazonaws.com", "DescribeVolumes",
           ("ec2:DescribeVolumes",), ec2_describe, True, deny_code=_EC2_DENY),
        _c("ec2.DescribeImages", "ec2.amazonaws.com", "DescribeImages", ("ec2:DescribeImages",),
           ec2_describe, True, deny_code=_EC2_DENY),
        _c("ec2.DescribeTags", "ec2.amazonaws.com", "DescribeTags", ("ec2:DescribeTags",),
           ec2_describe, True, deny_code=_EC2_DENY),
        _c("ec2.DescribeNetworkInterfaces", "ec2.amazonaws.com", "DescribeNetworkInterfaces",
           ("ec2:DescribeNetworkInterfaces",), ec2_describe, True, deny_code=_EC2_DENY),
        _c("ec2.StartInstances", "ec2.amazonaws.com", "StartInstances", ("ec2:StartInstances",),
           ec2_instances, False, deny_code=_EC2_DENY),
        _c("ec2.StopInstances", "ec2.amazonaws.com", "StopInstances", ("ec2:StopInstances",),
           ec2_instances, False, deny_code=_EC2_DENY),
        _c("ec2.TerminateInstances", "ec2.amazonaws.com", "TerminateInstances",
           ("ec2:TerminateInstances",), ec2_instances, False, deny_code=_EC2_DENY),
        _c("ec2.RunInstances", "ec2.amazonaws.com", "RunInstances", ("ec2:RunInstances",),
           ec2_run_instances, False, implies=(PASS_ROLE, CREATE_TAGS), deny_code=_EC2_DENY),
        _c("ec2.CreateVolume", "ec2.amazonaws.com", "CreateVolume", ("ec2:CreateVolume",),
           ec2_create_volume, False, implies=(CREATE_TAGS,), deny_code=_EC2_DENY),
        _c("ec2.CreateSnapshot", "ec2.amazonaws.com", "CreateSnapshot", ("ec2:CreateSnapshot",),
           ec2_create_snapshot, False, deny_code=_EC2_DENY),
        _c("ec2.CreateTags", "ec2.amazonaws.com", "CreateTags", ("ec2:CreateTags",),
           ec2_create_tags, False, deny_code=_EC2_DENY),
        _c("ec2.CreateSecurityGroup", "ec2.amazonaws.com", "CreateSecurityGroup",
           ("ec2:CreateSecurityGroup",), ec2_create_sg, False, deny_code=_EC2_DENY),
        # --- Lambda: API-version suffixed event names
        _c("lambda.Invoke", "lambda.amazonaws.com", "Invoke", ("lambda:InvokeFunction",),
           lambda_invoke, False, data=True, deny_code=_ADE),
        _c("lambda.GetFunction", "lambda.amazonaws.com", "GetFunction20150331v2",
           ("lambda:GetFunction",), lambda_fn(), True, deny_code=_ADE),
        _c("lambda.GetFunctionConfiguration", "lambda.amazonaws.com",
           "GetFunctionConfiguration20150331v2", ("lambda:GetFunctionConfiguration",),
           lambda_fn(), True, deny_code=_ADE),
        _c("lambda.CreateFunction", "lambda.amazonaws.com", "CreateFunction20150331",
           ("lambda:CreateFunction",), lambda_create, False, implies=(PASS_ROLE,),
           deny_code=_ADE),
        _c("lambda.UpdateFunctionConfiguration", "lambda.amazonaws.com",
           "UpdateFunctionConfiguration20150331v2", ("lambda:UpdateFunctionConfiguration",),
           lambda_fn(timeout=60), False, deny_code=_ADE),
        _c("lambda.UpdateFunctionCode", "lambda.amazonaws.com", "UpdateFunctionCode20150331v2",
           ("lambda:UpdateFunctionCode",), lambda_fn(publish=True), False, deny_code=_ADE),
        _c("lambda.ListFunctions", "lambda.amazonaws.com", "ListFunctions20150331",
           ("lambda:ListFunctions",), star(), True, deny_code=_ADE),
        _c("lambda.AddPermission", "lambda.amazonaws.com", "AddPermission20150331v2",
           ("lambda:AddPermission",),
           lambda_fn(action="lambda:InvokeFunction", principal="events.amazonaws.com"), False,
           deny_code=_ADE),
        # --- DynamoDB
        _c("dynamodb.GetItem", "dynamodb.amazonaws.com", "GetItem", ("dynamodb:GetItem",),
           ddb("GetItem"), True, data=True, deny_code=_ADE),
        _c("dynamodb.PutItem", "dynamodb.amazonaws.com", "PutItem", ("dynamodb:PutItem",),
           ddb("PutItem"), False, data=True, deny_code=_ADE),
        _c("dynamodb.UpdateItem", "dynamodb.amazonaws.com", "UpdateItem",
           ("dynamodb:UpdateItem",), ddb("UpdateItem"), False, data=True, deny_code=_ADE),
        _c("dynamodb.DeleteItem", "dynamodb.amazonaws.com", "DeleteItem",
           ("dynamodb:DeleteItem",), ddb("DeleteItem"), False, data=True, deny_code=_ADE),
        _c("dynamodb.Query", "dynamodb.amazonaws.com", "Query", ("dynamodb:Query",),
           ddb("Query"), True, data=True, deny_code=_ADE),
        _c("dynamodb.DescribeTable", "dynamodb.amazonaws.com", "DescribeTable",
           ("dynamodb:DescribeTable",), ddb("DescribeTable"), True, deny_code=_ADE),
        _c("dynamodb.CreateTable", "dynamodb.amazonaws.com", "CreateTable",
           ("dynamodb:CreateTable",), ddb("CreateTable"), False, deny_code=_ADE),
        _c("dynamodb.ListTables", "dynamodb.amazonaws.com", "ListTables",
           ("dynamodb:ListTables",), star({}), True, deny_code=_ADE),
        # --- SQS / SNS / EventBridge
        _c("sqs.SendMessage", "sqs.amazonaws.com", "SendMessage", ("sqs:SendMessage",),
           sqs("SendMessage"), False, data=True, xacct=True),
        _c("sqs.ReceiveMessage", "sqs.amazonaws.com", "ReceiveMessage", ("sqs:ReceiveMessage",),
           sqs("ReceiveMessage"), False, data=True),
        _c("sqs.DeleteMessage", "sqs.amazonaws.com", "DeleteMessage", ("sqs:DeleteMessage",),
           sqs("DeleteMessage"), False, data=True),
        _c("sqs.GetQueueAttributes", "sqs.amazonaws.com", "GetQueueAttributes",
           ("sqs:GetQueueAttributes",), sqs("GetQueueAttributes"), True),
        _c("sqs.GetQueueUrl", "sqs.amazonaws.com", "GetQueueUrl", ("sqs:GetQueueUrl",),
           sqs_by_name, True),
        _c("sqs.CreateQueue", "sqs.amazonaws.com", "CreateQueue", ("sqs:CreateQueue",),
           sqs_by_name, False),
        _c("sqs.ListQueues", "sqs.amazonaws.com", "ListQueues", ("sqs:ListQueues",), star({}),
           True),
        _c("sns.Publish", "sns.amazonaws.com", "Publish", ("sns:Publish",),
           on("topic", "topicArn", "arn", message=HIDDEN), False, data=True, xacct=True),
        _c("sns.ListTopics", "sns.amazonaws.com", "ListTopics", ("sns:ListTopics",), star(),
           True),
        _c("sns.GetTopicAttributes", "sns.amazonaws.com", "GetTopicAttributes",
           ("sns:GetTopicAttributes",), on("topic", "topicArn", "arn"), True),
        _c("sns.CreateTopic", "sns.amazonaws.com", "CreateTopic", ("sns:CreateTopic",),
           on("topic", "name"), False),
        _c("events.PutEvents", "events.amazonaws.com", "PutEvents", ("events:PutEvents",),
           events_put, False),
        _c("events.PutRule", "events.amazonaws.com", "PutRule", ("events:PutRule",),
           on("rule", "name", scheduleExpression="cron(0 2 * * ? *)"), False),
        _c("events.DescribeRule", "events.amazonaws.com", "DescribeRule",
           ("events:DescribeRule",), on("rule", "name"), True),
        # --- Logs / CloudWatch (eventSource monitoring)
        _c("logs.CreateLogStream", "logs.amazonaws.com", "CreateLogStream",
           ("logs:CreateLogStream",), logs_stream, False, deny_code=_ADE),
        _c("logs.CreateLogGroup", "logs.amazonaws.com", "CreateLogGroup",
           ("logs:CreateLogGroup",), on("log_group", "logGroupName"), False, deny_code=_ADE),
        _c("logs.PutRetentionPolicy", "logs.amazonaws.com", "PutRetentionPolicy",
           ("logs:PutRetentionPolicy",), on("log_group", "logGroupName", retentionInDays=30),
           False, deny_code=_ADE),
        _c("logs.DescribeLogGroups", "logs.amazonaws.com", "DescribeLogGroups",
           ("logs:DescribeLogGroups",), star({"limit": 50}), True, deny_code=_ADE),
        _c("logs.FilterLogEvents", "logs.amazonaws.com", "FilterLogEvents",
           ("logs:FilterLogEvents",), on("log_group", "logGroupName", filterPattern="ERROR"),
           True, deny_code=_ADE),
        _c("cloudwatch.PutMetricData", "monitoring.amazonaws.com", "PutMetricData",
           ("cloudwatch:PutMetricData",), star({"namespace": "App/Custom"}), False, data=True),
        _c("cloudwatch.GetMetricData", "monitoring.amazonaws.com", "GetMetricData",
           ("cloudwatch:GetMetricData",), star({"metricDataQueries": HIDDEN}), True, data=True),
        _c("cloudwatch.DescribeAlarms", "monitoring.amazonaws.com", "DescribeAlarms",
           ("cloudwatch:DescribeAlarms",), star({"stateValue": "ALARM"}), True),
        _c("cloudwatch.PutMetricAlarm", "monitoring.amazonaws.com", "PutMetricAlarm",
           ("cloudwatch:PutMetricAlarm",), on("alarm", "alarmName", threshold=5.0), False),
        # --- SSM / Secrets Manager
        _c("ssm.GetParameter", "ssm.amazonaws.com", "GetParameter", ("ssm:GetParameter",),
           on("parameter", "name", withDecryption=True), True, deny_code=_ADE),
        _c("ssm.GetParameters", "ssm.amazonaws.com", "GetParameters", ("ssm:GetParameters",),
           ssm_params, True, deny_code=_ADE),
        _c("ssm.GetParametersByPath", "ssm.amazonaws.com", "GetParametersByPath",
           ("ssm:GetParametersByPath",), ssm_by_path, True, deny_code=_ADE),
        _c("ssm.PutParameter", "ssm.amazonaws.com", "PutParameter", ("ssm:PutParameter",),
           on("parameter", "name", type="String", overwrite=True, value=HIDDEN), False,
           deny_code=_ADE),
        _c("ssm.DescribeParameters", "ssm.amazonaws.com", "DescribeParameters",
           ("ssm:DescribeParameters",), star({}), True, deny_code=_ADE),
        _c("ssm.SendCommand", "ssm.amazonaws.com", "SendCommand", ("ssm:SendCommand",),
           ssm_send_command, False, deny_code=_ADE),
        _c("secretsmanager.GetSecretValue", "secretsmanager.amazonaws.com", "GetSecretValue",
           ("secretsmanager:GetSecretValue",), on("secret", "secretId", "arn"), True,
           deny_code=_ADE),
        _c("secretsmanager.DescribeSecret", "secretsmanager.amazonaws.com", "DescribeSecret",
           ("secretsmanager:DescribeSecret",), on("secret", "secretId", "arn"), True,
           deny_code=_ADE),
        _c("secretsmanager.ListSecrets", "secretsmanager.amazonaws.com", "ListSecrets",
           ("secretsmanager:ListSecrets",), star({"maxResults": 100}), True, deny_code=_ADE),
        # --- ECS / ECR / CodeBuild
        _c("ecs.RunTask", "ecs.amazonaws.com", "RunTask", ("ecs:RunTask",), ecs_run_task, False,
           implies=(PASS_ROLE,), deny_code=_ADE),
        _c("ecs.RegisterTaskDefinition", "ecs.amazonaws.com", "RegisterTaskDefinition",
           ("ecs:RegisterTaskDefinition",), ecs_register, False, implies=(PASS_ROLE,),
           deny_code=_ADE),
        _c("ecs.DescribeServices", "ecs.amazonaws.com", "DescribeServices",
           ("ecs:DescribeServices",), ecs_service, True, deny_code=_ADE),
        _c("ecs.UpdateService", "ecs.amazonaws.com", "UpdateService", ("ecs:UpdateService",),
           ecs_service, False, deny_code=_ADE),
        _c("ecs.DescribeTasks", "ecs.amazonaws.com", "DescribeTasks", ("ecs:DescribeTasks",),
           ecs_describe_tasks, True, deny_code=_ADE),
        _c("ecs.ListClusters", "ecs.amazonaws.com", "ListClusters", ("ecs:ListClusters",),
           star({}), True, deny_code=_ADE),
        _c("ecr.GetAuthorizationToken", "ecr.amazonaws.com", "GetAuthorizationToken",
           ("ecr:GetAuthorizationToken",), star(), True, deny_code=_ADE),
        _c("ecr.BatchGetImage", "ecr.amazonaws.com", "BatchGetImage", ("ecr:BatchGetImage",),
           on("repository", "repositoryName", imageIds=[{"imageTag": "latest"}]), True,
           deny_code=_ADE),
        _c("ecr.GetDownloadUrlForLayer", "ecr.amazonaws.com", "GetDownloadUrlForLayer",
           ("ecr:GetDownloadUrlForLayer",), on("repository", "repositoryName"), True,
           deny_code=_ADE),
        _c("ecr.BatchCheckLayerAvailability", "ecr.amazonaws.com",
           "BatchCheckLayerAvailability", ("ecr:BatchCheckLayerAvailability",),
           on("repository", "repositoryName"), True, deny_code=_ADE),
        _c("ecr.PutImage", "ecr.amazonaws.com", "PutImage", ("ecr:PutImage",),
           on("repository", "repositoryName", imageTag="latest"), False, deny_code=_ADE),
        _c("codebuild.StartBuild", "codebuild.amazonaws.com", "StartBuild",
           ("codebuild:StartBuild",), on("project", "projectName"), False, deny_code=_ADE),
        _c("codebuild.BatchGetBuilds", "codebuild.amazonaws.com", "BatchGetBuilds",
           ("codebuild:BatchGetBuilds",), codebuild_builds, True, deny_code=_ADE),
        # --- Step Functions / CloudFormation
        _c("states.CreateStateMachine", "states.amazonaws.com", "CreateStateMachine",
           ("states:CreateStateMachine",), states_create, False, implies=(PASS_ROLE,),
           deny_code=_ADE),
        _c("states.StartExecution", "states.amazonaws.com", "StartExecution",
           ("states:StartExecution",), states_start, False, deny_code=_ADE),
        _c("states.DescribeExecution", "states.amazonaws.com", "DescribeExecution",
           ("states:DescribeExecution",), states_describe, True, deny_code=_ADE),
        _c("states.ListStateMachines", "states.amazonaws.com", "ListStateMachines",
           ("states:ListStateMachines",), star({}), True, deny_code=_ADE),
        _c("cloudformation.CreateStack", "cloudformation.amazonaws.com", "CreateStack",
           ("cloudformation:CreateStack",), cfn_stack(True, create=True), False,
           implies=(PASS_ROLE,)),
        _c("cloudformation.UpdateStack", "cloudformation.amazonaws.com", "UpdateStack",
           ("cloudformation:UpdateStack",), cfn_stack(True), False, implies=(PASS_ROLE,)),
        _c("cloudformation.DescribeStacks", "cloudformation.amazonaws.com", "DescribeStacks",
           ("cloudformation:DescribeStacks",), cfn_stack(False), True),
        _c("cloudformation.DescribeStackEvents", "cloudformation.amazonaws.com",
           "DescribeStackEvents", ("cloudformation:DescribeStackEvents",), cfn_stack(False),
           True),
        _c("cloudformation.ListStacks", "cloudformation.amazonaws.com", "ListStacks",
           ("cloudformation:ListStacks",), star({}), True),
        # --- RDS
        _c("rds.DescribeDBInstances", "rds.amazonaws.com", "DescribeDBInstances",
           ("rds:DescribeDBInstances",), on("db", "dBInstanceIdentifier"), True),
        _c("rds.CreateDBSnapshot", "rds.amazonaws.com", "CreateDBSnapshot",
           ("rds:CreateDBSnapshot",), rds_snapshot, False),
        _c("rds.StopDBInstance", "rds.amazonaws.com", "StopDBInstance", ("rds:StopDBInstance",),
           on("db", "dBInstanceIdentifier"), False),
        # --- API Gateway: HTTP-method actions on path ARNs
        _c("apigateway.GetRestApis", "apigateway.amazonaws.com", "GetRestApis",
           ("apigateway:GET",), apigw("GET", ""), True),
        _c("apigateway.GetResources", "apigateway.amazonaws.com", "GetResources",
           ("apigateway:GET",), apigw("GET", "resources"), True),
        _c("apigateway.CreateDeployment", "apigateway.amazonaws.com", "CreateDeployment",
           ("apigateway:POST",), apigw("POST", "deployments"), False),
        _c("apigateway.UpdateStage", "apigateway.amazonaws.com", "UpdateStage",
           ("apigateway:PATCH",), apigw("PATCH", "stages/prod"), False),
        # --- CloudFront (global, version-suffixed names)
        _c("cloudfront.GetDistribution", "cloudfront.amazonaws.com", "GetDistribution2020_05_31",
           ("cloudfront:GetDistribution",), cloudfront("GetDistribution"), True,
           global_region=us1),
        _c("cloudfront.ListDistributions", "cloudfront.amazonaws.com",
           "ListDistributions2020_05_31", ("cloudfront:ListDistributions",), star(), True,
           global_region=us1),
        _c("cloudfront.CreateInvalidation", "cloudfront.amazonaws.com",
           "CreateInvalidation2020_05_31", ("cloudfront:CreateInvalidation",),
           cloudfront("CreateInvalidation"), False, global_region=us1),
        # --- Bedrock: Converse* authorize as InvokeModel*
        _c("bedrock.Converse", "bedrock.amazonaws.com", "Converse", ("bedrock:InvokeModel",),
           bedrock, True, deny_code=_ADE),
        _c("bedrock.ConverseStream", "bedrock.amazonaws.com", "ConverseStream",
           ("bedrock:InvokeModelWithResponseStream",), bedrock, True, deny_code=_ADE),
        _c("bedrock.InvokeModel", "bedrock.amazonaws.com", "InvokeModel",
           ("bedrock:InvokeModel",), bedrock, True, deny_code=_ADE),
        # --- Glue / Athena
        _c("glue.GetTable", "glue.amazonaws.com", "GetTable", ("glue:GetTable",), glue_table,
           True, deny_code=_ADE),
        _c("glue.GetDatabase", "glue.amazonaws.com", "GetDatabase", ("glue:GetDatabase",),
           glue_database, True, deny_code=_ADE),
        _c("athena.StartQueryExecution", "athena.amazonaws.com", "StartQueryExecution",
           ("athena:StartQueryExecution",), athena("StartQueryExecution"), False,
           deny_code=_ADE),
        _c("athena.GetQueryExecution", "athena.amazonaws.com", "GetQueryExecution",
           ("athena:GetQueryExecution",), athena("GetQueryExecution"), True, deny_code=_ADE),
        # --- the rest of the long tail
        _c("elasticloadbalancing.DescribeLoadBalancers", "elasticloadbalancing.amazonaws.com",
           "DescribeLoadBalancers", ("elasticloadbalancing:DescribeLoadBalancers",), star({}),
           True),
        _c("elasticloadbalancing.DescribeTargetHealth", "elasticloadbalancing.amazonaws.com",
           "DescribeTargetHealth", ("elasticloadbalancing:DescribeTargetHealth",),
           star({"targetGroupArn": "see-resources"}), True),
        _c("elasticloadbalancing.RegisterTargets", "elasticloadbalancing.amazonaws.com",
           "RegisterTargets", ("elasticloadbalancing:RegisterTargets",), elb_register, False),
        _c("autoscaling.DescribeAutoScalingGroups", "autoscaling.amazonaws.com",
           "DescribeAutoScalingGroups", ("autoscaling:DescribeAutoScalingGroups",), star({}),
           True),
        _c("tag.GetResources", "tagging.amazonaws.com", "GetResources", ("tag:GetResources",),
           star({"resourcesPerPage": 50}), True),
        _c("route53.ListHostedZones", "route53.amazonaws.com", "ListHostedZones",
           ("route53:ListHostedZones",), star(), True, global_region=us1),
        _c("route53.ChangeResourceRecordSets", "route53.amazonaws.com",
           "ChangeResourceRecordSets", ("route53:ChangeResourceRecordSets",), route53_change,
           False, global_region=us1),
        _c("organizations.DescribeOrganization", "organizations.amazonaws.com",
           "DescribeOrganization", ("organizations:DescribeOrganization",), star(), True,
           global_region=us1, deny_code=_ADE),
        _c("organizations.ListAccounts", "organizations.amazonaws.com", "ListAccounts",
           ("organizations:ListAccounts",), star({}), True, global_region=us1,
           deny_code=_ADE),
        _c("cloudtrail.DescribeTrails", "cloudtrail.amazonaws.com", "DescribeTrails",
           ("cloudtrail:DescribeTrails",), star({"includeShadowTrails": True}), True),
        _c("cloudtrail.LookupEvents", "cloudtrail.amazonaws.com", "LookupEvents",
           ("cloudtrail:LookupEvents",), star({"maxResults": 50}), True),
    )  # fmt: skip


def call_table() -> dict[str, CallSpec]:
    """Every API call the generator can make, by key (``<service>.<Operation>``)."""
    table = {c.key: c for c in _table()}
    if len(table) != len(_table()):
        raise AssertionError("duplicate call keys")
    return table
