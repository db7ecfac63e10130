"""Custom policy checks: "no new access" and "access not granted", sound by construction.

Both answer PASS only when they can *prove* it, and FAIL with the reason otherwise, as Access
Analyzer's custom checks do. The proof works on statements:

* A candidate's Allow statement is covered when every action it can grant (its patterns
  expanded through the catalog, *and* the patterns themselves, for actions AWS adds later)
  on every resource it names is granted by one existing Allow statement whose conditions are
  all present, identically, in the candidate statement (extra candidate conditions only
  narrow it; anything else cannot be compared and fails).
* Every existing Deny must either be repeated by a candidate Deny that is at least as broad
  and no more conditional, or not overlap anything the candidate allows.
* Candidate conditions and candidate Denies are otherwise ignored: that over-approximates
  what the candidate grants, which keeps a PASS sound.

Pattern reasoning is in :mod:`policygen_batch.validate.patterns`: inclusion may say "not
provable" when the truth is "included" (→ FAIL with the reason), overlap may say "may
overlap" when they do not (→ FAIL), never the other way round.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from policygen_batch.validate import patterns
from policygen_batch.validate.adapter import view_of
from policygen_batch.validate.catalog_view import CatalogView
from policygen_batch.validate.document import statements

#: A Resource-less statement (a role trust policy) applies to the resource the policy is on.
IMPLIED_RESOURCE = "\x00the-resource-this-policy-is-attached-to"
_SHOWN = 8  # how many actions or resources a reason lists before "and N more"


class Verdict(Enum):
    """The answer of a custom check."""

    PASS = "PASS"
    FAIL = "FAIL"


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a check failed: where, and which actions and resources are involved."""

    message: str
    statement_index: int | None = None
    path: str = ""
    actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping."""
        return {
            "message": self.message,
            "statement_index": self.statement_index,
            "path": self.path,
            "actions": list(self.actions),
            "resources": list(self.resources),
        }


@dataclass(frozen=True, slots=True)
class CustomCheckResult:
    """PASS, or FAIL with its reasons (never FAIL without one)."""

    check: str
    result: Verdict
    reasons: tuple[Reason, ...] = ()

    @property
    def passed(self) -> bool:
        """True for PASS."""
        return self.result is Verdict.PASS

    def to_dict(self) -> dict[str, object]:
        """JSON-ready mapping (``result`` is ``PASS`` or ``FAIL``)."""
        return {
            "check": self.check,
            "result": self.result.value,
            "reasons": [r.to_dict() for r in self.reasons],
        }


class _Malformed(ValueError):
    """The document cannot be read as a policy, so nothing about it can be proven."""


@dataclass(frozen=True)
class _PatternSet:
    """An Action/Resource element: patterns, or everything except them (``Not…``)."""

    negated: bool
    texts: tuple[str, ...]
    tokens: tuple[tuple[patterns.Token, ...], ...]

    @classmethod
    def of(cls, texts: Sequence[str], *, negated: bool, fold_case: bool) -> _PatternSet:
        toks = tuple(patterns.tokenize(t, fold_case=fold_case) for t in texts)
        return cls(negated, tuple(texts), toks)

    @property
    def is_everything(self) -> bool:
        """True when the set certainly holds every string (``*``, or ``Not`` nothing)."""
        if self.negated:
            return not self.texts
        return any(all(k == patterns.STAR for k, _ in tok) for tok in self.tokens)

    def may_contain(self, tok: tuple[patterns.Token, ...]) -> bool:
        """Whether some string of *tok* may be in the set (sound over-approximation)."""
        if self.negated:
            return not any(patterns.includes(tok, x) for x in self.tokens)
        return any(patterns.intersects(tok, p) for p in self.tokens)

    def surely_contains(self, tok: tuple[patterns.Token, ...]) -> bool:
        """Whether every string of *tok* is in the set (sound under-approximation)."""
        if self.negated:
            return not any(patterns.intersects(tok, x) for x in self.tokens)
        return any(patterns.includes(tok, p) for p in self.tokens)

    def surely_includes(self, other: _PatternSet) -> bool:
        """Whether ``other ⊆ self`` is provable."""
        if self.is_everything:
            return True
        if not other.negated:
            return all(self.surely_contains(t) for t in other.tokens)
        if self.negated:  # complement(X_other) ⊆ complement(X_self) ⇔ X_self ⊆ X_other
            return all(any(patterns.includes(x, y) for y in other.tokens) for x in self.tokens)
        return False


@dataclass(frozen=True)
class _Statement:
    index: int
    path: str
    allow: bool
    actions: _PatternSet
    resources: _PatternSet
    principal: tuple[str, frozenset[tuple[str, str]]] | None  # (element, {(key, value)})
    conditions: frozenset[tuple[str, str, frozenset[str]]]

    def principal_covers(self, other: _Statement) -> bool:
        """Whether this statement's principals include all of *other*'s."""
        if self.principal is None or other.principal is None:
            return self.principal is None and other.principal is None
        element, values = self.principal
        if element == "Principal" and ({("*", "*"), ("AWS", "*")} & values):
            return True
        return self.principal == other.principal or (
            element == other.principal[0] == "Principal" and other.principal[1] <= values
        )

    def conditions_within(self, other: _Statement) -> bool:
        """Whether every condition of this statement is also one of *other*'s."""
        return self.conditions <= other.conditions


def _as_list(value: Any, what: str, path: str) -> list[str]:
    items = value if isinstance(value, list) else [value]
    if not all(isinstance(i, str) for i in items):
        raise _Malformed(f"{path}.{what} must hold strings")
    return list(items)


def _principal(raw: dict[str, Any], path: str) -> tuple[str, frozenset[tuple[str, str]]] | None:
    for element in ("Principal", "NotPrincipal"):
        if element not in raw:
            continue
        value = raw[element]
        if value == "*":
            return element, frozenset({("*", "*")})
        if not isinstance(value, dict):
            raise _Malformed(f'{path}.{element} is neither "*" nor an object')
        pairs = {(str(k), v) for k, vs in value.items() for v in _as_list(vs, element, path)}
        return element, frozenset(pairs)
    return None


def _conditions(raw: dict[str, Any], path: str) -> frozenset[tuple[str, str, frozenset[str]]]:
    block = raw.get("Condition", {})
    if not isinstance(block, dict):
        raise _Malformed(f"{path}.Condition is not an object")
    out = set()
    for operator, pairs in block.items():
        if not isinstance(pairs, dict):
            raise _Malformed(f"{path}.Condition.{operator} is not an object")
        for key, values in pairs.items():
            items = values if isinstance(values, list) else [values]
            out.add((str(operator), str(key).lower(), frozenset(str(v) for v in items)))
    return frozenset(out)


def _parse(document: Any) -> list[_Statement]:
    if not isinstance(document, dict) or not isinstance(document.get("Statement"), (dict, list)):
        raise _Malformed("the document has no Statement element")
    raw_statements = document["Statement"]
    count = len(raw_statements) if isinstance(raw_statements, list) else 1
    views = statements(document)
    if len(views) != count:
        raise _Malformed("some statements are not JSON objects")
    out = []
    for st in views:
        raw = dict(st.raw)
        if raw.get("Effect") not in ("Allow", "Deny"):
            raise _Malformed(f"{st.path}.Effect is not Allow or Deny")
        act = "Action" if "Action" in raw else "NotAction" if "NotAction" in raw else None
        if act is None:
            raise _Malformed(f"{st.path} has no Action or NotAction")
        res = "Resource" if "Resource" in raw else "NotResource" if "NotResource" in raw else None
        resources = _as_list(raw[res], res, st.path) if res else [IMPLIED_RESOURCE]
        out.append(
            _Statement(
                index=st.index,
                path=st.path,
                allow=raw["Effect"] == "Allow",
                actions=_PatternSet.of(
                    _as_list(raw[act], act, st.path), negated=act == "NotAction", fold_case=True
                ),
                resources=_PatternSet.of(resources, negated=res == "NotResource", fold_case=False),
                principal=_principal(raw, st.path),
                conditions=_conditions(raw, st.path),
            )
        )
    return out


def _more(items: Sequence[str]) -> str:
    shown = ", ".join(items[:_SHOWN])
    return shown + (f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else "")


@dataclass
class _Catalogued:
    """Concrete actions of the catalog, for expanding patterns (``None``: no catalog)."""

    view: CatalogView | None

    def all_actions(self) -> list[str]:
        if self.view is None:
            return []
        return [a.full_name for p in self.view.service_prefixes() for a in self.view.actions(p)]

    def concrete(self, actions: _PatternSet) -> list[str]:
        """Catalog actions the element grants, canonical spelling (NotAction: all others)."""
        if self.view is None:
            return []
        if actions.negated:
            rxs = [patterns.to_regex(t, fold_case=True) for t in actions.texts]
            return [a for a in self.all_actions() if not any(rx.match(a) for rx in rxs)]
        found: set[str] = set()
        for text in actions.texts:
            prefix, sep, name = text.lower().partition(":")
            if text == "*":
                return self.all_actions()
            if not sep:
                continue
            prefixes = (
                [prefix]
                if not patterns.has_wildcard(prefix)
                else [
                    p
                    for p in self.view.service_prefixes()
                    if patterns.to_regex(prefix, fold_case=True).match(p)
                ]
            )
            rx = patterns.to_regex(name, fold_case=True)
            for p in prefixes:
                found.update(a.full_name for a in self.view.actions(p) if rx.match(a.name))
        return sorted(found)

    def symbolic(self, actions: _PatternSet) -> list[int]:
        """Indexes of patterns that also stand for actions the catalog does not list yet."""
        if actions.negated:
            return list(range(len(actions.texts))) or [-1]
        out = []
        for i, text in enumerate(actions.texts):
            prefix, _, name = text.partition(":")
            known = (
                self.view is not None
                and not patterns.has_wildcard(text)
                and self.view.action(prefix, name) is not None
            )
            if not known:
                out.append(i)
        return out


def _resource_gap(
    action: tuple[patterns.Token, ...], cand: _Statement, usable: Sequence[_Statement]
) -> str | None:
    """The first candidate resource on which no usable statement grants *action*."""
    with_action = [t for t in usable if t.actions.surely_contains(action)]
    if cand.resources.negated:
        if any(t.resources.surely_includes(cand.resources) for t in with_action):
            return None
        return "everything except " + _more(cand.resources.texts)
    for text, tok in zip(cand.resources.texts, cand.resources.tokens, strict=True):
        if not any(t.resources.surely_contains(tok) for t in with_action):
            return "the resource this policy is attached to" if text == IMPLIED_RESOURCE else text
    return None


def _uncovered_reason(
    cand: _Statement, existing: Sequence[_Statement], cat: _Catalogued
) -> Reason | None:
    allows = [t for t in existing if t.allow]
    usable = [t for t in allows if t.principal_covers(cand) and t.conditions_within(cand)]
    blocked = [t.index for t in allows if t not in usable]
    missing_actions: list[str] = []
    missing_resources: set[str] = set()
    # 1. every catalog action the candidate grants, on every resource it names
    for action in cat.concrete(cand.actions):
        gap = _resource_gap(patterns.tokenize(action, fold_case=True), cand, usable)
        if gap is not None:
            missing_actions.append(action)
            missing_resources.add(gap)
    # 2. the patterns themselves, which also match actions AWS adds later
    future: list[str] = []
    for i in cat.symbolic(cand.actions):
        single = (
            _PatternSet(cand.actions.negated, cand.actions.texts, cand.actions.tokens)
            if i < 0 or cand.actions.negated
            else _PatternSet(False, (cand.actions.texts[i],), (cand.actions.tokens[i],))
        )
        ok = any(
            t.actions.surely_includes(single) and t.resources.surely_includes(cand.resources)
            for t in usable
        )
        if not ok:
            future.append(
                "NotAction " + _more(cand.actions.texts)
                if cand.actions.negated
                else single.texts[0]
            )
        if cand.actions.negated:
            break
    if not missing_actions and not future:
        return None
    parts = []
    if missing_actions:
        parts.append(
            f"grants {_more(missing_actions)} on {_more(sorted(missing_resources))}, "
            "which the existing policy does not grant"
        )
    if future:
        parts.append(
            f"the pattern(s) {_more(future)} may also match actions the existing "
            "policy does not provably grant (including actions AWS adds later)"
        )
    if blocked:
        parts.append(
            "existing statement(s) "
            + ", ".join(str(b) for b in blocked)
            + " could not be used: their conditions or principals are not all present, "
            "identically, in this statement"
        )
    return Reason(
        message=f"Candidate {cand.path} " + "; ".join(parts) + ".",
        statement_index=cand.index,
        path=cand.path,
        actions=tuple(missing_actions[:50]) + tuple(future),
        resources=tuple(sorted(missing_resources)),
    )


def _deny_reasons(existing: Sequence[_Statement], candidate: Sequence[_Statement]) -> list[Reason]:
    reasons = []
    cand_allows = [c for c in candidate if c.allow]
    cand_denies = [c for c in candidate if not c.allow]
    for deny in (e for e in existing if not e.allow):
        repeated = any(
            d.actions.surely_includes(deny.actions)
            and d.resources.surely_includes(deny.resources)
            and d.conditions_within(deny)
            and d.principal_covers(deny)
            for d in cand_denies
        )
        if repeated:
            continue
        overlapping = [
            c
            for c in cand_allows
            if any(c.actions.may_contain(t) for t in _tokens_or_all(deny.actions))
            and any(c.resources.may_contain(t) for t in _tokens_or_all(deny.resources))
        ]
        if overlapping:
            reasons.append(
                Reason(
                    message=(
                        f"Existing {deny.path} denies "
                        f"{'everything except ' if deny.actions.negated else ''}"
                        f"{_more(deny.actions.texts)}; the candidate does not repeat that Deny "
                        "and its statement(s) "
                        + ", ".join(c.path for c in overlapping)
                        + " may allow some of it."
                    ),
                    statement_index=overlapping[0].index,
                    path=overlapping[0].path,
                    actions=deny.actions.texts,
                    resources=deny.resources.texts,
                )
            )
    return reasons


def _tokens_or_all(ps: _PatternSet) -> Iterable[tuple[patterns.Token, ...]]:
    """Patterns standing for the set (a negated set may hold anything: ``*``)."""
    return [patterns.tokenize("*")] if ps.negated else ps.tokens


def check_no_new_access(existing: Any, candidate: Any, catalog: object = None) -> CustomCheckResult:
    """PASS when the candidate policy provably grants nothing the existing one does not.

    *existing* and *candidate* are parsed policy documents; *catalog* (a project ``Catalog``
    or a view) expands action patterns. Without a catalog only pattern inclusion is used,
    which is still sound but fails more often.
    """
    name = "CHECK_NO_NEW_ACCESS"
    try:
        old, new = _parse(existing), _parse(candidate)
    except _Malformed as exc:
        return CustomCheckResult(
            name, Verdict.FAIL, (Reason(f"Cannot analyse the policy: {exc}."),)
        )
    cat = _Catalogued(view_of(catalog))
    reasons = [r for c in new if c.allow if (r := _uncovered_reason(c, old, cat)) is not None]
    reasons.extend(_deny_reasons(old, new))
    return CustomCheckResult(name, Verdict.FAIL if reasons else Verdict.PASS, tuple(reasons))


def check_access_not_granted(
    policy: Any,
    actions: Sequence[str] = (),
    resources: Sequence[str] = (),
    catalog: object = None,
) -> CustomCheckResult:
    """PASS when the policy provably grants none of *actions* on any of *resources*.

    No actions means any action; no resources means any resource (Access Analyzer's reading).
    An Allow that may match FAILs even when it is conditional: a condition can be met.
    """
    del catalog  # pattern overlap decides; the catalog adds nothing to this proof
    name = "CHECK_ACCESS_NOT_GRANTED"
    try:
        parsed = _parse(policy)
    except _Malformed as exc:
        return CustomCheckResult(
            name, Verdict.FAIL, (Reason(f"Cannot analyse the policy: {exc}."),)
        )
    wanted_actions = list(actions) or ["*"]
    wanted_resources = list(resources) or ["*"]
    denies = [s for s in parsed if not s.allow and not s.conditions]
    reasons = []
    for st in (s for s in parsed if s.allow):
        hit_actions: list[str] = []
        hit_resources: set[str] = set()
        for action in wanted_actions:
            a_tok = patterns.tokenize(action, fold_case=True)
            if not st.actions.may_contain(a_tok):
                continue
            for resource in wanted_resources:
                r_tok = patterns.tokenize(resource)
                if not st.resources.may_contain(r_tok):
                    continue
                denied = any(
                    d.actions.surely_contains(a_tok)
                    and d.resources.surely_contains(r_tok)
                    and d.principal_covers(st)
                    for d in denies
                )
                if not denied:
                    if action not in hit_actions:
                        hit_actions.append(action)
                    hit_resources.add(resource)
        if hit_actions:
            cond = " (under its conditions)" if st.conditions else ""
            reasons.append(
                Reason(
                    message=(
                        f"{st.path} may grant {_more(hit_actions)} on "
                        f"{_more(sorted(hit_resources))}{cond}."
                    ),
                    statement_index=st.index,
                    path=st.path,
                    actions=tuple(hit_actions),
                    resources=tuple(sorted(hit_resources)),
                )
            )
    return CustomCheckResult(name, Verdict.FAIL if reasons else Verdict.PASS, tuple(reasons))
