"""Matching a wildcard-free ARN against a catalog format in one expression agrees with
matching it field by field."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policygen_batch.validate import patterns
from policygen_batch.validate.catalog_view import CatalogView
from policygen_batch.validate.document import PolicyType
from policygen_batch.validate.registry import Context
from policygen_batch.validate.rules_catalog import _fits, _service_formats

SERVICES = ["s3", "ec2", "iam", "lambda", "logs", "ssm", "sqs", "dynamodb", "apigateway"]
piece = st.text(alphabet="ab1/:-.", max_size=6)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    parts=st.tuples(
        st.sampled_from(["aws", "aws-cn", "", "a:b"]),
        st.sampled_from(["", "us-east-1", "x"]),
        st.sampled_from(["", "123456789012", "aws"]),
    ),
    service=st.sampled_from(SERVICES),
    choice=st.integers(0, 200),
    tail=piece,
)
def test_whole_expression_equals_field_by_field(
    catalog: CatalogView, parts: tuple[str, str, str], service: str, choice: int, tail: str
) -> None:
    """For ARNs built on each format's resource prefix, both ways find the same formats."""
    ctx = Context.of({}, PolicyType.IDENTITY, catalog)
    formats = _service_formats(ctx, service)
    prefix = formats[choice % len(formats)].resource_prefix
    partition, region, account = parts
    arn = f"arn:{partition}:{service}:{region}:{account}:{prefix}{tail}"
    fields = patterns.split_arn(arn)
    assert fields is not None
    for f in formats:
        assert (f.whole.fullmatch(arn) is not None) == _fits(ctx, fields[1:], f.fields), f.key
