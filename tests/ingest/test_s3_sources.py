"""s3:// sources through s3fs against a real S3 API server on loopback (moto standalone)."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path

import boto3
import pytest

from policygen_batch import api
from policygen_batch.config import ConvertConfig
from policygen_batch.errors import SourceError
from policygen_batch.ingest.discover import Pruner, S3Options, in_window, iter_objects
from tests.factories import ACCOUNT, OTHER_ACCOUNT, archive_bytes, delivery_key, record


@pytest.fixture
def bucket(moto_s3: str) -> str:
    """A fresh bucket holding an organization trail's delivery layout, digest included."""
    name = f"trail-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    for account, day, n in (
        (ACCOUNT, "2024-05-01", 3),
        (ACCOUNT, "2024-05-02", 2),
        (OTHER_ACCOUNT, "2024-06-10", 4),
    ):
        recs = [record(account=account, time=f"{day}T0{i}:00:00Z") for i in range(n)]
        s3.put_object(
            Bucket=name,
            Key=delivery_key(account, "us-east-1", day, f"f{n}"),
            Body=archive_bytes(recs),
        )
    s3.put_object(
        Bucket=name,
        Key=f"AWSLogs/o-exampleorg/{ACCOUNT}/CloudTrail-Digest/us-east-1/2024/05/01/d.json.gz",
        Body=b"{}",
    )
    s3.put_object(Bucket=name, Key="AWSLogs/o-exampleorg/broken.json.gz", Body=b"\x1f\x8bbroken")
    return name


@pytest.mark.parametrize("workers", [1, 2])
def test_s3_prefix_converts_incrementally(
    moto_s3: str, bucket: str, tmp_path: Path, workers: int
) -> None:
    """An s3:// prefix is listed, read (in workers too), quarantined where bad, and a re-run
    reads nothing new."""
    wh = tmp_path / "wh"
    config = ConvertConfig(
        sources=(f"s3://{bucket}/AWSLogs",),
        warehouse=wh,
        workers=workers,
        s3=S3Options(endpoint_url=moto_s3),
        chunk_files=1,
    )
    summary = api.convert(config)
    assert (summary.files_seen, summary.files_ingested, summary.files_quarantined) == (5, 3, 1)
    assert summary.files_skipped_by_reason == {"digest": 1}
    assert summary.rows_written == 9
    assert summary.quarantined[0]["path"] == f"s3://{bucket}/AWSLogs/o-exampleorg/broken.json.gz"
    urls = api.query(wh, "SELECT DISTINCT source_key FROM events ORDER BY 1").to_series().to_list()
    assert all(u.startswith(f"s3://{bucket}/AWSLogs/o-exampleorg/") for u in urls)
    again = api.convert(config)
    assert (again.files_ingested, again.records_read) == (0, 0)


def test_s3_window_prunes_by_key(moto_s3: str, bucket: str, tmp_path: Path) -> None:
    """--since/--until select S3 objects by the date in their key: the day folders of May
    (data and digest) are not even listed, so their objects are not seen at all."""
    config = ConvertConfig(
        sources=(f"s3://{bucket}/AWSLogs",),
        warehouse=tmp_path / "wh",
        workers=1,
        s3=S3Options(endpoint_url=moto_s3),
        since=date(2024, 6, 1),
        until=date(2024, 6, 30),
    )
    summary = api.convert(config)
    assert summary.files_skipped_by_reason == {}
    assert (summary.folders_pruned, summary.files_seen) == (3, 2)  # June's file, broken.json.gz
    assert summary.rows_written == 4


def test_s3_listing_is_sorted_and_pruned_like_the_local_walk(moto_s3: str) -> None:
    """Keys that sort around ``/`` and a folder marker, across a year end: without a window
    every object comes in key order (region folders listed flat); with one, the objects
    outside are never listed and the rest are exactly those the window selects."""
    name = f"walk-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    region = f"AWSLogs/o-exampleorg/{ACCOUNT}/CloudTrail/eu-west-1"
    keys = [
        f"{region}/2023/12/30/a.json.gz",
        f"{region}/2023/12/31/a.json.gz",
        f"{region}/2024/01/01/a.json.gz",
        f"{region}/2024/01/01/a-b.json.gz",
        f"{region}/2024/02/15/a.json.gz",
        f"{region}-x/2024/01/01/a.json.gz",  # a region name that sorts after the folder
        "AWSLogs/a.b.json",
        "AWSLogs/a/c.json",
        "AWSLogs/a0.json",
    ]
    for key in keys:
        s3.put_object(Bucket=name, Key=key, Body=b"{}")
    s3.put_object(Bucket=name, Key="AWSLogs/empty-folder/", Body=b"")  # a console's marker
    options = S3Options(endpoint_url=moto_s3)
    everything = list(iter_objects([f"s3://{name}/AWSLogs"], options))
    assert [o.url for o in everything] == sorted(f"s3://{name}/{k}" for k in keys)
    pruner = Pruner(date(2024, 1, 2), date(2024, 1, 10))
    pruned = [o.url for o in iter_objects([f"s3://{name}/AWSLogs/"], options, pruner)]
    since, until = pruner.since, pruner.until
    assert pruned == [o.url for o in everything if in_window(o, since, until)]
    # eu-west-1's 2023/ and 2024/02/ are pruned before listing; 2024/01/01/ is a day of
    # margin and is kept. Three objects are left out, the year end's two among them.
    assert pruner.folders_pruned == 2
    assert len(pruned) == len(keys) - 3
    with pytest.raises(SourceError, match="no-such-prefix"):
        iter_objects([f"s3://{name}/no-such-prefix"], options)


def test_s3_folder_listings_overlap_and_the_walk_is_unchanged(
    moto_s3: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Threads list the folders ahead of the walk: with a slow round trip, several listings
    are in flight at once, and the objects (and pruned folders) are exactly those of a
    walk that lists one folder at a time, when it reaches it."""
    import asyncio

    import s3fs

    from policygen_batch.ingest import discover

    name = f"ahead-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    for account in (ACCOUNT, OTHER_ACCOUNT):
        for day in range(1, 9):
            key = delivery_key(account, "us-east-1", f"2024-05-{day:02d}", "x")
            s3.put_object(Bucket=name, Key=key, Body=b"{}")
    real = s3fs.S3FileSystem._lsdir
    in_flight, most = 0, 0

    async def slow_lsdir(self: object, *args: object, **kwargs: object) -> object:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0.05)  # a round trip to a distant region
            return await real(self, *args, **kwargs)
        finally:
            in_flight -= 1

    monkeypatch.setattr(s3fs.S3FileSystem, "_lsdir", slow_lsdir)

    def walk() -> tuple[list[str], int]:
        pruner = Pruner(date(2024, 5, 3), date(2024, 5, 5))
        urls = [o.url for o in iter_objects([f"s3://{name}/"], S3Options(moto_s3), pruner)]
        return urls, pruner.folders_pruned

    ahead = walk()
    assert most > 1
    monkeypatch.setattr(discover, "S3_LISTING_THREADS", 0)
    most = 0
    one_at_a_time = walk()
    assert most == 1
    assert ahead == one_at_a_time
    assert len(ahead[0]) == 2 * 5  # May 2-6 of each account: the window and its margin
    assert ahead[1] == 2 * 3  # May 1, 7 and 8 of each account, never listed


def test_s3_objects_are_read_many_at_a_time_with_the_same_result(
    moto_s3: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """A worker fetches S3 objects on threads ahead of the parsing: with a slow round trip
    several are in flight at once; the warehouse and the summary are those of a worker
    that reads one object after the other, and an object that cannot be read is
    quarantined at its place without stopping the others."""
    import asyncio

    import s3fs

    from policygen_batch.ingest import convert

    name = f"reads-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=moto_s3, region_name="us-east-1")
    s3.create_bucket(Bucket=name)
    for n in range(12):
        recs = [record(time=f"2024-05-01T0{n % 10}:00:{n:02d}Z") for _ in range(2)]
        key = delivery_key(ACCOUNT, "us-east-1", "2024-05-01", f"f{n:02d}")
        s3.put_object(Bucket=name, Key=key, Body=archive_bytes(recs))
    denied = f"{name}/{delivery_key(ACCOUNT, 'us-east-1', '2024-05-01', 'f05')}"
    real = s3fs.S3FileSystem._cat_file
    in_flight, most = 0, 0

    async def slow_cat_file(self: object, path: str, *args: object, **kwargs: object) -> object:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0.05)
            if path.removeprefix("s3://") == denied:
                raise PermissionError(f"Access Denied: {path}")
            return await real(self, path, *args, **kwargs)
        finally:
            in_flight -= 1

    # A client binds cat_file to _cat_file when it is made, and s3fs keeps the clients it
    # made: drop them, so that the next one is made with the slow _cat_file (and after
    # the test, so that no later test gets one).
    monkeypatch.setattr(s3fs.S3FileSystem, "_cat_file", slow_cat_file)
    s3fs.S3FileSystem.clear_instance_cache()
    request.addfinalizer(s3fs.S3FileSystem.clear_instance_cache)

    def run(folder: str) -> tuple[api.ConvertSummary, list[dict[str, object]]]:
        wh = tmp_path / folder
        config = ConvertConfig(
            sources=(f"s3://{name}/AWSLogs",),
            warehouse=wh,
            workers=1,  # inline: the patched client is this process's
            s3=S3Options(endpoint_url=moto_s3),
        )
        summary = api.convert(config)
        rows = api.query(wh, "SELECT event_id, source_key, raw FROM events ORDER BY 1, 2")
        return summary, rows.to_dicts()

    many, many_rows = run("many")
    assert most > 1
    monkeypatch.setattr(convert, "S3_READ_THREADS", 0)
    most = 0
    one, one_rows = run("one")
    assert most == 1
    assert many_rows == one_rows
    assert (many.files_ingested, many.files_quarantined, many.rows_written) == (11, 1, 22)
    assert many.quarantined == one.quarantined
    assert many.quarantined[0]["path"] == f"s3://{denied}"
    assert "Access Denied" in str(many.quarantined[0]["reason"])


def test_an_s3_client_has_a_connection_for_every_thread_that_shares_it(moto_s3: str) -> None:
    """botocore keeps 10 connections unless told: the listing and reading threads would
    wait for one another beyond that."""
    from policygen_batch.ingest import convert, discover

    fs = discover.make_s3fs(S3Options(endpoint_url=moto_s3), listings_cache=False)
    fs.ls("")  # makes the client
    pool = fs.s3.meta.config.max_pool_connections
    assert pool >= max(discover.S3_LISTING_THREADS, convert.S3_READ_THREADS)


def test_unreachable_bucket_is_a_source_error(moto_s3: str, tmp_path: Path) -> None:
    """A bucket that does not exist is reported as a bad source, not a crash."""
    from policygen_batch.errors import SourceError

    config = ConvertConfig(
        sources=("s3://no-such-bucket-here/x",),
        warehouse=tmp_path / "wh",
        workers=1,
        s3=S3Options(endpoint_url=moto_s3),
    )
    with pytest.raises(SourceError):
        api.convert(config)


def test_workers_see_credentials_set_after_their_fork_server_started(
    moto_s3: str, bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers are forked from a server that outlives a run. A run made while the process
    had no credentials may have started it; a later run's workers must still see the
    credentials the process has now."""
    local = tmp_path / "local"
    path = local / delivery_key(ACCOUNT, "us-east-1", "2024-05-01", "a")
    path.parent.mkdir(parents=True)
    path.write_bytes(archive_bytes([record()]))
    with monkeypatch.context() as without:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            without.delenv(key, raising=False)
        api.convert(
            ConvertConfig(sources=(str(local),), warehouse=tmp_path / "wh-local", workers=2)
        )
    config = ConvertConfig(
        sources=(f"s3://{bucket}/AWSLogs",),
        warehouse=tmp_path / "wh",
        workers=2,
        s3=S3Options(endpoint_url=moto_s3),
        chunk_files=1,
    )
    summary = api.convert(config)
    assert (summary.files_ingested, summary.rows_written) == (3, 9)
