"""Grammar, element types, Sids, policy variables, SCP restrictions and size quotas.

None of these needs the catalog: they read the document's shape against the IAM policy
grammar, so they also run when no catalog is at hand.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from policygen_batch.validate.codes import make
from policygen_batch.validate.document import (
    CURRENT_VERSION,
    STATEMENT_ELEMENTS,
    TOP_LEVEL_ELEMENTS,
    VALID_VERSIONS,
    Located,
    PolicyType,
    StatementView,
    compact_size,
)
from policygen_batch.validate.findings import Finding
from policygen_batch.validate.registry import Context, check

IDENTITY, RESOURCE, TRUST, SCP = (
    PolicyType.IDENTITY,
    PolicyType.RESOURCE,
    PolicyType.TRUST,
    PolicyType.SCP,
)
_SID_CHARS = re.compile(r"^[A-Za-z0-9]*$")
_STRING_LIST_ELEMENTS = ("Action", "NotAction", "Resource", "NotResource")
#: Character quotas (whitespace not counted), per policy type.
IDENTITY_POLICY_QUOTA = 6144
SCP_QUOTA = 5120
TRUST_POLICY_QUOTA = 2048


def _type_name(value: Any) -> str:
    return {
        dict: "object",
        list: "array",
        str: "string",
        bool: "boolean",
        int: "number",
        float: "number",
    }.get(type(value), "null")


def _mismatch(path: str, expected: str, value: Any) -> Finding:
    return make(
        "DATA_TYPE_MISMATCH",
        f"The text does not match the expected JSON data type {expected} "
        f"(found {_type_name(value)}).",
        path,
    )


def _string_list_types(st: StatementView) -> Iterator[Finding]:
    for name in _STRING_LIST_ELEMENTS:
        if not st.has(name):
            continue
        value = st.raw[name]
        if isinstance(value, list):
            for i, item in enumerate(value):
                if not isinstance(item, str):
                    yield _mismatch(f"{st.path}.{name}[{i}]", "string", item)
        elif not isinstance(value, str):
            yield _mismatch(f"{st.path}.{name}", "string or array of strings", value)


def _principal_types(st: StatementView) -> Iterator[Finding]:
    for name in ("Principal", "NotPrincipal"):
        value = st.raw.get(name)
        if not isinstance(value, dict):
            continue  # "*" or a wrong shape: INVALID_PRINCIPAL_FORMAT reports the latter
        for key, item in value.items():
            items = item if isinstance(item, list) else [item]
            for i, one in enumerate(items):
                if not isinstance(one, str):
                    sub = f"[{i}]" if isinstance(item, list) else ""
                    yield _mismatch(f"{st.path}.{name}.{key}{sub}", "string", one)


def _condition_types(st: StatementView) -> Iterator[Finding]:
    if not st.has("Condition"):
        return
    block = st.raw["Condition"]
    if not isinstance(block, dict):
        yield _mismatch(f"{st.path}.Condition", "object", block)
        return
    for operator, pairs in block.items():
        if not isinstance(pairs, dict):
            yield _mismatch(f"{st.path}.Condition.{operator}", "object", pairs)


def _statement_types(st: StatementView) -> Iterator[Finding]:
    for name in ("Sid", "Effect"):
        if st.has(name) and not isinstance(st.raw[name], str):
            yield _mismatch(f"{st.path}.{name}", "string", st.raw[name])
    yield from _string_list_types(st)
    yield from _principal_types(st)
    yield from _condition_types(st)


@check("DATA_TYPE_MISMATCH")
def data_type_mismatch(ctx: Context) -> Iterator[Finding]:
    """Every element has the JSON type the grammar requires (string, array, object)."""
    doc = ctx.document
    if not isinstance(doc, dict):
        yield _mismatch("", "object", doc)
        return
    for name in ("Version", "Id"):
        if name in doc and not isinstance(doc[name], str):
            yield _mismatch(name, "string", doc[name])
    raw = doc.get("Statement")
    if "Statement" in doc and not isinstance(raw, (dict, list)):
        yield _mismatch("Statement", "object or array of objects", raw)
    if isinstance(raw, list):
        for i, item in enumerate(raw):
            if not isinstance(item, dict):
                yield _mismatch(f"Statement[{i}]", "object", item)
    for st in ctx.statements:
        yield from _statement_types(st)


@check("INVALID_POLICY_ELEMENT")
def invalid_policy_element(ctx: Context) -> Iterator[Finding]:
    """Only the grammar's elements appear, spelled exactly (``effect`` is not ``Effect``)."""
    if isinstance(ctx.document, dict):
        for key in ctx.document:
            if key not in TOP_LEVEL_ELEMENTS:
                yield make("INVALID_POLICY_ELEMENT", f"The policy element {key} is not valid.", key)
    for st in ctx.statements:
        for key in st.raw:
            if key not in STATEMENT_ELEMENTS:
                yield make(
                    "INVALID_POLICY_ELEMENT",
                    f"The policy element {key} is not valid.",
                    f"{st.path}.{key}",
                )


@check("MISSING_VERSION")
def missing_version(ctx: Context) -> Iterator[Finding]:
    """A Version element is present (without it, policy variables are literal text)."""
    if isinstance(ctx.document, dict) and "Version" not in ctx.document:
        yield make(
            "MISSING_VERSION",
            f'Add "Version": "{CURRENT_VERSION}" so that all policy features work as intended.',
        )


@check("INVALID_VERSION")
def invalid_version(ctx: Context) -> Iterator[Finding]:
    """The Version is one IAM knows (2012-10-17 or the legacy 2008-10-17)."""
    doc = ctx.document
    version = doc.get("Version") if isinstance(doc, dict) else None
    if isinstance(version, str) and version not in VALID_VERSIONS:
        yield make(
            "INVALID_VERSION",
            f"The version {version} is not valid. Use {CURRENT_VERSION}.",
            "Version",
        )


@check("MISSING_STATEMENT")
def missing_statement(ctx: Context) -> Iterator[Finding]:
    """The policy has at least one statement."""
    doc = ctx.document
    if isinstance(doc, dict) and ("Statement" not in doc or doc["Statement"] == []):
        yield make("MISSING_STATEMENT", "Add a statement to the policy.")


@check("MISSING_EFFECT")
def missing_effect(ctx: Context) -> Iterator[Finding]:
    """Each statement says whether it allows or denies."""
    for st in ctx.statements:
        if not st.has("Effect"):
            yield make(
                "MISSING_EFFECT",
                "Add an Effect element to the statement with a value of Allow or Deny.",
                st.path,
            )


@check("INVALID_EFFECT")
def invalid_effect(ctx: Context) -> Iterator[Finding]:
    """The Effect is exactly ``Allow`` or ``Deny`` (case matters)."""
    for st in ctx.statements:
        effect = st.effect
        if effect is not None and effect not in {"Allow", "Deny"}:
            yield make(
                "INVALID_EFFECT",
                f"The effect {effect} is not valid. Use Allow or Deny.",
                f"{st.path}.Effect",
            )


@check("MISSING_ACTION")
def missing_action(ctx: Context) -> Iterator[Finding]:
    """Each statement has an Action or a NotAction element."""
    for st in ctx.statements:
        if not st.has("Action") and not st.has("NotAction"):
            yield make(
                "MISSING_ACTION", "Add an Action or NotAction element to the statement.", st.path
            )


@check("MISSING_RESOURCE", policy_types=(IDENTITY, RESOURCE, SCP))
def missing_resource(ctx: Context) -> Iterator[Finding]:
    """Each statement has a Resource or NotResource (role trust policies need none)."""
    for st in ctx.statements:
        if not st.has("Resource") and not st.has("NotResource"):
            yield make(
                "MISSING_RESOURCE",
                "Add a Resource or NotResource element to the statement.",
                st.path,
            )


@check("MISSING_PRINCIPAL", policy_types=(RESOURCE, TRUST))
def missing_principal(ctx: Context) -> Iterator[Finding]:
    """Resource and trust policies name who the statement is for."""
    for st in ctx.statements:
        if not st.has("Principal") and not st.has("NotPrincipal"):
            yield make("MISSING_PRINCIPAL", "Add a Principal element to the statement.", st.path)


@check("UNSUPPORTED_PRINCIPAL", policy_types=(IDENTITY,))
def unsupported_principal(ctx: Context) -> Iterator[Finding]:
    """Identity policies carry no Principal: the identity they are attached to is it."""
    for st in ctx.statements:
        for name in ("Principal", "NotPrincipal"):
            if st.has(name):
                yield make(
                    "UNSUPPORTED_PRINCIPAL",
                    f"The policy type IDENTITY_POLICY does not support the {name} element. "
                    f"Remove the {name} element.",
                    f"{st.path}.{name}",
                )


@check("UNSUPPORTED_ELEMENT_COMBINATION")
def unsupported_element_combination(ctx: Context) -> Iterator[Finding]:
    """An element and its ``Not`` form are never used together in one statement."""
    for st in ctx.statements:
        for a, b in (
            ("Action", "NotAction"),
            ("Resource", "NotResource"),
            ("Principal", "NotPrincipal"),
        ):
            if st.has(a) and st.has(b):
                yield make(
                    "UNSUPPORTED_ELEMENT_COMBINATION",
                    f"The policy elements {a} and {b} can not be used in the same statement. "
                    "Remove one of these elements.",
                    f"{st.path}.{b}",
                )


def _duplicate_sids(ctx: Context, code: str, message: str) -> Iterator[Finding]:
    seen: set[str] = set()
    for st in ctx.statements:
        sid = st.sid
        if not sid:
            continue
        if sid in seen:
            yield make(code, message.format(sid=sid), f"{st.path}.Sid")
        seen.add(sid)


@check("UNIQUE_SIDS_REQUIRED", policy_types=(IDENTITY, SCP))
def unique_sids_required(ctx: Context) -> Iterator[Finding]:
    """Statement IDs are unique where IAM and Organizations require it."""
    yield from _duplicate_sids(
        ctx,
        "UNIQUE_SIDS_REQUIRED",
        "Duplicate statement ID {sid} is not supported for this policy type. Update the Sid.",
    )


@check("UNIQUE_SIDS_RECOMMENDED", policy_types=(RESOURCE, TRUST))
def unique_sids_recommended(ctx: Context) -> Iterator[Finding]:
    """Statement IDs are unique where the service tolerates duplicates."""
    yield from _duplicate_sids(
        ctx,
        "UNIQUE_SIDS_RECOMMENDED",
        "Use statement IDs that are unique to the policy; {sid} is used more than once.",
    )


@check("UNSUPPORTED_SID", policy_types=(IDENTITY, TRUST, SCP))
def unsupported_sid(ctx: Context) -> Iterator[Finding]:
    """IAM and Organizations accept only letters and digits in a Sid."""
    for st in ctx.statements:
        sid = st.sid
        if sid and not _SID_CHARS.match(sid):
            yield make(
                "UNSUPPORTED_SID",
                f"The Sid {sid!r} has characters other than [a-z, A-Z, 0-9].",
                f"{st.path}.Sid",
            )


@check("EMPTY_SID_VALUE")
def empty_sid_value(ctx: Context) -> Iterator[Finding]:
    """A Sid, when present, is not the empty string."""
    for st in ctx.statements:
        if st.sid == "":
            yield make("EMPTY_SID_VALUE", "Add a value to the empty Sid element.", f"{st.path}.Sid")


# --- policy variables ----------------------------------------------------------------------

_VARIABLE_ELEMENTS = ("Resource", "NotResource")


def _variable_texts(st: StatementView) -> Iterator[Located]:
    for name in _VARIABLE_ELEMENTS:
        yield from st.strings(name)
    for entry in st.conditions():
        for i, value in enumerate(entry.values):
            if isinstance(value, str):
                yield Located(value, entry.value_path(i))


def _variables(text: str) -> Iterator[tuple[str | None, int]]:
    """Each ``${…}`` in text: its inner text (``None`` when unclosed) and position."""
    pos = text.find("${")
    while pos != -1:
        end = text.find("}", pos + 2)
        if end == -1:
            yield None, pos
            return
        yield text[pos + 2 : end], pos
        pos = text.find("${", end + 1)


@check("MISSING_BRACE_IN_VARIABLE")
def missing_brace_in_variable(ctx: Context) -> Iterator[Finding]:
    """Every ``${`` that starts a policy variable is closed by ``}``."""
    for st in ctx.statements:
        for loc in _variable_texts(st):
            if any(inner is None for inner, _ in _variables(loc.value)):
                yield make(
                    "MISSING_BRACE_IN_VARIABLE",
                    f"The policy variable in {loc.value!r} is missing a closing curly brace.",
                    loc.path,
                )


@check("EMPTY_VARIABLE")
def empty_variable(ctx: Context) -> Iterator[Finding]:
    """No ``${}`` without a variable name."""
    for st in ctx.statements:
        for loc in _variable_texts(st):
            if any(inner is not None and not inner.strip() for inner, _ in _variables(loc.value)):
                yield make(
                    "EMPTY_VARIABLE",
                    "Empty policy variable. Remove ${} or put a variable name inside it.",
                    loc.path,
                )


@check("UNSUPPORTED_SPACE_IN_VARIABLE")
def unsupported_space_in_variable(ctx: Context) -> Iterator[Finding]:
    """A variable name has no spaces (a default value after ``, `` may have some)."""
    for st in ctx.statements:
        for loc in _variable_texts(st):
            for inner, _ in _variables(loc.value):
                if inner and " " in inner.partition(",")[0]:
                    yield make(
                        "UNSUPPORTED_SPACE_IN_VARIABLE",
                        f"A space is not supported within the policy variable ${{{inner}}}.",
                        loc.path,
                    )
                    break


@check("VARIABLE_UNSUPPORTED_IN_ELEMENT")
def variable_unsupported_in_element(ctx: Context) -> Iterator[Finding]:
    """Policy variables appear only in Resource and Condition values, not in actions."""
    for st in ctx.statements:
        for name in ("Action", "NotAction"):
            for loc in st.strings(name):
                if "${" in loc.value:
                    yield make(
                        "VARIABLE_UNSUPPORTED_IN_ELEMENT",
                        f"Policy variables are supported in Resource and Condition; remove "
                        f"the variable from {name}.",
                        loc.path,
                    )


@check("VARIABLE_UNSUPPORTED_IN_VERSION")
def variable_unsupported_in_version(ctx: Context) -> Iterator[Finding]:
    """Variables need Version 2012-10-17; older or missing versions read them literally."""
    doc = ctx.document
    if not isinstance(doc, dict) or doc.get("Version") == CURRENT_VERSION:
        return
    for st in ctx.statements:
        for loc in _variable_texts(st):
            if "${" in loc.value:
                yield make(
                    "VARIABLE_UNSUPPORTED_IN_VERSION",
                    f"To include variables in your policy, use Version {CURRENT_VERSION}.",
                    loc.path,
                )


# --- service control policies ----------------------------------------------------------------


@check("SCP_SYNTAX_ERROR_ACTION_WILDCARD", policy_types=(SCP,))
def scp_action_wildcard(ctx: Context) -> Iterator[Finding]:
    """SCP actions may end with ``*`` but have no wildcard anywhere else."""
    for st in ctx.statements:
        for loc in st.actions():
            body = loc.value[:-1] if loc.value.endswith("*") else loc.value
            if "*" in body or "?" in body:
                yield make(
                    "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
                    f"SCP actions can include wildcards (*) only at the end of a string; "
                    f"update {loc.value}.",
                    loc.path,
                )


def _scp_allow(ctx: Context, element: str, code: str, message: str) -> Iterator[Finding]:
    for st in ctx.statements:
        if st.is_allow and st.has(element):
            if element == "Resource" and st.strings("Resource") == [
                Located("*", f"{st.path}.Resource")
            ]:
                continue
            yield make(code, message, f"{st.path}.{element}")


@check("SCP_SYNTAX_ERROR_ALLOW_CONDITION", policy_types=(SCP,))
def scp_allow_condition(ctx: Context) -> Iterator[Finding]:
    """SCPs accept a Condition only on Deny statements."""
    yield from _scp_allow(
        ctx,
        "Condition",
        "SCP_SYNTAX_ERROR_ALLOW_CONDITION",
        "SCPs do not support the Condition element with effect Allow.",
    )


@check("SCP_SYNTAX_ERROR_ALLOW_NOTACTION", policy_types=(SCP,))
def scp_allow_notaction(ctx: Context) -> Iterator[Finding]:
    """SCPs accept NotAction only on Deny statements."""
    yield from _scp_allow(
        ctx,
        "NotAction",
        "SCP_SYNTAX_ERROR_ALLOW_NOTACTION",
        "SCPs do not support NotAction with effect Allow.",
    )


@check("SCP_SYNTAX_ERROR_ALLOW_RESOURCE", policy_types=(SCP,))
def scp_allow_resource(ctx: Context) -> Iterator[Finding]:
    """SCP Allow statements take ``"Resource": "*"`` only."""
    yield from _scp_allow(
        ctx,
        "Resource",
        "SCP_SYNTAX_ERROR_ALLOW_RESOURCE",
        'SCPs do not support Resource other than "*" with effect Allow.',
    )


@check("SCP_SYNTAX_ERROR_NOTRESOURCE", policy_types=(SCP,))
def scp_notresource(ctx: Context) -> Iterator[Finding]:
    """SCPs do not support NotResource."""
    for st in ctx.statements:
        if st.has("NotResource"):
            yield make(
                "SCP_SYNTAX_ERROR_NOTRESOURCE",
                "SCPs do not support the NotResource element. Use Resource instead.",
                f"{st.path}.NotResource",
            )


@check("SCP_SYNTAX_ERROR_PRINCIPAL", policy_types=(SCP,))
def scp_principal(ctx: Context) -> Iterator[Finding]:
    """SCPs do not name principals (use the aws:PrincipalArn condition key)."""
    for st in ctx.statements:
        for name in ("Principal", "NotPrincipal"):
            if st.has(name):
                yield make(
                    "SCP_SYNTAX_ERROR_PRINCIPAL",
                    f"SCPs do not support specifying principals. Remove the {name} element.",
                    f"{st.path}.{name}",
                )


# --- quotas --------------------------------------------------------------------------------


def _size_finding(ctx: Context, limit: int, code: str, what: str) -> Iterator[Finding]:
    if not isinstance(ctx.document, dict):
        return
    size = compact_size(ctx.document)
    if size > limit:
        yield make(
            code,
            f"The {what} has {size} characters without whitespace, more than the quota of "
            f"{limit}. Split it into several smaller policies.",
        )


@check("POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", policy_types=(IDENTITY,))
def identity_policy_size(ctx: Context) -> Iterator[Finding]:
    """A managed identity policy fits IAM's 6,144-character quota (whitespace not counted)."""
    yield from _size_finding(
        ctx, IDENTITY_POLICY_QUOTA, "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA", "identity policy"
    )


@check("POLICY_SIZE_EXCEEDS_SCP_QUOTA", policy_types=(SCP,))
def scp_size(ctx: Context) -> Iterator[Finding]:
    """An SCP fits the 5,120-character quota of AWS Organizations."""
    yield from _size_finding(ctx, SCP_QUOTA, "POLICY_SIZE_EXCEEDS_SCP_QUOTA", "SCP")


@check("POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA", policy_types=(TRUST,))
def trust_policy_size(ctx: Context) -> Iterator[Finding]:
    """A role trust policy fits the default 2,048-character quota (raisable to 4,096)."""
    yield from _size_finding(
        ctx, TRUST_POLICY_QUOTA, "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA", "trust policy"
    )


# --- empty elements --------------------------------------------------------------------------


@check("EMPTY_ARRAY_ACTION", "EMPTY_ARRAY_NOT_ACTION")
def empty_array_action(ctx: Context) -> Iterator[Finding]:
    """An Action (or NotAction) array is not empty: an empty one grants nothing."""
    for st in ctx.statements:
        for name, code in (
            ("Action", "EMPTY_ARRAY_ACTION"),
            ("NotAction", "EMPTY_ARRAY_NOT_ACTION"),
        ):
            if st.raw.get(name) == []:
                yield make(
                    code,
                    f"This statement's {name} is empty and does not affect the policy. "
                    "Specify actions.",
                    f"{st.path}.{name}",
                )


@check("EMPTY_ARRAY_RESOURCE", "EMPTY_ARRAY_NOT_RESOURCE")
def empty_array_resource(ctx: Context) -> Iterator[Finding]:
    """A Resource (or NotResource) array is not empty."""
    for st in ctx.statements:
        for name, code in (
            ("Resource", "EMPTY_ARRAY_RESOURCE"),
            ("NotResource", "EMPTY_ARRAY_NOT_RESOURCE"),
        ):
            if st.raw.get(name) == []:
                yield make(
                    code,
                    f"This statement's {name} is empty and does not affect the policy. "
                    "Specify resources.",
                    f"{st.path}.{name}",
                )


@check("EMPTY_OBJECT_CONDITION")
def empty_object_condition(ctx: Context) -> Iterator[Finding]:
    """A Condition block, when present, is not ``{}``."""
    for st in ctx.statements:
        if st.raw.get("Condition") == {}:
            yield make(
                "EMPTY_OBJECT_CONDITION",
                "This condition block is empty and does not affect the policy.",
                f"{st.path}.Condition",
            )
