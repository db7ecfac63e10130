"""``convert``: source objects → staged Parquet in parallel → commits in order.

The run is split into *chunks* of source objects (sorted by URL), made as the sources are
listed and as the workers need them. Workers (forked processes, one Arrow thread each)
turn a chunk into staged files, one per event date (or more: see
:class:`~policygen_batch.warehouse.parquet.PartitionedWriter`).
The parent commits chunks strictly in chunk order, dropping rows whose
``(event_id, account_id)`` is already committed. Because the first delivery of an event in
URL order always wins, the rows of the warehouse do not depend on the number of workers
or on how the objects were chunked.
"""

from __future__ import annotations

import gc
import itertools
import os
import shutil
import time
import uuid
from collections import Counter, deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from policygen_batch import schema as s
from policygen_batch.config import ConvertConfig
from policygen_batch.ingest.discover import (
    Kind,
    Pruner,
    S3Options,
    SourceObject,
    in_bounds,
    iter_objects,
    key_date_bounds,
    make_s3fs,
)
from policygen_batch.ingest.lookahead import read_ahead
from policygen_batch.ingest.reader import (
    FileRejected,
    ParsedObject,
    build_rows,
    split_object,
    to_events,
)
from policygen_batch.ingest.workers import start_fork_server, worker_context
from policygen_batch.progress import NullProgress, ProgressSink
from policygen_batch.warehouse.manifest import (
    Manifest,
    Outcome,
    SourceOutcome,
    StagedFile,
    open_for_write,
)
from policygen_batch.warehouse.options import WriteOptions
from policygen_batch.warehouse.parquet import (
    PartitionedWriter,
    write_events,
    write_quarantine,
)


class SkipReason:
    """Why discovery passed an object over (keys of ``files_skipped_by_reason``)."""

    DIGEST = "digest"
    INSIGHT = "insight"
    NOT_A_LOG = "not_a_log"
    OUTSIDE_WINDOW = "outside_window"
    UNCHANGED = "already_ingested"


@dataclass(frozen=True, slots=True)
class ChunkTask:
    """One unit of worker work: consecutive source objects, written under *staging*."""

    index: int
    objects: tuple[SourceObject, ...]
    staging: str
    root: str
    s3: S3Options
    write: WriteOptions


@dataclass(slots=True)
class ChunkResult:
    """What a worker staged for one chunk, and the outcome of each of its objects."""

    index: int
    outcomes: list[SourceOutcome]
    event_files: list[tuple[str, str]]  # (event date, staged path relative to the root)
    quarantine_file: str | None
    key_hashes: dict[str, pl.Series]  # event date → its rows' key hashes, in file order
    source_dates: tuple[date, date] | None  # first and last key date of the chunk's objects


@dataclass
class ConvertSummary:
    """The tallies of one ``convert`` run (``--summary-json``)."""

    files_seen: int = 0
    files_ingested: int = 0
    files_skipped: int = 0
    files_skipped_by_reason: dict[str, int] = field(default_factory=dict)
    files_quarantined: int = 0
    folders_pruned: int = 0  # date folders outside --since/--until, never listed
    records_read: int = 0
    rows_written: int = 0
    duplicates_dropped: int = 0
    records_quarantined: int = 0
    quarantined: list[dict[str, Any]] = field(default_factory=list)
    commits: int = 0
    elapsed_s: float = 0.0

    @property
    def has_bad_input(self) -> bool:
        """Whether anything was quarantined (``--strict`` turns this into exit status 4)."""
        return bool(self.files_quarantined or self.records_quarantined)

    def to_json(self) -> dict[str, Any]:
        """The summary as the JSON document ``--summary-json`` writes."""
        return {
            "files_seen": self.files_seen,
            "files_ingested": self.files_ingested,
            "files_skipped": self.files_skipped,
            "files_skipped_by_reason": dict(sorted(self.files_skipped_by_reason.items())),
            "files_quarantined": self.files_quarantined,
            "folders_pruned": self.folders_pruned,
            "records_read": self.records_read,
            "rows_written": self.rows_written,
            "duplicates_dropped": self.duplicates_dropped,
            "records_quarantined": self.records_quarantined,
            "quarantined": self.quarantined,
            "commits": self.commits,
            "elapsed_s": round(self.elapsed_s, 3),
        }


# --- worker side ---------------------------------------------------------------------------


def _init_worker(environ: dict[str, str]) -> None:
    """Make a worker see the run's environment, with one thread.

    A worker forked from the fork server inherits the *server's* environment, taken when
    it started — possibly during an earlier run of the same process, before the caller
    set its AWS credentials — so it is replaced by the run's (multiprocessing already
    carries the working folder over). The parallelism is across processes: one Arrow and
    polars thread each.
    """
    os.environ.clear()
    os.environ.update(environ)
    os.environ["POLARS_MAX_THREADS"] = "1"
    pa.set_cpu_count(1)
    pa.set_io_thread_count(1)


#: Threads a worker reads S3 objects with, and how many bytes of objects (by their listed
#: size) it reads ahead of the parsing. An object is a round trip (tens of ms on real S3)
#: and CloudTrail objects are small — a few KiB — so read one at a time a worker would wait
#: on the network nearly all the time: a million-event corpus is 120k objects.
S3_READ_THREADS = 16
S3_READ_AHEAD_BYTES = 16 * 1024 * 1024


def _read_objects(
    objects: Sequence[SourceObject], s3: S3Options
) -> Iterator[tuple[SourceObject, bytes | Exception]]:
    """Each object with its bytes, or the error reading it, in order. S3 objects are
    fetched many at a time ahead of the caller (:func:`read_ahead`); local files are read
    when their turn comes (a local read costs microseconds: threads would only add)."""
    remote = [o for o in objects if o.url.startswith("s3://")]
    fetched: Iterator[tuple[SourceObject, bytes | Exception]] = iter(())
    if remote:
        fs = make_s3fs(s3)
        fs.connect()  # the client, made once here: threads making it at once would race

        def fetch(obj: SourceObject) -> bytes:
            data: bytes = fs.cat_file(obj.url.removeprefix("s3://"))
            return data

        fetched = read_ahead(
            remote,
            fetch,
            threads=S3_READ_THREADS,
            max_ahead=S3_READ_AHEAD_BYTES,
            size=lambda obj: obj.size,
        )
    for obj in objects:
        if obj.url.startswith("s3://"):
            yield next(fetched)
            continue
        try:
            yield obj, _read_local(obj.url)
        except OSError as exc:
            yield obj, exc


def _read_local(path: str) -> bytes:
    """The whole file at *path*. Plain ``os`` calls: CloudTrail objects are many and small,
    and ``Path.read_bytes`` costs nearly three times as much per file (measured: 16 µs
    against 6 µs), a few percent of a whole conversion."""
    fd = os.open(path, os.O_RDONLY)
    try:
        size = os.fstat(fd).st_size
        data = os.read(fd, size + 1)
        if len(data) == size:  # asked for one byte more than there is: this is all of it
            return data
        parts = [data]  # it grew or shrank meanwhile, or is larger than one read returns
        while chunk := os.read(fd, 1 << 24):
            parts.append(chunk)
        return b"".join(parts)
    finally:
        os.close(fd)


#: Kept records buffered across objects before one Arrow conversion (see build_rows): the
#: decoded records and their Arrow batch are a worker's largest transient (see WriteOptions).
_BATCH_RECORDS = 4096


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector: parsed records are acyclic dicts and lists, and
    with thousands of them alive in a batch each collection walks them all (measured: a
    quarter of the conversion time). Reference counting still frees them."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def run_chunk(task: ChunkTask) -> ChunkResult:
    """Parse and stage one chunk (runs in a worker process, or inline with one worker)."""
    with _gc_paused():
        return _run_chunk(task)


def _run_chunk(task: ChunkTask) -> ChunkResult:
    """Objects are split one by one, but their records are converted to Arrow in batches of
    many objects: CloudTrail delivers many small files, and a conversion per file would
    spend most of its time on fixed per-call costs."""
    root = Path(task.root)
    staging = root / task.staging
    key_hashes: dict[str, list[pl.Series]] = {}

    def observe(day: str, table: pa.Table) -> None:
        """Hash the keys of rows as they are written: the parent then reads a staged file
        only when one of its hashes is already known (a possible duplicate)."""
        keys = pl.LazyFrame(table.select([s.EVENT_ID, s.ACCOUNT_ID]))
        hashes = CommittedIds.keys_of(keys, day).collect()
        key_hashes.setdefault(day, []).append(hashes[CommittedIds.HASH])

    writer = PartitionedWriter(staging, f"chunk-{task.index:06d}", task.write, to_events, observe)
    seen: set[str] = set()
    quarantine: list[tuple[str, int | None, str, str | None]] = []
    tallies: dict[str, tuple[int, int, int, int]] = {}  # read, kept, duplicates, quarantined
    rejected_by_source: dict[str, int] = {}
    pending: list[ParsedObject] = []
    pending_records = 0

    def flush() -> None:
        nonlocal pending, pending_records
        if pending_records:
            # Objects of one day next to each other: the writer then slices, not copies.
            pending.sort(key=_first_day)
            rows, rejected = build_rows(pending, seen)
            writer.add(rows)
            for key, index, reason, raw in rejected:
                quarantine.append((key, index, reason, raw))
                rejected_by_source[key] = rejected_by_source.get(key, 0) + 1
        pending, pending_records = [], 0  # the decoded records can go now

    outcomes: list[SourceOutcome] = []
    for obj, data in _read_objects(task.objects, task.s3):
        try:
            if isinstance(data, Exception):
                raise data  # caught below when it is a failed read (OSError)
            parsed = split_object(data, obj.url, obj.account, seen)
        except (FileRejected, OSError) as exc:
            reason = str(exc) if isinstance(exc, FileRejected) else f"unreadable: {exc}"
            quarantine.append((obj.url, None, reason, None))
            outcomes.append(
                SourceOutcome(
                    obj.url, obj.size, obj.version, Outcome.QUARANTINED, reason, 0, 0, 0, 0
                )
            )
            continue
        quarantine.extend((obj.url, i, reason, raw) for i, reason, raw in parsed.quarantine)
        tallies[obj.url] = (
            parsed.records_read,
            len(parsed.ids),
            parsed.duplicates,
            len(parsed.quarantine),
        )
        pending.append(parsed)
        pending_records += len(parsed.ids)
        if pending_records >= _BATCH_RECORDS:
            flush()
        outcomes.append(
            SourceOutcome(obj.url, obj.size, obj.version, Outcome.INGESTED, None, 0, 0, 0, 0)
        )
    flush()
    staged = writer.close()
    outcomes = [_tally(o, tallies.get(o.url), rejected_by_source.get(o.url, 0)) for o in outcomes]
    quarantine_file = None
    if quarantine:
        path = staging / f"chunk-{task.index:06d}-quarantine.parquet"
        write_quarantine(path, quarantine)
        quarantine_file = str(path.relative_to(root))
    return ChunkResult(
        task.index,
        outcomes,
        [(day, str(path.relative_to(root))) for day, path in staged],
        quarantine_file,
        {day: pl.concat(parts) for day, parts in key_hashes.items()},
        _source_dates(task.objects),
    )


def _source_dates(objects: Sequence[SourceObject]) -> tuple[date, date] | None:
    """The first and last key date of *objects*; None when one of them has none (the
    manifest then notes no span for their commit, and reads it back on every run)."""
    known = [o.key_date for o in objects if o.key_date is not None]
    if not known or len(known) < len(objects):
        return None
    return min(known), max(known)


def _first_day(parsed: ParsedObject) -> str:
    """The date prefix of an object's first kept event time (objects rarely span days)."""
    first = parsed.times[0] if parsed.times else None
    return first[:10] if isinstance(first, str) else ""


def _tally(
    outcome: SourceOutcome, tally: tuple[int, int, int, int] | None, rejected: int
) -> SourceOutcome:
    """The outcome of an ingested object with its counts filled in."""
    if tally is None:
        return outcome
    records_read, kept, duplicates, quarantined = tally
    return SourceOutcome(
        outcome.url,
        outcome.size,
        outcome.version,
        outcome.outcome,
        outcome.reason,
        records_read,
        kept - rejected,
        duplicates,
        quarantined + rejected,
    )


# --- parent side ---------------------------------------------------------------------------


class CommittedIds:
    """What has been committed, to drop a staged row whose ``(event_id, account_id)`` is
    already in the warehouse (a duplicate delivery that fell in another chunk or run).

    Only a 64-bit hash of ``(event_date, event_id, account_id)`` is kept per committed row
    — 8 bytes instead of about 240 (measured: a 1M-event convert held 240 MiB of keys) —
    so memory stays flat as the warehouse grows. A hash is only a candidate: a staged row
    whose hash is known is dropped only after its exact key is found in the committed
    files of its date, so a collision can never lose an event. Each date's hashes are
    read from the warehouse the first time a chunk touches that date. A missing account
    is kept as ``""``, as the reader's :func:`~policygen_batch.ingest.reader.seen_key` has it.
    """

    _DAY = "_day"
    HASH = "_key_hash"
    _KEYS = (_DAY, s.EVENT_ID, s.ACCOUNT_ID)

    @classmethod
    def keys_of(cls, events: pl.LazyFrame, day: str) -> pl.LazyFrame:
        """The keys of *events* (rows all of date *day*) and their hashes: the one
        definition of a row's key hash, used by workers as they write and by the parent
        reading committed files."""
        return events.select(
            pl.lit(day).alias(cls._DAY),
            pl.col(s.EVENT_ID),
            pl.col(s.ACCOUNT_ID).fill_null(""),
        ).with_columns(pl.struct(*cls._KEYS).hash(0).alias(cls.HASH))

    def __init__(self, manifest: Manifest, write: WriteOptions) -> None:
        self._manifest = manifest
        self._write = write
        self._loaded: set[str] = set()
        self._known = pl.Series(self.HASH, dtype=pl.UInt64)  # appended to, chunk by chunk

    def _files_of(self, days: set[str]) -> dict[Path, str]:
        """The committed events files of *days* (file → its date), as the log has them now."""
        layout = self._manifest.layout
        prefixes = {str(layout.event_partition(d)) + os.sep: d for d in days}
        return {
            f: day
            for f in self._manifest.committed_files("events/")
            for prefix, day in prefixes.items()
            if str(f).startswith(prefix)
        }

    def _read_keys(
        self, day_of: dict[Path, str], only_ids: pl.Series | None = None
    ) -> pl.DataFrame:
        """Keys and key hashes of the files in *day_of* (file → its event date), in file
        order; with *only_ids*, only the rows of those event ids (filtered while scanning).
        Each file's date is a literal: a file-path column would cost a string per row."""
        frame = pl.concat(
            self.keys_of(pl.scan_parquet(path, hive_partitioning=False), day)
            for path, day in day_of.items()
        )
        if only_ids is not None:
            frame = frame.filter(pl.col(s.EVENT_ID).is_in(only_ids.implode()))
        return frame.collect()

    def _load(self, days: set[str]) -> None:
        """Add the key hashes of *days* (those not loaded yet)."""
        if days <= self._loaded:
            return
        day_of = self._files_of(days - self._loaded)
        if day_of:
            self._known.append(self._read_keys(day_of)[self.HASH])
        self._loaded |= days

    def _committed(self, candidates: pl.DataFrame) -> pl.DataFrame:
        """Those of the *candidates* (rows whose hash is known) that really are committed."""
        files = self._files_of(set(candidates[self._DAY]))
        committed = self._read_keys(files, only_ids=candidates[s.EVENT_ID].unique())
        return candidates.join(committed, on=list(self._KEYS), how="semi")

    def drop_committed(
        self, staged: list[tuple[str, Path]], key_hashes: dict[str, pl.Series]
    ) -> dict[str, int]:
        """Remove already-committed rows from the staged files ``(event date, file)``,
        whose rows' key hashes are *key_hashes* (per date, in file order); record their
        keys; return duplicates per source key. A date's files are read only when one of
        its hashes is already known, and rewritten only when a row really is committed."""
        self._load(set(key_hashes))
        days = sorted(key_hashes)
        if not days:
            return {}
        # One lookup for the whole chunk: each lookup hashes every known key again.
        every = pl.concat([key_hashes[day] for day in days])
        candidate = every.is_in(self._known.implode())
        dups: dict[str, int] = {}
        kept: list[pl.Series] = []
        start = 0
        for day in days:
            hashes = key_hashes[day]
            if candidate.slice(start, len(hashes)).any():
                files = [path for d, path in staged if d == day]
                kept.append(self._drop_from(files, day, dups))
            else:
                kept.append(hashes)
            start += len(hashes)
        for hashes in kept:
            self._known.append(hashes)
        return dups

    def _drop_from(self, files: list[Path], day: str, dups: dict[str, int]) -> pl.Series:
        """Drop the committed rows of *files* (all of *day*, in order), counting them in
        *dups*; return the key hashes of the rows that stay."""
        new = self._read_keys(dict.fromkeys(files, day))
        candidates = new.filter(pl.col(self.HASH).is_in(self._known.implode()))
        duplicate = self._committed(candidates) if candidates.height else candidates
        if not duplicate.height:
            return new[self.HASH]
        keys = list(self._KEYS)
        flagged = new.join(
            duplicate.select(keys).with_columns(pl.lit(True).alias("_dup")),
            on=keys,
            how="left",
            maintain_order="left",
        )
        is_dup = flagged["_dup"].is_not_null()
        start = 0
        for path in files:  # the rows came file after file
            rows = pq.read_metadata(path).num_rows
            mask = is_dup.slice(start, rows)
            start += rows
            if not mask.any():
                continue
            table = pq.read_table(path)
            sources = pl.Series(table.column(s.SOURCE_KEY).to_pylist()).filter(mask)
            for key, n in sources.value_counts().iter_rows():
                dups[str(key)] = dups.get(str(key), 0) + int(n)
            write_events(path, table.filter(pc.invert(mask.to_arrow())), self._write)
        return new.filter(~is_dup)[self.HASH]


#: A chunk that reached its size target may grow up to this factor to end where the
#: account and region of the objects change (see :func:`_chunks`).
_CHUNK_STRETCH = 4

#: With several workers, each chunk takes this share of the input still unassigned per
#: worker (see :func:`_chunks`).
_GUIDED_SHARE = 2

#: The smallest guided chunk target (unless ``chunk_bytes`` is smaller): below this, a
#: chunk's fixed costs (one Parquet file per date, one commit) outweigh its work.
_MIN_GUIDED_BYTES = 1 << 20


def _chunks(
    objects: Iterable[SourceObject], config: ConvertConfig
) -> Iterator[tuple[SourceObject, ...]]:
    """Consecutive runs of *objects* (sorted) of about ``chunk_bytes``, at most ``chunk_files``.

    With several workers the chunks shrink as the input runs out (*guided* scheduling):
    each chunk's target is what is still unassigned divided by ``workers * 2``, at least
    1 MiB and at most ``chunk_bytes``. The pool hands chunks out in order, so the last
    ones are small and the workers finish together; equal chunks leave one worker alone
    with the last of them (7 equal chunks of the 100k bench corpus: one worker ran four,
    the other three).

    *objects* is consumed as chunks are needed, looking ahead only as far as the target
    needs: ``workers * 2 * chunk_bytes`` of input still to come means a full-size chunk,
    and only near the end is the exact remainder known. The chunks are thus the same as
    over the whole listing — they depend on the input alone, never on timing.

    A chunk ends, when it can, where the delivery folder's account or region changes: a
    duplicate delivery stays in its account's and region's folder, so duplicates then fall
    inside one chunk, where the worker drops them, instead of straddling two, where the
    parent must rewrite a staged file. The rows do not depend on chunking either way
    (the first delivery in URL order wins).
    """
    stream = iter(objects)
    ahead: deque[SourceObject] = deque()
    ahead_bytes = 0
    share = config.workers * _GUIDED_SHARE

    def fill(until_bytes: int) -> bool:
        """Look ahead until *until_bytes* (at least one object) are buffered; False when
        the input ends first."""
        nonlocal ahead_bytes
        while not ahead or ahead_bytes < until_bytes:
            obj = next(stream, None)
            if obj is None:
                return False
            ahead.append(obj)
            ahead_bytes += obj.size
        return True

    def target() -> int:
        if config.workers <= 1 or fill(config.chunk_bytes * share):
            return config.chunk_bytes  # (the guided target would be at least this)
        guided = ahead_bytes // share + 1  # all that is left is buffered
        return min(config.chunk_bytes, max(_MIN_GUIDED_BYTES, guided))

    while fill(0):
        goal = target()
        current: list[SourceObject] = []
        size = 0
        while fill(0):
            obj = ahead[0]
            if current and (size >= goal or len(current) >= config.chunk_files):
                previous = current[-1]
                folder_changes = (obj.account, obj.region) != (previous.account, previous.region)
                if (
                    folder_changes
                    or size >= goal * _CHUNK_STRETCH
                    or len(current) >= config.chunk_files
                ):
                    break
            current.append(ahead.popleft())
            ahead_bytes -= obj.size
            size += obj.size
        yield tuple(current)


def _select(
    objects: Iterable[SourceObject],
    config: ConvertConfig,
    manifest: Manifest,
    summary: ConvertSummary,
) -> Iterator[SourceObject]:
    """The objects to ingest, as they are listed; count every one seen, and every other one
    under its skip reason."""
    bounds = key_date_bounds(config.since, config.until)
    known = manifest.known_versions(*bounds)
    skip_kinds = {
        Kind.DIGEST: SkipReason.DIGEST,
        Kind.INSIGHT: SkipReason.INSIGHT,
        Kind.NOT_A_LOG: SkipReason.NOT_A_LOG,
    }
    skipped = summary.files_skipped_by_reason
    for obj in objects:
        summary.files_seen += 1
        reason = skip_kinds.get(obj.kind)
        if reason is None and not in_bounds(obj, *bounds):
            reason = SkipReason.OUTSIDE_WINDOW
        if reason is None and known.get(obj.url) == (obj.size, obj.version):
            reason = SkipReason.UNCHANGED
        if reason is None:
            yield obj
        else:
            skipped[reason] = skipped.get(reason, 0) + 1


def _commit_chunk(
    result: ChunkResult, manifest: Manifest, ids: CommittedIds, summary: ConvertSummary
) -> str | None:
    """Commit one chunk; return the final path of its quarantine file, if it has one."""
    root = manifest.layout.root
    seq = manifest.next_seq()
    quarantine_final = None
    dups = ids.drop_committed([(day, root / p) for day, p in result.event_files], result.key_hashes)
    files: list[StagedFile] = []
    per_day = Counter(day for day, _ in result.event_files)
    numbered: dict[str, int] = {}
    for day, staged in result.event_files:  # a date's files in the order they were written
        n = numbered[day] = numbered.get(day, -1) + 1
        name = f"part-{seq:08d}-{n:04d}.parquet" if per_day[day] > 1 else f"part-{seq:08d}.parquet"
        final = manifest.layout.event_partition(day) / name
        files.append(StagedFile(staged, str(final.relative_to(root))))
    if result.quarantine_file:
        final = manifest.layout.quarantine / f"part-{seq:08d}.parquet"
        quarantine_final = str(final.relative_to(root))
        files.append(StagedFile(result.quarantine_file, quarantine_final))
    outcomes = []
    for o in result.outcomes:
        extra = dups.get(o.url, 0)
        outcome = SourceOutcome(
            o.url,
            o.size,
            o.version,
            o.outcome,
            o.reason,
            o.records_read,
            o.rows_written - extra,
            o.duplicates_dropped + extra,
            o.records_quarantined,
        )
        outcomes.append(outcome)
        summary.records_read += outcome.records_read
        summary.rows_written += outcome.rows_written
        summary.duplicates_dropped += outcome.duplicates_dropped
        summary.records_quarantined += outcome.records_quarantined
        if outcome.outcome == Outcome.QUARANTINED:
            summary.files_quarantined += 1
            summary.quarantined.append({"path": o.url, "reason": o.reason})
        else:
            summary.files_ingested += 1
    manifest.commit(seq, files, outcomes, result.source_dates)
    summary.commits += 1
    return quarantine_final


def _record_quarantine_details(
    manifest: Manifest, summary: ConvertSummary, run_files: list[str]
) -> None:
    """Add record-level quarantine entries (file, record, reason) to the summary."""
    for rel in run_files:
        table = pq.read_table(
            manifest.layout.root / rel, columns=[s.SOURCE_KEY, s.RECORD_INDEX, s.REASON]
        )
        for url, index, reason in zip(
            *(table.column(c).to_pylist() for c in table.column_names), strict=True
        ):
            if index is not None:
                summary.quarantined.append({"path": url, "record": index, "reason": reason})


def convert(config: ConvertConfig, progress: ProgressSink | None = None) -> ConvertSummary:
    """Ingest every new or changed source object of *config* into its warehouse."""
    progress = progress or NullProgress()
    started = time.perf_counter()
    summary = ConvertSummary()
    with _worker_pool(config.workers) as pool:  # first: see _worker_pool
        pruner = Pruner(config.since, config.until)
        listed = iter_objects(config.sources, config.s3, pruner)  # checks sources, lists lazily
        config.warehouse.mkdir(parents=True, exist_ok=True)
        with open_for_write(config.warehouse) as manifest:
            staging = f"_staging/{uuid.uuid4().hex}"
            chosen = _select(listed, config, manifest, summary)
            ids = CommittedIds(manifest, config.write)
            progress.start("convert", 0)  # the total grows as the listing goes on
            quarantine_files: list[str] = []
            tasks = _tasks(chosen, config, staging, progress)
            for result in _results(tasks, pool, in_flight=2 * config.workers):
                quarantine_file = _commit_chunk(result, manifest, ids, summary)
                if quarantine_file:
                    quarantine_files.append(quarantine_file)
                progress.advance(len(result.outcomes))
            progress.finish()
            summary.files_skipped = sum(summary.files_skipped_by_reason.values())
            summary.folders_pruned = pruner.folders_pruned
            shutil.rmtree(manifest.layout.root / staging, ignore_errors=True)
            _record_quarantine_details(manifest, summary, quarantine_files)
    summary.elapsed_s = time.perf_counter() - started
    return summary


def _tasks(
    chosen: Iterable[SourceObject], config: ConvertConfig, staging: str, progress: ProgressSink
) -> Iterator[ChunkTask]:
    """The worker tasks over *chosen*, made as they are needed (see :func:`_results`)."""
    for index, chunk in enumerate(_chunks(chosen, config)):
        progress.grow(len(chunk))
        yield ChunkTask(index, chunk, staging, str(config.warehouse), config.s3, config.write)


def _warm() -> None:
    """A task that does nothing: submitting it makes the pool start its workers now."""


@contextmanager
def _worker_pool(workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """The worker processes of a run (None with one worker: chunks then run inline).

    Started first, so that their start overlaps the listing of sources (see
    :mod:`policygen_batch.ingest.workers` for where they come from).
    """
    if workers <= 1:
        yield None
        return
    context = worker_context()
    pool = ProcessPoolExecutor(
        workers,
        mp_context=context,
        initializer=_init_worker,
        initargs=(dict(os.environ),),
    )
    try:
        if context.get_start_method() == "forkserver":
            # The server imports the converter while the parent lists the sources, and
            # the workers are forked from it at the first submits, at once. Submitting
            # now would make the parent wait for that import (a quarter of a second).
            start_fork_server()
        else:
            for _ in range(workers):
                pool.submit(_warm)  # a worker is spawned per submitted task, up to *workers*
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _results(
    tasks: Iterable[ChunkTask], pool: ProcessPoolExecutor | None, in_flight: int
) -> Iterator[ChunkResult]:
    """Chunk results in chunk order, computed inline or by the worker pool.

    Tasks are taken from *tasks* only as the pool can use them — at most *in_flight*
    submitted and not yet handed back — and making a task lists the sources it covers, so
    the parent lists while the workers work, and holds the listing of those tasks only.
    """
    stream = iter(tasks)
    first = list(itertools.islice(stream, 2))
    if pool is None or len(first) <= 1:  # one task: not worth waiting for a worker
        for task in itertools.chain(first, stream):
            yield run_chunk(task)
        return
    futures: deque[Future[ChunkResult]] = deque(pool.submit(run_chunk, t) for t in first)
    futures.extend(pool.submit(run_chunk, t) for t in itertools.islice(stream, in_flight - 2))
    while futures:
        result = futures.popleft().result()
        for task in itertools.islice(stream, 1):  # keep the workers fed while this commits
            futures.append(pool.submit(run_chunk, task))
        yield result  # popped: a committed chunk's result (an outcome per object) can go
