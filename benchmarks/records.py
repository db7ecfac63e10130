"""CloudTrail record shapes: ``userIdentity`` per identity type, the envelope, refusals.

Keys are inserted in the order AWS writes them, so that the compact JSON looks like a real
delivery (and stays deterministic without sorting). Field facts worth knowing:

* an assumed-role session ARN never carries the role's path; only ``sessionIssuer.arn`` does;
* calls a service makes with the caller's credentials (``invokedBy``) have the service as
  ``sourceIPAddress``/``userAgent`` and no ``tlsDetails``;
* S3 quotes the resource in its AccessDenied message, EC2 prefixes its own sentence and appends
  an encoded failure message, and actions without a resource omit ``on resource:``.
"""

from __future__ import annotations

import random
import time

from benchmarks import rand
from benchmarks.calls import Json
from benchmarks.org import ROOT, SSO_ROLE, USER, Account, Principal

EVENT_VERSIONS = ("1.08", "1.09", "1.10", "1.11")
EVENT_VERSION_WEIGHTS = (5, 3, 3, 1)
_OIDC = "token.actions.githubusercontent.com"

USER_AGENTS = {
    "sdk_py": (
        "Boto3/1.35.63 md/Botocore#1.35.63 ua/2.0 os/linux#5.10.227 md/arch#x86_64 "
        "lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.63"
    ),
    "lambda": (
        "Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.227 md/arch#x86_64 "
        "lang/python#3.12.6 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 "
        "cfg/retry-mode#legacy Botocore/1.34.145"
    ),
    "java": (
        "aws-sdk-java/2.29.15 Linux/5.10.227 OpenJDK_64-Bit_Server_VM/21.0.5+11-LTS Java/21.0.5"
    ),
    "go": (
        "aws-sdk-go-v2/1.32.4 os/linux lang/go#1.23.3 md/GOOS#linux md/GOARCH#amd64 api/s3#1.66.3"
    ),
    "cli": (
        "aws-cli/2.22.2 md/awscrt#0.22.0 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.12.6"
    ),
    "console": "AWS Internal",
    "browser": (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
    ),
    "terraform": (
        "APN/1.0 HashiCorp/1.0 Terraform/1.9.8 (+https://www.terraform.io) "
        "terraform-provider-aws/5.76.0 aws-sdk-go-v2/1.32.4 os/linux lang/go#1.23.3"
    ),
}

#: Which user agent each archetype's code presents.
ARCHETYPE_AGENT = {
    "app_api": "java",
    "ecs_task": "go",
    "ecs_exec": "go",
    "lambda_exec": "lambda",
    "data_pipeline": "sdk_py",
    "ec2_instance": "cli",
    "states_exec": "console",
    "deployer": "terraform",
    "cfn_exec": "console",
    "monitoring": "go",
    "audit_target": "sdk_py",
    "security_auditor": "lambda",
    "sso_admin": "console",
    "sso_developer": "cli",
    "sso_readonly": "console",
    "ci_user": "cli",
    "backup_user": "sdk_py",
    "root": "browser",
    "org_admin": "console",
    "federation_broker": "java",
}


def iso(ts: int) -> str:
    """Epoch seconds → ``2024-11-20T09:00:00Z`` (CloudTrail's eventTime format)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def session_of(rng: random.Random, p: Principal, ts: int) -> tuple[str, str, str]:
    """(session name, access key id, creation date) — sessions live for an hour-ish."""
    idx = rng.randrange(len(p.session_names))
    hour = ts // 3600
    key = (idx, hour if p.kind != USER else -1)
    found = p.sessions.get(key)
    if found is None:
        prefix = "AKIA" if p.kind == USER else "ASIA"
        found = (prefix + rand.upper_alnum(rng, 16), iso(hour * 3600 - rng.randrange(600)))
        p.sessions[key] = found
    return p.session_names[idx], found[0], found[1]


def identity(
    rng: random.Random, p: Principal, ts: int, federated: bool = False
) -> tuple[Json, str]:
    """``userIdentity`` for a call by ``p`` and the caller ARN that refusals name."""
    session, akid, created = session_of(rng, p, ts)
    acct = p.account
    ident: Json
    if p.kind == USER and federated:
        who = rng.choice(("partner-a", "partner-b", "analyst"))
        arn = f"arn:aws:sts::{acct}:federated-user/{who}"
        ident = {
            "type": "FederatedUser",
            "principalId": f"{acct}:{who}",
            "arn": arn,
            "accountId": acct,
            "accessKeyId": "ASIA" + akid[4:],
            "sessionContext": {
                "sessionIssuer": {
                    "type": "IAMUser",
                    "principalId": p.unique_id,
                    "arn": p.arn,
                    "accountId": acct,
                    "userName": p.name,
                },
                "attributes": {"creationDate": created, "mfaAuthenticated": "false"},
            },
        }
        return ident, arn
    if p.kind == USER:
        ident = {
            "type": "IAMUser",
            "principalId": p.unique_id,
            "arn": p.arn,
            "accountId": acct,
            "accessKeyId": akid,
            "userName": p.name,
        }
        return ident, p.arn
    if p.kind == ROOT:
        ident = {
            "type": "Root",
            "principalId": acct,
            "arn": p.arn,
            "accountId": acct,
            "accessKeyId": akid,
            "sessionContext": {"attributes": {"creationDate": created, "mfaAuthenticated": "true"}},
        }
        return ident, p.arn
    arn = f"arn:aws:sts::{acct}:assumed-role/{p.name}/{session}"
    context: Json = {
        "sessionIssuer": {
            "type": "Role",
            "principalId": p.unique_id,
            "arn": p.arn,
            "accountId": acct,
            "userName": p.name,
        },
    }
    if p.assumed_by == "web":
        context["webIdFederationData"] = {
            "federatedProvider": f"arn:aws:iam::{acct}:oidc-provider/{_OIDC}",
            "attributes": {},
        }
    else:
        context["webIdFederationData"] = {}
    context["attributes"] = {"creationDate": created, "mfaAuthenticated": "false"}
    if p.archetype == "ec2_instance":
        context["ec2RoleDelivery"] = "2.0"
    ident = {
        "type": "AssumedRole",
        "principalId": f"{p.unique_id}:{session}",
        "arn": arn,
        "accountId": acct,
        "accessKeyId": akid,
        "sessionContext": context,
    }
    if p.invoked_by:
        ident["invokedBy"] = p.invoked_by
    return ident, arn


def denied_message(code: str, caller: str, action: str, resource: str, rng: random.Random) -> str:
    """The errorMessage AWS writes when no identity-based policy allows ``action``."""
    service = action.split(":", 1)[0]
    if resource == "*":
        target = ""
    elif service == "s3":
        target = f' on resource: "{resource}"'
    else:
        target = f" on resource: {resource}"
    core = (
        f"User: {caller} is not authorized to perform: {action}{target} "
        f"because no identity-based policy allows the {action} action"
    )
    if code == "Client.UnauthorizedOperation":
        encoded = rand.alnum(rng, 120)
        return (
            f"You are not authorized to perform this operation. {core}. "
            f"Encoded authorization failure message: {encoded}"
        )
    return core


def api_record(
    *,
    rng: random.Random,
    ts: int,
    ident: Json,
    source: str,
    name: str,
    region: str,
    ip: str,
    agent: str,
    request: Json | None,
    response: Json | None,
    read_only: bool,
    recipient: str,
    data: bool,
    error: tuple[str, str] | None = None,
    resources: list[Json] | None = None,
    additional: Json | None = None,
    shared_id: str | None = None,
    tls: bool = True,
    event_type: str = "AwsApiCall",
) -> Json:
    """One record in CloudTrail's key order."""
    rec: Json = {
        "eventVersion": rng.choices(EVENT_VERSIONS, EVENT_VERSION_WEIGHTS)[0],
        "userIdentity": ident,
        "eventTime": iso(ts),
        "eventSource": source,
        "eventName": name,
        "awsRegion": region,
        "sourceIPAddress": ip,
        "userAgent": agent,
    }
    if error is not None:
        rec["errorCode"], rec["errorMessage"] = error
        response = None
        if additional is not None and "bytesTransferredOut" in additional:
            additional["bytesTransferredOut"] = 0
    rec["requestParameters"] = request
    rec["responseElements"] = response
    if additional is not None:
        rec["additionalEventData"] = additional
    is_s3 = source == "s3.amazonaws.com"
    rec["requestID"] = rand.upper_alnum(rng, 16) if is_s3 else rand.uuid4(rng)
    rec["eventID"] = rand.uuid4(rng)
    rec["readOnly"] = read_only
    if resources is not None:
        rec["resources"] = resources
    rec["eventType"] = event_type
    rec["managementEvent"] = not data
    rec["recipientAccountId"] = recipient
    if shared_id is not None:
        rec["sharedEventID"] = shared_id
    rec["eventCategory"] = "Data" if data else "Management"
    if tls:
        host = source.replace(".amazonaws.com", f".{region}.amazonaws.com")
        if is_s3 and request and "Host" in request:
            host = str(request["Host"])
        rec["tlsDetails"] = {
            "tlsVersion": "TLSv1.3",
            "cipherSuite": "TLS_AES_128_GCM_SHA256",
            "clientProvidedHostHeader": host,
        }
    return rec


# --------------------------------------------------------------------------- unattributed events


def _assumed_role_user(role: Principal, acct: Account, session: str) -> Json:
    return {
        "assumedRoleId": f"{role.unique_id}:{session}",
        "arn": f"arn:aws:sts::{acct.id}:assumed-role/{role.name}/{session}",
    }


def _role_resource(role: Principal, acct: Account) -> Json:
    return {"accountId": acct.id, "type": "AWS::IAM::Role", "ARN": role.arn}


def aws_service_assume(rng: random.Random, ts: int, role: Principal, acct: Account) -> Json:
    """A service assuming a role for itself: ``AWSService`` identity, nobody to attribute."""
    service = role.assumed_by
    session = role.session_names[0]
    return api_record(
        rng=rng,
        ts=ts,
        ident={"type": "AWSService", "invokedBy": service},
        source="sts.amazonaws.com",
        name="AssumeRole",
        region=role.home_region,
        ip=service,
        agent=service,
        request={"roleArn": role.arn, "roleSessionName": session, "durationSeconds": 3600},
        response={
            "credentials": {
                "accessKeyId": "ASIA" + rand.upper_alnum(rng, 16),
                "sessionToken": rand.alnum(rng, 40),
                "expiration": "Dec 1, 2024, 1:00:00 AM",
            },
            "assumedRoleUser": _assumed_role_user(role, acct, session),
        },
        read_only=True,
        recipient=acct.id,
        data=False,
        resources=[_role_resource(role, acct)],
        shared_id=rand.uuid4(rng),
        tls=False,
    )


def saml_assume(rng: random.Random, ts: int, role: Principal, acct: Account) -> Json:
    """Identity Center handing out an SSO role: ``SAMLUser`` calling AssumeRoleWithSAML."""
    person = role.session_names[rng.randrange(len(role.session_names))]
    provider = f"arn:aws:iam::{acct.id}:saml-provider/AWSSSO_{role.unique_id[-16:]}_DO_NOT_DELETE"
    return api_record(
        rng=rng,
        ts=ts,
        ident={
            "type": "SAMLUser",
            "principalId": f"{rand.alnum(rng, 28)}=:{person}",
            "userName": person,
            "identityProvider": rand.alnum(rng, 28) + "=",
        },
        source="sts.amazonaws.com",
        name="AssumeRoleWithSAML",
        region=role.home_region,
        ip="203.0.113." + str(rng.randrange(1, 255)),
        agent=USER_AGENTS["browser"],
        request={
            "sAMLAssertionID": "_" + rand.uuid4(rng),
            "roleSessionName": person,
            "roleArn": role.arn,
            "principalArn": provider,
            "durationSeconds": 3600,
        },
        response={
            "assumedRoleUser": _assumed_role_user(role, acct, person),
            "subjectType": "persistent",
            "audience": "https://signin.aws.amazon.com/saml",
        },
        read_only=True,
        recipient=acct.id,
        data=False,
        resources=[
            {"accountId": acct.id, "type": "AWS::IAM::Role", "ARN": role.arn},
            {"accountId": acct.id, "type": "AWS::IAM::SAMLProvider", "ARN": provider},
        ],
    )


def web_identity_assume(rng: random.Random, ts: int, role: Principal, acct: Account) -> Json:
    """A CI job exchanging its OIDC token: ``WebIdentityUser`` calling AssumeRoleWithWebIdentity."""
    subject = "repo:acme/platform:ref:refs/heads/main"
    provider = f"arn:aws:iam::{acct.id}:oidc-provider/{_OIDC}"
    return api_record(
        rng=rng,
        ts=ts,
        ident={
            "type": "WebIdentityUser",
            "principalId": f"{provider}:sts.amazonaws.com:{subject}",
            "userName": subject,
            "identityProvider": provider,
        },
        source="sts.amazonaws.com",
        name="AssumeRoleWithWebIdentity",
        region=role.home_region,
        ip="20.29." + str(rng.randrange(256)) + "." + str(rng.randrange(256)),
        agent="aws-actions/configure-aws-credentials",
        request={"roleArn": role.arn, "roleSessionName": "GitHubActions", "durationSeconds": 3600},
        response={
            "subjectFromWebIdentityToken": subject,
            "assumedRoleUser": _assumed_role_user(role, acct, "GitHubActions"),
            "provider": provider,
            "audience": "sts.amazonaws.com",
        },
        read_only=True,
        recipient=acct.id,
        data=False,
        resources=[_role_resource(role, acct)],
    )


def identity_center_signin(rng: random.Random, ts: int, acct: Account, person: str) -> Json:
    """An Identity Center user signing in (a non-API ``AwsServiceEvent``)."""
    rec = api_record(
        rng=rng,
        ts=ts,
        ident={
            "type": "IdentityCenterUser",
            "accountId": acct.id,
            "onBehalfOf": {
                "userId": rand.uuid4(rng),
                "identityStoreArn": f"arn:aws:identitystore::{acct.id}:identitystore/d-9067"
                + rand.hexstr(rng, 6),
            },
            "credentialId": rand.hexstr(rng, 32),
        },
        source="signin.amazonaws.com",
        name=rng.choice(("CredentialChallenge", "CredentialVerification", "UserAuthentication")),
        region="eu-west-1",
        ip="203.0.113." + str(rng.randrange(1, 255)),
        agent=USER_AGENTS["browser"],
        request=None,
        response=None,
        read_only=False,
        recipient=acct.id,
        data=False,
        tls=False,
        event_type="AwsServiceEvent",
    )
    rec["serviceEventDetails"] = {"CredentialType": "PASSWORD", "CredentialChallenge": "Success"}
    rec["additionalEventData"] = {"UserName": person, "CredentialType": "PASSWORD"}
    return rec


def console_login(rng: random.Random, ts: int, p: Principal) -> Json:
    """ConsoleLogin (``AwsConsoleSignIn``): attributed to its principal, needs no permission."""
    ident, _ = identity(rng, p, ts)
    ident.pop("accessKeyId", None)
    mfa = "Yes" if p.kind in (ROOT, SSO_ROLE) else "No"
    return api_record(
        rng=rng,
        ts=ts,
        ident=ident,
        source="signin.amazonaws.com",
        name="ConsoleLogin",
        region="us-east-1",
        ip="198.51.100." + str(rng.randrange(1, 255)),
        agent=USER_AGENTS["browser"],
        request=None,
        response={"ConsoleLogin": "Success"},
        additional={
            "LoginTo": "https://console.aws.amazon.com/console/home",
            "MobileVersion": "No",
            "MFAUsed": mfa,
        },
        read_only=False,
        recipient=p.account,
        data=False,
        tls=False,
        event_type="AwsConsoleSignIn",
    )


def kms_rotation(rng: random.Random, ts: int, acct: Account, key_arn: str, region: str) -> Json:
    """KMS rotating a key on its own (``AwsServiceEvent``, no identity type at all)."""
    return api_record(
        rng=rng,
        ts=ts,
        ident={"accountId": acct.id, "invokedBy": "kms.amazonaws.com"},
        source="kms.amazonaws.com",
        name="RotateKey",
        region=region,
        ip="kms.amazonaws.com",
        agent="kms.amazonaws.com",
        request=None,
        response=None,
        read_only=False,
        recipient=acct.id,
        data=False,
        resources=[{"accountId": acct.id, "type": "AWS::KMS::Key", "ARN": key_arn}],
        tls=False,
        event_type="AwsServiceEvent",
    )


def external_account_assume(
    rng: random.Random,
    ts: int,
    role: Principal,
    acct: Account,
    *,
    caller_account: str,
    session: str,
) -> Json:
    """Another account assuming a role here: ``AWSAccount`` identity (caller known by account)."""
    return api_record(
        rng=rng,
        ts=ts,
        ident={
            "type": "AWSAccount",
            "principalId": f"AROA{rand.upper_alnum(rng, 17)}:{session}",
            "accountId": caller_account,
        },
        source="sts.amazonaws.com",
        name="AssumeRole",
        region=role.home_region,
        ip="3.208." + str(rng.randrange(256)) + "." + str(rng.randrange(256)),
        agent=USER_AGENTS["go"],
        request={
            "roleArn": role.arn,
            "roleSessionName": session,
            "externalId": rand.hexstr(rng, 32),
            "durationSeconds": 3600,
        },
        response={"assumedRoleUser": _assumed_role_user(role, acct, session)},
        read_only=True,
        recipient=acct.id,
        data=False,
        resources=[_role_resource(role, acct)],
        shared_id=rand.uuid4(rng),
    )


def insight_record(
    rng: random.Random, ts: int, acct: str, region: str, *, state: str, shared: str
) -> Json:
    """A CloudTrail Insights event (``AwsCloudTrailInsight``): not an API call at all."""
    details: Json = {
        "state": state,
        "eventSource": "ec2.amazonaws.com",
        "eventName": "RunInstances",
        "insightType": "ApiCallRateInsight",
        "insightContext": {
            "statistics": {
                "baseline": {"average": 0.0416},
                "insight": {"average": 2.5},
            }
        },
    }
    if state == "End":
        details["insightContext"]["statistics"]["insightDuration"] = 5
    return {
        "eventVersion": "1.08",
        "eventTime": iso(ts),
        "awsRegion": region,
        "eventID": rand.uuid4(rng),
        "eventType": "AwsCloudTrailInsight",
        "recipientAccountId": acct,
        "sharedEventID": shared,
        "insightDetails": details,
        "eventCategory": "Insight",
    }
