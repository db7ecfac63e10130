"""Event + action → resource ARN(s), shaped to the catalog's ARN formats for that action.

For each (event, action) row, in this order:

1. A denied call whose ``errorMessage`` names a resource keeps that resource.
2. ARNs that CloudTrail lists in ``resources[]`` are classified against the catalog's ARN
   formats (:meth:`Catalog.classify_arn`, run once per *distinct* ARN, not per row) and kept
   for the action when their resource type is one of the action's (an S3 ``GetObject`` keeps
   the object ARN and drops the bucket ARN of the same record). Skipped when an override chose
   an explicit resource rule (``CopyObject``'s source and destination are both listed there).
3. Otherwise the rules of ``resource_rules.json`` build the ARN from ``requestParameters``
   (``responseElements`` only says that a create call made a new resource, granted as
   ``<type>/*``: IAM authorises a create against an id that does not exist yet; a rule may
   also fall back to ``resources[]`` when its own parameter is absent):
   whole ARNs are used as they are, else the catalog's template for the resource type is
   filled (``${Partition}`` from the region: aws / aws-cn / aws-us-gov / aws-iso…;
   ``${Region}`` and ``${Account}`` from the event unless the rule reads them, e.g. from an SQS
   queue URL). This is polars string work per rule, not a Python call per record. API Gateway
   management paths are the one exception: a small Python function builds them, over the
   distinct (eventName, requestParameters) pairs of API Gateway events only, and checks each
   candidate path against the catalog's apigateway formats.
4. Still nothing: ``*`` when the action supports no resource-level permission, else a null
   resource with the reason appended to ``detail`` (never a guessed ``*``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

import orjson
import polars as pl

from policygen_batch import schema as s
from policygen_batch.catalog.model import ArnFormat, Catalog
from policygen_batch.mapping.actions import APIGATEWAY_RULE
from policygen_batch.mapping.derived import catalog_frames
from policygen_batch.mapping.tables import MappingTables, ResourceRule, VariableSource
from policygen_batch.schema import MappingStatus

_VARIABLE: Final = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_LIST = pl.List(pl.String)
_ALL_NAMED: Final = "__map_all_named"


def _transform(name: str | None) -> Callable[[pl.Expr], pl.Expr]:
    """The named value transforms that ``resource_rules.json`` may ask for."""

    def strip_slash(v: pl.Expr) -> pl.Expr:
        return v.str.strip_prefix("/")

    def copy_bucket(v: pl.Expr) -> pl.Expr:
        return v.str.strip_prefix("/").str.extract(r"^([^/]+)/", 1)

    def copy_key(v: pl.Expr) -> pl.Expr:
        return (
            v.str.strip_prefix("/")
            .str.replace(r"\?versionId=.*$", "")
            .str.extract(r"^[^/]+/(.+)$", 1)
        )

    def lambda_function(v: pl.Expr) -> pl.Expr:
        return pl.coalesce(v.str.extract(r":function:([^:]+)", 1), v.str.extract(r"^([^:]+)$", 1))

    def url_last_segment(v: pl.Expr) -> pl.Expr:
        return v.str.extract(r"/([^/?]+)/?$", 1)

    def queue_url_account(v: pl.Expr) -> pl.Expr:
        return v.str.extract(r"/(\d{12})/[^/]+/?$", 1)

    def kms_key_id(v: pl.Expr) -> pl.Expr:
        # Aliases authorise against the key behind them, which only resources[] reveals.
        return (
            pl.when(v.str.starts_with("alias/") | v.str.starts_with("arn:")).then(None).otherwise(v)
        )

    def secret_suffix(v: pl.Expr) -> pl.Expr:
        # A secret's ARN ends with a random 6-character suffix the request does not carry.
        return pl.when(v.str.starts_with("arn:")).then(None).otherwise(v + pl.lit("-??????"))

    def ec2_instance_id(v: pl.Expr) -> pl.Expr:
        return v.str.extract(r"^(i-[0-9a-fA-F]+)$", 1)

    def name_from_arn(v: pl.Expr) -> pl.Expr:
        # ECS and EventBridge parameters take a name or the whole ARN; the name is the last
        # path segment either way (cluster/NAME, service/CLUSTER/NAME, event-bus/NAME).
        return v.str.extract(r"([^/]+)$", 1)

    def task_family(v: pl.Expr) -> pl.Expr:
        return v.str.extract(r"([^:/]+)(?::\d+)?$", 1)

    def task_revision(v: pl.Expr) -> pl.Expr:
        # "family" alone means the latest ACTIVE revision, which the event does not say.
        return v.str.extract(r"/?[^:/]+:(\d+)$", 1)

    def aws_owned_document_account(v: pl.Expr) -> pl.Expr:
        # Documents owned by AWS (names reserved for it: aws…, amazon…, amzn…) live in no
        # account: IAM authorises arn:aws:ssm:us-east-1::document/AWS-RunShellScript, so the
        # event's account would never match. "*" matches the empty field and widens nothing
        # (no account can own a reserved name); an empty field would be exact, but the
        # policy validator rejects an account-less ssm ARN. Null otherwise: the event's account.
        return pl.when(v.str.contains(r"^(?i)(aws|amazon|amzn)")).then(pl.lit("*"))

    def custom_event_bus(v: pl.Expr) -> pl.Expr:
        # An EventBridge rule on the default bus has its own ARN form (rule/NAME) apart from
        # one on a named bus (rule/BUS/NAME); "default" given explicitly is the default bus.
        name = name_from_arn(v)
        return pl.when(name != "default").then(name)

    def iam_path_and_name(v: pl.Expr) -> pl.Expr:
        # IAM authorises against the ARN with the path (role/service/app/Name); a create
        # call's request splits path and name, its response carries the whole ARN.
        return v.str.extract(r"^arn:[^:]+:iam::\d*:[a-z-]+/(.+)$", 1)

    def wildcard_if_present(v: pl.Expr) -> pl.Expr:
        # "*" when the value is there at all, for two kinds of resource:
        # - ids that AWS assigns while the call runs (RunInstances' instance, CreateSnapshot's
        #   snapshot): IAM authorises the call against instance/* because the id does not
        #   exist yet, and the next call creates another one, so the id in responseElements
        #   says "this type was created", not which ARN to grant;
        # - POST ?delete (DeleteObjects) carries its keys in the body, which CloudTrail does
        #   not log: the subresource's presence means "some objects of this bucket".
        return pl.when(v.is_not_null()).then(pl.lit("*"))

    def before_colon(v: pl.Expr) -> pl.Expr:
        return v.str.extract(r"^([^:]+):", 1)

    def strip_hostedzone(v: pl.Expr) -> pl.Expr:
        return v.str.replace(r"^/?hostedzone/", "")

    transforms: dict[str | None, Callable[[pl.Expr], pl.Expr]] = {
        None: lambda v: v,
        "strip_leading_slash": strip_slash,
        "copy_source_bucket": copy_bucket,
        "copy_source_key": copy_key,
        "lambda_function": lambda_function,
        "url_last_segment": url_last_segment,
        "queue_url_account": queue_url_account,
        "kms_key_id": kms_key_id,
        "secret_suffix": secret_suffix,
        "ec2_instance_id": ec2_instance_id,
        "name_from_arn": name_from_arn,
        "task_family": task_family,
        "task_revision": task_revision,
        "aws_owned_document_account": aws_owned_document_account,
        "wildcard_if_present": wildcard_if_present,
        "iam_path_and_name": iam_path_and_name,
        "custom_event_bus": custom_event_bus,
        "before_colon": before_colon,
        "strip_hostedzone": strip_hostedzone,
    }
    return transforms[name]


def known_transforms() -> frozenset[str]:
    """Names a rule may use (the table test checks every rule against this)."""
    names = (
        "strip_leading_slash copy_source_bucket copy_source_key lambda_function url_last_segment "
        "queue_url_account kms_key_id secret_suffix ec2_instance_id name_from_arn task_family "
        "task_revision aws_owned_document_account wildcard_if_present iam_path_and_name "
        "before_colon strip_hostedzone custom_event_bus"
    )
    return frozenset(names.split())


def _source_expr(source: VariableSource) -> pl.Expr:
    """A list-of-strings expression (null when absent) for one variable source."""
    params = pl.col(s.RESPONSE_ELEMENTS if source.where == "response" else s.REQUEST_PARAMETERS)
    transform = _transform(source.transform)
    if source.kind in ("path", "const"):
        raw = (
            pl.lit(source.expression, dtype=pl.String)
            if source.kind == "const"
            else params.str.json_path_match(source.expression)
        )
        value = transform(raw)
        return pl.when(value.is_not_null() & (value != "")).then(pl.concat_list(value))
    if source.kind == "list":
        values = params.str.json_path_match(source.expression).str.json_decode(_LIST)
    else:
        values = params.str.extract_all(source.expression).list.eval(
            pl.element().str.extract(source.expression, 1)
        )
    values = (
        values.list.eval(transform(pl.element())).list.drop_nulls().list.unique(maintain_order=True)
    )
    return pl.when(values.list.len() > 0).then(values)


def _template_expr(template: str, variables: dict[str, str]) -> pl.Expr:
    """Concatenate a catalog template with its variables taken from columns."""
    pieces: list[pl.Expr] = []
    pos = 0
    for match in _VARIABLE.finditer(template):
        if match.start() > pos:
            pieces.append(pl.lit(template[pos : match.start()]))
        pieces.append(pl.col(variables[match.group(1)]))
        pos = match.end()
    if pos < len(template):
        pieces.append(pl.lit(template[pos:]))
    return pl.concat_str(pieces)


def _rule_frame(
    pending: pl.LazyFrame, rule: ResourceRule, catalog: Catalog, label: str
) -> pl.LazyFrame:
    """ARNs for the pending rows that use *rule* (one ARN per value of a list variable)."""
    prefix, _, type_name = rule.resource_type.partition(":")
    rtype = catalog.resource_type(prefix, type_name)
    if rtype is None:
        return pending.filter(pl.lit(False)).select(
            s.MAP_ROW,
            s.ACTION,
            pl.lit(None, dtype=pl.String).alias(s.RESOURCE),
            pl.lit(None, dtype=pl.String).alias(s.MAPPED_RESOURCE_TYPE),
        )
    columns: dict[str, str] = {
        "Partition": s.MAP_PARTITION,
        "Region": s.REGION,
        "Account": s.ACCOUNT_ID,
    }
    frame = pending.filter(pl.col(s.MAP_RULE) == rule.rule_id)
    if rule.skip_if:
        frame = frame.filter(
            pl.coalesce([_source_expr(source) for source in rule.skip_if]).is_null()
        )
    for index, (name, sources) in enumerate(rule.variables):
        column = f"{s.MAP_VALUE}{index}"
        frame = frame.with_columns(
            pl.coalesce([_source_expr(source) for source in sources]).alias(column)
        ).explode(column)
        if name == "Account":
            frame = frame.with_columns(pl.coalesce(column, s.ACCOUNT_ID).alias(column))
        columns[name] = column
    params = pl.col(s.REQUEST_PARAMETERS)
    whole = [
        pl.when(params.str.json_path_match(path).str.starts_with("arn:")).then(
            params.str.json_path_match(path)
        )
        for path in rule.arn_paths
    ]
    missing = [v for v in rtype.arn.variables if v not in columns]
    built = (
        pl.lit(None, dtype=pl.String) if missing else _template_expr(rtype.arn.template, columns)
    )
    return frame.select(
        s.MAP_ROW,
        s.ACTION,
        pl.coalesce([*whole, built]).alias(s.RESOURCE),
        pl.lit(label).alias(s.MAPPED_RESOURCE_TYPE),
    ).filter(pl.col(s.RESOURCE).is_not_null())


_APIGATEWAY_IDS: Final = (
    ("restApiId", "restapis"),
    ("apiId", "apis"),
    ("domainName", "domainnames"),
    ("usagePlanId", "usageplans"),
    ("apiKey", "apikeys"),
    ("vpcLinkId", "vpclinks"),
    ("clientCertificateId", "clientcertificates"),
    ("resourceId", "resources"),
    ("httpMethod", "methods"),
    ("statusCode", "responses"),
    ("stageName", "stages"),
    ("deploymentId", "deployments"),
    ("authorizerId", "authorizers"),
    ("modelName", "models"),
    ("requestValidatorId", "requestvalidators"),
    ("routeId", "routes"),
    ("integrationId", "integrations"),
    ("basePath", "basepathmappings"),
)


_APIGATEWAY_CREATE_BODY_KEYS: Final = ("stageName", "deploymentId")


def apigateway_path_arn(
    name: str, params_json: str | None, region: str, partition: str, formats: list[ArnFormat]
) -> str | None:
    """The path ARN an API Gateway management call acts on, checked against the catalog.

    The path is built from the ids present in ``requestParameters`` in their hierarchical
    order (``/restapis/{id}/resources/{id}/methods/{verb}``), then the collection the event
    name ends with is tried as a suffix (``GetDeployments`` → ``…/deployments``,
    ``PutIntegration`` → ``…/integration``). The candidate that fits the most specific
    catalog format wins (earlier candidates on ties); None when none fits.
    """
    try:
        params = orjson.loads(params_json) if params_json else {}
    except orjson.JSONDecodeError:
        params = {}
    if not isinstance(params, dict):
        params = {}
    # A create call's stage name or deployment id is a field of the new item's body
    # (CreateDeployment {stageName}, CreateStage {deploymentId}), not a path segment.
    body_keys = _APIGATEWAY_CREATE_BODY_KEYS if name.startswith("Create") else ()
    path = "".join(
        f"/{collection}/{params[key]}"
        for key, collection in _APIGATEWAY_IDS
        if key not in body_keys and isinstance(params.get(key), str | int) and params.get(key) != ""
    )
    noun = re.sub(r"^[A-Z][a-z]+", "", name).lower()
    last_collection = path.rsplit("/", 2)[-2] if path else ""
    suffixes = [f"{path}/{noun}s", f"{path}/{noun}", f"{path}/{noun.removesuffix('s')}"]
    if path and last_collection in (noun, f"{noun}s"):
        candidates = [path, *suffixes]
    else:
        candidates = [*suffixes, path] if path else suffixes
    best: tuple[int, int, str] | None = None
    for index, candidate in enumerate(candidates):
        arn = f"arn:{partition}:apigateway:{region}::{candidate}"
        fits = [fmt.specificity for fmt in formats if fmt.matches(arn)]
        # Variables match liberally, so several candidates fit; the most literal format wins.
        if fits and (best is None or (max(fits), -index) > best[:2]):
            best = (max(fits), -index, arn)
    return None if best is None else best[2]


def _apigateway_frame(pending: pl.LazyFrame, catalog: Catalog) -> pl.LazyFrame:
    service = catalog.service("apigateway")
    formats = [] if service is None else [r.arn for r in service.resource_types.values()]
    keys = [s.MAP_NAME, s.REQUEST_PARAMETERS, s.REGION, s.MAP_PARTITION]
    rows = pending.filter(pl.col(s.MAP_RULE) == APIGATEWAY_RULE)

    def build(batch: pl.Series) -> pl.Series:
        return pl.Series(
            [
                apigateway_path_arn(
                    row[s.MAP_NAME],
                    row[s.REQUEST_PARAMETERS],
                    row[s.REGION] or "",
                    row[s.MAP_PARTITION],
                    formats,
                )
                for row in batch.to_list()
            ],
            dtype=pl.String,
        )

    distinct = (
        rows.select(keys)
        .unique()
        .with_columns(pl.struct(keys).map_batches(build, return_dtype=pl.String).alias(s.RESOURCE))
    )
    return (
        rows.join(distinct, on=keys, how="inner", nulls_equal=True)
        .select(
            s.MAP_ROW,
            s.ACTION,
            s.RESOURCE,
            pl.lit(None, dtype=pl.String).alias(s.MAPPED_RESOURCE_TYPE),
        )
        .filter(pl.col(s.RESOURCE).is_not_null())
    )


def action_types_frame(catalog: Catalog) -> pl.LazyFrame:
    """(action, resource type key ``svc:name`` lower-case, label ``svc:Name``) for every action
    (built once per catalog: :mod:`policygen_batch.mapping.derived`)."""
    return catalog_frames(catalog).action_types.lazy()


def attach_resources(
    prepared: pl.LazyFrame, actions: pl.LazyFrame, catalog: Catalog, tables: MappingTables
) -> pl.LazyFrame:
    """Give every (event, action) row its resource(s); rows without an action pass through."""
    out_cols = [s.MAP_ROW, s.ACTION, s.STATUS, s.DETAIL, s.RESOURCE, s.MAPPED_RESOURCE_TYPE]
    needs = pl.col(s.STATUS).is_in([MappingStatus.ALLOWED, MappingStatus.DENIED])
    passthrough = (
        actions.filter(~needs)
        .with_columns(pl.lit(None, dtype=pl.String).alias(s.MAPPED_RESOURCE_TYPE))
        .select(out_cols)
    )
    acts = actions.filter(needs)
    from_message = (
        acts.filter(pl.col(s.RESOURCE).is_not_null())
        .with_columns(pl.lit(None, dtype=pl.String).alias(s.MAPPED_RESOURCE_TYPE))
        .select(out_cols)
    )
    # Materialised, like the other inputs the branches below share: left lazy, the plan
    # that joins them (from_listed) now and then grew to over 1 GB at 1M events where
    # the same joins over materialised frames stay at a few MiB (measured).
    pending = acts.filter(pl.col(s.RESOURCE).is_null()).drop(s.RESOURCE).collect().lazy()
    # Only the actions present: the full table has ~30,000 rows.
    types = (
        action_types_frame(catalog)
        .join(acts.select(s.ACTION).unique(), on=s.ACTION, how="semi")
        .collect()
        .lazy()
    )

    # 2. resources[] of the record, classified once per distinct ARN. Both frames are
    # materialised: several branches below read them, and a lazy plan would recompute them
    # (the classification, in Python, once per branch).
    listed = (
        prepared.select(s.MAP_ROW, s.RESOURCES)
        .explode(s.RESOURCES)
        .select(s.MAP_ROW, pl.col(s.RESOURCES).struct.field(s.RESOURCE_ARN).alias(s.RESOURCE))
        .drop_nulls()
        .unique()
        .collect()
    )
    distinct = listed.get_column(s.RESOURCE).unique().to_list()
    classes = catalog_frames(catalog).classify(distinct).lazy()
    listed_lazy = listed.lazy()
    from_listed = (
        pending.filter(pl.col(s.MAP_RULE).is_null())
        .select(s.MAP_ROW, s.ACTION)
        .join(listed_lazy, on=s.MAP_ROW)
        .join(classes, on=s.RESOURCE)
        .join(types, on=[s.ACTION, s.MAP_CANDIDATE])
        .select(s.MAP_ROW, s.ACTION, s.RESOURCE, s.MAPPED_RESOURCE_TYPE)
        .unique()
        .collect()  # read twice below: by the rules' anti-join and by the result
        .lazy()
    )

    # 3. requestParameters, through the rules.
    rule_ids = [rule.rule_id for rule in tables.resource_rules]
    params = prepared.select(
        s.MAP_ROW,
        s.REQUEST_PARAMETERS,
        s.RESPONSE_ELEMENTS,
        s.REGION,
        s.ACCOUNT_ID,
        s.MAP_PARTITION,
        s.MAP_NAME,
    )
    unresolved = pending.join(from_listed, on=[s.MAP_ROW, s.ACTION], how="anti")
    by_rule = pl.concat(
        [
            unresolved.filter(pl.col(s.MAP_RULE).is_not_null()).select(
                s.MAP_ROW, s.ACTION, s.MAP_RULE
            ),
            unresolved.filter(pl.col(s.MAP_RULE).is_null())
            .select(s.MAP_ROW, s.ACTION)
            .join(types.select(s.ACTION, s.MAP_CANDIDATE), on=s.ACTION)
            .filter(pl.col(s.MAP_CANDIDATE).is_in(rule_ids))
            .select(s.MAP_ROW, s.ACTION, pl.col(s.MAP_CANDIDATE).alias(s.MAP_RULE)),
        ]
    ).join(params, on=s.MAP_ROW)
    # Materialised once and split by rule: each rule reads only its own rows (a rule's
    # filters would otherwise parse every row's JSON before the rule id rules it out), and
    # rules without rows add nothing to the plan.
    rows_by_rule = by_rule.collect()
    by_rule = rows_by_rule.lazy()
    groups = rows_by_rule.partition_by(s.MAP_RULE, as_dict=True)
    built_frames = [_apigateway_frame(by_rule, catalog)]
    for rule in tables.resource_rules:
        rows = groups.get((rule.rule_id,))
        if rule.rule_id == APIGATEWAY_RULE or rows is None:
            continue
        label = _label(catalog, rule.resource_type)
        built_frames.append(_rule_frame(rows.lazy(), rule, catalog, label))
    # Materialised, like ``found`` below: each is read twice, and the ~60 rule branches
    # would otherwise run once per reader.
    from_params = pl.concat(built_frames).unique().collect().lazy()
    from_rule_listed = _listed_fallback(
        by_rule.join(from_params, on=[s.MAP_ROW, s.ACTION], how="anti"),
        listed_lazy,
        classes,
        catalog,
        tables,
    )

    found = pl.concat([from_listed, from_params, from_rule_listed]).collect().lazy()
    resolved = acts.filter(pl.col(s.RESOURCE).is_null()).drop(
        s.RESOURCE, s.MAPPED_RESOURCE_TYPE, strict=False
    )
    with_found = resolved.join(found, on=[s.MAP_ROW, s.ACTION], how="inner").select(out_cols)

    # 4. Nothing found: "*" only where the action has no resource types.
    supports = types.select(s.ACTION).unique().with_columns(pl.lit(True).alias(s.MAP_FLAG))
    leftover = (
        resolved.join(
            found.select(s.MAP_ROW, s.ACTION).unique(), on=[s.MAP_ROW, s.ACTION], how="anti"
        )
        .join(supports, on=s.ACTION, how="left")
        .with_columns(
            pl.when(pl.col(s.MAP_FLAG).is_null()).then(pl.lit("*")).alias(s.RESOURCE),
            pl.lit(None, dtype=pl.String).alias(s.MAPPED_RESOURCE_TYPE),
            pl.when(pl.col(s.MAP_FLAG).is_null())
            .then(pl.col(s.DETAIL))
            .otherwise(
                pl.concat_str(
                    [pl.col(s.DETAIL), pl.lit("resource not found in the event")],
                    separator="; ",
                    ignore_nulls=True,
                )
            )
            .alias(s.DETAIL),
        )
        .select(out_cols)
    )
    return pl.concat([with_found, from_message, leftover, passthrough], how="vertical")


def _listed_fallback(
    unbuilt: pl.LazyFrame,
    listed: pl.LazyFrame,
    classes: pl.LazyFrame,
    catalog: Catalog,
    tables: MappingTables,
) -> pl.LazyFrame:
    """resources[] ARNs for rule rows the request could not resolve (rules with ``listed_except``).

    An explicit rule normally bypasses resources[] because the record lists several resources
    with different roles (CopyObject's source and destination). When the role's own parameter
    is absent (ReEncrypt without ``sourceKeyId``), the listed ARNs of the rule's type minus the
    ones the other parameters name are that resource; if nothing is left, the listed ARNs are
    (a ReEncrypt to the same key lists it once).
    """
    frames: list[pl.LazyFrame] = []
    for rule in tables.resource_rules:
        if rule.listed_except is None:
            continue
        params = pl.col(s.REQUEST_PARAMETERS)
        named = [params.str.json_path_match(path) for path in rule.listed_except]
        candidates = (
            unbuilt.filter(pl.col(s.MAP_RULE) == rule.rule_id)
            .select(s.MAP_ROW, s.ACTION, pl.concat_list(named).alias(s.MAP_VALUE))
            .join(listed, on=s.MAP_ROW)
            .join(classes.filter(pl.col(s.MAP_CANDIDATE) == rule.resource_type), on=s.RESOURCE)
        )
        # A parameter names an ARN as a whole ARN or by its last segment (a key id).
        tail = r"([^/:]+)$"
        named_tails = (
            pl.col(s.MAP_VALUE).list.drop_nulls().list.eval(pl.element().str.extract(tail, 1))
        )
        candidates = candidates.with_columns(
            named_tails.list.contains(pl.col(s.RESOURCE).str.extract(tail, 1))
            .fill_null(False)
            .alias(s.MAP_FLAG)
        ).with_columns(pl.col(s.MAP_FLAG).all().over(s.MAP_ROW, s.ACTION).alias(_ALL_NAMED))
        frames.append(
            candidates.filter(~pl.col(s.MAP_FLAG) | pl.col(_ALL_NAMED)).select(
                s.MAP_ROW,
                s.ACTION,
                s.RESOURCE,
                pl.lit(_label(catalog, rule.resource_type)).alias(s.MAPPED_RESOURCE_TYPE),
            )
        )
    empty = pl.LazyFrame(
        schema={
            s.MAP_ROW: pl.UInt32,
            s.ACTION: pl.String,
            s.RESOURCE: pl.String,
            s.MAPPED_RESOURCE_TYPE: pl.String,
        }
    )
    return pl.concat(frames).unique() if frames else empty


def _label(catalog: Catalog, key: str) -> str:
    prefix, _, name = key.partition(":")
    rtype = catalog.resource_type(prefix, name)
    return key if rtype is None else f"{rtype.service}:{rtype.name}"
