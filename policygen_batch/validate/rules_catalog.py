"""Checks of actions and resource ARNs against the IAM catalog.

ARN checks follow the order in which a reader would fix an ARN: its prefix and fields, then
partition, service, region and account, then whether it has the shape of any resource type of
its service, and finally whether the statement's actions accept that resource type.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from policygen_batch.validate import patterns
from policygen_batch.validate.catalog_view import ActionFacts, did_you_mean
from policygen_batch.validate.codes import make
from policygen_batch.validate.conditions import PARTITIONS, is_region
from policygen_batch.validate.document import Located, PolicyType, StatementView
from policygen_batch.validate.findings import Finding
from policygen_batch.validate.registry import Context, check

#: Actions a role trust policy may allow.
TRUST_ACTIONS = (
    "sts:AssumeRole",
    "sts:AssumeRoleWithSAML",
    "sts:AssumeRoleWithWebIdentity",
    "sts:TagSession",
    "sts:SetSourceIdentity",
    "sts:SetContext",
)
_ACCOUNT = re.compile(r"^(\d{12}|aws)$")
_SAMPLE_ACCOUNT = "123456789012"


def _wild(text: str) -> bool:
    return "*" in text or "?" in text or "${" in text


# --- actions -------------------------------------------------------------------------------


def _action_parts(loc: Located) -> tuple[str, str] | None:
    prefix, sep, name = loc.value.partition(":")
    return (prefix, name) if sep else None


@check("INVALID_SERVICE_IN_ACTION", needs_catalog=True)
def invalid_service_in_action(ctx: Context) -> Iterator[Finding]:
    """The service prefix of every action exists (with the closest prefixes as a hint)."""
    assert ctx.catalog is not None
    for st in ctx.statements:
        for loc in st.actions():
            parts = _action_parts(loc)
            if parts is None or _wild(parts[0]) or ctx.catalog.has_service(parts[0]):
                continue
            hint = did_you_mean(parts[0], ctx.catalog.service_prefixes())
            mean = f" Did you mean {' or '.join(hint)}?" if hint else ""
            yield make(
                "INVALID_SERVICE_IN_ACTION",
                f"The service {parts[0]} specified in the action {loc.value} does not exist.{mean}",
                loc.path,
            )


@check("INVALID_ACTION", needs_catalog=True)
def invalid_action(ctx: Context) -> Iterator[Finding]:
    """Every action (or pattern) names at least one action of a known service."""
    assert ctx.catalog is not None
    for st in ctx.statements:
        for loc in st.actions():
            if loc.value == "*":
                continue
            parts = _action_parts(loc)
            if parts is None:
                yield make(
                    "INVALID_ACTION",
                    f"The action {loc.value} is not of the form service:Action.",
                    loc.path,
                )
                continue
            prefix, name = parts
            if _wild(prefix) or not ctx.catalog.has_service(prefix) or ctx.expand(loc.value):
                continue
            names = [a.name for a in ctx.catalog.actions(prefix)]
            hint = [f"{prefix}:{n}" for n in did_you_mean(name, names)] if not _wild(name) else []
            mean = f" Did you mean {' or '.join(hint)}?" if hint else ""
            yield make("INVALID_ACTION", f"The action {loc.value} does not exist.{mean}", loc.path)


@check("WILDCARD_IN_SERVICE_NAME")
def wildcard_in_service_name(ctx: Context) -> Iterator[Finding]:
    """No wildcard inside a service name (of an action or an ARN): it reaches other services."""
    for st in ctx.statements:
        for loc in st.actions():
            parts = _action_parts(loc)
            if parts is not None and ("*" in parts[0] or "?" in parts[0]):
                yield make(
                    "WILDCARD_IN_SERVICE_NAME",
                    f"Avoid wildcards (*, ?) in the service name of {loc.value}: it might grant "
                    "access to other services with similar names.",
                    loc.path,
                )
        for loc in st.resources():
            fields = patterns.split_arn(loc.value)
            if fields is not None and fields[2] != "*" and ("*" in fields[2] or "?" in fields[2]):
                yield make(
                    "WILDCARD_IN_SERVICE_NAME",
                    f"Avoid wildcards (*, ?) in the service name of {loc.value}.",
                    loc.path,
                )


@check("UNSUPPORTED_ACTION_IN_POLICY", policy_types=(PolicyType.TRUST,))
def unsupported_action_in_policy(ctx: Context) -> Iterator[Finding]:
    """A role trust policy allows only the ``sts`` actions that assume or tag the role."""
    for st in ctx.statements:
        for loc in st.strings("Action"):
            rx = patterns.to_regex(loc.value, fold_case=True)
            if not any(rx.match(a) for a in TRUST_ACTIONS):
                yield make(
                    "UNSUPPORTED_ACTION_IN_POLICY",
                    f"The action {loc.value} is not supported in a role trust policy; use "
                    f"{', '.join(TRUST_ACTIONS)}.",
                    loc.path,
                )


# --- resources -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ArnReport:
    """What is known about one Resource value: its first problem, or the types it fits."""

    code: str | None
    message: str
    matched: frozenset[tuple[str, str]]  # (service prefix, resource type), lower case


@dataclass(frozen=True)
class _FormatField:
    """One field of a catalog ARN format: the regular expression a literal field must match
    in full, and the tokens a field with wildcards is intersected with (both made on first
    use: only ARNs with wildcards are compared field by field)."""

    text: str

    @functools.cached_property
    def regex(self) -> re.Pattern[str]:
        """The field's regular expression (full match)."""
        return _field_regex(self.text)

    @functools.cached_property
    def tokens(self) -> tuple[patterns.Token, ...]:
        """The field's tokens (:func:`~policygen_batch.validate.patterns.format_tokens`)."""
        return patterns.format_tokens(self.text)


@dataclass(frozen=True)
class _CompiledFormat:
    """A catalog ARN format of some resource type, split and compiled once per run."""

    key: tuple[str, str]  # (service prefix, resource type in lower case)
    fields: tuple[_FormatField, ...]  # the fields after ``arn``
    #: The literal characters its resource field begins with: a literal resource field of
    #: a policy ARN must begin with them too, which rules most formats out at once (ec2 has
    #: over a hundred) before any field is matched.
    resource_prefix: str
    #: The whole format as one expression for an ARN without wildcards (see _whole_regex).
    whole: re.Pattern[str]


#: Regular expressions of format tokens: anywhere, and in a field that holds no colon.
_TOKEN_REGEX = {
    patterns.ANY: (".", "[^:]"),
    patterns.STAR: (".*", "[^:]*"),
    patterns.SEG: ("[^/]", "[^/:]"),
    patterns.SEGSTAR: ("[^/]*", "[^/:]*"),
}


def _field_pattern(field: str, *, colon_free: bool = False) -> str:
    """The regular expression (text) of one field of a catalog ARN format."""
    return "".join(
        re.escape(payload) if kind == patterns.LIT else _TOKEN_REGEX[kind][colon_free]
        for kind, payload in patterns.format_tokens(field)
    )


def _field_regex(field: str) -> re.Pattern[str]:
    """A regular expression for one field of a catalog ARN format."""
    return re.compile(_field_pattern(field), re.DOTALL)


def _whole_regex(fields: Sequence[str]) -> re.Pattern[str]:
    """One expression that a policy ARN without wildcards fully matches exactly when each
    of its fields after the first matches the format's field, as :func:`_fits` compares them.

    A literal ARN's first five fields hold no colon, so in those fields the format's
    variables are kept to colon-free text: a match then splits the ARN at its first five
    colons, as :func:`~policygen_batch.validate.patterns.split_arn` does. The first field
    (``arn``) is not compared. One match per format replaces a loop over five fields.
    """
    middle = [_field_pattern(f, colon_free=True) for f in fields[1:5]]
    return re.compile(":".join(["[^:]*", *middle, _field_pattern(fields[5])]), re.DOTALL)


def _service_formats(ctx: Context, service: str) -> tuple[_CompiledFormat, ...]:
    """The catalog ARN formats whose service field is *service*, compiled (memoised)."""
    assert ctx.catalog is not None
    cache = ctx.memo.setdefault("compiled_formats", {})
    found = cache.get(service)
    if found is None:
        compiled = []
        for prefix, rtype, template in ctx.catalog.arn_formats(service):
            fields = patterns.split_arn(template)
            if fields is None:
                continue
            compiled.append(
                _CompiledFormat(
                    (prefix, rtype.lower()),
                    tuple(_FormatField(f) for f in fields[1:]),
                    patterns.literal_prefix(patterns.format_tokens(fields[5])),
                    _whole_regex(fields),
                )
            )
        found = cache[service] = tuple(compiled)
    return found


def _fits(ctx: Context, a_fields: Sequence[str], f_fields: Sequence[_FormatField]) -> bool:
    """Whether some ARN of the format's shape matches the policy's ARN pattern.

    Compared field by field (*a_fields*: the policy ARN's fields after ``arn``): a wildcard
    in a policy ARN never spans a colon of the first five fields, and neither does a format
    variable. A field with wildcards is intersected with the format's field, and the answer
    memoised per pair of fields: the same few (``*`` against ``${Region}``) recur in every
    policy.
    """
    overlaps = ctx.memo.setdefault("field_overlaps", {})
    for a_field, f_field in zip(a_fields, f_fields, strict=True):
        if not _wild(a_field):
            if f_field.regex.fullmatch(a_field) is None:
                return False
            continue
        pair = (a_field, f_field.text)
        overlap = overlaps.get(pair)
        if overlap is None:
            overlap = overlaps[pair] = patterns.intersects(
                patterns.tokenize(a_field), f_field.tokens
            )
        if not overlap:
            return False
    return True


def _matches(ctx: Context, arn: str) -> frozenset[tuple[str, str]]:
    """``(service prefix, resource type)`` of the catalog formats that *arn* fits."""
    a_fields = patterns.split_arn(arn)
    if a_fields is None:
        return frozenset()
    formats = _service_formats(ctx, a_fields[2])
    resource = a_fields[5]
    if not _wild(arn):
        return frozenset(
            f.key
            for f in formats
            if resource.startswith(f.resource_prefix) and f.whole.fullmatch(arn)
        )
    literal = not _wild(resource)
    return frozenset(
        f.key
        for f in formats
        if (not literal or resource.startswith(f.resource_prefix))
        and _fits(ctx, a_fields[1:], f.fields)
    )


def _diagnose(
    ctx: Context, fields: list[str], formats: Sequence[tuple[str, str, str]]
) -> ArnReport:
    service, region, account = fields[2], fields[3], fields[4]

    def variant(reg: str, acc: str) -> bool:
        arn = ":".join([*fields[:3], reg, acc, fields[5]])
        return bool(_matches(ctx, arn))

    if account and variant(region, ""):
        return ArnReport(
            "ARN_ACCOUNT_NOT_ALLOWED",
            f"The service {service} does not support an account ID in this resource ARN.",
            frozenset(),
        )
    if region and variant("", account):
        return ArnReport(
            "ARN_REGION_NOT_ALLOWED",
            f"The service {service} does not support a Region in this resource ARN.",
            frozenset(),
        )
    if not region and variant("us-east-1", account or _SAMPLE_ACCOUNT):
        return ArnReport("MISSING_ARN_REGION", "Add a Region to the resource ARN.", frozenset())
    if not account and variant(region, _SAMPLE_ACCOUNT):
        return ArnReport(
            "INVALID_ARN_ACCOUNT",
            "The resource ARN has no account ID; resources of this type need a 12-digit one.",
            frozenset(),
        )
    kinds = sorted({rt for _, rt, _ in formats})
    return ArnReport(
        "INVALID_ARN_RESOURCE",
        f"The resource ARN does not match any {service} resource type "
        f"({', '.join(kinds[:8])}{', …' if len(kinds) > 8 else ''}). Update the resource part.",
        frozenset(),
    )


def arn_report(ctx: Context, arn: str) -> ArnReport | None:
    """Analyse one Resource value (memoised per document); ``None`` for ``*``."""
    cache = ctx.memo.setdefault("arn_report", {})
    if arn in cache:
        return cache[arn]  # type: ignore[no-any-return]  # the memo holds reports only
    report = _arn_report(ctx, arn)
    cache[arn] = report
    return report


def _arn_report(ctx: Context, arn: str) -> ArnReport | None:  # noqa: PLR0911  # first problem wins, read top to bottom
    if arn == "*" or arn.startswith("${"):
        return None
    if not arn.startswith("arn:"):
        return ArnReport(
            "INVALID_ARN_PREFIX", "Add the required prefix (arn) to the resource ARN.", frozenset()
        )
    fields = patterns.split_arn(arn)
    if fields is None:
        return ArnReport(
            "MISSING_ARN_FIELD",
            "Resource ARNs must have the fields arn:partition:service:region:account:resource.",
            frozenset(),
        )
    partition, service, region, account = fields[1:5]
    if not _wild(partition) and partition not in PARTITIONS:
        return ArnReport(
            "INVALID_PARTITION",
            f"The partition {partition} is not valid; use one of {', '.join(sorted(PARTITIONS))}.",
            frozenset(),
        )
    if service != service.lower():
        return ArnReport(
            "INVALID_ARN_SERVICE_CASE",
            f"Update the service name {service} in the resource ARN to lower case.",
            frozenset(),
        )
    if region and not _wild(region) and not is_region(region):
        return ArnReport(
            "INVALID_ARN_REGION",
            f"The Region {region} in the resource ARN is not valid.",
            frozenset(),
        )
    if account and not _wild(account) and not _ACCOUNT.match(account):
        return ArnReport(
            "INVALID_ARN_ACCOUNT",
            f"The account ID {account} is not valid. Provide a 12-digit account ID.",
            frozenset(),
        )
    if ctx.catalog is None or _wild(service):
        return ArnReport(None, "", frozenset())
    formats = ctx.catalog.arn_formats(service)
    if not formats:
        hint = did_you_mean(service, ctx.catalog.service_prefixes())
        mean = f" Did you mean {' or '.join(hint)}?" if hint else ""
        return ArnReport(
            "INVALID_SERVICE", f"The service {service} does not exist.{mean}", frozenset()
        )
    matched = _matches(ctx, arn)
    if matched:
        return ArnReport(None, "", matched)
    return _diagnose(ctx, fields, formats)


def _arn_check(ctx: Context, code: str) -> Iterator[Finding]:
    """The findings of one ARN issue code, in statement and resource order."""
    yield from _arn_findings(ctx).get(code, ())


def _arn_findings(ctx: Context) -> dict[str, list[Finding]]:
    """Every Resource value's first problem, grouped by code: computed once per document
    for the dozen checks that each report one code of :func:`arn_report`."""
    found: dict[str, list[Finding]] | None = ctx.local.get("arn_findings")
    if found is None:
        found = {}
        for st in ctx.statements:
            for loc in st.resources():
                report = arn_report(ctx, loc.value)
                if report is not None and report.code is not None:
                    found.setdefault(report.code, []).append(
                        make(report.code, report.message, loc.path)
                    )
        ctx.local["arn_findings"] = found
    return found


@check("INVALID_ARN_PREFIX")
def invalid_arn_prefix(ctx: Context) -> Iterator[Finding]:
    """Resource values are ``*`` or start with ``arn:``."""
    yield from _arn_check(ctx, "INVALID_ARN_PREFIX")


@check("MISSING_ARN_FIELD")
def missing_arn_field(ctx: Context) -> Iterator[Finding]:
    """ARNs have all six fields (five colons), even when some are empty."""
    yield from _arn_check(ctx, "MISSING_ARN_FIELD")


@check("INVALID_PARTITION")
def invalid_partition(ctx: Context) -> Iterator[Finding]:
    """The ARN partition is one AWS has (``aws``, ``aws-cn``, ``aws-us-gov`` …)."""
    yield from _arn_check(ctx, "INVALID_PARTITION")


@check("INVALID_ARN_SERVICE_CASE")
def invalid_arn_service_case(ctx: Context) -> Iterator[Finding]:
    """The service field of an ARN is lower case."""
    yield from _arn_check(ctx, "INVALID_ARN_SERVICE_CASE")


@check("INVALID_ARN_REGION")
def invalid_arn_region(ctx: Context) -> Iterator[Finding]:
    """The region field of an ARN, when literal, has a region's shape."""
    yield from _arn_check(ctx, "INVALID_ARN_REGION")


@check("INVALID_ARN_ACCOUNT")
def invalid_arn_account(ctx: Context) -> Iterator[Finding]:
    """The account field, when literal, is 12 digits; it is present where the type needs it."""
    yield from _arn_check(ctx, "INVALID_ARN_ACCOUNT")


@check("INVALID_SERVICE", needs_catalog=True)
def invalid_service(ctx: Context) -> Iterator[Finding]:
    """The service field of an ARN names a service with resource types."""
    yield from _arn_check(ctx, "INVALID_SERVICE")


@check("ARN_ACCOUNT_NOT_ALLOWED", needs_catalog=True)
def arn_account_not_allowed(ctx: Context) -> Iterator[Finding]:
    """No account ID where the resource type has none (S3 buckets, for example)."""
    yield from _arn_check(ctx, "ARN_ACCOUNT_NOT_ALLOWED")


@check("ARN_REGION_NOT_ALLOWED", needs_catalog=True)
def arn_region_not_allowed(ctx: Context) -> Iterator[Finding]:
    """No Region where the resource type is global (IAM, S3 buckets)."""
    yield from _arn_check(ctx, "ARN_REGION_NOT_ALLOWED")


@check("MISSING_ARN_REGION", needs_catalog=True)
def missing_arn_region(ctx: Context) -> Iterator[Finding]:
    """A Region where the resource type is regional."""
    yield from _arn_check(ctx, "MISSING_ARN_REGION")


@check("INVALID_ARN_RESOURCE", needs_catalog=True)
def invalid_arn_resource(ctx: Context) -> Iterator[Finding]:
    """The resource part has the shape of some resource type of the service."""
    yield from _arn_check(ctx, "INVALID_ARN_RESOURCE")


def _statement_actions(ctx: Context, st: StatementView) -> list[ActionFacts]:
    seen: dict[str, ActionFacts] = {}
    for loc in st.strings("Action"):
        for facts in ctx.expand(loc.value) or ():
            seen.setdefault(facts.full_name.lower(), facts)
    return list(seen.values())


def _accepted(actions: Sequence[ActionFacts]) -> set[tuple[str, str]]:
    return {(a.service, rt.lower()) for a in actions for rt, _ in a.resource_types}


@check("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", needs_catalog=True)
def unsupported_resource_arn_in_policy(ctx: Context) -> Iterator[Finding]:
    """Some action of the statement accepts each listed resource's type."""
    for st in ctx.statements:
        if not st.has("Action") or not st.has("Resource"):
            continue
        actions = _statement_actions(ctx, st)
        if not actions:
            continue
        accepted = _accepted(actions)
        for loc in st.strings("Resource"):
            report = arn_report(ctx, loc.value)
            if report is None or report.code is not None or not report.matched:
                continue
            if not report.matched & accepted:
                kinds = ", ".join(sorted(f"{p}:{rt}" for p, rt in report.matched)[:6])
                yield make(
                    "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
                    f"The resource {loc.value} is of type {kinds}, which none of the "
                    "statement's actions supports; the statement grants nothing on it.",
                    loc.path,
                )


@check("ACTION_RESOURCE_MISMATCH", needs_catalog=True)
def action_resource_mismatch(ctx: Context) -> Iterator[Finding]:
    """Each named action applies to at least one of the statement's resources.

    The project's own check: an action that accepts only ``*`` (no resource-level
    permissions), or none of the listed resource types, is not granted by the statement.
    """
    for st in ctx.statements:
        if not st.is_allow or not st.has("Action") or not st.has("Resource"):
            continue
        resources = st.strings("Resource")
        if any(r.value == "*" for r in resources):
            continue
        reports = [arn_report(ctx, r.value) for r in resources]
        matched = set().union(*(r.matched for r in reports if r is not None and r.code is None))
        if not matched or not _accepted(_statement_actions(ctx, st)) & matched:
            continue  # nothing matches at all: UNSUPPORTED_RESOURCE_ARN_IN_POLICY says so
        for loc in st.strings("Action"):
            if _wild(loc.value):
                continue
            facts = ctx.expand(loc.value)
            if not facts:
                continue
            if not _accepted(facts) & matched:
                why = (
                    'supports no resource-level permissions (use Resource "*")'
                    if not facts[0].resource_types
                    else "applies to none of the statement's resource types"
                )
                yield make(
                    "ACTION_RESOURCE_MISMATCH",
                    f"The action {loc.value} {why}; the statement does not grant it.",
                    loc.path,
                )
