"""Fit a principal's statements into documents within IAM's size quotas, deterministically.

IAM counts a policy's characters without whitespace: 6,144 for a managed policy; for
inline policies 10,240 (role) and 2,048 (user) — the *aggregate* of all a principal's
inline policies, so splitting does not help there and an overflow is reported instead.

The steps:

1. a statement larger than what one document can hold is cut: by resources when each
   resource fits with all the actions, otherwise by actions first and then by resources
   (every piece is a product of an action subset and a resource subset, so together the
   pieces allow exactly what the statement did);
2. the statements, in their sorted order, are packed first-fit into documents.

Sizes are exact sums over the compact JSON (a document is its overhead plus its
statements plus one comma between each two), so no serialising happens in the loop.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from policygen_batch.synth.document import (
    DOCUMENT_OVERHEAD,
    PolicyDocument,
    Statement,
    SynthError,
    compact_len,
    iam_resource_text,
)

#: Characters (whitespace not counted) of one customer managed policy.
MANAGED_POLICY_QUOTA: Final = 6_144
#: Characters of all inline policies of one role together.
ROLE_INLINE_QUOTA: Final = 10_240
#: Characters of all inline policies of one user together.
USER_INLINE_QUOTA: Final = 2_048
#: Managed policies that can be attached to one role or user (default quota; raisable to 20).
MANAGED_POLICIES_PER_PRINCIPAL: Final = 10


class PolicyTarget(StrEnum):
    """Where the documents will go: managed policies (default) or inline policies."""

    MANAGED = "managed"
    INLINE = "inline"


@dataclass(frozen=True, slots=True)
class SplitOptions:
    """Size quotas to split against; defaults are IAM's default quotas."""

    target: PolicyTarget = PolicyTarget.MANAGED
    managed_quota: int = MANAGED_POLICY_QUOTA
    role_inline_quota: int = ROLE_INLINE_QUOTA
    user_inline_quota: int = USER_INLINE_QUOTA
    max_managed_policies: int = MANAGED_POLICIES_PER_PRINCIPAL

    def __post_init__(self) -> None:
        for name in ("managed_quota", "role_inline_quota", "user_inline_quota"):
            if getattr(self, name) <= DOCUMENT_OVERHEAD:
                raise SynthError(f"{name} must be larger than {DOCUMENT_OVERHEAD} characters")

    def quota_for(self, principal_arn: str) -> int:
        """The per-document quota for *principal_arn* (a user's inline quota for ``:user/``)."""
        if self.target is PolicyTarget.MANAGED:
            return self.managed_quota
        if ":user/" in principal_arn:
            return self.user_inline_quota
        return self.role_inline_quota


@dataclass(frozen=True, slots=True)
class SplitResult:
    """The documents of one principal, and why they may still not be attachable as they are."""

    documents: tuple[PolicyDocument, ...]
    notes: tuple[str, ...] = ()


def _items_len(items: Sequence[str], text: Callable[[str], str]) -> list[int]:
    """Compact-JSON length of each item as a list element (its comma excluded)."""
    return [compact_len(text(item)) for item in items]


def _same(item: str) -> str:
    return item


def _chunks(lengths: Sequence[int], fixed: int, budget: int) -> list[tuple[int, int]]:
    """Consecutive ``[start, end)`` runs whose list (plus *fixed*) stays within *budget*."""
    runs: list[tuple[int, int]] = []
    start, used = 0, 0
    for i, n in enumerate(lengths):
        extra = n if i == start else n + 1
        if i > start and fixed + used + extra > budget:
            runs.append((start, i))
            start, used = i, n
        else:
            used += extra
    runs.append((start, len(lengths)))
    return runs


def fit_statement(stmt: Statement, budget: int) -> list[Statement]:
    """*stmt* cut into pieces of at most *budget* characters each (itself when it fits)."""
    if stmt.size <= budget:
        return [stmt]
    act_len = _items_len(stmt.actions, _same)
    res_len = _items_len(stmt.resources, iam_resource_text)
    # Size with empty lists is the statement minus both lists' contents.
    empty = stmt.size - (sum(act_len) + len(act_len) - 1) - (sum(res_len) + len(res_len) - 1)
    if empty + sum(act_len) + len(act_len) - 1 + max(res_len) <= budget:
        action_runs = [(0, len(act_len))]
    else:
        action_runs = _chunks(act_len, empty + max(res_len), budget)
    pieces: list[Statement] = []
    for a_start, a_end in action_runs:
        actions = stmt.actions[a_start:a_end]
        fixed = empty + sum(act_len[a_start:a_end]) + (a_end - a_start - 1)
        for r_start, r_end in _chunks(res_len, fixed, budget):
            piece = Statement.of(actions, stmt.resources[r_start:r_end])
            if piece.size > budget:
                raise SynthError(
                    f"one action and one resource of {stmt.service} ({actions[0]} on "
                    f"{stmt.resources[r_start][:80]}…) exceed the {budget}-character budget"
                )
            pieces.append(piece)
    return pieces


def pack(statements: Sequence[Statement], quota: int) -> tuple[PolicyDocument, ...]:
    """Sorted *statements* (cut where needed) packed first-fit into documents ≤ *quota*."""
    budget = quota - DOCUMENT_OVERHEAD
    bins: list[list[Statement]] = []
    used: list[int] = []
    for stmt in sorted(statements, key=lambda s: s.sort_key):
        for piece in fit_statement(stmt, budget):
            size = piece.size
            for i, load in enumerate(used):
                if load + 1 + size <= budget:
                    bins[i].append(piece)
                    used[i] = load + 1 + size
                    break
            else:
                bins.append([piece])
                used.append(size)
    documents = tuple(PolicyDocument.of(b) for b in bins)
    for doc in documents:
        if doc.size > quota:  # a bug in the arithmetic above, never the input's fault
            raise SynthError(f"document of {doc.size} characters exceeds the quota {quota}")
    return documents


def split_policy(
    principal_arn: str, statements: Sequence[Statement], options: SplitOptions
) -> SplitResult:
    """The documents for *principal_arn*, each within its quota, and quota notes."""
    if not statements:
        return SplitResult(())
    quota = options.quota_for(principal_arn)
    documents = pack(statements, quota)
    notes: list[str] = []
    if options.target is PolicyTarget.INLINE and len(documents) > 1:
        total = sum(d.size for d in documents)
        notes.append(
            f"inline policies total {total} characters in {len(documents)} documents, over "
            f"the {quota}-character aggregate inline quota of this principal: attach them "
            "as managed policies instead"
        )
    elif options.target is PolicyTarget.MANAGED and len(documents) > options.max_managed_policies:
        notes.append(
            f"{len(documents)} managed policies exceed the {options.max_managed_policies} "
            "that can be attached to one principal: raise the quota or generalise more"
        )
    return SplitResult(documents, tuple(notes))
