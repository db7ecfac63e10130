"""Custom checks: examples, soundness corner cases, and hypothesis properties."""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policygen_batch.validate.catalog_view import CatalogView
from policygen_batch.validate.custom import (
    Verdict,
    check_access_not_granted,
    check_no_new_access,
)

V = "2012-10-17"


def P(*statements: dict[str, Any]) -> dict[str, Any]:
    """A policy of the statements."""
    return {"Version": V, "Statement": list(statements)}


def A(action: Any, resource: Any = "*", **kw: Any) -> dict[str, Any]:
    """An Allow statement."""
    return {"Effect": "Allow", "Action": action, "Resource": resource, **kw}


def D(action: Any, resource: Any = "*", **kw: Any) -> dict[str, Any]:
    """A Deny statement."""
    return {"Effect": "Deny", "Action": action, "Resource": resource, **kw}


READ = P(
    A(["s3:GetObject", "s3:ListBucket"], ["arn:aws:s3:::b", "arn:aws:s3:::b/*"]),
    D("s3:GetObject", "arn:aws:s3:::b/secret/*"),
)


def test_identical_policies_pass(catalog: CatalogView) -> None:
    """A policy grants no new access compared with itself."""
    assert check_no_new_access(READ, READ, catalog).result is Verdict.PASS


def test_narrower_candidate_passes(catalog: CatalogView) -> None:
    """Fewer actions on narrower resources, with the Deny kept, pass."""
    cand = P(
        A("s3:GetObject", "arn:aws:s3:::b/public/*"), D("s3:GetObject", "arn:aws:s3:::b/secret/*")
    )
    assert check_no_new_access(READ, cand, catalog).passed


def test_new_action_fails_and_names_it(catalog: CatalogView) -> None:
    """An action the existing policy lacks fails, naming the statement and the action."""
    cand = P(A(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b/public/*"))
    result = check_no_new_access(READ, cand, catalog)
    assert result.result is Verdict.FAIL
    assert any("s3:PutObject" in r.actions for r in result.reasons)
    assert result.reasons[0].path == "Statement[0]"


def test_dropping_an_existing_deny_fails(catalog: CatalogView) -> None:
    """Without the existing Deny, the candidate may grant what was denied."""
    cand = P(A("s3:GetObject", "arn:aws:s3:::b/*"))
    result = check_no_new_access(READ, cand, catalog)
    assert not result.passed
    assert any("denies" in r.message for r in result.reasons)


def test_existing_conditions_cannot_be_dropped(catalog: CatalogView) -> None:
    """A grant that was conditional in the existing policy may not become unconditional."""
    cond = {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
    existing = P(A("s3:GetObject", "*", Condition=cond))
    assert not check_no_new_access(existing, P(A("s3:GetObject")), catalog).passed
    assert check_no_new_access(existing, P(A("s3:GetObject", "*", Condition=cond)), catalog).passed


def test_candidate_conditions_only_narrow(catalog: CatalogView) -> None:
    """Adding a condition to the candidate never adds access."""
    cand = P(A("s3:GetObject", "*", Condition={"StringEquals": {"aws:SourceVpc": "vpc-1"}}))
    assert check_no_new_access(P(A("s3:GetObject")), cand, catalog).passed


def test_wildcard_candidate_needs_a_covering_pattern(catalog: CatalogView) -> None:
    """``s3:Get*`` is not proven by listing today's Get actions: AWS may add more."""
    today = [a.full_name for a in catalog.actions("s3") if a.name.startswith("Get")]
    result = check_no_new_access(P(A(today)), P(A("s3:Get*")), catalog)
    assert not result.passed
    assert "later" in result.reasons[0].message
    assert check_no_new_access(P(A("s3:*")), P(A("s3:Get*")), catalog).passed


def test_not_action_candidate(catalog: CatalogView) -> None:
    """NotAction passes against ``*`` and against a NotAction that excludes less."""
    narrower = P({"Effect": "Allow", "NotAction": ["iam:*", "s3:*"], "Resource": "*"})
    broader = P({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert check_no_new_access(P(A("*")), broader, catalog).passed
    assert check_no_new_access(broader, narrower, catalog).passed
    assert not check_no_new_access(narrower, broader, catalog).passed


def test_not_resource_is_compared_or_fails(catalog: CatalogView) -> None:
    """NotResource in the candidate is covered only by ``*`` or a NotResource excluding less."""
    cand = P({"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::b/*"})
    assert check_no_new_access(P(A("s3:GetObject")), cand, catalog).passed
    assert not check_no_new_access(P(A("s3:GetObject", "arn:aws:s3:::c/*")), cand, catalog).passed


def test_policy_variables_are_not_wildcards_in_the_existing_policy(catalog: CatalogView) -> None:
    """``user/${aws:username}`` grants one's own user only, so ``user/*`` is new access."""
    own = P(A("iam:GetUser", "arn:aws:iam::123456789012:user/${aws:username}"))
    every = P(A("iam:GetUser", "arn:aws:iam::123456789012:user/*"))
    assert not check_no_new_access(own, every, catalog).passed
    assert check_no_new_access(every, own, catalog).passed
    assert check_no_new_access(own, own, catalog).passed


def test_malformed_policy_fails_with_reason(catalog: CatalogView) -> None:
    """A policy that cannot be read is never PASS."""
    result = check_no_new_access(READ, {"Statement": [{"Effect": "Maybe"}]}, catalog)
    assert not result.passed
    assert "Cannot analyse" in result.reasons[0].message


def test_trust_policies_compare_principals(catalog: CatalogView) -> None:
    """A trust policy that adds a principal fails; the same principals pass."""

    def trust(*principals: str) -> dict[str, Any]:
        stmt = {
            "Effect": "Allow",
            "Principal": {"AWS": list(principals)},
            "Action": "sts:AssumeRole",
        }
        return P(stmt)

    one = trust("arn:aws:iam::111111111111:root")
    two = trust("arn:aws:iam::111111111111:root", "arn:aws:iam::222222222222:root")
    assert check_no_new_access(two, one, catalog).passed
    assert not check_no_new_access(one, two, catalog).passed


def test_access_not_granted(catalog: CatalogView) -> None:
    """PASS when nothing grants the action; a Deny that surely covers it also passes."""
    assert check_access_not_granted(READ, ["s3:PutObject"], []).passed
    assert check_access_not_granted(READ, ["s3:GetObject"], ["arn:aws:s3:::b/secret/x"]).passed
    result = check_access_not_granted(READ, ["s3:GetObject"], ["arn:aws:s3:::b/x"])
    assert not result.passed and result.reasons[0].actions == ("s3:GetObject",)
    assert not check_access_not_granted(READ, [], ["arn:aws:s3:::b"]).passed


def test_access_not_granted_is_conservative_with_conditions_and_not_action() -> None:
    """A conditional Allow or a NotAction that does not exclude the action FAILs."""
    cond = P(A("s3:PutObject", "*", Condition={"Bool": {"aws:SecureTransport": "true"}}))
    result = check_access_not_granted(cond, ["s3:PutObject"])
    assert not result.passed and "conditions" in result.reasons[0].message
    notact = P({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})
    assert not check_access_not_granted(notact, ["s3:PutObject"]).passed
    assert check_access_not_granted(notact, ["iam:PassRole"]).passed
    conditional_deny = P(A("s3:*"), D("s3:PutObject", "*", Condition={"Bool": {"aws:X": "1"}}))
    assert not check_access_not_granted(conditional_deny, ["s3:PutObject"]).passed


# --- properties --------------------------------------------------------------------------

ACTIONS = [
    "s3:GetObject",
    "s3:PutObject",
    "s3:ListBucket",
    "s3:Get*",
    "ec2:DescribeInstances",
    "ec2:Describe*",
    "iam:GetRole",
    "sqs:SendMessage",
    "dynamodb:GetItem",
    "kms:Decrypt",
]
RESOURCES = [
    "*",
    "arn:aws:s3:::b",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/logs/*",
    "arn:aws:s3:::b/logs/2024/x",
    "arn:aws:iam::123456789012:role/*",
    "arn:aws:iam::123456789012:role/app",
    "arn:aws:sqs:us-east-1:123456789012:q",
]
CONDITIONS = [
    None,
    {"Bool": {"aws:SecureTransport": "true"}},
    {"StringEquals": {"aws:SourceVpc": ["vpc-1", "vpc-2"]}},
]

statement_st = st.builds(
    lambda effect, actions, resources, cond: {
        "Effect": effect,
        "Action": actions,
        "Resource": resources,
        **({"Condition": copy.deepcopy(cond)} if cond else {}),  # no shared dicts
    },
    st.sampled_from(["Allow", "Allow", "Allow", "Deny"]),
    st.lists(st.sampled_from(ACTIONS), min_size=1, max_size=4, unique=True),
    st.lists(st.sampled_from(RESOURCES), min_size=1, max_size=3, unique=True),
    st.sampled_from(CONDITIONS),
)
policy_st = st.lists(statement_st, min_size=1, max_size=4).map(lambda s: P(*s))
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(policy=policy_st)
def test_property_policy_grants_nothing_new_against_itself(
    catalog: CatalogView, policy: dict[str, Any]
) -> None:
    """Every policy passes check-no-new-access against itself."""
    assert check_no_new_access(policy, policy, catalog).passed


@FAST
@given(policy=policy_st, data=st.data())
def test_property_removing_actions_never_adds_access(
    catalog: CatalogView, policy: dict[str, Any], data: st.DataObject
) -> None:
    """Dropping actions from Allow statements (or whole Allow statements) passes."""
    cand = copy.deepcopy(policy)
    kept = []
    for stmt in cand["Statement"]:
        if stmt["Effect"] == "Allow":
            if data.draw(st.booleans()):
                continue  # drop the whole statement
            n = data.draw(st.integers(1, len(stmt["Action"])))
            stmt["Action"] = stmt["Action"][:n]
        kept.append(stmt)
    if not kept:
        return
    cand["Statement"] = kept
    assert check_no_new_access(policy, cand, catalog).passed


NARROWER = {
    "*": ["arn:aws:s3:::b", "arn:aws:iam::123456789012:role/app"],
    "arn:aws:s3:::b/*": ["arn:aws:s3:::b/logs/*", "arn:aws:s3:::b/logs/2024/x"],
    "arn:aws:s3:::b/logs/*": ["arn:aws:s3:::b/logs/2024/x"],
    "arn:aws:iam::123456789012:role/*": ["arn:aws:iam::123456789012:role/app"],
}


@FAST
@given(policy=policy_st, data=st.data())
def test_property_narrowing_resources_never_adds_access(
    catalog: CatalogView, policy: dict[str, Any], data: st.DataObject
) -> None:
    """Replacing Allow resources by narrower ones (or adding conditions) passes."""
    cand = copy.deepcopy(policy)
    for stmt in cand["Statement"]:
        if stmt["Effect"] != "Allow":
            continue
        stmt["Resource"] = [
            data.draw(st.sampled_from(NARROWER[r])) if r in NARROWER else r
            for r in stmt["Resource"]
        ]
        if data.draw(st.booleans()):
            stmt.setdefault("Condition", {}).setdefault("StringEquals", {})[
                "aws:PrincipalTag/x"
            ] = "y"
    assert check_no_new_access(policy, cand, catalog).passed


UNRELATED = ["lambda:InvokeFunction", "sns:Publish", "logs:PutLogEvents", "ssm:GetParameter"]


@FAST
@given(policy=policy_st, extra=st.sampled_from(UNRELATED), where=st.sampled_from(RESOURCES))
def test_property_adding_an_unrelated_action_fails(
    catalog: CatalogView, policy: dict[str, Any], extra: str, where: str
) -> None:
    """An action that no existing statement grants makes the candidate FAIL."""
    cand = copy.deepcopy(policy)
    cand["Statement"].append(A(extra, where))
    result = check_no_new_access(policy, cand, catalog)
    assert result.result is Verdict.FAIL
    assert any(extra in r.actions for r in result.reasons)


@FAST
@given(policy=policy_st, action=st.sampled_from(ACTIONS + UNRELATED))
def test_property_access_not_granted_agrees_with_no_new_access(
    catalog: CatalogView, policy: dict[str, Any], action: str
) -> None:
    """If a policy provably does not grant an action, granting it is new access."""
    if check_access_not_granted(policy, [action], ["*"]).passed:
        assert not check_no_new_access(policy, P(A(action)), catalog).passed
