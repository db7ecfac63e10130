"""The commit log that makes the warehouse incremental and crash-safe.

A conversion writes its Parquet files under ``_staging/`` first. A *commit* then:

1. writes ``_manifest/sources/<seq>.parquet`` (the outcome of every source object in it),
2. writes ``_manifest/commits/<seq>.json`` atomically (temp name, fsync, rename) — the
   commit point: it lists each staged file and its final name,
3. renames the staged files into ``events/`` and ``quarantine/``.

Recovery (run before every write) redoes step 3 for every commit record and deletes all
that no record names. So a process killed at any instant leaves either a commit that
recovery completes or nothing at all, and a re-run converges to exactly what an
uninterrupted run writes. The manifest is after the data in the sense that matters: a
source counts as ingested only once its rows are committed with it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from policygen_batch.errors import WarehouseError
from policygen_batch.warehouse.layout import FORMAT_VERSION, Layout

# --- the sources table: one row per source object per commit --------------------------------
URL = "url"
SIZE = "size"
VERSION = "version"
OUTCOME = "outcome"
REASON = "reason"
RECORDS_READ = "records_read"
ROWS_WRITTEN = "rows_written"
DUPLICATES = "duplicates_dropped"
QUARANTINED = "records_quarantined"
COMMIT = "commit"

SOURCES_SCHEMA = pa.schema(
    [
        pa.field(URL, pa.string()),
        pa.field(SIZE, pa.int64()),
        pa.field(VERSION, pa.string()),
        pa.field(OUTCOME, pa.string()),
        pa.field(REASON, pa.string()),
        pa.field(RECORDS_READ, pa.int64()),
        pa.field(ROWS_WRITTEN, pa.int64()),
        pa.field(DUPLICATES, pa.int64()),
        pa.field(QUARANTINED, pa.int64()),
        pa.field(COMMIT, pa.int64()),
    ]
)


class Outcome:
    """What happened to a source object."""

    INGESTED = "ingested"
    QUARANTINED = "quarantined"


@dataclass(frozen=True, slots=True)
class SourceOutcome:
    """The manifest row of one source object."""

    url: str
    size: int
    version: str
    outcome: str
    reason: str | None
    records_read: int
    rows_written: int
    duplicates_dropped: int
    records_quarantined: int

    def reconciles(self) -> bool:
        """records read = rows written + duplicates dropped + records quarantined."""
        return self.records_read == (
            self.rows_written + self.duplicates_dropped + self.records_quarantined
        )


@dataclass(frozen=True, slots=True)
class StagedFile:
    """A file to move from staging to its final place at commit."""

    staged: str  # relative to the warehouse root
    final: str


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write *data* to *path* so that readers see the old file or the whole new one."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    tmp.replace(path)
    _fsync_dir(path.parent)


class Manifest:
    """The commit log of one warehouse. Open it with :func:`open_for_write` to change it."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._seqs: list[int] | None = None
        self._records: dict[int, list[StagedFile]] = {}

    def commit_seqs(self) -> list[int]:
        """Sequence numbers of every commit, ascending (listed once, then kept up to date)."""
        if self._seqs is None:
            folder = self.layout.commits
            found = folder.glob("*.json") if folder.is_dir() else []
            self._seqs = sorted(int(p.stem) for p in found if p.stem.isdigit())
        return list(self._seqs)

    def read_commit(self, seq: int) -> list[StagedFile]:
        """The files of commit *seq* (each record is read once per Manifest: commit records
        never change once written)."""
        files = self._records.get(seq)
        if files is None:
            record = orjson.loads(self.layout.commit_record(seq).read_bytes())
            files = [StagedFile(f["staged"], f["final"]) for f in record["files"]]
            self._records[seq] = files
        return list(files)

    def committed_files(self, prefix: str) -> list[Path]:
        """Final paths of committed files whose relative name starts with *prefix*, sorted."""
        out = [
            self.layout.root / f.final
            for seq in self.commit_seqs()
            for f in self.read_commit(seq)
            if f.final.startswith(prefix)
        ]
        return sorted(out)

    def sources(self) -> pa.Table:
        """Every source outcome ever committed (later commits after earlier ones)."""
        files = [self.layout.sources_file(seq) for seq in self.commit_seqs()]
        if not files:
            return SOURCES_SCHEMA.empty_table()
        return pa.concat_tables(pq.read_table(f, schema=SOURCES_SCHEMA) for f in files)

    def known_versions(self) -> dict[str, tuple[int, str]]:
        """``url → (size, version)`` of the last commit that saw each source object."""
        table = self.sources()
        return {
            url: (size, version)
            for url, size, version in zip(
                table.column(URL).to_pylist(),
                table.column(SIZE).to_pylist(),
                table.column(VERSION).to_pylist(),
                strict=True,
            )
        }

    # --- writing --------------------------------------------------------------------------
    def recover(self) -> None:
        """Finish every commit whose renames were interrupted; delete all uncommitted files."""
        root = self.layout.root
        committed_sources = set()
        for seq in self.commit_seqs():
            committed_sources.add(self.layout.sources_file(seq).name)
            for f in self.read_commit(seq):
                final, staged = root / f.final, root / f.staged
                if final.exists():
                    continue
                if not staged.exists():
                    raise WarehouseError(
                        f"commit {seq} names {f.final}, which is neither committed nor staged"
                    )
                final.parent.mkdir(parents=True, exist_ok=True)
                staged.replace(final)
        if self.layout.staging.exists():
            shutil.rmtree(self.layout.staging)
        if self.layout.sources.is_dir():
            for path in self.layout.sources.iterdir():
                if path.name not in committed_sources:
                    path.unlink()
        for folder in (self.layout.commits, self.layout.sources):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):
                    tmp.unlink()

    def next_seq(self) -> int:
        """The sequence number the next commit takes."""
        seqs = self.commit_seqs()
        return (seqs[-1] + 1) if seqs else 1

    def commit(
        self, seq: int, files: Sequence[StagedFile], outcomes: Sequence[SourceOutcome]
    ) -> None:
        """Commit staged *files* and the *outcomes* of their sources as commit *seq*."""
        if seq != self.next_seq():
            raise WarehouseError(f"commit {seq} is out of order (next is {self.next_seq()})")
        table = pa.table(
            {
                URL: [o.url for o in outcomes],
                SIZE: [o.size for o in outcomes],
                VERSION: [o.version for o in outcomes],
                OUTCOME: [o.outcome for o in outcomes],
                REASON: [o.reason for o in outcomes],
                RECORDS_READ: [o.records_read for o in outcomes],
                ROWS_WRITTEN: [o.rows_written for o in outcomes],
                DUPLICATES: [o.duplicates_dropped for o in outcomes],
                QUARANTINED: [o.records_quarantined for o in outcomes],
                COMMIT: [seq] * len(outcomes),
            },
            schema=SOURCES_SCHEMA,
        )
        sources_path = self.layout.sources_file(seq)
        tmp = sources_path.with_name(f".{sources_path.name}.tmp")
        pq.write_table(table, tmp, compression="zstd")
        tmp.replace(sources_path)
        record = {
            "seq": seq,
            "format": FORMAT_VERSION,
            "files": [{"staged": f.staged, "final": f.final} for f in files],
        }
        write_atomic(
            self.layout.commit_record(seq), orjson.dumps(record, option=orjson.OPT_INDENT_2)
        )
        self._seqs = [*self.commit_seqs(), seq]
        for f in files:
            final = self.layout.root / f.final
            final.parent.mkdir(parents=True, exist_ok=True)
            (self.layout.root / f.staged).replace(final)


@contextmanager
def open_for_write(root: Path) -> Iterator[Manifest]:
    """Create the warehouse if needed, take the writer lock, recover, and yield the manifest."""
    layout = Layout(root)
    if root.exists() and any(root.iterdir()) and not layout.marker.exists():
        raise WarehouseError(f"{root} exists and is not a policygen warehouse")
    for folder in (layout.commits, layout.sources, layout.events, layout.quarantine):
        folder.mkdir(parents=True, exist_ok=True)
    if not layout.marker.exists():
        write_atomic(layout.marker, orjson.dumps({"format": FORMAT_VERSION}))
    with layout.lock.open("a") as lock:
        try:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise WarehouseError(f"another process is writing to {root}") from exc
        manifest = Manifest(layout)
        manifest.recover()
        try:
            yield manifest
        finally:
            fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
