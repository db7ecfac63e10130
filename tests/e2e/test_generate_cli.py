"""``policygen generate`` and ``run`` exit statuses on usage errors and bad input."""

from __future__ import annotations

import gzip
from pathlib import Path

import orjson
import pytest

from policygen_batch.cli.app import main
from policygen_batch.errors import ExitCode
from tests.factories import ACCOUNT, delivery_key, record, write_archive
from tests.usage_factories import convert, mixed_corpus, write_corpus


def _cli(*args: str) -> int:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    code = exit_info.value.code
    return int(code) if isinstance(code, int) else 1


@pytest.mark.parametrize(
    "options",
    [
        ["--since", "2024-13-01"],
        ["--account", "123"],
        ["--workers", "0"],
        ["--max-policy-chars", "10"],
        ["--since", "2024-05-02", "--until", "2024-05-01"],
    ],
)
def test_usage_errors_exit_2(options: list[str], tmp_path: Path) -> None:
    """Bad options are usage errors (exit 2), before any work."""
    args = ["generate", "--warehouse", str(tmp_path / "wh"), "--out", str(tmp_path / "o")]
    assert _cli(*args, *options, "-q") == ExitCode.USAGE


def test_refuses_to_replace_a_foreign_folder(tmp_path: Path) -> None:
    """An existing non-empty OUT that is not a policygen output is left alone (exit 2)."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    code = _cli("generate", "--warehouse", str(tmp_path / "wh"), "--out", str(out), "-q")
    assert code == ExitCode.USAGE
    assert (out / "keep.txt").read_text() == "mine"


def test_run_strict_writes_outputs_then_exits_4(tmp_path: Path) -> None:
    """run --strict still writes every output, then reports quarantined input with exit 4."""
    src = tmp_path / "src"
    write_archive(
        src, delivery_key(ACCOUNT, "us-east-1", "2024-05-01", "good"), [record(event_id="e1")]
    )
    bad = src / delivery_key(ACCOUNT, "us-east-1", "2024-05-01", "bad")
    bad.write_bytes(gzip.compress(b'{"Records": [', mtime=0))
    out = tmp_path / "out"
    code = _cli(
        "run", str(src), "--warehouse", str(tmp_path / "wh"), "--out", str(out),
        "--strict", "--workers", "1", "-q",
    )  # fmt: skip
    assert code == ExitCode.BAD_INPUT
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert summary["events"]["total"] == 1
    assert [r["name"] for r in summary["principals"]] == ["Deployer"]


def test_run_reads_the_last_nights_archives_and_generates_from_a_longer_window(
    tmp_path: Path,
) -> None:
    """A nightly run: --ingest-since/--ingest-until choose the archives read (here the last
    day and its margin), --since/--until the events the policies come from (earlier
    nights' too, already in the warehouse)."""
    src, wh, out = tmp_path / "src", tmp_path / "wh", tmp_path / "out"
    for day in range(1, 6):
        write_archive(
            src,
            delivery_key(ACCOUNT, "us-east-1", f"2024-05-{day:02d}", "x"),
            [record(event_id=f"e{day}", time=f"2024-05-{day:02d}T12:00:00Z")],
        )
    common = ["--warehouse", str(wh), "--out", str(out), "--workers", "1", "-q"]
    assert _cli("run", str(src), *common) == 0  # the nights before: everything so far
    write_archive(
        src,
        delivery_key(ACCOUNT, "us-east-1", "2024-05-06", "x"),
        [record(event_id="e6", time="2024-05-06T12:00:00Z")],
    )
    nightly = tmp_path / "nightly.json"
    code = _cli(
        "run", str(src), *common, "--since", "2024-05-02",
        "--ingest-since", "2024-05-06", "--ingest-until", "2024-05-06",
        "--summary-json", str(nightly),
    )  # fmt: skip
    assert code == 0
    converted = orjson.loads(nightly.read_bytes())
    # May 5 and 6 listed (a day of margin), May 1-4 pruned unlisted; only May 6 is new.
    assert (converted["files_seen"], converted["files_ingested"]) == (2, 1)
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert summary["window"]["since"] == "2024-05-02"
    assert summary["events"]["total"] == 5  # May 2-6: the policy window, not the ingest one
    bad = ["--ingest-since", "2024-05-06", "--ingest-until", "2024-05-01"]
    assert _cli("run", str(src), *common, *bad) == ExitCode.USAGE


def test_generate_filters_and_inline(tmp_path: Path) -> None:
    """--principal globs and --account narrow the principals; --inline sizes for inline."""
    wh = convert(write_corpus(tmp_path / "src", mixed_corpus()), tmp_path / "wh")
    out = tmp_path / "out"
    code = _cli(
        "generate", "--warehouse", str(wh), "--out", str(out), "--principal", "*:role/app/*",
        "--principal", "*:user/*", "--account", ACCOUNT, "--inline", "--include-denied", "-q",
    )  # fmt: skip
    assert code == ExitCode.OK
    summary = orjson.loads((out / "summary.json").read_bytes())
    assert [r["name"] for r in summary["principals"]] == ["Deployer", "alice"]
    assert summary["filters"] == {
        "accounts": [ACCOUNT],
        "include_denied": True,
        "principals": ["*:role/app/*", "*:user/*"],
    }
    manifest = orjson.loads((out / "manifest.json").read_bytes())
    assert manifest["options"]["inline"] is True
    assert set(manifest["files"]) >= {"summary.json", "index.html", "index.md"}
