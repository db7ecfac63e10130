"""Lookups, wildcard expansion and ARN matching over the real catalog."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.catalog import ArnFormat, Catalog


def test_lookup_is_case_insensitive_and_canonical(catalog: Catalog) -> None:
    """Any spelling finds the action; the answer has the reference's spelling."""
    for spelling in ("s3:getobject", "S3:GETOBJECT", "s3:GetObject"):
        action = catalog.action(spelling)
        assert action is not None
        assert action.full_name == "s3:GetObject"
    assert catalog.canonical("LAMBDA:invokefunction") == "lambda:InvokeFunction"
    assert catalog.canonical("apigateway:get") == "apigateway:GET"


def test_unknown_names(catalog: Catalog) -> None:
    """Unknown services, unknown actions and names without a colon give None / False."""
    assert catalog.action("s3:NoSuchThing") is None
    assert catalog.action("nosuchservice:GetObject") is None
    assert catalog.action("GetObject") is None
    assert catalog.access_level("s3:NoSuchThing") is None
    assert not catalog.supports_resource_level("s3:NoSuchThing")
    assert catalog.resource_types("s3:NoSuchThing") == ()


def test_access_levels(catalog: Catalog) -> None:
    """Access levels come straight from the reference (``Read``, ``Write``, ``List``, …)."""
    assert catalog.access_level("s3:GetObject") == "Read"
    assert catalog.access_level("s3:PutObject") == "Write"
    assert catalog.access_level("s3:ListBucket") == "List"
    # The reference lists two levels for some actions; the text is kept as published.
    assert "Permissions management" in (catalog.access_level("iam:PutRolePolicy") or "")
    assert "Tagging" in (catalog.access_level("ec2:CreateTags") or "")


def test_resource_types_and_formats(catalog: Catalog) -> None:
    """An action lists its resource types with their ARN formats and required flags."""
    types = {
        use.name: (use.required, rtype.arn.template)
        for use, rtype in catalog.resource_types("s3:GetObject")
    }
    assert types["object"] == (False, "arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    assert "arn:${Partition}:s3:::${BucketName}" in catalog.arn_formats("s3:ListBucket")
    assert catalog.arn_formats("s3:ListAllMyBuckets") == ()
    assert not catalog.supports_resource_level("s3:ListAllMyBuckets")
    assert catalog.supports_resource_level("iam:PassRole")
    assert catalog.arn_formats("iam:PassRole") == (
        "arn:${Partition}:iam::${Account}:role/${RoleNameWithPath}",
    )


def test_expand_prefix_wildcards(catalog: Catalog) -> None:
    """``s3:Get*`` yields only s3 actions starting with Get, sorted, canonical."""
    names = [a.full_name for a in catalog.expand("s3:Get*")]
    assert "s3:GetObject" in names
    assert all(n.startswith("s3:Get") for n in names)
    assert names == sorted(names, key=str.lower)
    assert [a.full_name for a in catalog.expand("S3:get*")] == names


def test_expand_question_mark_and_star(catalog: Catalog) -> None:
    """``?`` is one character, ``*`` is everything, ``s3:*`` is the whole service."""
    assert [a.full_name for a in catalog.expand("s3:?etObject")] == ["s3:GetObject"]
    assert len(catalog.expand("*")) == catalog.action_count
    assert len(catalog.expand("s3:*")) == len(catalog.services["s3"].actions)
    assert {a.service for a in catalog.expand("*:ListTagsForResource")} >= {"s3express", "rds"}
    assert catalog.expand("s3:[G]etObject") == ()  # brackets are literal in IAM
    assert catalog.expand("GetObject") == ()


def test_arn_format_matching() -> None:
    """Variables match their segment; bucket names never contain a slash; ``*`` is a wildcard."""
    bucket = ArnFormat.compile("arn:${Partition}:s3:::${BucketName}")
    obj = ArnFormat.compile("arn:${Partition}:s3:::${BucketName}/${ObjectName}")
    assert bucket.matches("arn:aws:s3:::my-bucket")
    assert not bucket.matches("arn:aws:s3:::my-bucket/key")
    assert obj.matches("arn:aws-us-gov:s3:::my-bucket/a/b/c.txt")
    assert not obj.matches("arn:aws:s3:::my-bucket")
    assert obj.variables == ("Partition", "BucketName", "ObjectName")
    assert obj.specificity > bucket.specificity
    star = ArnFormat.compile("arn:${Partition}:dms:${Region}:${Account}:cert:*")
    assert star.matches("arn:aws:dms:us-east-1:111122223333:cert:ABC")
    log = ArnFormat.compile("arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}")
    assert log.matches("arn:aws:logs:eu-west-1:111122223333:log-group:/aws/lambda/fn")
    assert not log.matches("arn:aws:logs:eu-west-1:111122223333:log-stream:x")
    assert not bucket.matches("arn:notapartition:s3:::b")


def test_match_and_classify(catalog: Catalog) -> None:
    """match_arn keeps the action's types the ARN fits; classify_arn picks the most specific."""
    assert [t.name for t in catalog.match_arn("s3:GetObject", "arn:aws:s3:::b/k")] == ["object"]
    assert catalog.match_arn("s3:GetObject", "arn:aws:s3:::b") == ()
    assert [t.name for t in catalog.match_arn("s3:ListBucket", "arn:aws:s3:::b")] == ["bucket"]
    assert [(t.service, t.name) for t in catalog.classify_arn("arn:aws:s3:::b/k")] == [
        ("s3", "object")
    ]
    assert ("lambda", "function") in {
        (t.service, t.name)
        for t in catalog.classify_arn("arn:aws:lambda:us-east-1:111122223333:function:fn")
    }
    assert catalog.classify_arn("not-an-arn") == ()


def test_every_format_compiles_and_matches_its_own_example(catalog: Catalog) -> None:
    """Filling every variable with a plausible value yields an ARN its own format accepts."""
    fill = {"Partition": "aws", "Region": "us-east-1", "Account": "111122223333"}
    for service in catalog.services.values():
        for rtype in service.resource_types.values():
            example = re.sub(
                r"\$\{([A-Za-z0-9_]+)\}", lambda m: fill.get(m.group(1), "x1"), rtype.arn.template
            )
            assert rtype.arn.matches(example), (service.prefix, rtype.name, rtype.arn.template)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["s3", "ec2", "iam", "lambda", "kms"]),
    st.text("abcdefghijklmnopqrstuvwxyz*?", min_size=1, max_size=6),
)
def test_expand_agrees_with_regex(catalog: Catalog, prefix: str, pattern: str) -> None:
    """Expansion equals a brute-force glob over the service's actions, for random patterns."""
    regex = re.compile(pattern.replace("?", ".").replace("*", ".*"), re.IGNORECASE)
    expected = sorted(
        a.full_name for a in catalog.services[prefix].actions.values() if regex.fullmatch(a.name)
    )
    got = sorted(a.full_name for a in catalog.expand(f"{prefix}:{pattern}"))
    assert got == expected


@pytest.mark.parametrize(
    "name", ["s3:GetObject", "kms:ReEncryptFrom", "ssmmessages:OpenControlChannel"]
)
def test_actions_iterator_contains(catalog: Catalog, name: str) -> None:
    """Iterating the catalog yields every action exactly once."""
    names = [a.full_name for a in catalog.actions()]
    assert name in names
    assert len(names) == len(set(names)) == catalog.action_count


def test_a_resource_type_with_several_arn_formats_matches_each(catalog: Catalog) -> None:
    """The reference lists two formats for API Gateway ``deployments`` in one string: each
    matches, and the collection is not mistaken for a REST API id."""
    deployments = catalog.resource_type("apigateway", "deployments")
    assert deployments is not None
    assert len(deployments.arn.alternatives) == 2
    assert deployments.arn.matches("arn:aws:apigateway:us-east-1::/restapis/abc/deployments")
    assert deployments.arn.matches("arn:aws:apigateway:us-east-1::/apis/abc/deployments")
    assert not deployments.arn.matches("arn:aws:apigateway:us-east-1::/restapis/abc")
    assert all(", arn:" not in t for t in catalog.arn_formats("apigateway:POST"))


def test_expand_of_a_plain_name_is_that_action(catalog: Catalog) -> None:
    """A name without wildcards expands to its own action, in any case; else to nothing."""
    for action in catalog.actions():
        assert catalog.expand(action.full_name.swapcase()) == (action,)
    assert catalog.expand("s3:NoSuchAction") == ()
    assert catalog.expand("nosuchservice:GetObject") == ()
    assert catalog.expand("s3:Get:Object") == ()
