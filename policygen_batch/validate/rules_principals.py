"""Checks of the Principal and NotPrincipal elements (resource and trust policies)."""

from __future__ import annotations

import re
from collections.abc import Iterator

from policygen_batch.validate.codes import make
from policygen_batch.validate.document import Located, PolicyType, StatementView
from policygen_batch.validate.findings import Finding
from policygen_batch.validate.registry import Context, check

PRINCIPAL_KEYS = ("AWS", "Service", "Federated", "CanonicalUser")
_WITH_PRINCIPAL = (PolicyType.RESOURCE, PolicyType.TRUST)
_ROLE_ID = re.compile(r"^AROA[A-Z0-9]{12,}$")
_USER_ID = re.compile(r"^AIDA[A-Z0-9]{12,}$")


def principal_values(st: StatementView, element: str = "Principal") -> list[tuple[str, Located]]:
    """``(key, value)`` for every string principal; ``"*"`` alone is reported as key ``*``."""
    raw = st.raw.get(element)
    path = f"{st.path}.{element}"
    if raw == "*":
        return [("*", Located("*", path))]
    if not isinstance(raw, dict):
        return []
    out: list[tuple[str, Located]] = []
    for key, value in raw.items():
        out.extend((str(key), loc) for loc in _strings(value, f"{path}.{key}"))
    return out


def _strings(value: object, path: str) -> list[Located]:
    if isinstance(value, str):
        return [Located(value, path)]
    if isinstance(value, list):
        return [Located(v, f"{path}[{i}]") for i, v in enumerate(value) if isinstance(v, str)]
    return []


def _principal_elements(st: StatementView) -> Iterator[str]:
    for name in ("Principal", "NotPrincipal"):
        if st.has(name):
            yield name


@check("INVALID_PRINCIPAL_FORMAT", policy_types=_WITH_PRINCIPAL)
def invalid_principal_format(ctx: Context) -> Iterator[Finding]:
    """A principal is ``"*"`` or an object of principal keys, nothing else."""
    for st in ctx.statements:
        for name in _principal_elements(st):
            raw = st.raw[name]
            if raw != "*" and not isinstance(raw, dict):
                yield make(
                    "INVALID_PRINCIPAL_FORMAT",
                    f"The {name} element contents are not valid. Specify a key-value pair such "
                    'as {"AWS": "123456789012"}.',
                    f"{st.path}.{name}",
                )


@check("INVALID_PRINCIPAL_KEY", policy_types=_WITH_PRINCIPAL)
def invalid_principal_key(ctx: Context) -> Iterator[Finding]:
    """Principal keys are AWS, Service, Federated or CanonicalUser (exact case)."""
    for st in ctx.statements:
        for name in _principal_elements(st):
            raw = st.raw[name]
            if isinstance(raw, dict):
                for key in raw:
                    if key not in PRINCIPAL_KEYS:
                        yield make(
                            "INVALID_PRINCIPAL_KEY",
                            f"The principal key {key} is not valid; use one of "
                            f"{', '.join(PRINCIPAL_KEYS)}.",
                            f"{st.path}.{name}.{key}",
                        )


@check("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", policy_types=_WITH_PRINCIPAL)
def unsupported_wildcard_in_principal(ctx: Context) -> Iterator[Finding]:
    """Wildcards in principals only as the whole value ``"*"`` of the AWS key."""
    for st in ctx.statements:
        for name in _principal_elements(st):
            for key, loc in principal_values(st, name):
                if key == "*" or (key == "AWS" and loc.value == "*"):
                    continue
                if "*" in loc.value or "?" in loc.value:
                    yield make(
                        "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                        f"Wildcards (*, ?) are not supported with the principal key {key}; "
                        f"replace {loc.value!r} with a specific principal.",
                        loc.path,
                    )


@check("ALLOW_WITH_NOT_PRINCIPAL", policy_types=_WITH_PRINCIPAL)
def allow_with_not_principal(ctx: Context) -> Iterator[Finding]:
    """Allow with NotPrincipal grants everyone else, anonymous callers included."""
    for st in ctx.statements:
        if st.is_allow and st.has("NotPrincipal"):
            yield make(
                "ALLOW_WITH_NOT_PRINCIPAL",
                "Using Allow with NotPrincipal can be overly permissive. Use Principal instead.",
                f"{st.path}.NotPrincipal",
            )


def _unique_id_reference(
    ctx: Context, pattern: re.Pattern[str], code: str, kind: str
) -> Iterator[Finding]:
    for st in ctx.statements:
        for name in _principal_elements(st):
            for key, loc in principal_values(st, name):
                if key == "AWS" and pattern.match(loc.value):
                    yield make(
                        code,
                        f"The {name} element includes the IAM {kind} ID {loc.value}. Use the "
                        f"{kind} ARN instead: an ID no longer matches once the {kind} is "
                        "re-created.",
                        loc.path,
                    )


@check("INVALID_ROLE_REFERENCE", policy_types=_WITH_PRINCIPAL)
def invalid_role_reference(ctx: Context) -> Iterator[Finding]:
    """Principals name roles by ARN, not by unique ID (``AROA…``)."""
    yield from _unique_id_reference(ctx, _ROLE_ID, "INVALID_ROLE_REFERENCE", "role")


@check("INVALID_USER_REFERENCE", policy_types=_WITH_PRINCIPAL)
def invalid_user_reference(ctx: Context) -> Iterator[Finding]:
    """Principals name users by ARN, not by unique ID (``AIDA…``)."""
    yield from _unique_id_reference(ctx, _USER_ID, "INVALID_USER_REFERENCE", "user")


@check("EMPTY_ARRAY_PRINCIPAL", policy_types=_WITH_PRINCIPAL)
def empty_array_principal(ctx: Context) -> Iterator[Finding]:
    """A principal key's array is not empty."""
    for st in ctx.statements:
        for name in _principal_elements(st):
            raw = st.raw[name]
            if isinstance(raw, dict):
                for key, value in raw.items():
                    if value == []:
                        yield make(
                            "EMPTY_ARRAY_PRINCIPAL",
                            "This statement includes no principals for "
                            f"{key} and that part does not affect the policy.",
                            f"{st.path}.{name}.{key}",
                        )


@check("EMPTY_OBJECT_PRINCIPAL", policy_types=_WITH_PRINCIPAL)
def empty_object_principal(ctx: Context) -> Iterator[Finding]:
    """A Principal element is not ``{}``."""
    for st in ctx.statements:
        for name in _principal_elements(st):
            if st.raw[name] == {}:
                yield make(
                    "EMPTY_OBJECT_PRINCIPAL",
                    "This statement includes no principals and does not affect the policy.",
                    f"{st.path}.{name}",
                )
