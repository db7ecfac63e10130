"""Splitting: documents within the quota, oversized statements cut, quota notes."""

from __future__ import annotations

import itertools

import pytest

from policygen_batch.synth import (
    MANAGED_POLICY_QUOTA,
    USER_INLINE_QUOTA,
    PolicyTarget,
    SplitOptions,
    Statement,
    SynthError,
)
from policygen_batch.synth.split import fit_statement, pack, split_policy
from tests.synth.support import ACCOUNT, ROLE, USER, allows

BUCKET = "arn:aws:s3:::a-bucket-with-a-reasonably-long-name"


def _objects(n: int) -> list[str]:
    return [f"{BUCKET}/some/deep/prefix/object-{i:04d}.json" for i in range(n)]


def test_small_policy_is_one_document() -> None:
    """What fits stays together in one document."""
    stmts = [Statement.of(["s3:GetObject"], _objects(3)), Statement.of(["ec2:DescribeVpcs"], "*")]
    result = split_policy(ROLE, stmts, SplitOptions())
    assert len(result.documents) == 1
    assert result.notes == ()


def test_oversized_statement_is_cut_by_resources_and_still_covers_all() -> None:
    """300 objects do not fit one managed policy: several documents, each under the quota."""
    objects = _objects(300)
    stmt = Statement.of(["s3:GetObject", "s3:PutObject"], objects)
    result = split_policy(ROLE, [stmt], SplitOptions())
    assert len(result.documents) > 1
    assert all(d.size <= MANAGED_POLICY_QUOTA for d in result.documents)
    for action, obj in itertools.product(stmt.actions, objects):
        assert allows(result.documents, action, obj)
    sids = [st.sid for d in result.documents for st in d.statements]
    assert len(sids) == len(set(sids))


def test_statement_with_too_many_actions_is_cut_by_actions_first() -> None:
    """When even one resource with all actions is too big, actions are split too."""
    actions = [f"ec2:SomeRatherLongActionNameNumber{i:03d}" for i in range(120)]
    resources = [f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-{i:017x}" for i in range(40)]
    stmt = Statement.of(actions, resources)
    pieces = fit_statement(stmt, 1500)
    assert all(p.size <= 1500 for p in pieces)
    pairs = {(a, r) for p in pieces for a in p.actions for r in p.resources}
    assert pairs == set(itertools.product(actions, resources))


def test_first_fit_is_deterministic_and_within_quota() -> None:
    """Packing the same statements twice, in any order, gives the same documents."""
    stmts = [Statement.of([f"s3:Get{c}"], _objects(8 + i)) for i, c in enumerate("ABCDEFGHIJ")]
    one = pack(stmts, 2000)
    two = pack(list(reversed(stmts)), 2000)
    assert [d.to_bytes() for d in one] == [d.to_bytes() for d in two]
    assert all(d.size <= 2000 for d in one)


def test_inline_target_uses_the_principal_kind_and_reports_overflow() -> None:
    """A user's inline quota is 2,048 in total: documents fit it, and the overflow is noted."""
    options = SplitOptions(target=PolicyTarget.INLINE)
    assert options.quota_for(USER) == USER_INLINE_QUOTA
    assert options.quota_for(ROLE) == 10_240
    result = split_policy(USER, [Statement.of(["s3:GetObject"], _objects(60))], options)
    assert len(result.documents) > 1
    assert all(d.size <= USER_INLINE_QUOTA for d in result.documents)
    assert "aggregate inline quota" in result.notes[0]


def test_too_many_managed_policies_are_noted() -> None:
    """More documents than can be attached to one principal is said, not hidden."""
    options = SplitOptions(managed_quota=600, max_managed_policies=2)
    result = split_policy(ROLE, [Statement.of(["s3:GetObject"], _objects(40))], options)
    assert len(result.documents) > 2
    assert "exceed the 2 that can be attached" in result.notes[0]


def test_a_single_pair_larger_than_the_quota_is_an_error() -> None:
    """One action on one resource that cannot fit any document is refused with its name."""
    huge = f"{BUCKET}/{'k' * 700}"
    with pytest.raises(SynthError, match="exceed"):
        split_policy(
            ROLE, [Statement.of(["s3:GetObject"], [huge])], SplitOptions(managed_quota=500)
        )


def test_quota_must_leave_room_for_statements() -> None:
    """A quota smaller than an empty document is refused."""
    with pytest.raises(SynthError):
        SplitOptions(managed_quota=10)


def test_no_statements_no_documents() -> None:
    """Nothing to grant gives no document (IAM rejects an empty statement list)."""
    assert split_policy(ROLE, [], SplitOptions()).documents == ()
