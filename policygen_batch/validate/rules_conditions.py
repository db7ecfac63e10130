"""Checks of Condition blocks: operators, keys, value types, IP ranges and empty values."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from policygen_batch.validate.codes import make
from policygen_batch.validate.conditions import (
    PAIRED_KEYS,
    UNSUPPORTED_GLOBAL_KEYS,
    Operator,
    global_key,
    has_host_bits,
    is_bool_value,
    is_date_value,
    is_epoch_value,
    is_number_value,
    is_private_network,
    is_region,
    is_tag_key_without_tag,
    key_types_compatible,
    parse_network,
    parse_operator,
)
from policygen_batch.validate.document import ConditionEntry, StatementView
from policygen_batch.validate.findings import Finding
from policygen_batch.validate.registry import Context, check

#: Where keys of identity providers live in the catalog (``accounts.google.com:aud``, ``saml:…``).
_PROVIDER_KEYS_SERVICE = "sts"


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What is known about a condition key: its kind and, when known, its type."""

    kind: str  # global, service, provider, bad-format, unknown-global, unknown-service, unknown-key
    type: str | None = None


def key_info(ctx: Context, key: str) -> KeyInfo:  # noqa: PLR0911  # one return per kind of key
    """Classify a condition key against the global table and the catalog."""
    prefix, sep, name = key.partition(":")
    if not sep or not prefix or not name:
        return KeyInfo("bad-format")
    if prefix.lower() == "aws":
        found = global_key(key)
        if found is not None:
            return KeyInfo("global", found[1])
        return KeyInfo("unknown-global")
    catalog = ctx.catalog
    if catalog is None:
        return KeyInfo("service")
    if catalog.has_service(prefix):
        kind = catalog.condition_key_type(prefix, key)
        return KeyInfo("service", kind) if kind else KeyInfo("unknown-key")
    kind = catalog.condition_key_type(_PROVIDER_KEYS_SERVICE, key)
    if kind is not None or "." in prefix or "/" in prefix:
        # An identity provider's claim (``token.actions.githubusercontent.com:sub``): any
        # OIDC issuer can appear, so an unknown host is not an error.
        return KeyInfo("provider", kind)
    return KeyInfo("unknown-service")


def _entries(ctx: Context) -> Iterator[tuple[StatementView, ConditionEntry, Operator | None]]:
    for st in ctx.statements:
        for entry in st.conditions():
            yield st, entry, parse_operator(entry.operator)


@check("INVALID_CONDITION_OPERATOR")
def invalid_condition_operator(ctx: Context) -> Iterator[Finding]:
    """Operators are IAM's, with optional ForAllValues:/ForAnyValue: and IfExists."""
    seen: set[str] = set()
    for st, entry, op in _entries(ctx):
        where = f"{st.path}.Condition.{entry.operator}"
        if op is None and where not in seen:
            seen.add(where)
            yield make(
                "INVALID_CONDITION_OPERATOR",
                f"The condition operator {entry.operator} is not valid.",
                where,
            )


@check("NULL_WITH_IF_EXISTS")
def null_with_if_exists(ctx: Context) -> Iterator[Finding]:
    """``Null`` takes no IfExists suffix: it already tests for presence."""
    for _, entry, op in _entries(ctx):
        if op is not None and op.base == "Null" and op.if_exists:
            yield make(
                "NULL_WITH_IF_EXISTS",
                "The Null condition operator cannot be used with the IfExists suffix.",
                entry.path,
            )


@check("NULL_WITH_QUALIFIER")
def null_with_qualifier(ctx: Context) -> Iterator[Finding]:
    """``Null`` with ForAllValues/ForAnyValue always returns true/false."""
    for _, entry, op in _entries(ctx):
        if op is not None and op.base == "Null" and op.qualifier:
            yield make(
                "NULL_WITH_QUALIFIER",
                f"Avoid the Null operator with {op.qualifier}: the result is constant.",
                entry.path,
            )


@check("INVALID_CONDITION_KEY_FORMAT")
def invalid_condition_key_format(ctx: Context) -> Iterator[Finding]:
    """Condition keys have the form ``service:keyname``."""
    for _, entry, _ in _entries(ctx):
        if key_info(ctx, entry.key).kind == "bad-format":
            yield make(
                "INVALID_CONDITION_KEY_FORMAT",
                f"The condition key {entry.key} is not of the form service:keyname.",
                entry.path,
            )


@check("INVALID_GLOBAL_CONDITION_KEY")
def invalid_global_condition_key(ctx: Context) -> Iterator[Finding]:
    """An ``aws:`` key is one of the global condition keys."""
    for _, entry, _ in _entries(ctx):
        if entry.key.lower() in UNSUPPORTED_GLOBAL_KEYS:
            continue
        if is_tag_key_without_tag(entry.key):
            continue
        if key_info(ctx, entry.key).kind == "unknown-global":
            yield make(
                "INVALID_GLOBAL_CONDITION_KEY",
                f"The condition key {entry.key} does not exist. Use a valid global key.",
                entry.path,
            )


@check("UNSUPPORTED_GLOBAL_CONDITION_KEY")
def unsupported_global_condition_key(ctx: Context) -> Iterator[Finding]:
    """``aws:ARN`` is not supported; aws:PrincipalArn or aws:SourceArn replace it."""
    for _, entry, _ in _entries(ctx):
        instead = UNSUPPORTED_GLOBAL_KEYS.get(entry.key.lower())
        if instead:
            yield make(
                "UNSUPPORTED_GLOBAL_CONDITION_KEY",
                f"The condition key {entry.key} is not supported. Use {instead} instead.",
                entry.path,
            )


@check("INVALID_SERVICE_CONDITION_KEY", needs_catalog=True)
def invalid_service_condition_key(ctx: Context) -> Iterator[Finding]:
    """A service key exists for its service (the service itself must exist too)."""
    for _, entry, _ in _entries(ctx):
        info = key_info(ctx, entry.key)
        if info.kind == "unknown-key":
            yield make(
                "INVALID_SERVICE_CONDITION_KEY",
                f"The condition key {entry.key} does not exist in the service.",
                entry.path,
            )
        elif info.kind == "unknown-service":
            yield make(
                "INVALID_SERVICE_CONDITION_KEY",
                f"The service of condition key {entry.key} does not exist.",
                entry.path,
            )


@check("MISSING_TAG_KEY_IN_CONDITION")
def missing_tag_key_in_condition(ctx: Context) -> Iterator[Finding]:
    """Tag condition keys name the tag (``aws:ResourceTag/owner``)."""
    for _, entry, _ in _entries(ctx):
        if is_tag_key_without_tag(entry.key):
            yield make(
                "MISSING_TAG_KEY_IN_CONDITION",
                f"The condition key {entry.key} must include a tag key: {entry.key}/tag-key.",
                entry.path,
            )


@check("DUPLICATE_KEYS_WITH_DIFFERENT_CASE")
def duplicate_keys_with_different_case(ctx: Context) -> Iterator[Finding]:
    """One operator block does not repeat a key in another capitalisation."""
    for st in ctx.statements:
        block = st.raw.get("Condition")
        if not isinstance(block, dict):
            continue
        for operator, pairs in block.items():
            if not isinstance(pairs, dict):
                continue
            seen: dict[str, str] = {}
            for key in pairs:
                first = seen.setdefault(str(key).lower(), str(key))
                if first != key:
                    yield make(
                        "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                        f"The condition key {key} appears more than once ({first}) with "
                        "different capitalization in the same block.",
                        f"{st.path}.Condition.{operator}.{key}",
                    )


@check("INVALID_CONDITION_DATA_TYPE")
def invalid_condition_data_type(ctx: Context) -> Iterator[Finding]:
    """Condition values are scalars of one JSON type (no objects, no mixed lists)."""
    for _, entry, _ in _entries(ctx):
        kinds = {type(v).__name__ for v in entry.values}
        if any(isinstance(v, (dict, list)) or v is None for v in entry.values):
            yield make(
                "INVALID_CONDITION_DATA_TYPE",
                "Condition values must be strings, numbers or booleans.",
                entry.path,
            )
        elif len(kinds) > 1:
            yield make(
                "INVALID_CONDITION_DATA_TYPE",
                "The condition value data types do not match. Use values of one JSON type.",
                entry.path,
            )


def _value_check(
    ctx: Context, category: str, code: str, test: Callable[[Any], bool], message: str
) -> Iterator[Finding]:
    for _, entry, op in _entries(ctx):
        if op is None or op.category != category:
            continue
        for i, value in enumerate(entry.values):
            if isinstance(value, str) and "${" in value:
                continue  # a variable: its value is known only at request time
            if not test(value):
                yield make(code, message.format(value=value), entry.value_path(i))


@check("TYPE_MISMATCH_BOOLEAN")
def type_mismatch_boolean(ctx: Context) -> Iterator[Finding]:
    """``Bool`` compares with ``true`` or ``false``."""
    yield from _value_check(
        ctx, "Bool", "TYPE_MISMATCH_BOOLEAN", is_bool_value,
        "Add a valid Boolean value (true or false) instead of {value!r}.",
    )  # fmt: skip


@check("TYPE_MISMATCH_DATE")
def type_mismatch_date(ctx: Context) -> Iterator[Finding]:
    """Date operators compare with ISO 8601 dates (or epoch seconds)."""
    yield from _value_check(
        ctx, "Date", "TYPE_MISMATCH_DATE", is_date_value,
        "The date operator is used with {value!r}; specify YYYY-MM-DD or another ISO 8601 form.",
    )  # fmt: skip


@check("TYPE_MISMATCH_NUMBER")
def type_mismatch_number(ctx: Context) -> Iterator[Finding]:
    """Numeric operators compare with numbers."""
    yield from _value_check(
        ctx, "Numeric", "TYPE_MISMATCH_NUMBER", is_number_value,
        "Add a valid numeric value instead of {value!r}.",
    )  # fmt: skip


@check("TYPE_MISMATCH_IP_RANGE")
def type_mismatch_ip_range(ctx: Context) -> Iterator[Finding]:
    """IP operators compare with addresses or CIDR ranges."""
    yield from _value_check(
        ctx, "IPAddress", "TYPE_MISMATCH_IP_RANGE", lambda v: parse_network(v) is not None,
        "{value!r} is not an IP range; use standard CIDR notation.",
    )  # fmt: skip


@check("INVALID_DATE_VALUE")
def invalid_date_value(ctx: Context) -> Iterator[Finding]:
    """Dates are written as dates: an epoch number may not resolve as expected."""
    for _, entry, op in _entries(ctx):
        if op is None or op.category != "Date":
            continue
        for i, value in enumerate(entry.values):
            if is_epoch_value(value):
                yield make(
                    "INVALID_DATE_VALUE",
                    f"The date {value!r} might not resolve as expected; use YYYY-MM-DD.",
                    entry.value_path(i),
                )


@check("INVALID_CONDITION_MULTIPLE_BOOLEAN")
def invalid_condition_multiple_boolean(ctx: Context) -> Iterator[Finding]:
    """``Bool`` takes one value."""
    for _, entry, op in _entries(ctx):
        if op is not None and op.base == "Bool" and op.qualifier is None and len(entry.values) > 1:
            yield make(
                "INVALID_CONDITION_MULTIPLE_BOOLEAN",
                "The condition key does not support multiple Boolean values.",
                entry.path,
            )


@check("INVALID_VARIABLE_FOR_OPERATOR")
def invalid_variable_for_operator(ctx: Context) -> Iterator[Finding]:
    """Policy variables work with String and ARN operators only."""
    for _, entry, op in _entries(ctx):
        if op is None or op.category in {"String", "ARN"}:
            continue
        for i, value in enumerate(entry.values):
            if isinstance(value, str) and "${" in value:
                yield make(
                    "INVALID_VARIABLE_FOR_OPERATOR",
                    f"Policy variables can only be used with String and ARN operators, not "
                    f"{op.base}.",
                    entry.value_path(i),
                )


@check("WILDCARD_WITHOUT_LIKE_OPERATOR")
def wildcard_without_like_operator(ctx: Context) -> Iterator[Finding]:
    """``*`` and ``?`` are wildcards only for the ``…Like`` string operators."""
    for _, entry, op in _entries(ctx):
        if op is None or op.category != "String" or op.is_like:
            continue
        for i, value in enumerate(entry.values):
            if isinstance(value, str) and ("*" in value or "?" in value) and "${" not in value:
                yield make(
                    "WILDCARD_WITHOUT_LIKE_OPERATOR",
                    f"The value {value!r} includes * or ?; if it is a wildcard, use "
                    f"{op.base.replace('Equals', 'Like').replace('IgnoreCase', '')}.",
                    entry.value_path(i),
                )


@check("TYPE_MISMATCH")
def type_mismatch(ctx: Context) -> Iterator[Finding]:
    """The operator's type suits the key's type (``Bool`` for aws:SecureTransport)."""
    for _, entry, op in _entries(ctx):
        if op is None:
            continue
        kind = key_info(ctx, entry.key).type
        if kind and not key_types_compatible(kind, op.category):
            yield make(
                "TYPE_MISMATCH",
                f"Use an operator of type {kind.removeprefix('ArrayOf')} instead of "
                f"{op.base} for the condition key {entry.key}.",
                entry.path,
            )


@check("FORALLVALUES_WITH_SINGLE_VALUED_KEY")
def forallvalues_with_single_valued_key(ctx: Context) -> Iterator[Finding]:
    """ForAllValues on a single-valued key also matches requests without the key."""
    for st, entry, op in _entries(ctx):
        if op is None or op.qualifier != "ForAllValues" or not st.is_allow:
            continue
        kind = key_info(ctx, entry.key).type
        if kind and not kind.startswith("ArrayOf"):
            yield make(
                "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                f"Using ForAllValues with the single-valued key {entry.key} can be overly "
                "permissive. Remove ForAllValues:.",
                entry.path,
            )


@check("MISSING_QUALIFIER")
def missing_qualifier(ctx: Context) -> Iterator[Finding]:
    """Multi-valued keys (``ArrayOf…``) need ForAllValues or ForAnyValue."""
    for _, entry, op in _entries(ctx):
        if op is None or op.qualifier or op.base == "Null":
            continue
        kind = key_info(ctx, entry.key).type
        if kind and kind.startswith("ArrayOf"):
            yield make(
                "MISSING_QUALIFIER",
                f"The key {entry.key} has multiple values; use ForAllValues: or ForAnyValue:.",
                entry.path,
            )


@check("INVALID_REGION")
def invalid_region(ctx: Context) -> Iterator[Finding]:
    """aws:RequestedRegion values are region codes."""
    for _, entry, op in _entries(ctx):
        if entry.key.lower() != "aws:requestedregion" or op is None or op.category != "String":
            continue
        for i, value in enumerate(entry.values):
            literal = isinstance(value, str) and not any(c in value for c in "*?$")
            if literal and not is_region(value):
                yield make(
                    "INVALID_REGION", f"The Region {value} is not valid.", entry.value_path(i)
                )


@check("MISSING_PAIRED_CONDITION_KEYS")
def missing_paired_condition_keys(ctx: Context) -> Iterator[Finding]:
    """aws:VpcSourceIp is paired with aws:SourceVpc or aws:SourceVpce in the same block."""
    for st in ctx.statements:
        if not st.is_allow:
            continue
        entries = st.conditions()
        keys = {e.key.lower() for e in entries}
        for entry in entries:
            partners = PAIRED_KEYS.get(entry.key.lower())
            if partners and not keys & {p.lower() for p in partners}:
                yield make(
                    "MISSING_PAIRED_CONDITION_KEYS",
                    f"Using {entry.key} can be overly permissive without also using "
                    f"{' or '.join(partners)}. Add the related key to the same block.",
                    entry.path,
                )


def _source_ip_entries(ctx: Context, base: str) -> Iterator[tuple[ConditionEntry, int, int]]:
    """aws:SourceIp entries of one IP operator: (entry, private count, public count)."""
    for _, entry, op in _entries(ctx):
        if op is None or op.base != base or entry.key.lower() != "aws:sourceip":
            continue
        nets = [n for n in (parse_network(v) for v in entry.values) if n is not None]
        private = sum(1 for n in nets if is_private_network(n))
        yield entry, private, len(nets) - private


@check("PRIVATE_IP_ADDRESS")
def private_ip_address(ctx: Context) -> Iterator[Finding]:
    """aws:SourceIp with only private ranges never matches (it sees public addresses)."""
    for entry, private, public in _source_ip_entries(ctx, "IpAddress"):
        if private and not public:
            yield make(
                "PRIVATE_IP_ADDRESS",
                "aws:SourceIp works only for public IP ranges; these values are all private. "
                "Use aws:VpcSourceIp for private ranges.",
                entry.path,
            )


@check("PRIVATE_NOT_IP_ADDRESS")
def private_not_ip_address(ctx: Context) -> Iterator[Finding]:
    """NotIpAddress on aws:SourceIp with only private ranges always matches."""
    for entry, private, public in _source_ip_entries(ctx, "NotIpAddress"):
        if private and not public:
            yield make(
                "PRIVATE_NOT_IP_ADDRESS",
                "The aws:SourceIp values are all private and have no effect with NotIpAddress.",
                entry.path,
            )


@check("PRIVATE_IP_ADDRESS_SUBSET")
def private_ip_address_subset(ctx: Context) -> Iterator[Finding]:
    """aws:SourceIp mixing private and public ranges: the private ones never match."""
    for entry, private, public in _source_ip_entries(ctx, "IpAddress"):
        if private and public:
            yield make(
                "PRIVATE_IP_ADDRESS_SUBSET",
                "The aws:SourceIp values mix private and public ranges; the private ones have "
                "no effect. Use aws:VpcSourceIp for private ranges.",
                entry.path,
            )


@check("PRIVATE_NOT_IP_ADDRESS_SUBSET")
def private_not_ip_address_subset(ctx: Context) -> Iterator[Finding]:
    """NotIpAddress mixing private and public ranges: the private ones have no effect."""
    for entry, private, public in _source_ip_entries(ctx, "NotIpAddress"):
        if private and public:
            yield make(
                "PRIVATE_NOT_IP_ADDRESS_SUBSET",
                "The aws:SourceIp values mix private and public ranges; the private ones have "
                "no effect with NotIpAddress.",
                entry.path,
            )


@check("IMPROVE_IP_RANGE")
def improve_ip_range(ctx: Context) -> Iterator[Finding]:
    """CIDR values have no bits set after the mask (they are ignored)."""
    for _, entry, op in _entries(ctx):
        if op is None or op.category != "IPAddress":
            continue
        for i, value in enumerate(entry.values):
            if has_host_bits(value):
                net = parse_network(value)
                yield make(
                    "IMPROVE_IP_RANGE",
                    f"The bits after the mask in {value} are ignored. Replace it with {net}.",
                    entry.value_path(i),
                )


@check("REDUNDANT_CONDITION_VALUE_NUM")
def redundant_condition_value_num(ctx: Context) -> Iterator[Finding]:
    """A numeric less/greater-than with several values needs only the widest one."""
    for _, entry, op in _entries(ctx):
        if op is None or op.category != "Numeric" or op.negated or op.base == "NumericEquals":
            continue
        if len(entry.values) > 1 and all(is_number_value(v) for v in entry.values):
            nums = [float(str(v)) for v in entry.values]
            best = max(nums) if "Less" in op.base else min(nums)
            yield make(
                "REDUNDANT_CONDITION_VALUE_NUM",
                f"Multiple values in {op.base} are redundant. Replace them with {best:g}.",
                entry.path,
            )


@check(
    "EMPTY_ARRAY_CONDITION",
    "EMPTY_ARRAY_CONDITION_FORALLVALUES",
    "EMPTY_ARRAY_CONDITION_FORANYVALUE",
    "EMPTY_ARRAY_CONDITION_IFEXISTS",
)
def empty_array_condition(ctx: Context) -> Iterator[Finding]:
    """A condition key has at least one value (empty arrays behave surprisingly)."""
    for _, entry, op in _entries(ctx):
        if not entry.values_is_list or entry.values:
            continue
        if op is not None and op.qualifier == "ForAllValues":
            code, why = "EMPTY_ARRAY_CONDITION_FORALLVALUES", "matches only when the key is absent"
        elif op is not None and op.qualifier == "ForAnyValue":
            code, why = "EMPTY_ARRAY_CONDITION_FORANYVALUE", "never matches"
        elif op is not None and op.if_exists:
            code, why = "EMPTY_ARRAY_CONDITION_IFEXISTS", "matches only when the key is absent"
        else:
            code, why = "EMPTY_ARRAY_CONDITION", "does not affect the policy"
        yield make(code, f"There are no values for {entry.key}; the condition {why}.", entry.path)
