"""The commit log that makes the warehouse incremental and crash-safe.

A conversion writes its Parquet files under ``_staging/`` first. A *commit* then:

1. writes ``_manifest/sources/<seq>.parquet`` (the outcome of every source object in it),
2. writes ``_manifest/commits/<seq>.json`` atomically (temp name, fsync, rename) — the
   commit point: it lists each staged file and its final name,
3. renames the staged files into ``events/`` and ``quarantine/``.

A commit record also notes the first and last key date of its sources (the date folder of
the delivery layout) when every one of them has one, so that a run limited to a window
reads back only the commits that can hold its objects (:meth:`Manifest.known_versions`):
a nightly run over years of history then looks up last night's commits, not all of them.

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
from datetime import date
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


@dataclass(frozen=True, slots=True)
class CommitRecord:
    """What ``_manifest/commits/<seq>.json`` says: the files, and the key dates of the
    commit's sources (None when a source had no key date, or for records written before
    the field existed: such a commit may hold any object)."""

    files: tuple[StagedFile, ...]
    source_dates: tuple[date, date] | None


class Manifest:
    """The commit log of one warehouse. Open it with :func:`open_for_write` to change it."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self._seqs: list[int] | None = None
        self._records: dict[int, CommitRecord] = {}

    def commit_seqs(self) -> list[int]:
        """Sequence numbers of every commit, ascending (listed once, then kept up to date)."""
        if self._seqs is None:
            folder = self.layout.commits
            found = folder.glob("*.json") if folder.is_dir() else []
            self._seqs = sorted(int(p.stem) for p in found if p.stem.isdigit())
        return list(self._seqs)

    def record(self, seq: int) -> CommitRecord:
        """The record of commit *seq* (read once per Manifest: records never change)."""
        found = self._records.get(seq)
        if found is None:
            raw = orjson.loads(self.layout.commit_record(seq).read_bytes())
            dates = raw.get("source_dates")
            found = CommitRecord(
                tuple(StagedFile(f["staged"], f["final"]) for f in raw["files"]),
                (date.fromisoformat(dates[0]), date.fromisoformat(dates[1])) if dates else None,
            )
            self._records[seq] = found
        return found

    def read_commit(self, seq: int) -> list[StagedFile]:
        """The files of commit *seq*."""
        return list(self.record(seq).files)

    def committed_files(self, prefix: str) -> list[Path]:
        """Final paths of committed files whose relative name starts with *prefix*, sorted."""
        out = [
            self.layout.root / f.final
            for seq in self.commit_seqs()
            for f in self.read_commit(seq)
            if f.final.startswith(prefix)
        ]
        return sorted(out)

    def sources(self, seqs: Sequence[int] | None = None) -> pa.Table:
        """The source outcomes of commits *seqs* (default: every commit), in commit order."""
        chosen = self.commit_seqs() if seqs is None else seqs
        files = [self.layout.sources_file(seq) for seq in chosen]
        if not files:
            return SOURCES_SCHEMA.empty_table()
        return pa.concat_tables(pq.read_table(f, schema=SOURCES_SCHEMA) for f in files)

    def known_versions(
        self, first: date | None = None, last: date | None = None
    ) -> dict[str, tuple[int, str]]:
        """``url → (size, version)`` of the last commit that saw each source object, for
        every object whose key date may lie in ``[first, last]`` (``None``: open end).

        Commits whose sources all have key dates outside that range are not read: an
        object's key date is part of its URL, so every commit that saw an object inside
        the range noted a span that meets it. Objects without a key date are in every
        answer (their commits note no span).
        """
        seqs = [s for s in self.commit_seqs() if self._may_hold(s, first, last)]
        table = self.sources(seqs)
        return {
            url: (size, version)
            for url, size, version in zip(
                table.column(URL).to_pylist(),
                table.column(SIZE).to_pylist(),
                table.column(VERSION).to_pylist(),
                strict=True,
            )
        }

    def _may_hold(self, seq: int, first: date | None, last: date | None) -> bool:
        """Whether commit *seq* may have seen an object with a key date in ``[first, last]``."""
        if first is None and last is None:
            return True
        span = self.record(seq).source_dates
        if span is None:
            return True
        return (first is None or span[1] >= first) and (last is None or span[0] <= last)

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
        self,
        seq: int,
        files: Sequence[StagedFile],
        outcomes: Sequence[SourceOutcome],
        source_dates: tuple[date, date] | None = None,
    ) -> None:
        """Commit staged *files* and the *outcomes* of their sources as commit *seq*.

        *source_dates* is the first and last key date of those sources, when every one has
        one (see :meth:`known_versions`); None says nothing of their dates.
        """
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
        record: dict[str, object] = {
            "seq": seq,
            "format": FORMAT_VERSION,
            "files": [{"staged": f.staged, "final": f.final} for f in files],
        }
        if source_dates is not None:
            record["source_dates"] = [source_dates[0].isoformat(), source_dates[1].isoformat()]
        write_atomic(
            self.layout.commit_record(seq), orjson.dumps(record, option=orjson.OPT_INDENT_2)
        )
        self._seqs = [*self.commit_seqs(), seq]
        self._records[seq] = CommitRecord(tuple(files), source_dates)
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
