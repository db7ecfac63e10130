"""How long convert lists and reads S3, one request at a time or with threads ahead.

    python -m benchmarks.bench_s3 [--size 100k] [--latency 0,0.03,0.1] [--since D]
                                  [--read-latency 0.03]

Uploads a cached corpus (:mod:`bench_corpus`) to moto's standalone S3 server on a loopback
port. Then, for each *latency*, lists it with
:func:`~policygen_batch.ingest.discover.iter_objects` with ``S3_LISTING_THREADS`` at 0
(each folder listed when the walk reaches it) and at its default; and for each
*read latency*, converts it (one worker, in this process) with ``S3_READ_THREADS`` at 0
(each object read when its turn comes) and at its default. The latency is added to every
request in s3fs (``_lsdir``, ``_cat_file``): moto on loopback answers in milliseconds,
real S3 in tens of them. Prints objects, requests and seconds. Not part of ``make bench``:
uploading 15k files to moto takes about a minute, and reading them one at a time at 30 ms
several minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.bench_corpus import SIZES, corpus


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _upload(root: Path, endpoint: str, bucket: str) -> int:
    import s3fs

    fs = s3fs.S3FileSystem(endpoint_url=endpoint)
    fs.mkdir(bucket)
    files = sorted(p for p in root.rglob("*") if p.is_file())
    for start in range(0, len(files), 1000):  # s3fs uploads a batch's objects concurrently
        batch = files[start : start + 1000]
        fs.pipe({f"{bucket}/{p.relative_to(root)}": p.read_bytes() for p in batch})
    return len(files)


@dataclass
class _Requests:
    """How many requests a run made of the delayed kind."""

    count: int = 0


@contextmanager
def _delayed(method: str, latency: float) -> Iterator[_Requests]:
    """s3fs's coroutine *method* (``_lsdir``, ``_cat_file``) made *latency* seconds slower
    and counted, for the ``with`` block. Cached clients are dropped before and after: a
    client binds its sync methods (``cat_file``) to the coroutines when it is made."""
    import s3fs

    real = getattr(s3fs.S3FileSystem, method)
    requests = _Requests()

    async def slow(self: Any, *args: Any, **kwargs: Any) -> Any:
        requests.count += 1
        await asyncio.sleep(latency)
        return await real(self, *args, **kwargs)

    s3fs.S3FileSystem.clear_instance_cache()
    setattr(s3fs.S3FileSystem, method, slow)
    try:
        yield requests
    finally:
        setattr(s3fs.S3FileSystem, method, real)
        s3fs.S3FileSystem.clear_instance_cache()


def _list(url: str, endpoint: str, threads: int, latency: float, since: date | None) -> str:
    from policygen_batch.ingest import discover

    default = discover.S3_LISTING_THREADS
    discover.S3_LISTING_THREADS = threads
    try:
        with _delayed("_lsdir", latency) as requests:
            pruner = discover.Pruner(since, since)
            started = time.perf_counter()
            options = discover.S3Options(endpoint_url=endpoint)
            objects = sum(1 for _ in discover.iter_objects([url], options, pruner))
            seconds = time.perf_counter() - started
    finally:
        discover.S3_LISTING_THREADS = default
    return f"threads={threads:2d}: {objects} objects, {requests.count} listings, {seconds:.2f} s"


def _convert(
    url: str, endpoint: str, threads: int, latency: float, *, since: date | None, warehouse: Path
) -> str:
    from policygen_batch import api
    from policygen_batch.config import ConvertConfig
    from policygen_batch.ingest import convert, discover

    default = convert.S3_READ_THREADS
    convert.S3_READ_THREADS = threads
    try:
        with _delayed("_cat_file", latency) as requests:
            config = ConvertConfig(
                sources=(url,),
                warehouse=warehouse,
                workers=1,  # inline: the delayed client is this process's
                s3=discover.S3Options(endpoint_url=endpoint),
                since=since,
                until=since,
            )
            started = time.perf_counter()
            summary = api.convert(config)
            seconds = time.perf_counter() - started
    finally:
        convert.S3_READ_THREADS = default
    return (
        f"threads={threads:2d}: {summary.files_ingested} objects, {summary.rows_written} rows, "
        f"{requests.count} reads, {seconds:.2f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k", choices=sorted(SIZES))
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/cache"))
    parser.add_argument("--latency", default="0,0.03,0.1", help="seconds added per listing")
    parser.add_argument("--since", type=date.fromisoformat, help="a one-day window (default: none)")
    parser.add_argument(
        "--read-latency", default="0.03", help="seconds added per read; '' for none"
    )
    args = parser.parse_args(argv)
    root = corpus(args.cache, args.size)
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench")):
        os.environ.setdefault(name, value)
    server = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        print(f"uploaded {_upload(root, endpoint, 'bench')} files of {root}")
        from policygen_batch.ingest import discover

        for latency in (float(x) for x in args.latency.split(",") if x):
            for threads in (0, discover.S3_LISTING_THREADS):
                line = _list("s3://bench/AWSLogs", endpoint, threads, latency, args.since)
                print(f"list: latency={latency:.3f} s {line}")
        from policygen_batch.ingest import convert

        for latency in (float(x) for x in args.read_latency.split(",") if x):
            for threads in (0, convert.S3_READ_THREADS):
                with tempfile.TemporaryDirectory() as scratch:
                    warehouse = Path(scratch) / "wh"
                    line = _convert(
                        "s3://bench/AWSLogs",
                        endpoint,
                        threads,
                        latency,
                        since=args.since,
                        warehouse=warehouse,
                    )
                print(f"convert: latency={latency:.3f} s {line}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
