"""The bench harness's pure parts: trailscraper's window and output, the corpus span, the
worker counts, and a measured command that fails loudly."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.bench import worker_counts
from benchmarks.bench_corpus import key_span
from benchmarks.bench_trailscraper import pipeline, policy_figures, window
from benchmarks.measure import run_measured

KEY = "AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1/{}/111122223333_CloudTrail_x.json.gz"


def test_key_span_reads_the_dates_of_the_keys() -> None:
    paths = [Path(KEY.format(d)) for d in ("2024/11/20", "2024/11/18", "2024/12/01")]
    paths.append(Path("AWSLogs/README.md"))
    assert key_span(paths) == (dt.date(2024, 11, 18), dt.date(2024, 12, 1))


def test_key_span_without_dated_keys_is_an_error() -> None:
    with pytest.raises(ValueError, match="no archive key"):
        key_span(["lake-export.jsonl"])


def test_window_is_a_day_wider_each_side_in_utc() -> None:
    assert window(dt.date(2024, 11, 18), dt.date(2024, 11, 25)) == (
        "2024-11-17T00:00:00Z",
        "2024-11-26T00:00:00Z",
    )


def test_pipeline_selects_then_generates_into_the_policy(tmp_path: Path) -> None:
    policy = tmp_path / "a policy.json"
    command = pipeline(Path("/v/bin/trailscraper"), Path("/logs"), ("F", "T"), policy)
    assert command[:3] == ["bash", "-o", "pipefail"]
    assert command[-1] == (
        "/v/bin/trailscraper select --log-dir /logs --from F --to T "
        f"| /v/bin/trailscraper generate > '{policy}'"
    )


def test_pipeline_fails_when_select_fails(tmp_path: Path) -> None:
    fake = tmp_path / "trailscraper"
    fake.write_text('#!/bin/sh\n[ "$1" = select ] && exit 5\ncat\n')
    fake.chmod(0o755)
    command = pipeline(fake, tmp_path, ("F", "T"), tmp_path / "policy.json")
    assert subprocess.run(command, check=False).returncode == 5


def test_policy_figures_counts_statements_actions_resources() -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": ["arn:aws:s3:::b/*"]},
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::c/*"},
            {"Effect": "Allow", "Action": ["sts:GetCallerIdentity"], "Resource": ["*"]},
        ],
    }  # fmt: skip
    assert policy_figures(json.dumps(policy)) == {"statements": 3, "actions": 3, "resources": 3}


@pytest.mark.parametrize(
    "text",
    ['{"Version": "2012-10-17", "Statement": []}', "{}", "[]", "", "WARNING: no records"],
)
def test_a_policy_without_statements_means_nothing_was_parsed(text: str) -> None:
    with pytest.raises(ValueError, match=r"no statement|not JSON"):
        policy_figures(text)


@pytest.mark.parametrize(
    ("cores", "counts"), [(1, [1]), (2, [1, 2]), (4, [1, 2, 4]), (16, [1, 2, 16])]
)
def test_worker_counts_always_hold_one_and_two(cores: int, counts: list[int]) -> None:
    assert worker_counts(cores) == counts


def test_a_failing_command_raises_with_the_tail_of_a_long_stderr() -> None:
    # more than a pipe holds: read only at the end, a pipe would block the command forever
    noisy = "import sys; sys.stderr.write('w' * 300_000 + 'THE END'); sys.exit(3)"
    with pytest.raises(RuntimeError, match=r"failed \(3\): w+THE END$"):
        run_measured([sys.executable, "-c", noisy])


def test_a_measured_command_reports_its_memory() -> None:
    measured = run_measured([sys.executable, "-c", "import time; time.sleep(0.3)"])
    assert measured.peak_rss_bytes > 1 << 20  # an interpreter is more than a MiB
    assert measured.peak_rss_mib == round(measured.peak_rss_bytes / 2**20, 1)
