"""convert end to end on real archives in temporary folders: incremental, de-duplicating,
reconciling, and independent of the number of workers."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import polars as pl
import pytest

from policygen_batch import api
from policygen_batch import schema as s
from policygen_batch.cli.app import main
from policygen_batch.config import ConvertConfig
from policygen_batch.errors import ExitCode, UsageError, WarehouseError
from tests.factories import ACCOUNT, OTHER_ACCOUNT, delivery_key, record, write_archive

REAL_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "cloudtrail-real"


def _convert(src: Path, wh: Path, **options: object) -> api.ConvertSummary:
    return api.convert(ConvertConfig(sources=(str(src),), warehouse=wh, **options))  # type: ignore[arg-type]


def _rows(wh: Path) -> list[dict[str, object]]:
    frame = api.query(wh, "SELECT * FROM events ORDER BY account_id, event_id")
    return frame.drop(s.SOURCE_KEY, s.RECORD_INDEX).to_dicts()


def _corpus(root: Path) -> dict[str, int]:
    """Three accounts, two days, a duplicate delivered in another file, digest and insight."""
    dup = record("GetObject", "s3.amazonaws.com", event_id="dup-1", time="2024-05-01T23:59:58Z")
    write_archive(
        root,
        delivery_key(ACCOUNT, "us-east-1", "2024-05-01", "a"),
        [record(time="2024-05-01T10:00:00Z"), dup],
    )
    write_archive(
        root,
        delivery_key(ACCOUNT, "us-east-1", "2024-05-02", "b"),
        [dup, record(time="2024-05-02T00:05:00Z")],
    )
    write_archive(
        root,
        delivery_key(OTHER_ACCOUNT, "eu-west-1", "2024-05-02", "c"),
        [record(account=OTHER_ACCOUNT, time="2024-05-02T08:00:00Z", region="eu-west-1")],
    )
    digest = (
        root / f"AWSLogs/o-exampleorg/{ACCOUNT}/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz"
    )
    digest.parent.mkdir(parents=True)
    digest.write_bytes(b"{}")
    insight = (
        root / f"AWSLogs/o-exampleorg/{ACCOUNT}/CloudTrail-Insight/us-east-1/2024/05/01/i.json.gz"
    )
    insight.parent.mkdir(parents=True)
    insight.write_bytes(b"{}")
    return {"records": 5, "unique": 4}


def test_convert_dedups_partitions_and_reconciles(tmp_path: Path) -> None:
    """Every record lands once; the duplicate is dropped and counted; skips are counted."""
    src, wh = tmp_path / "src", tmp_path / "wh"
    expected = _corpus(src)
    summary = _convert(src, wh, workers=1)
    assert summary.files_seen == 5
    assert (summary.files_ingested, summary.files_skipped) == (3, 2)
    assert summary.files_skipped_by_reason == {"digest": 1, "insight": 1}
    assert summary.records_read == expected["records"]
    assert summary.rows_written == expected["unique"]
    assert summary.duplicates_dropped == 1
    counts = api.query(
        wh, "SELECT event_date, account_id, count(*) AS n FROM events GROUP BY 1, 2 ORDER BY 1, 2"
    ).rows()
    assert [(str(d), a, n) for d, a, n in counts] == [
        ("2024-05-01", ACCOUNT, 2),
        ("2024-05-02", ACCOUNT, 1),
        ("2024-05-02", OTHER_ACCOUNT, 1),
    ]
    partitions = sorted(p.name for p in (wh / "events").iterdir())
    assert partitions == ["event_date=2024-05-01", "event_date=2024-05-02"]
    sources = api.query(wh, "SELECT * FROM sources").to_dicts()
    for row in sources:
        assert (
            row["records_read"]
            == row["rows_written"] + row["duplicates_dropped"] + row["records_quarantined"]
        )


def test_files_do_not_repeat_the_partition_column(tmp_path: Path) -> None:
    """Spark rejects a partition column repeated inside the files: it is only in the path."""
    src, wh = tmp_path / "src", tmp_path / "wh"
    _corpus(src)
    _convert(src, wh, workers=1)
    for path in (wh / "events").rglob("*.parquet"):
        assert s.EVENT_DATE not in pl.read_parquet_schema(path)


def test_rerun_ingests_only_new_or_changed_objects(tmp_path: Path) -> None:
    """A second run reads nothing; a new file is read alone; a changed file is re-read and
    its old rows are dropped as duplicates, never rewritten."""
    src, wh = tmp_path / "src", tmp_path / "wh"
    _corpus(src)
    _convert(src, wh, workers=1)
    before = sorted(p.relative_to(wh) for p in (wh / "events").rglob("*.parquet"))
    again = _convert(src, wh, workers=1)
    assert (again.files_ingested, again.records_read, again.commits) == (0, 0, 0)
    assert again.files_skipped_by_reason["already_ingested"] == 3

    changed = src / delivery_key(ACCOUNT, "us-east-1", "2024-05-01", "a")
    old = orjson.loads(__import__("gzip").decompress(changed.read_bytes()))["Records"]
    write_archive(
        src,
        delivery_key(ACCOUNT, "us-east-1", "2024-05-01", "a"),
        [*old, record(time="2024-05-01T11:00:00Z")],
    )
    os.utime(changed, ns=(1, 1))
    third = _convert(src, wh, workers=1)
    assert (third.files_ingested, third.records_read, third.rows_written) == (1, 3, 1)
    assert third.duplicates_dropped == 2
    after = sorted(p.relative_to(wh) for p in (wh / "events").rglob("*.parquet"))
    assert set(before) <= set(after)
    assert api.query(wh, "SELECT count(*) AS n FROM events").item() == 5


def test_output_is_independent_of_worker_count(tmp_path: Path) -> None:
    """Two workers and small chunks give the same rows as one worker."""
    src = tmp_path / "src"
    for i in range(12):
        recs = [
            record(event_id=f"e{i}-{j}", time=f"2024-05-0{1 + i % 3}T0{j}:00:00Z") for j in range(5)
        ]
        recs.append(
            record(event_id=f"e{(i + 1) % 12}-0", time=f"2024-05-0{1 + (i + 1) % 3}T00:00:00Z")
        )
        write_archive(
            src, delivery_key(ACCOUNT, "us-east-1", f"2024-05-0{1 + i % 3}", f"f{i:02d}"), recs
        )
    one = _convert(src, tmp_path / "one", workers=1)
    two = _convert(src, tmp_path / "two", workers=2, chunk_bytes=1, chunk_files=2)
    assert two.commits > 1
    assert one.to_json() | {"elapsed_s": 0, "commits": 0} == two.to_json() | {
        "elapsed_s": 0,
        "commits": 0,
    }
    assert _rows(tmp_path / "one") == _rows(tmp_path / "two")


def test_bad_files_are_quarantined_and_the_run_goes_on(tmp_path: Path) -> None:
    """Corrupt gzip, truncated JSON, wrong shape and empty files are named with a reason;
    --strict turns that into exit status 4, and the summary JSON is written either way."""
    src, wh = tmp_path / "src", tmp_path / "wh"
    write_archive(src, delivery_key(ACCOUNT, "us-east-1", "2024-05-01", "good"), [record()])
    bad = src / "bad"
    bad.mkdir()
    (bad / "corrupt.json.gz").write_bytes(b"\x1f\x8b\x08\x00not gzip at all")
    (bad / "truncated.json").write_bytes(b'{"Records": [{"eventTime": "2024-05')
    (bad / "shape.json").write_bytes(b'{"hello": "world"}')
    (bad / "empty.json").write_bytes(b"")
    summary_path = tmp_path / "summary.json"
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "convert",
                str(src),
                "--warehouse",
                str(wh),
                "--strict",
                "--quiet",
                "--summary-json",
                str(summary_path),
                "--workers",
                "1",
            ]
        )
    assert exit_info.value.code == ExitCode.BAD_INPUT
    summary = orjson.loads(summary_path.read_bytes())
    assert summary["files_quarantined"] == 4 and summary["rows_written"] == 1
    reasons = {Path(q["path"]).name: q["reason"].split(":")[0] for q in summary["quarantined"]}
    assert reasons == {
        "corrupt.json.gz": "corrupt gzip",
        "truncated.json": "invalid JSON",
        "shape.json": "wrong top-level shape",
        "empty.json": "empty file",
    }
    quarantine = api.query(
        wh, "SELECT source_key, reason FROM quarantine ORDER BY source_key"
    ).rows()
    assert len(quarantine) == 4
    with pytest.raises(SystemExit) as exit_info:
        main(["convert", str(src), "--warehouse", str(wh), "--quiet", "--workers", "1"])
    assert exit_info.value.code == ExitCode.OK


def test_query_formats_and_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """query prints JSON rows and CSV; bad SQL is a usage error; a non-warehouse is refused."""
    src, wh = tmp_path / "src", tmp_path / "wh"
    _corpus(src)
    _convert(src, wh, workers=1)
    with pytest.raises(SystemExit) as exit_info:
        main(
            [
                "query",
                "--warehouse",
                str(wh),
                "--format",
                "json",
                "SELECT account_id, count(*) AS n FROM events GROUP BY 1 ORDER BY 1",
            ]
        )
    assert exit_info.value.code == 0
    assert orjson.loads(capsys.readouterr().out) == [
        {"account_id": ACCOUNT, "n": 3},
        {"account_id": OTHER_ACCOUNT, "n": 1},
    ]
    with pytest.raises(SystemExit):
        main(
            [
                "query",
                "--warehouse",
                str(wh),
                "--format",
                "csv",
                "SELECT event_id, resources FROM events WHERE event_id = 'dup-1'",
            ]
        )
    assert capsys.readouterr().out.splitlines()[0] == "event_id,resources"
    with pytest.raises(SystemExit) as exit_info:
        main(["query", "--warehouse", str(wh), "SELEC nonsense"])
    assert exit_info.value.code == ExitCode.USAGE
    with pytest.raises(WarehouseError):
        api.query(tmp_path / "src", "SELECT 1")


def test_window_prunes_by_key_date_before_reading(tmp_path: Path) -> None:
    """--since/--until skip objects whose key date is far outside, without opening them."""
    src, wh = tmp_path / "src", tmp_path / "wh"
    write_archive(src, delivery_key(ACCOUNT, "us-east-1", "2024-05-01", "in"), [record()])
    far = src / delivery_key(ACCOUNT, "us-east-1", "2024-01-01", "far")
    far.parent.mkdir(parents=True)
    far.write_bytes(b"not even gzip")  # would be quarantined if it were read
    from datetime import date

    summary = _convert(src, wh, workers=1, since=date(2024, 4, 30), until=date(2024, 5, 1))
    assert summary.files_skipped_by_reason == {}
    assert (summary.folders_pruned, summary.files_seen) == (1, 1)  # January: not even listed
    assert (summary.files_ingested, summary.files_quarantined) == (1, 0)


def test_nightly_windowed_runs_build_the_warehouse_one_run_builds(tmp_path: Path) -> None:
    """A run a night, each for its day, gives the rows of one run over everything; each
    commit notes its sources' key dates, and a repeated night ingests nothing."""
    from datetime import date, timedelta

    src = tmp_path / "src"
    days = [date(2024, 5, 1) + timedelta(days=n) for n in range(4)]
    for day in days:
        for account in (ACCOUNT, OTHER_ACCOUNT):
            write_archive(
                src,
                delivery_key(account, "us-east-1", day.isoformat(), "x"),
                [record(account=account, time=f"{day.isoformat()}T12:00:00Z")],
            )
    nightly, once = tmp_path / "nightly", tmp_path / "once"
    for day in days:
        _convert(src, nightly, workers=1, since=day, until=day)
    _convert(src, once, workers=1)
    assert _rows(nightly) == _rows(once)
    spans = [
        orjson.loads(p.read_bytes())["source_dates"]
        for p in sorted((nightly / "_manifest/commits").iterdir())
    ]
    # The first night lists its day and the next (a day of margin); later nights, new days.
    assert spans == [
        ["2024-05-01", "2024-05-02"],
        ["2024-05-03", "2024-05-03"],
        ["2024-05-04", "2024-05-04"],
    ]
    again = _convert(src, nightly, workers=1, since=days[-1], until=days[-1])
    assert (again.files_ingested, again.files_skipped_by_reason) == (0, {"already_ingested": 4})


def test_config_is_validated() -> None:
    """Impossible options are usage errors before any work starts."""
    with pytest.raises(UsageError):
        ConvertConfig(sources=(), warehouse=Path("w"))
    with pytest.raises(UsageError):
        ConvertConfig(sources=("x",), warehouse=Path("w"), workers=0)


@pytest.mark.skipif(not REAL_DATA.is_dir(), reason="shared real CloudTrail data not present")
def test_every_real_record_lands_or_is_accounted_for(tmp_path: Path) -> None:
    """The third-party real captures: each record is a row, a counted duplicate or quarantined."""
    import gzip

    expected = sum(
        len(orjson.loads(gzip.decompress(p.read_bytes()))["Records"])
        for p in REAL_DATA.glob("*.json.gz")
    )
    summary = _convert(REAL_DATA, tmp_path / "wh", workers=1)
    assert summary.records_read == expected
    assert (
        summary.records_read
        == summary.rows_written + summary.duplicates_dropped + summary.records_quarantined
    )
    assert api.query(tmp_path / "wh", "SELECT count(*) FROM events").item() == summary.rows_written
    flagged = api.query(
        tmp_path / "wh",
        "SELECT count(*) FROM events WHERE array_contains(record_flags, 'time_from_@timestamp')",
    ).item()
    assert flagged > 0  # the Logstash-shipped capture has no eventTime


def test_writer_memory_is_bounded_across_many_dates(tmp_path: Path) -> None:
    """A chunk spanning many days flushes early: never more than the budget is buffered,
    and every row still lands in its date's file."""
    from policygen_batch.ingest.reader import parse_object, to_events
    from policygen_batch.warehouse.options import WriteOptions
    from policygen_batch.warehouse.parquet import PartitionedWriter
    from tests.factories import archive_bytes

    recs = [record(time=f"2024-05-{day:02d}T10:00:00Z") for day in range(1, 29) for _ in range(5)]
    parsed = parse_object(archive_bytes(recs), "k", None, set())
    options = WriteOptions(flush_rows=100, max_buffered_rows=12)
    writer = PartitionedWriter(tmp_path, "c", options, to_events)
    for start in range(0, parsed.rows, 7):
        writer.add(parsed.events.slice(start, 7))
        assert sum(writer._buffered.values()) <= options.max_buffered_rows
    files = writer.close()
    assert len(files) == 28
    assert sum(pl.read_parquet(f).height for _, f in files) == len(recs)


def test_a_chunk_spanning_more_dates_than_open_files_commits_several_files_a_date(
    tmp_path: Path,
) -> None:
    """With one open file at a time and dates alternating, a date's rows are split over
    several files of one commit (numbered in writing order); a later run still finds a
    duplicate delivery among them, and nothing is lost or doubled."""
    from policygen_batch.warehouse.options import WriteOptions

    src, wh = tmp_path / "src", tmp_path / "wh"
    days = ["2024-05-01", "2024-05-02"] * 3
    records = [record(event_id=f"e{i}", time=f"{day}T1{i}:00:00Z") for i, day in enumerate(days)]
    write_archive(src, delivery_key(ACCOUNT, "us-east-1", "2024-05-01", "a"), records)
    write = WriteOptions(flush_rows=1, max_buffered_rows=1, max_open_files=1)
    first = _convert(src, wh, workers=1, write=write)
    assert first.rows_written == 6
    names = sorted(p.name for p in (wh / "events/event_date=2024-05-01").iterdir())
    assert names == [f"part-00000001-{n:04d}.parquet" for n in range(3)]

    again = [  # two duplicates, in two staged files of 2024-05-01, around two new events
        records[2],
        record(event_id="e6", time="2024-05-02T20:00:00Z"),
        records[4],
        record(event_id="e7", time="2024-05-01T21:00:00Z"),
    ]
    write_archive(src, delivery_key(ACCOUNT, "us-east-1", "2024-05-02", "b"), again)
    second = _convert(src, wh, workers=1, write=write)
    assert (second.rows_written, second.duplicates_dropped) == (2, 2)
    ids = api.query(wh, "SELECT event_id FROM events ORDER BY event_id")[s.EVENT_ID].to_list()
    assert ids == [f"e{i}" for i in range(8)]


def test_the_progress_bar_total_grows_with_the_listing(tmp_path: Path) -> None:
    """convert learns its total as it lists: the bar ends with every chosen object both
    counted in its total and advanced."""
    import io

    from rich.console import Console

    from policygen_batch.cli.render import RichProgress

    src = tmp_path / "src"
    counts = _corpus(src)
    console = Console(file=io.StringIO(), force_terminal=True)
    with RichProgress(console) as progress:
        summary = api.convert(
            ConvertConfig(sources=(str(src),), warehouse=tmp_path / "wh", workers=1), progress
        )
        (task,) = progress._progress.tasks
    assert summary.records_read == counts["records"]
    assert task.total == task.completed == summary.files_ingested == 3
