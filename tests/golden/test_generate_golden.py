"""Golden cases for ``generate``: small hand-built archives → expected policies and reports.

Each case's outputs (every file but ``manifest.json``, which holds wall-clock time) are
compared byte for byte with ``tests/golden/generate/<case>/``. After an intended change, run
``POLICYGEN_UPDATE_GOLDEN=1 pytest tests/golden`` and review the diff like code.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policygen_batch import api
from policygen_batch.catalog import Catalog, load_catalog
from policygen_batch.config import GenerateConfig
from tests.factories import ACCOUNT, record, role_identity
from tests.usage_factories import convert, mixed_corpus, write_corpus

GOLDEN = Path(__file__).parent / "generate"
UPDATE = os.environ.get("POLICYGEN_UPDATE_GOLDEN") == "1"

Corpus = list[tuple[str, str, list[dict[str, Any]]]]


def _s3_many_keys() -> Corpus:
    """One role reads 40 objects under one prefix of one bucket, and 2 in another bucket."""
    who = role_identity("etl/Loader", session="l1")
    records = []
    for n in range(42):
        bucket, key = ("lake-raw", f"landing/2024/05/part-{n:03d}.parquet")
        if n >= 40:
            bucket, key = ("lake-curated", f"tables/orders/{n}.parquet")
        records.append(
            record(
                "GetObject",
                "s3.amazonaws.com",
                time=f"2024-05-01T{n % 24:02d}:{n % 60:02d}:00Z",
                identity=who,
                event_id=f"s3-{n:03d}",
                requestParameters={"bucketName": bucket, "key": key},
                resources=[
                    {"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"},
                    {"type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"},
                ],
                eventCategory="Data",
                managementEvent=False,
            )
        )
    return [(ACCOUNT, "2024-05-01", records)]


def _many_services() -> Corpus:
    """One role calls many parameter and table actions: enough to split a small policy."""
    who = role_identity("ops/Operator", session="o1")
    records = []
    n = 0
    for name in ("GetParameter", "GetParameters", "PutParameter", "DeleteParameter"):
        for p in range(6):
            records.append(
                record(
                    name,
                    "ssm.amazonaws.com",
                    time="2024-05-01T10:00:00Z",
                    identity=who,
                    event_id=f"ops-{n:03d}",
                    requestParameters={"name": f"/ops/service-{p}/config-value"},
                )
            )
            n += 1
    for name in ("GetItem", "PutItem", "Query", "DeleteItem", "UpdateItem"):
        for t in range(4):
            records.append(
                record(
                    name,
                    "dynamodb.amazonaws.com",
                    time="2024-05-01T11:00:00Z",
                    identity=who,
                    event_id=f"ops-{n:03d}",
                    requestParameters={"tableName": f"operations-table-{t}"},
                )
            )
            n += 1
    return [(ACCOUNT, "2024-05-01", records)]


CASES: dict[str, tuple[Callable[[], Corpus], dict[str, Any]]] = {
    "mixed": (mixed_corpus, {}),
    "mixed_include_denied": (mixed_corpus, {"include_denied": True}),
    "s3_many_keys": (_s3_many_keys, {}),
    "split_small_quota": (_many_services, {"max_policy_chars": 1000}),
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog."""
    return load_catalog()


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != "manifest.json"
    }


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str, tmp_path: Path, catalog: Catalog) -> None:
    """The outputs of the case equal the reviewed golden files, byte for byte."""
    build, options = CASES[case]
    wh = convert(write_corpus(tmp_path / "src", build()), tmp_path / "wh")
    out = tmp_path / "out"
    api.generate(GenerateConfig(wh, out, workers=1, **options), catalog=catalog)
    got = _files(out)
    expected_dir = GOLDEN / case
    if UPDATE:
        shutil.rmtree(expected_dir, ignore_errors=True)
        for rel, data in got.items():
            (expected_dir / rel).parent.mkdir(parents=True, exist_ok=True)
            (expected_dir / rel).write_bytes(data)
    expected = _files(expected_dir)
    assert sorted(got) == sorted(expected)
    for rel, data in got.items():
        assert data.decode() == expected[rel].decode(), rel
