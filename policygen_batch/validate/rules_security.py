"""Security warnings on broad grants, tag-condition pitfalls, and redundancy suggestions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from policygen_batch.validate import patterns
from policygen_batch.validate.codes import make
from policygen_batch.validate.document import Located, StatementView
from policygen_batch.validate.findings import Finding
from policygen_batch.validate.registry import Context, check

_ALL_ROLES = patterns.tokenize("role/*")


def _matches_action(pattern: str, action: str) -> bool:
    """Whether an Action pattern matches *action* (lower case), ignoring case.

    Most patterns are plain ASCII names, for which that is a comparison of the lower-cased
    text; compiling a regular expression for each (thousands per run) cost more than every
    other check of these statements. Other text (wildcards, variables, non-ASCII letters
    that case-fold to ASCII ones) goes through :func:`patterns.to_regex`.
    """
    if pattern.isascii() and _plain(pattern):
        return pattern.lower() == action
    return patterns.to_regex(pattern, fold_case=True).match(action) is not None


def _covers_all_roles(resource: str) -> bool:
    """Whether a Resource value reaches every role of an account (``*``, ``…:role/*``)."""
    if resource == "*":
        return True
    fields = patterns.split_arn(resource)
    if fields is None:
        return False
    service_ok = _matches_action(fields[2], "iam")
    return service_ok and patterns.includes(_ALL_ROLES, patterns.tokenize(fields[5]))


def _variant(prefix: str, not_action: bool, star_action: bool, *, not_resource: bool) -> str:
    """Which of Access Analyzer's six codes describes the statement."""
    if not_resource:
        if not_action:
            return f"{prefix}_WITH_NOT_ACTION_AND_NOT_RESOURCE"
        return (
            f"{prefix}_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE"
            if star_action
            else (f"{prefix}_WITH_NOT_RESOURCE")
        )
    if not_action:
        return f"{prefix}_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION"
    return (
        f"{prefix}_WITH_STAR_IN_ACTION_AND_RESOURCE"
        if star_action
        else (f"{prefix}_WITH_STAR_IN_RESOURCE")
    )


def _broad_action_findings(
    st: StatementView, action: str, prefix: str, condition_key: str
) -> Iterator[Finding]:
    """The six PassRole / CreateServiceLinkedRole variants of Access Analyzer."""
    if not st.is_allow:
        return
    keys = {e.key.lower() for e in st.conditions()}
    scoped = condition_key.lower() in keys
    if st.has("Action"):
        hits = [loc for loc in st.strings("Action") if _matches_action(loc.value, action)]
        if not hits:
            return
        star_action = any("*" in loc.value or "?" in loc.value for loc in hits)
        path = hits[0].path
    elif st.has("NotAction"):
        if any(_matches_action(loc.value, action) for loc in st.strings("NotAction")):
            return
        star_action, path = False, f"{st.path}.NotAction"
    else:
        return
    not_action = st.has("NotAction")
    what = "iam:PassRole" if prefix == "PASS_ROLE" else "iam:CreateServiceLinkedRole"
    if st.has("Resource"):
        if scoped or not any(_covers_all_roles(r.value) for r in st.strings("Resource")):
            return
        code = _variant(prefix, not_action, star_action, not_resource=False)
        yield make(
            code,
            f"Allowing {what} on every role (wildcard in the resource) can be overly "
            f"permissive. Specify role ARNs or add the {condition_key} condition key.",
            path,
        )
    elif st.has("NotResource"):
        if any(_covers_all_roles(r.value) for r in st.strings("NotResource")):
            return
        code = _variant(prefix, not_action, star_action, not_resource=True)
        yield make(
            code,
            f"Allowing {what} with NotResource can allow it on many roles. Specify role ARNs "
            "in Resource instead.",
            path,
        )


@check(
    "PASS_ROLE_WITH_STAR_IN_RESOURCE",
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
    "PASS_ROLE_WITH_NOT_RESOURCE",
    "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
    "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
    "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
)
def pass_role_with_star(ctx: Context) -> Iterator[Finding]:
    """iam:PassRole on every role lets a principal hand any role to any service."""
    for st in ctx.statements:
        yield from _broad_action_findings(st, "iam:passrole", "PASS_ROLE", "iam:PassedToService")


@check(
    "CREATE_SLR_WITH_STAR_IN_RESOURCE",
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
    "CREATE_SLR_WITH_NOT_RESOURCE",
    "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
    "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
    "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
)
def create_slr_with_star(ctx: Context) -> Iterator[Finding]:
    """iam:CreateServiceLinkedRole on every role creates roles for unintended services."""
    for st in ctx.statements:
        yield from _broad_action_findings(
            st, "iam:createservicelinkedrole", "CREATE_SLR", "iam:AWSServiceName"
        )


@check("ALLOW_WITH_NOT_ACTION")
def allow_with_not_action(ctx: Context) -> Iterator[Finding]:
    """Allow with NotAction grants every other action, future ones included.

    The project's own check (Access Analyzer reports NotAction only together with PassRole
    or CreateServiceLinkedRole); least-privilege output must list what it grants.
    """
    for st in ctx.statements:
        if st.is_allow and st.has("NotAction"):
            yield make(
                "ALLOW_WITH_NOT_ACTION",
                "Allow with NotAction grants every action not listed, including actions AWS "
                "adds later. List the allowed actions instead.",
                f"{st.path}.NotAction",
            )


@check("ALLOW_WITH_NOT_RESOURCE")
def allow_with_not_resource(ctx: Context) -> Iterator[Finding]:
    """Allow with NotResource grants every other resource, in every account.

    The project's own check, for the same reason as ALLOW_WITH_NOT_ACTION.
    """
    for st in ctx.statements:
        if st.is_allow and st.has("NotResource"):
            yield make(
                "ALLOW_WITH_NOT_RESOURCE",
                "Allow with NotResource grants every resource not listed, in any account. "
                "List the allowed resources instead.",
                f"{st.path}.NotResource",
            )


def _unsupported_tag_services(ctx: Context, st: StatementView) -> tuple[str, list[str]] | None:
    """(the tag key used, prefixes none of whose listed actions support it)."""
    tag_keys = [e.key for e in st.conditions() if e.key.lower().startswith("aws:resourcetag/")]
    if not tag_keys or not st.has("Action"):
        return None
    unsupported: set[str] = set()
    for loc in st.strings("Action"):
        facts = ctx.expand(loc.value) or ()
        by_service: dict[str, bool] = {}
        for a in facts:
            ok = "aws:resourcetag/${tagkey}" in a.condition_keys
            by_service[a.service] = by_service.get(a.service, False) or ok
        unsupported.update(s for s, ok in by_service.items() if not ok)
    return (tag_keys[0], sorted(unsupported)) if unsupported else None


@check("DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", needs_catalog=True)
def deny_with_unsupported_tag_condition_key(ctx: Context) -> Iterator[Finding]:
    """A Deny on aws:ResourceTag does not deny actions of services without that key."""
    for st in ctx.statements:
        if st.effect != "Deny":
            continue
        found = _unsupported_tag_services(ctx, st)
        if found:
            key, services = found
            yield make(
                "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                f"Denying with {key} can be overly permissive: actions of {', '.join(services)} "
                "do not support the key and are not denied. Move them to another statement.",
                f"{st.path}.Condition",
            )


@check("ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE", needs_catalog=True)
def allow_with_unsupported_tag_condition_key(ctx: Context) -> Iterator[Finding]:
    """An Allow on aws:ResourceTag grants nothing for services without that key."""
    for st in ctx.statements:
        if not st.is_allow:
            continue
        found = _unsupported_tag_services(ctx, st)
        if found:
            key, services = found
            yield make(
                "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                f"Allowing with {key} does not allow actions of {', '.join(services)}: they do "
                "not support the key. Move them to another statement.",
                f"{st.path}.Condition",
            )


# --- redundancy ----------------------------------------------------------------------------


def _redundant(items: list[Located], fold_case: bool) -> Iterator[tuple[Located, Located]]:
    """``(redundant, covering)`` pairs: an item wholly matched by another item of the list.

    The covering item reported is the first one in list order; of identical items the later
    one is redundant. Comparing every pair is quadratic in the items, and a generated
    statement can list hundreds of ARNs, so only the items that *can* cover are compared:

    * a pattern without wildcards or variables covers nothing but its identical twins;
    * any other pattern covers only items that begin with its literal prefix (the
      characters before its first ``*``, ``?`` or ``${…}``, see
      :func:`~policygen_batch.validate.patterns.literal_prefix`).

    Both kinds of candidate are looked up in dictionaries, then checked exactly as before
    (in list order), so the findings are the same as those of the pairwise comparison. Most
    items are plain text (no ``*``, ``?`` or ``$``), which is its own literal prefix and
    tokenizes equal only to the same text; such items are tokenized only when compared.
    """
    keys = [i.value.lower() if fold_case else i.value for i in items]
    tokens = [None if _plain(k) else patterns.tokenize(k) for k in keys]
    twin_keys: list[object] = [k if t is None else t for k, t in zip(keys, tokens, strict=True)]
    prefixes = [
        k if t is None else patterns.literal_prefix(t) for k, t in zip(keys, tokens, strict=True)
    ]
    twins: dict[object, list[int]] = {}
    wild_by_prefix: dict[str, list[int]] = {}
    for j, (twin, tok, prefix) in enumerate(zip(twin_keys, tokens, prefixes, strict=True)):
        twins.setdefault(twin, []).append(j)
        if tok is not None and len(prefix) < len(tok):  # a wildcard or variable follows
            wild_by_prefix.setdefault(prefix, []).append(j)

    def tokens_of(index: int) -> tuple[patterns.Token, ...]:
        found = tokens[index]
        if found is None:
            found = tokens[index] = patterns.tokenize(keys[index])
        return found

    lengths = sorted({len(prefix) for prefix in wild_by_prefix})
    for i, item in enumerate(items):
        head = prefixes[i]
        candidates = set(twins[twin_keys[i]])
        for length in lengths:
            if length > len(head):
                break
            candidates.update(wild_by_prefix.get(head[:length], ()))
        for j in sorted(candidates):
            if i == j:
                continue
            same = twin_keys[i] == twin_keys[j]
            if same and j > i:
                continue  # of two identical items, report the later one
            if same or patterns.includes(tokens_of(i), tokens_of(j)):
                yield item, items[j]
                break


def _plain(text: str) -> bool:
    """No wildcard, variable or escape: the text's tokens are its characters, all literal.

    Tokens of any other text contain a non-literal token or a literal ``*``, ``?`` or
    ``$``, so they never equal a plain text's tokens.
    """
    return "*" not in text and "?" not in text and "$" not in text


@check("REDUNDANT_ACTION")
def redundant_action(ctx: Context) -> Iterator[Finding]:
    """No action already granted by another action pattern of the same statement."""
    for st in ctx.statements:
        for item, other in _redundant(st.actions(), fold_case=True):
            yield make(
                "REDUNDANT_ACTION",
                f"The action {item.value} is redundant: {other.value} already covers it.",
                item.path,
            )


@check("REDUNDANT_RESOURCE")
def redundant_resource(ctx: Context) -> Iterator[Finding]:
    """No resource already matched by another resource pattern of the same statement."""
    for st in ctx.statements:
        for item, other in _redundant(st.resources(), fold_case=False):
            yield make(
                "REDUNDANT_RESOURCE",
                f"The resource {item.value} is redundant: {other.value} already covers it.",
                item.path,
            )


def _canonical(raw: Any) -> bytes:
    """A statement without its Sid, lists sorted, single values as lists: equal means same."""

    def norm(value: Any, *, in_list_element: bool) -> Any:
        if isinstance(value, dict):
            return {k: norm(v, in_list_element=True) for k, v in value.items()}
        if isinstance(value, list):
            return sorted((norm(v, in_list_element=False) for v in value), key=orjson.dumps)
        return [value] if in_list_element and isinstance(value, str) else value

    body = {k: v for k, v in raw.items() if k != "Sid"}
    for name in ("Action", "NotAction"):
        if isinstance(body.get(name), (str, list)):
            items = body[name] if isinstance(body[name], list) else [body[name]]
            body[name] = [i.lower() if isinstance(i, str) else i for i in items]
    normal = {k: norm(v, in_list_element=k not in {"Effect"}) for k, v in body.items()}
    return orjson.dumps(normal, option=orjson.OPT_SORT_KEYS)


@check("REDUNDANT_STATEMENT")
def redundant_statement(ctx: Context) -> Iterator[Finding]:
    """No statement repeated (ignoring Sid, order and single-value-versus-list spelling)."""
    seen: dict[bytes, StatementView] = {}
    for st in ctx.statements:
        key = _canonical(st.raw)
        first = seen.setdefault(key, st)
        if first is not st:
            yield make(
                "REDUNDANT_STATEMENT",
                f"This statement repeats {first.path}; remove one of them.",
                st.path,
            )
