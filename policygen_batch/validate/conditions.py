"""Facts about the Condition element: operators, global keys, and how values must look.

These are facts of the IAM policy language (documented in the IAM User Guide, "Condition
operators" and "AWS global condition context keys"); the service-specific keys come from the
catalog. Kept as immutable module-level tables: they are constants, not state.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

#: Operator base name → the value category it compares.
OPERATOR_CATEGORY: Final = MappingProxyType(
    {
        **{
            op: "String"
            for op in (
                "StringEquals",
                "StringNotEquals",
                "StringEqualsIgnoreCase",
                "StringNotEqualsIgnoreCase",
                "StringLike",
                "StringNotLike",
            )
        },
        **{
            op: "Numeric"
            for op in (
                "NumericEquals",
                "NumericNotEquals",
                "NumericLessThan",
                "NumericLessThanEquals",
                "NumericGreaterThan",
                "NumericGreaterThanEquals",
            )
        },
        **{
            op: "Date"
            for op in (
                "DateEquals",
                "DateNotEquals",
                "DateLessThan",
                "DateLessThanEquals",
                "DateGreaterThan",
                "DateGreaterThanEquals",
            )
        },
        "Bool": "Bool",
        "BinaryEquals": "Binary",
        "IpAddress": "IPAddress",
        "NotIpAddress": "IPAddress",
        **{op: "ARN" for op in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike")},
        "Null": "Null",
    }
)

#: Global keys (``aws:``) and their types; tag keys are matched by prefix below.
GLOBAL_KEYS: Final = MappingProxyType(
    {
        k.lower(): (k, t)
        for k, t in (
            ("aws:AssumedRoot", "Bool"),
            ("aws:CalledVia", "ArrayOfString"),
            ("aws:CalledViaFirst", "String"),
            ("aws:CalledViaLast", "String"),
            ("aws:ChatbotSourceArn", "ARN"),
            ("aws:CurrentTime", "Date"),
            ("aws:Ec2InstanceSourcePrivateIPv4", "IPAddress"),
            ("aws:Ec2InstanceSourceVpc", "String"),
            ("aws:EpochTime", "Date"),
            ("aws:FederatedProvider", "String"),
            ("aws:IsMcpServiceAction", "Bool"),
            ("aws:MultiFactorAuthAge", "Numeric"),
            ("aws:MultiFactorAuthPresent", "Bool"),
            ("aws:PrincipalAccount", "String"),
            ("aws:PrincipalArn", "ARN"),
            ("aws:PrincipalIsAWSService", "Bool"),
            ("aws:PrincipalOrgID", "String"),
            ("aws:PrincipalOrgPaths", "ArrayOfString"),
            ("aws:PrincipalServiceName", "String"),
            ("aws:PrincipalServiceNamesList", "ArrayOfString"),
            ("aws:PrincipalType", "String"),
            ("aws:Referer", "String"),
            ("aws:RequestedRegion", "String"),
            ("aws:ResourceAccount", "String"),
            ("aws:ResourceOrgID", "String"),
            ("aws:ResourceOrgPaths", "ArrayOfString"),
            ("aws:SecureTransport", "Bool"),
            ("aws:SourceAccount", "String"),
            ("aws:SourceArn", "ARN"),
            ("aws:SourceIdentity", "String"),
            ("aws:SourceIp", "IPAddress"),
            ("aws:SourceOrgID", "String"),
            ("aws:SourceOrgPaths", "ArrayOfString"),
            ("aws:SourceOwner", "String"),
            ("aws:SourceVpc", "String"),
            ("aws:SourceVpcArn", "ARN"),
            ("aws:SourceVpce", "String"),
            ("aws:TagKeys", "ArrayOfString"),
            ("aws:TokenIssueTime", "Date"),
            ("aws:UserAgent", "String"),
            ("aws:userid", "String"),
            ("aws:username", "String"),
            ("aws:ViaAWSService", "Bool"),
            ("aws:VpceAccount", "String"),
            ("aws:VpceOrgID", "String"),
            ("aws:VpceOrgPaths", "ArrayOfString"),
            ("aws:VpcSourceIp", "IPAddress"),
        )
    }
)

#: Global keys that take a tag key after a slash (``aws:ResourceTag/owner``).
TAG_KEY_PREFIXES: Final = ("aws:RequestTag", "aws:ResourceTag", "aws:PrincipalTag")

#: Global keys that are recognised but not supported any more, with what to use instead.
UNSUPPORTED_GLOBAL_KEYS: Final = MappingProxyType({"aws:arn": "aws:PrincipalArn or aws:SourceArn"})

#: Keys that are weak on their own and should come with a partner in the same block.
PAIRED_KEYS: Final = MappingProxyType({"aws:vpcsourceip": ("aws:SourceVpc", "aws:SourceVpce")})

PARTITIONS: Final = frozenset(
    {
        "aws",
        "aws-cn",
        "aws-us-gov",
        "aws-iso",
        "aws-iso-b",
        "aws-iso-e",
        "aws-iso-f",
        "aws-eusc",
    }
)

_PRIVATE_BLOCKS: Final = tuple(
    ipaddress.ip_network(b)
    for b in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "::1/128",
        "fc00::/7",
        "fe80::/10",
    )
)
_REGION = re.compile(r"^[a-z]{2,4}(-[a-z]+)?-[a-z]+-\d{1,2}$")
_DATE = re.compile(
    r"^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$"
)
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_EPOCH = re.compile(r"^\d{9,13}$")


@dataclass(frozen=True, slots=True)
class Operator:
    """A condition operator split into set qualifier, base operator and IfExists suffix."""

    text: str
    qualifier: str | None  # "ForAllValues", "ForAnyValue" or None
    base: str
    if_exists: bool
    category: str  # String, Numeric, Date, Bool, Binary, IPAddress, ARN, Null

    @property
    def negated(self) -> bool:
        """True for the operators that match when the value does *not* match."""
        return "Not" in self.base

    @property
    def is_like(self) -> bool:
        """True for the operators that treat ``*`` and ``?`` as wildcards."""
        return self.base in {"StringLike", "StringNotLike", "ArnLike", "ArnNotLike"}


def parse_operator(text: str) -> Operator | None:
    """Split an operator name; ``None`` when the base name is not an IAM operator."""
    qualifier = None
    rest = text
    for q in ("ForAllValues:", "ForAnyValue:"):
        if rest.startswith(q):
            qualifier, rest = q[:-1], rest[len(q) :]
            break
    if_exists = rest.endswith("IfExists")
    base = rest.removesuffix("IfExists") if if_exists else rest
    category = OPERATOR_CATEGORY.get(base)
    if category is None:
        return None
    return Operator(text, qualifier, base, if_exists, category)


def global_key(key: str) -> tuple[str, str] | None:
    """The canonical spelling and type of a global key, ``None`` when it is not one."""
    lower = key.lower()
    found = GLOBAL_KEYS.get(lower)
    if found is not None:
        return found
    for prefix in TAG_KEY_PREFIXES:
        if lower.startswith(prefix.lower() + "/") and len(key) > len(prefix) + 1:
            return (prefix + key[len(prefix) :], "String")
    return None


def is_tag_key_without_tag(key: str) -> bool:
    """True for ``aws:ResourceTag`` (and friends) written without the ``/tag-key`` part."""
    lower = key.lower().rstrip("/")
    return any(lower == p.lower() for p in TAG_KEY_PREFIXES)


#: Key type (without ``ArrayOf``) → operator categories that may compare it.
_COMPATIBLE: Final = MappingProxyType(
    {
        "ARN": frozenset({"ARN", "String"}),
        "Date": frozenset({"Date", "Numeric"}),
        "IPAddress": frozenset({"IPAddress"}),
        "Bool": frozenset({"Bool"}),
        "Numeric": frozenset({"Numeric"}),
        "String": frozenset({"String"}),
        "Binary": frozenset({"Binary"}),
    }
)


def key_types_compatible(key_type: str, category: str) -> bool:
    """Whether an operator category may compare a key of *key_type* (catalog spelling)."""
    allowed = _COMPATIBLE.get(key_type.removeprefix("ArrayOf"))
    return category == "Null" or allowed is None or category in allowed


def is_region(text: str) -> bool:
    """True for a region code shape (``us-east-1``, ``us-gov-west-1``, ``cn-north-1``)."""
    return bool(_REGION.match(text))


def as_text(value: Any) -> str | None:
    """A scalar condition value as text (IAM accepts numbers and booleans as strings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, str)):
        return str(value)
    return None


def is_bool_value(value: Any) -> bool:
    """True for ``true``/``false`` written as JSON booleans or strings (any case)."""
    text = as_text(value)
    return text is not None and text.lower() in {"true", "false"}


def is_number_value(value: Any) -> bool:
    """True for an integer or decimal number, as a JSON number or a string."""
    if isinstance(value, bool):
        return False
    text = as_text(value)
    return text is not None and bool(_NUMBER.match(text))


def is_epoch_value(value: Any) -> bool:
    """True for a Unix epoch timestamp (seconds or milliseconds)."""
    text = as_text(value)
    return text is not None and not isinstance(value, bool) and bool(_EPOCH.match(text))


def is_date_value(value: Any) -> bool:
    """True for an ISO 8601 date or date-time, or an epoch timestamp."""
    text = as_text(value)
    if text is None or isinstance(value, bool):
        return False
    if _EPOCH.match(text):
        return True
    if not _DATE.match(text):
        return False
    try:
        datetime.fromisoformat(text[:10])
    except ValueError:
        return False
    return True


def parse_network(value: Any) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    """A CIDR (or single address) value as a network, tolerating host bits; else ``None``."""
    text = as_text(value)
    if text is None or isinstance(value, bool):
        return None
    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def has_host_bits(value: Any) -> bool:
    """True for a CIDR whose address has bits set after the mask (``10.0.0.1/8``)."""
    text = as_text(value)
    if text is None or "/" not in text:
        return False
    try:
        ipaddress.ip_network(text, strict=True)
    except ValueError:
        return parse_network(value) is not None
    return False


def is_private_network(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> bool:
    """True for networks inside RFC 1918, loopback, link-local or IPv6 unique-local space.

    Explicit ranges rather than ``is_private``, which also counts documentation and other
    reserved ranges that aws:SourceIp can legitimately see.
    """
    return any(
        net.version == block.version and net.subnet_of(block)  # type: ignore[arg-type]  # versions checked
        for block in _PRIVATE_BLOCKS
    )
