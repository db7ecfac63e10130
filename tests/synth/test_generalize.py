"""Generalisation: S3 keys by directory inside one bucket, other ARNs inside one container."""

from __future__ import annotations

import polars as pl
import pytest

from policygen_batch import schema as s
from policygen_batch.synth import GeneralizationKind, GeneralizeOptions, SynthError
from policygen_batch.synth.generalize import common_prefix, generalize, s3_key_patterns
from tests.synth.support import ACCOUNT, OTHER, ROLE


def _rows(action: str, resources: list[str], principal: str = ROLE) -> pl.DataFrame:
    return pl.DataFrame(
        {
            s.PRINCIPAL_ARN: [principal] * len(resources),
            s.ACTION: [action] * len(resources),
            s.RESOURCE: resources,
        }
    )


def _resources(frame: pl.DataFrame) -> list[str]:
    return sorted(frame.get_column(s.RESOURCE).to_list())


def test_common_prefix() -> None:
    """Character-wise longest common prefix, empty for no texts."""
    assert common_prefix(["app-a", "app-b", "apple"]) == "app"
    assert common_prefix([]) == ""
    assert common_prefix(["x"]) == "x"


def test_s3_keys_collapse_to_common_directory() -> None:
    """With one prefix allowed, keys go to their longest common directory + *."""
    keys = ["in/2024/05/a.csv", "in/2024/06/b.csv", "in/2024/c.csv"]
    assert set(s3_key_patterns(keys, 1).values()) == {"in/2024/*"}
    assert set(s3_key_patterns(["a.csv", "dir/b.csv"], 1).values()) == {"*"}


def test_s3_keys_keep_several_directories_when_allowed() -> None:
    """With more prefixes allowed, the deepest level that fits is kept."""
    keys = [f"in/{d}/{n}.csv" for d in ("x", "y") for n in range(5)]
    assert set(s3_key_patterns(keys, 2).values()) == {"in/x/*", "in/y/*"}
    assert set(s3_key_patterns(keys, 1).values()) == {"in/*"}


def test_s3_over_threshold_collapses_per_bucket_and_records_it() -> None:
    """Many keys in two buckets become one pattern per bucket, never one across them."""
    res = [f"arn:aws:s3:::lake-raw/landing/p{n:02d}.parquet" for n in range(5)]
    res += [f"arn:aws:s3:::lake-cur/t/{n}.parquet" for n in range(5)]
    res += ["arn:aws:s3:::other/only.txt"]
    out, found = generalize(_rows("s3:GetObject", res), GeneralizeOptions(s3_key_threshold=4))
    assert _resources(out) == [
        "arn:aws:s3:::lake-cur/t/*",
        "arn:aws:s3:::lake-raw/landing/*",
        "arn:aws:s3:::other/only.txt",
    ]
    assert [(g.pattern, g.replaced, g.kind) for g in found] == [
        ("arn:aws:s3:::lake-cur/t/*", 5, GeneralizationKind.S3_KEY_PREFIX),
        ("arn:aws:s3:::lake-raw/landing/*", 5, GeneralizationKind.S3_KEY_PREFIX),
    ]
    assert found[0].examples[0] == "arn:aws:s3:::lake-cur/t/0.parquet"
    assert "5 resources generalised to arn:aws:s3:::lake-cur/t/*" in found[0].describe()


def test_buckets_never_collapse() -> None:
    """Bucket ARNs stay as they are, however many there are."""
    res = [f"arn:aws:s3:::bucket-{n}" for n in range(30)]
    out, found = generalize(_rows("s3:ListBucket", res), GeneralizeOptions(arn_threshold=2))
    assert _resources(out) == sorted(res)
    assert found == ()


def test_under_threshold_nothing_changes() -> None:
    """At the threshold exactly, resources stay literal."""
    res = [f"arn:aws:s3:::b/k{n}" for n in range(4)]
    out, found = generalize(_rows("s3:GetObject", res), GeneralizeOptions(s3_key_threshold=4))
    assert _resources(out) == res
    assert found == ()


def test_other_arns_collapse_inside_account_region_and_parent() -> None:
    """SSM parameters collapse by id prefix inside one parent path and one account."""
    mine = [f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/db-{n}" for n in range(4)]
    theirs = [f"arn:aws:ssm:us-east-1:{OTHER}:parameter/app/db-{n}" for n in range(4)]
    deeper = [f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/x/{n}" for n in range(2)]
    out, found = generalize(
        _rows("ssm:GetParameter", mine + theirs + deeper), GeneralizeOptions(arn_threshold=3)
    )
    assert _resources(out) == sorted(
        [
            f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/db-*",
            f"arn:aws:ssm:us-east-1:{OTHER}:parameter/app/db-*",
            *deeper,
        ]
    )
    assert {g.kind for g in found} == {GeneralizationKind.RESOURCE_ID_PREFIX}


def test_ids_without_common_prefix_become_the_container() -> None:
    """Queue names with nothing in common collapse to all queues of that account and region."""
    res = [f"arn:aws:sqs:eu-west-1:{ACCOUNT}:{name}" for name in ("alpha", "beta", "gamma")]
    out, _ = generalize(_rows("sqs:SendMessage", res), GeneralizeOptions(arn_threshold=2))
    assert _resources(out) == [f"arn:aws:sqs:eu-west-1:{ACCOUNT}:*"]


def test_thresholds_are_per_action_and_principal() -> None:
    """Two actions with few resources each do not add up to a collapse."""
    res = [f"arn:aws:s3:::b/k{n}" for n in range(3)]
    rows = pl.concat([_rows("s3:GetObject", res), _rows("s3:PutObject", res)])
    out, found = generalize(rows, GeneralizeOptions(s3_key_threshold=3))
    assert out.height == 6
    assert found == ()


def test_disabled_rules_and_bad_options() -> None:
    """None switches a rule off; thresholds below 1 are refused."""
    res = [f"arn:aws:s3:::b/k{n}" for n in range(50)]
    opts = GeneralizeOptions(s3_key_threshold=None, arn_threshold=None)
    out, found = generalize(_rows("s3:GetObject", res), opts)
    assert out.height == 50
    assert found == ()
    with pytest.raises(SynthError):
        GeneralizeOptions(s3_key_threshold=0)
    with pytest.raises(SynthError):
        GeneralizeOptions(s3_max_prefixes=0)
