"""The synthetic organization: accounts, their resources, and the principals that call them.

Everything here is drawn once from the seeded ``random.Random`` before any event is made, so
that the ground truth can name real ARNs, and a later authorization snapshot can grant each
principal a superset of what it is going to use. Principal templates are data (tables below):
what kinds of roles a workload account has, with which IAM paths, who assumes them, and which
archetype (a weighted list of API calls, in :mod:`benchmarks.calls`) they follow.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from benchmarks import rand

#: Kinds of principal, named as in the ground truth and ``policygen_batch.schema.PrincipalType``.
ROLE = "role"
SSO_ROLE = "sso_role"
SERVICE_LINKED_ROLE = "service_linked_role"
USER = "user"
ROOT = "root"

REGIONS = (
    "us-east-1",
    "us-west-2",
    "eu-west-1",
    "eu-central-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "ca-central-1",
    "sa-east-1",
)
#: Identity Center's home region; SSO role paths carry it:
#: ``/aws-reserved/sso.amazonaws.com/<region>/``.
SSO_REGION = "eu-west-1"
APPS = (
    "orders",
    "payments",
    "catalog",
    "search",
    "billing",
    "inventory",
    "shipping",
    "reports",
    "auth",
    "notify",
)
PEOPLE = ("alice", "bob", "carol", "dmitri", "erin", "farah", "gus", "hana", "ivan", "jun")


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource of an account: ``name`` is what the API takes (bucket, queue URL, key id…)."""

    kind: str
    arn: str
    name: str
    region: str
    account: str
    extra: tuple[str, ...] = ()


@dataclass(slots=True)
class Account:
    """An account of the organization (or the one standalone account with its own trail)."""

    id: str
    name: str
    role: str  # management | security | workload | standalone
    regions: tuple[str, ...]
    org_trail: bool
    resources: dict[tuple[str, str], list[Resource]] = field(default_factory=dict)
    #: service principal (``lambda.amazonaws.com`` …) → roles it may be handed (iam:PassRole).
    pass_roles: dict[str, list[str]] = field(default_factory=dict)

    def pool(self, kind: str, region: str) -> list[Resource]:
        """Resources of ``kind`` in ``region`` (global kinds live in the primary region)."""
        found = self.resources.get((kind, region))
        if found:
            return found
        return self.resources.get((kind, self.regions[0]), [])


@dataclass(slots=True)
class Principal:
    """A role, user or root that makes calls; ``arn`` is what the ground truth attributes to."""

    arn: str
    kind: str
    account: str
    name: str
    path: str
    archetype: str
    weight: float
    home_region: str
    unique_id: str
    assumed_by: str  # service principal, "saml", "web", "account:<id>", "slr" or "" for users/root
    invoked_by: str | None
    session_names: tuple[str, ...]
    deny_calls: tuple[str, ...] = ()
    deny_rate: float = 0.0
    xacct_rate: float = 0.0
    federates: bool = False
    user_agent: str = ""
    source_ip: str = ""
    #: (kind, region) → the few resources this principal works with (drawn on first use).
    affinity: dict[tuple[str, str], list[Resource]] = field(default_factory=dict)
    #: (session index, hour) → (access key id, session creation time), drawn on first use.
    sessions: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Template:
    """How to make principals of one archetype in an account."""

    archetype: str
    kind: str
    path: str  # may contain {app}; SSO paths are filled in by the builder
    name: str  # may contain {app}, {App}, {hex}
    assumed_by: str
    count: tuple[int, int]
    weight: float
    deny_calls: tuple[str, ...] = ()
    deny_rate: float = 0.01
    xacct_rate: float = 0.0
    invoked_by: str | None = None
    federates: bool = False


_SSO = "/aws-reserved/sso.amazonaws.com/" + SSO_REGION + "/"
_ASR = "/aws-service-role/"


def _sso(
    archetype: str,
    permission_set: str,
    weight: float,
    deny_calls: tuple[str, ...] = (),
    deny_rate: float = 0.01,
) -> Template:
    """An Identity Center role: ``AWSReservedSSO_<permission set>_<16 hex>`` on the SSO path."""
    name = f"AWSReservedSSO_{permission_set}_{{hex}}"
    return Template(archetype, SSO_ROLE, _SSO, name, "saml", (1, 1), weight, deny_calls, deny_rate)


def _root(weight: float) -> Template:
    """The account root: rare, console-driven calls."""
    return Template("root", ROOT, "", "root", "", (1, 1), weight)


#: Principal templates per account role. Weights are the archetype's share before the
#: heavy-tailed per-principal factor; deny_calls are calls it tries and is refused.
TEMPLATES: dict[str, tuple[Template, ...]] = {
    "workload": (
        Template(
            "app_api",
            ROLE,
            "/service/{app}/",
            "{App}ApiRole",
            "ecs-tasks.amazonaws.com",
            (1, 3),
            40,
            ("s3.DeleteObjects", "secretsmanager.GetSecretValue"),
            0.01,
            0.04,
        ),
        Template(
            "ecs_task",
            ROLE,
            "/service/{app}/",
            "{App}WorkerTaskRole",
            "ecs-tasks.amazonaws.com",
            (1, 2),
            25,
            ("dynamodb.DeleteItem",),
            0.01,
            0.03,
        ),
        Template(
            "ecs_exec",
            ROLE,
            "/service/{app}/",
            "{App}TaskExecutionRole",
            "ecs-tasks.amazonaws.com",
            (1, 1),
            6,
        ),
        Template(
            "lambda_exec",
            ROLE,
            "/lambda/",
            "{app}-handler-exec",
            "lambda.amazonaws.com",
            (2, 4),
            30,
            ("kms.Decrypt", "s3.GetObject"),
            0.015,
        ),
        Template(
            "data_pipeline",
            ROLE,
            "/service/etl/",
            "{App}EtlPipelineRole",
            "glue.amazonaws.com",
            (0, 1),
            30,
            ("s3.PutObject",),
            0.01,
            0.05,
        ),
        Template("ec2_instance", ROLE, "/", "{app}-ec2-instance", "ec2.amazonaws.com", (1, 1), 15),
        Template(
            "states_exec",
            ROLE,
            "/service/workflows/",
            "{App}WorkflowRole",
            "states.amazonaws.com",
            (1, 1),
            5,
        ),
        Template(
            "deployer",
            ROLE,
            "/ci/",
            "GitHubActionsDeploy",
            "web",
            (1, 1),
            8,
            ("iam.CreateRole",),
            0.02,
        ),
        Template(
            "cfn_exec",
            ROLE,
            "/cfn/",
            "CloudFormationExecutionRole",
            "cloudformation.amazonaws.com",
            (1, 1),
            3,
            invoked_by="cloudformation.amazonaws.com",
        ),
        Template(
            "monitoring",
            ROLE,
            "/ops/",
            "MonitoringIntegrationRole",
            "account:external",
            (1, 1),
            10,
        ),
        Template(
            "audit_target",
            ROLE,
            "/security/",
            "OrganizationAuditRole",
            "account:security",
            (1, 1),
            4,
        ),
        _sso("sso_admin", "AdministratorAccess", 5),
        _sso(
            "sso_developer",
            "DeveloperAccess",
            8,
            ("iam.AttachRolePolicy", "ec2.TerminateInstances"),
            0.03,
        ),
        _sso(
            "sso_readonly",
            "ReadOnlyAccess",
            3,
            ("ec2.StopInstances", "s3.PutBucketPolicy", "ssm.GetParameter"),
            0.08,
        ),
        Template(
            "slr_autoscaling",
            SERVICE_LINKED_ROLE,
            _ASR + "autoscaling.amazonaws.com/",
            "AWSServiceRoleForAutoScaling",
            "slr",
            (1, 1),
            4,
            invoked_by="autoscaling.amazonaws.com",
        ),
        Template(
            "slr_ecs",
            SERVICE_LINKED_ROLE,
            _ASR + "ecs.amazonaws.com/",
            "AWSServiceRoleForECS",
            "slr",
            (1, 1),
            3,
            invoked_by="ecs.amazonaws.com",
        ),
        Template(
            "ci_user",
            USER,
            "/",
            "legacy-ci",
            "",
            (0, 1),
            6,
            ("cloudfront.CreateInvalidation",),
            0.02,
        ),
        Template("backup_user", USER, "/ops/", "backup-bot", "", (1, 1), 3, (), 0.0, 0.3),
        _root(0.2),
    ),
    "management": (
        Template("org_admin", ROLE, "/org/", "OrganizationAdminRole", "saml", (1, 1), 5),
        _sso("sso_admin", "AdministratorAccess", 4),
        _sso("sso_readonly", "ReadOnlyAccess", 2, ("organizations.ListAccounts",), 0.05),
        Template(
            "federation_broker",
            USER,
            "/federation/",
            "fed-broker",
            "",
            (1, 1),
            4,
            federates=True,
        ),
        _root(0.3),
    ),
    "security": (
        Template(
            "security_auditor",
            ROLE,
            "/security/",
            "SecurityAuditor",
            "lambda.amazonaws.com",
            (1, 1),
            12,
            ("iam.GetAccountAuthorizationDetails",),
            0.0,
            0.35,
        ),
        _sso("sso_readonly", "ReadOnlyAccess", 2),
        _root(0.1),
    ),
    "standalone": (
        Template("ci_user", USER, "/", "legacy-deployer", "", (1, 1), 6),
        Template(
            "app_api", ROLE, "/service/{app}/", "{App}ApiRole", "ec2.amazonaws.com", (1, 1), 10
        ),
        _root(0.2),
    ),
}

#: Resource kinds made in every region of an account, and how many of each.
REGIONAL_KINDS: tuple[tuple[str, int], ...] = (
    ("bucket", 2),
    ("kms_key", 2),
    ("queue", 2),
    ("topic", 1),
    ("function", 3),
    ("table", 2),
    ("log_group", 3),
    ("parameter", 3),
    ("secret", 2),
    ("instance", 3),
    ("volume", 2),
    ("cluster", 1),
    ("service", 2),
    ("task_definition", 2),
    ("state_machine", 1),
    ("db", 1),
    ("stack", 1),
    ("rest_api", 1),
    ("repository", 2),
    ("alarm", 2),
    ("project", 1),
    ("glue_table", 2),
    ("workgroup", 1),
    ("target_group", 1),
    ("rule", 1),
    ("model", 2),
)
#: Kinds that exist once per account (global services), made in the primary region.
GLOBAL_KINDS: tuple[tuple[str, int], ...] = (("distribution", 1), ("hosted_zone", 1))

_WORDS = ("data", "assets", "uploads", "exports", "logs", "archive", "media", "backups")
_MODELS = (
    "anthropic.claude-3-haiku-20240307-v1:0",
    "anthropic.claude-3-5-sonnet-20240620-v1:0",
    "amazon.titan-embed-text-v2:0",
    "meta.llama3-8b-instruct-v1:0",
)


@dataclass(slots=True)
class Organization:
    """The whole synthetic estate, drawn from one seed."""

    org_id: str
    accounts: list[Account]
    principals: list[Principal]
    #: principals by ARN, for cross references (PassRole targets, audit roles).
    by_arn: dict[str, Principal]

    def account(self, account_id: str) -> Account:
        """The account with this id."""
        for acct in self.accounts:
            if acct.id == account_id:
                return acct
        raise KeyError(account_id)

    @property
    def shared(self) -> Account:
        """The security account: holds the shared bucket and key other accounts reach into."""
        return next(a for a in self.accounts if a.role == "security")


def _make_resource(  # noqa: PLR0911, PLR0912, PLR0915 — one flat branch per kind is a table
    rng: random.Random, kind: str, acct: str, region: str, i: int
) -> Resource:
    """One resource of ``kind``: a real-shaped ARN plus the name the API takes."""
    app = APPS[(i + len(kind)) % len(APPS)]
    if kind == "bucket":
        name = f"{app}-{_WORDS[rng.randrange(len(_WORDS))]}-{acct}-{region}"
        n_keys = rng.randint(6, 24)
        keys = tuple(
            f"{rng.choice(('in', 'out', 'tmp', 'reports', 'raw'))}/2024/{rng.randint(1, 12):02d}/"
            f"{app}-{rng.randint(1, 9999):05d}.{rng.choice(('json', 'parquet', 'csv', 'gz'))}"
            for _ in range(n_keys)
        )
        return Resource(kind, f"arn:aws:s3:::{name}", name, region, acct, tuple(sorted(set(keys))))
    if kind == "kms_key":
        kid = rand.uuid4(rng)
        return Resource(kind, f"arn:aws:kms:{region}:{acct}:key/{kid}", kid, region, acct)
    if kind == "queue":
        name = f"{app}-{rng.choice(('jobs', 'events', 'dlq', 'tasks'))}"
        url = f"https://sqs.{region}.amazonaws.com/{acct}/{name}"
        return Resource(kind, f"arn:aws:sqs:{region}:{acct}:{name}", url, region, acct)
    if kind == "topic":
        name = f"{app}-alerts"
        return Resource(kind, f"arn:aws:sns:{region}:{acct}:{name}", name, region, acct)
    if kind == "function":
        name = f"{app}-{rng.choice(('handler', 'worker', 'resizer', 'ingest', 'cron'))}-{i}"
        arn = f"arn:aws:lambda:{region}:{acct}:function:{name}"
        return Resource(kind, arn, name, region, acct)
    if kind == "table":
        name = f"{app}-{rng.choice(('items', 'sessions', 'ledger', 'state'))}"
        return Resource(kind, f"arn:aws:dynamodb:{region}:{acct}:table/{name}", name, region, acct)
    if kind == "log_group":
        name = rng.choice((f"/aws/lambda/{app}-handler", f"/ecs/{app}", f"/app/{app}/{i}"))
        arn = f"arn:aws:logs:{region}:{acct}:log-group:{name}"
        return Resource(kind, arn, name, region, acct)
    if kind == "parameter":
        name = f"/{app}/{rng.choice(('prod', 'dev'))}/{rng.choice(('db-host', 'api-url', 'flags'))}"
        arn = f"arn:aws:ssm:{region}:{acct}:parameter{name}"
        return Resource(kind, arn, name, region, acct)
    if kind == "secret":
        name = f"{app}/{rng.choice(('db', 'api-key', 'oauth'))}"
        arn = f"arn:aws:secretsmanager:{region}:{acct}:secret:{name}-{rand.alnum(rng, 6)}"
        return Resource(kind, arn, name, region, acct)
    if kind == "instance":
        iid = "i-0" + rand.hexstr(rng, 16)
        return Resource(kind, f"arn:aws:ec2:{region}:{acct}:instance/{iid}", iid, region, acct)
    if kind == "volume":
        vid = "vol-0" + rand.hexstr(rng, 16)
        return Resource(kind, f"arn:aws:ec2:{region}:{acct}:volume/{vid}", vid, region, acct)
    if kind == "cluster":
        name = f"{app}-cluster"
        return Resource(kind, f"arn:aws:ecs:{region}:{acct}:cluster/{name}", name, region, acct)
    if kind == "service":
        cluster = f"{APPS[(len('cluster')) % len(APPS)]}-cluster"
        name = f"{app}-svc"
        arn = f"arn:aws:ecs:{region}:{acct}:service/{cluster}/{name}"
        return Resource(kind, arn, name, region, acct, (cluster,))
    if kind == "task_definition":
        family = f"{app}-task"
        rev = rng.randint(1, 60)
        arn = f"arn:aws:ecs:{region}:{acct}:task-definition/{family}:{rev}"
        return Resource(kind, arn, family, region, acct, (str(rev),))
    if kind == "state_machine":
        name = f"{app}-workflow"
        arn = f"arn:aws:states:{region}:{acct}:stateMachine:{name}"
        return Resource(kind, arn, name, region, acct)
    if kind == "db":
        name = f"{app}-db-{i}"
        return Resource(kind, f"arn:aws:rds:{region}:{acct}:db:{name}", name, region, acct)
    if kind == "stack":
        name = f"{app}-stack"
        arn = f"arn:aws:cloudformation:{region}:{acct}:stack/{name}/{rand.uuid4(rng)}"
        return Resource(kind, arn, name, region, acct)
    if kind == "rest_api":
        api = rand.lower_alnum(rng, 10)
        return Resource(kind, f"arn:aws:apigateway:{region}::/restapis/{api}", api, region, acct)
    if kind == "repository":
        name = f"{app}/{rng.choice(('api', 'worker', 'web'))}"
        arn = f"arn:aws:ecr:{region}:{acct}:repository/{name}"
        return Resource(kind, arn, name, region, acct)
    if kind == "alarm":
        name = f"{app}-{rng.choice(('5xx', 'latency', 'cpu'))}-{i}"
        return Resource(
            kind, f"arn:aws:cloudwatch:{region}:{acct}:alarm:{name}", name, region, acct
        )
    if kind == "project":
        name = f"{app}-build"
        arn = f"arn:aws:codebuild:{region}:{acct}:project/{name}"
        return Resource(kind, arn, name, region, acct)
    if kind == "glue_table":
        db = f"{app}_db"
        table = f"{rng.choice(('events', 'orders', 'clicks'))}_{i}"
        arn = f"arn:aws:glue:{region}:{acct}:table/{db}/{table}"
        return Resource(kind, arn, table, region, acct, (db,))
    if kind == "workgroup":
        arn = f"arn:aws:athena:{region}:{acct}:workgroup/primary"
        return Resource(kind, arn, "primary", region, acct)
    if kind == "target_group":
        name = f"{app}-tg"
        tg_id = rand.hexstr(rng, 16)
        arn = f"arn:aws:elasticloadbalancing:{region}:{acct}:targetgroup/{name}/{tg_id}"
        return Resource(kind, arn, name, region, acct)
    if kind == "rule":
        name = f"{app}-nightly"
        return Resource(kind, f"arn:aws:events:{region}:{acct}:rule/{name}", name, region, acct)
    if kind == "model":
        model = _MODELS[i % len(_MODELS)]
        return Resource(
            kind, f"arn:aws:bedrock:{region}::foundation-model/{model}", model, region, acct
        )
    if kind == "distribution":
        did = "E" + rand.upper_alnum(rng, 13)
        arn = f"arn:aws:cloudfront::{acct}:distribution/{did}"
        return Resource(kind, arn, did, region, acct)
    if kind == "hosted_zone":
        zid = "Z" + rand.upper_alnum(rng, 20)
        return Resource(kind, f"arn:aws:route53:::hostedzone/{zid}", zid, region, acct)
    raise ValueError(f"unknown resource kind {kind!r}")


def _make_account(rng: random.Random, role: str, index: int, org_trail: bool) -> Account:
    primary = rng.choice(REGIONS[:3]) if role != "management" else "us-east-1"
    others = [r for r in REGIONS if r != primary]
    extra = rng.sample(others, k=rng.choice((0, 1, 1, 2)))
    regions = (primary, *extra)
    acct = Account(rand.account_id(rng), f"{role}-{index:02d}", role, regions, org_trail)
    for region in regions:
        for kind, count in REGIONAL_KINDS:
            acct.resources[(kind, region)] = [
                _make_resource(rng, kind, acct.id, region, i) for i in range(count)
            ]
    for kind, count in GLOBAL_KINDS:
        acct.resources[(kind, primary)] = [
            _make_resource(rng, kind, acct.id, primary, i) for i in range(count)
        ]
    return acct


def _session_names(  # noqa: PLR0911 — one early return per kind of caller
    rng: random.Random, p_archetype: str, name: str, acct: Account
) -> tuple[str, ...]:
    """Session names as each kind of caller really sets them."""
    if p_archetype.startswith("sso_") or p_archetype == "org_admin":
        return tuple(f"{who}@example.com" for who in rng.sample(PEOPLE, k=rng.randint(1, 4)))
    if p_archetype == "lambda_exec":
        return (name.removesuffix("-exec"),)
    if p_archetype in ("ecs_task", "ecs_exec") or p_archetype == "app_api":
        return tuple(rand.hexstr(rng, 32) for _ in range(3))
    if p_archetype == "ec2_instance":
        return tuple(r.name for r in acct.pool("instance", acct.regions[0]))
    if p_archetype == "deployer":
        return ("GitHubActions",)
    if p_archetype == "cfn_exec":
        return ("AWSCloudFormation",)
    if p_archetype == "slr_autoscaling":
        return ("AutoScaling",)
    if p_archetype == "slr_ecs":
        return ("ecs-service-scheduler",)
    if p_archetype == "states_exec":
        return tuple(rand.hexstr(rng, 32) for _ in range(2))
    return tuple(f"botocore-session-{rng.randrange(10**9, 10**10)}" for _ in range(2))


def build_org(rng: random.Random, n_accounts: int) -> Organization:
    """Draw an organization of ``n_accounts`` (≥ 4): management, security, workloads, standalone."""
    n_accounts = max(n_accounts, 4)
    roles = ["management", "security"] + ["workload"] * (n_accounts - 3) + ["standalone"]
    accounts = [
        _make_account(rng, role, i, org_trail=role != "standalone") for i, role in enumerate(roles)
    ]
    org_id = "o-" + rand.lower_alnum(rng, 10)
    principals: list[Principal] = []
    for acct in accounts:
        apps = rng.sample(APPS, k=len(APPS))
        app_i = 0
        for tpl in TEMPLATES[acct.role]:
            count = rng.randint(*tpl.count)
            if tpl.federates and acct.role != "management":
                continue
            for _ in range(count):
                app = apps[app_i % len(apps)]
                app_i += 1
                principals.append(_make_principal(rng, tpl, acct, app))
    # Heavy tail: a Pareto factor per principal, so a few principals make most calls.
    for p in principals:
        p.weight *= min(rng.paretovariate(1.1), 60.0)
    for p in principals:
        if p.kind in (ROLE, SSO_ROLE):
            acct = next(a for a in accounts if a.id == p.account)
            role = Resource("role", p.arn, p.name, acct.regions[0], acct.id, (p.path,))
            acct.resources.setdefault(("role", acct.regions[0]), []).append(role)
    by_arn = {p.arn: p for p in principals}
    if len(by_arn) != len(principals):
        raise AssertionError("principal ARNs must be unique within the organization")
    return Organization(org_id, accounts, principals, by_arn)


def _make_principal(rng: random.Random, tpl: Template, acct: Account, app: str) -> Principal:
    name = tpl.name.format(app=app, App=app.capitalize(), hex=rand.hexstr(rng, 16))
    path = tpl.path.format(app=app)
    if tpl.kind == ROOT:
        arn = f"arn:aws:iam::{acct.id}:root"
        uid = acct.id
    elif tpl.kind == USER:
        arn = f"arn:aws:iam::{acct.id}:user{path}{name}"
        uid = rand.unique_id(rng, "AIDA")
    else:
        arn = f"arn:aws:iam::{acct.id}:role{path}{name}"
        uid = rand.unique_id(rng, "AROA")
    home = acct.regions[0] if rng.random() < 0.8 or len(acct.regions) == 1 else acct.regions[1]
    principal = Principal(
        arn=arn,
        kind=tpl.kind,
        account=acct.id,
        name=name,
        path=path,
        archetype=tpl.archetype,
        weight=tpl.weight,
        home_region=home,
        unique_id=uid,
        assumed_by=tpl.assumed_by,
        invoked_by=tpl.invoked_by,
        session_names=_session_names(rng, tpl.archetype, name, acct),
        deny_calls=tpl.deny_calls,
        deny_rate=tpl.deny_rate if tpl.deny_calls else 0.0,
        xacct_rate=tpl.xacct_rate,
        federates=tpl.federates,
    )
    if tpl.kind == ROLE and "." in tpl.assumed_by:
        acct.pass_roles.setdefault(tpl.assumed_by, []).append(arn)
    return principal
