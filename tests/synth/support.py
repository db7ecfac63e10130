"""Helpers of the synth tests: usage tables in the documented contract, IAM matching."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import polars as pl

from policygen_batch import schema as s
from policygen_batch.synth import PolicyDocument

ACCOUNT = "111122223333"
OTHER = "444455556666"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app/Deployer"
USER = f"arn:aws:iam::{ACCOUNT}:user/alice"
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
T1 = datetime(2024, 5, 20, 8, 30, tzinfo=UTC)

Row = tuple[str, str | None, str | None, str]


def usage(rows: Iterable[Row]) -> pl.DataFrame:
    """A usage table with every column of the input contract, from (arn, action, res, status)."""
    data = list(rows)
    return pl.DataFrame(
        {
            s.PRINCIPAL_ARN: [r[0] for r in data],
            s.ACTION: [r[1] for r in data],
            s.RESOURCE: [r[2] for r in data],
            s.STATUS: [r[3] for r in data],
            s.USAGE_COUNT: [1 + n % 3 for n in range(len(data))],
            s.FIRST_SEEN: [T0] * len(data),
            s.LAST_SEEN: [T1] * len(data),
        },
        schema={
            s.PRINCIPAL_ARN: pl.String,
            s.ACTION: pl.String,
            s.RESOURCE: pl.String,
            s.STATUS: pl.String,
            s.USAGE_COUNT: pl.Int64,
            s.FIRST_SEEN: pl.Datetime("us", "UTC"),
            s.LAST_SEEN: pl.Datetime("us", "UTC"),
        },
    )


def _pattern_regex(pattern: str, *, ignore_case: bool) -> re.Pattern[str]:
    """IAM wildcard semantics: ``*`` any run, ``?`` one character, ``${*}``/``${?}``/``${$}``
    the literal character."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        special = pattern[i : i + 4]
        if special in ("${*}", "${?}", "${$}"):
            out.append(re.escape(special[2]))
            i += 4
            continue
        c = pattern[i]
        out.append(".*" if c == "*" else "." if c == "?" else re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def action_matches(pattern: str, action: str) -> bool:
    """IAM action matching: wildcards, case-insensitive."""
    return _pattern_regex(pattern, ignore_case=True).fullmatch(action) is not None


def resource_matches(pattern: str, resource: str) -> bool:
    """IAM resource matching: wildcards, case-sensitive (the observed text is literal)."""
    return _pattern_regex(pattern, ignore_case=False).fullmatch(resource) is not None


def allows(documents: Sequence[PolicyDocument], action: str, resource: str) -> bool:
    """True when some statement of *documents* allows *action* on *resource*."""
    for doc in documents:
        for stmt in doc.to_json()["Statement"]:
            if any(action_matches(a, action) for a in stmt["Action"]) and any(
                resource_matches(r, resource) for r in stmt["Resource"]
            ):
                return True
    return False


def json_statements(documents: Sequence[PolicyDocument]) -> list[dict[str, Any]]:
    """Every statement of *documents* as IAM JSON, in document order."""
    return [st for doc in documents for st in doc.to_json()["Statement"]]
