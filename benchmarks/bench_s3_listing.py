"""How long an S3 walk lists, one folder at a time or with threads ahead, at a given latency.

    python -m benchmarks.bench_s3_listing [--size 100k] [--latency 0,0.03,0.1] [--since D]

Uploads a cached corpus (:mod:`bench_corpus`) to moto's standalone S3 server on a loopback
port, then lists it with :func:`~policygen_batch.ingest.discover.iter_objects` with
``S3_LISTING_THREADS`` at 0 (each folder listed when the walk reaches it) and at its
default, each listing delayed by *latency* seconds (added in s3fs's ``_lsdir``: moto on
loopback answers in milliseconds, real S3 in tens of them). Prints the objects, listings
and seconds of each run. Not part of ``make bench``: uploading 15k files to moto takes
about 40 s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import time
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


def _list(url: str, endpoint: str, threads: int, latency: float, since: date | None) -> str:
    import s3fs

    from policygen_batch.ingest import discover

    real = s3fs.S3FileSystem._lsdir
    calls = 0

    async def slow(self: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        await asyncio.sleep(latency)
        return await real(self, *args, **kwargs)

    default = discover.S3_LISTING_THREADS
    s3fs.S3FileSystem._lsdir = slow  # latency, this run only
    discover.S3_LISTING_THREADS = threads
    try:
        pruner = discover.Pruner(since, since)
        started = time.perf_counter()
        options = discover.S3Options(endpoint_url=endpoint)
        objects = sum(1 for _ in discover.iter_objects([url], options, pruner))
        seconds = time.perf_counter() - started
    finally:
        s3fs.S3FileSystem._lsdir = real
        discover.S3_LISTING_THREADS = default
    return f"threads={threads:2d}: {objects} objects, {calls} listings, {seconds:.2f} s"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="100k", choices=sorted(SIZES))
    parser.add_argument("--cache", type=Path, default=Path("benchmarks/cache"))
    parser.add_argument("--latency", default="0,0.03,0.1", help="seconds added per listing")
    parser.add_argument("--since", type=date.fromisoformat, help="a one-day window (default: none)")
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

        for latency in (float(x) for x in args.latency.split(",")):
            for threads in (0, discover.S3_LISTING_THREADS):
                line = _list("s3://bench/AWSLogs", endpoint, threads, latency, args.since)
                print(f"latency={latency:.3f} s {line}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
