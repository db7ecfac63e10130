"""Golden cases: small usage tables → the exact policy files synthesis writes.

Each case writes ``tests/golden/synth/<case>/<principal>/policy.json`` (``policy-2.json`` …
when split; the bytes of :meth:`PolicyDocument.to_bytes`) and ``<case>/notes.json`` (notes
and generalisations per principal). After an intended change run
``POLICYGEN_UPDATE_GOLDEN=1 pytest tests/synth/test_golden.py`` and review the diff like code.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from policygen_batch.synth import (
    GeneralizeOptions,
    PolicyTarget,
    SplitOptions,
    SynthOptions,
    canonical_json,
    synthesize,
)
from tests.synth.support import ACCOUNT, OTHER, ROLE, USER, Row, usage

GOLDEN = Path(__file__).parents[1] / "golden" / "synth"
UPDATE = os.environ.get("POLICYGEN_UPDATE_GOLDEN") == "1"
LOADER = f"arn:aws:iam::{ACCOUNT}:role/etl/Loader"


def _basic() -> tuple[list[Row], SynthOptions]:
    """S3 data and bucket actions, *-only EC2 reads, implied PassRole, denied left out."""
    rows: list[Row] = [
        (ROLE, "s3:GetObject", "arn:aws:s3:::app-artifacts/releases/v1.zip", "allowed"),
        (ROLE, "s3:PutObject", "arn:aws:s3:::app-artifacts/releases/v1.zip", "allowed"),
        (ROLE, "s3:ListBucket", "arn:aws:s3:::app-artifacts", "allowed"),
        (ROLE, "ec2:DescribeInstances", "*", "allowed"),
        (ROLE, "ec2:DescribeImages", "*", "allowed"),
        (ROLE, "ec2:RunInstances", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*", "allowed"),
        (ROLE, "ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-0abc", "allowed"),
        (ROLE, "ec2:CreateTags", f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*", "implied"),
        (ROLE, "iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/WebServer", "implied"),
        (ROLE, "kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd", "denied"),
        (ROLE, "ssm:GetParameter", None, "allowed"),
        (USER, "sts:GetSessionToken", "*", "allowed"),
        (USER, "s3:GetObject", "arn:aws:s3:::secret/${weird} key", "allowed"),
        (USER, "s3:DeleteObject", "arn:aws:s3:::secret/x", "denied"),
    ]
    return rows, SynthOptions()


def _generalised() -> tuple[list[Row], SynthOptions]:
    """Many keys in two buckets, parameters in two accounts, lambdas: collapsed and recorded."""
    rows: list[Row] = []
    for n in range(30):
        rows.append(
            (LOADER, "s3:GetObject", f"arn:aws:s3:::lake-raw/landing/2024/05/{n}.json", "allowed")
        )
    for n in range(25):
        rows.append(
            (LOADER, "s3:GetObject", f"arn:aws:s3:::lake-raw/landing/2024/06/{n}.json", "allowed")
        )
        rows.append(
            (
                LOADER,
                "s3:PutObject",
                f"arn:aws:s3:::lake-cur/orders/day={n}/part-0.parquet",
                "allowed",
            )
        )
    for account in (ACCOUNT, OTHER):
        for n in range(22):
            rows.append(
                (
                    LOADER,
                    "ssm:GetParameter",
                    f"arn:aws:ssm:eu-west-1:{account}:parameter/etl/conn-{n}",
                    "allowed",
                )
            )
    for name in ("load-a", "load-b", "transform"):
        rows.append(
            (
                LOADER,
                "lambda:InvokeFunction",
                f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{name}",
                "allowed",
            )
        )
    for n in range(3):
        rows.append((LOADER, "s3:ListBucket", f"arn:aws:s3:::bucket-{n}", "allowed"))
    return rows, SynthOptions()


def _split() -> tuple[list[Row], SynthOptions]:
    """Generalisation off: 160 objects overflow one managed policy and are cut in two."""
    rows: list[Row] = [
        (ROLE, "s3:GetObject", f"arn:aws:s3:::reports-bucket/monthly/report-{n:04d}.pdf", "allowed")
        for n in range(160)
    ]
    rows += [(ROLE, "ec2:DescribeVpcs", "*", "allowed")]
    return rows, SynthOptions(generalize=GeneralizeOptions(s3_key_threshold=None))


def _inline() -> tuple[list[Row], SynthOptions]:
    """Inline target: the role fits its 10,240; the user overflows its 2,048 and is told so."""
    rows, _ = _split()
    rows += [
        (
            USER,
            "dynamodb:GetItem",
            f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{n:02d}",
            "allowed",
        )
        for n in range(40)
    ]
    options = SynthOptions(
        generalize=GeneralizeOptions(s3_key_threshold=None, arn_threshold=None),
        split=SplitOptions(target=PolicyTarget.INLINE),
    )
    return rows, options


def _include_denied() -> tuple[list[Row], SynthOptions]:
    """With include_denied, refused calls are granted too."""
    rows, _ = _basic()
    return rows, SynthOptions(include_denied=True)


CASES: dict[str, Callable[[], tuple[list[Row], SynthOptions]]] = {
    "basic": _basic,
    "generalised": _generalised,
    "split": _split,
    "inline": _inline,
    "include_denied": _include_denied,
}


def _folder(arn: str) -> str:
    """``<account>/<roles|users>/<name>`` like the output layout (path dropped)."""
    account, resource = arn.split(":")[4], arn.split(":", 5)[5]
    kind, _, rest = resource.partition("/")
    return f"{account}/{kind}s/{rest.rsplit('/', 1)[-1]}"


def _render(case: str) -> dict[str, bytes]:
    rows, options = CASES[case]()
    files: dict[str, bytes] = {}
    notes: dict[str, object] = {}
    for arn, policies in synthesize(usage(rows), options).items():
        for n, doc in enumerate(policies.documents, start=1):
            name = "policy.json" if n == 1 else f"policy-{n}.json"
            files[f"{_folder(arn)}/{name}"] = doc.to_bytes()
        notes[arn] = {
            "notes": list(policies.notes),
            "generalizations": [
                {
                    "action": g.action,
                    "kind": g.kind.value,
                    "pattern": g.pattern,
                    "replaced": g.replaced,
                }
                for g in policies.generalizations
            ],
            "sizes": [d.size for d in policies.documents],
        }
    files["notes.json"] = canonical_json(notes)
    return files


@pytest.mark.parametrize("case", sorted(CASES))
def test_golden(case: str) -> None:
    """Synthesis output for the case equals the reviewed files byte for byte."""
    files = _render(case)
    folder = GOLDEN / case
    if UPDATE:
        shutil.rmtree(folder, ignore_errors=True)
        for name, content in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)
    expected = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    assert sorted(files) == sorted(expected), "files differ; POLICYGEN_UPDATE_GOLDEN=1 to update"
    for name, content in files.items():
        assert content == expected[name], f"{case}/{name} differs from the golden file"
