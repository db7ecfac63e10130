"""Frozen run configurations, validated once where they are built.

Every stage receives its configuration as an argument; nothing reads the environment or
the command line behind the caller's back.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from policygen_batch.errors import UsageError
from policygen_batch.ingest.discover import S3Options
from policygen_batch.warehouse.parquet import WriteOptions


def default_workers() -> int:
    """All cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


@dataclass(frozen=True, slots=True)
class ConvertConfig:
    """Options of ``policygen convert``.

    ``chunk_bytes`` bounds the compressed input one worker task reads: each task writes one
    file per event date it saw, so larger chunks mean fewer, larger Parquet files.
    """

    sources: tuple[str, ...]
    warehouse: Path
    since: date | None = None
    until: date | None = None
    workers: int = field(default_factory=default_workers)
    strict: bool = False
    s3: S3Options = field(default_factory=S3Options)
    write: WriteOptions = field(default_factory=WriteOptions)
    chunk_bytes: int = 64 * 1024 * 1024
    chunk_files: int = 20_000

    def __post_init__(self) -> None:
        if not self.sources:
            raise UsageError("convert needs at least one source")
        if self.workers < 1:
            raise UsageError("--workers must be at least 1")
        if self.since and self.until and self.since > self.until:
            raise UsageError(f"--since {self.since} is after --until {self.until}")
        if self.chunk_bytes < 1 or self.chunk_files < 1:
            raise UsageError("chunk sizes must be positive")
