"""Usage of every principal at once: partial aggregates per partition, and their combination.

The warehouse is cut into :class:`Partition` s (the committed files of one ``event_date``,
split further when a day is large). :func:`partial_usage` maps one partition's events to IAM
actions (:func:`policygen_batch.mapping.map_events`) and reduces them, for **all principals
at once**, to four small tables (:class:`UsageTables`):

``usage``       (principal, action, resource, resource type, status) → count, first_seen,
                last_seen, detail — only rows with a principal and an action (allowed,
                denied, implied)
``principals``  per principal: distinct events, denied/permission-less/non-API/unmapped
                events, first and last event time
``unmapped``    (principal, event_source, event_name, detail) → count, over every event
                (principal null when the event is attributed to nobody)
``events``      one row of org-wide tallies (total, attributed, non-API, …)

Every column of every table is a sum, a min or a max over rows, so :func:`combine` (concat,
re-group, re-reduce) is associative and commutative: any grouping of the partitions, in any
order, on any number of machines, gives exactly the table a single pass gives. That is the
contract a distributed engine implements (:mod:`policygen_batch.engine`). ``detail`` is the
least non-null detail in sort order — a deterministic example, not a full list.

Only the columns the mapping needs are read (never ``raw``: ten times costlier to scan), and
filters (window, accounts, principal globs) are applied before mapping. Counting units:
an *event* is a row of the events table, identified by ``(event_id, account_id)``; a usage
``count`` is a number of mapped rows, i.e. events that needed that action on that resource.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from policygen_batch import schema as s
from policygen_batch.catalog.model import Catalog
from policygen_batch.mapping import EVENT_COLUMNS, MappingTables, load_tables, map_events

_TIME = pl.Datetime("us", "UTC")
_PARTITION_DIR = re.compile(r"event_date=(\d{4}-\d{2}-\d{2})$")

#: Statuses whose rows carry an action worth aggregating per principal.
_ACTION_STATUSES = (s.MappingStatus.ALLOWED, s.MappingStatus.DENIED, s.MappingStatus.IMPLIED)
#: Event-level tallies: (output column, the status an event must have a row of).
_EVENT_FLAGS = (
    (s.DENIED_EVENTS, s.MappingStatus.DENIED),
    (s.PERMISSIONLESS_EVENTS, s.MappingStatus.PERMISSIONLESS),
    (s.NON_API_EVENTS, s.MappingStatus.NON_API),
    (s.UNMAPPED_EVENTS, s.MappingStatus.UNMAPPED),
)


@dataclass(frozen=True, slots=True)
class UsageFilter:
    """Which events count: a window of event dates, caller accounts, principal ARN globs.

    ``accounts`` filters the *caller's* account (``principal_account``): a principal's
    cross-account calls are logged in other accounts' trails and still belong to it.
    ``principals`` are shell-style globs (``*``, ``?``, ``[…]``) matched against the whole
    principal ARN, case-sensitively; an event matches when any glob does. Filtering by
    account or principal drops unattributed events (nobody's account, nobody's ARN).
    """

    since: date | None = None
    until: date | None = None
    accounts: tuple[str, ...] = ()
    principals: tuple[str, ...] = ()

    def day_selected(self, day: date) -> bool:
        """True when *day* lies inside the window (both ends inclusive)."""
        return (self.since is None or day >= self.since) and (
            self.until is None or day <= self.until
        )

    def selects_principal(self, arn: str, account: str | None) -> bool:
        """The account and principal filters applied to one principal (in Python)."""
        if self.accounts and account not in self.accounts:
            return False
        return not self.principals or any(
            re.fullmatch(glob_regex(g), arn, re.DOTALL) for g in self.principals
        )

    def expression(self) -> pl.Expr:
        """The row filter as one polars expression (the window is also pruned by file)."""
        expr = pl.lit(value=True)
        if self.since is not None:
            expr &= pl.col(s.EVENT_TIME) >= _day_start(self.since)
        if self.until is not None:
            expr &= pl.col(s.EVENT_TIME) < _day_start(self.until) + _ONE_DAY
        if self.accounts:
            expr &= pl.col(s.PRINCIPAL_ACCOUNT).is_in(list(self.accounts)).fill_null(False)
        if self.principals:
            pattern = "|".join(f"(?:{glob_regex(g)})" for g in self.principals)
            expr &= pl.col(s.PRINCIPAL_ARN).str.contains(f"^(?:{pattern})$").fill_null(False)
        return expr


_ONE_DAY = pl.duration(days=1)


def _day_start(day: date) -> pl.Expr:
    return pl.lit(day).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")


def glob_regex(glob: str) -> str:
    """A regular expression (Rust/polars dialect, unanchored) for a shell-style glob.

    Written here rather than taken from :func:`fnmatch.translate`, whose output uses
    Python-only syntax (``\\Z``, ``(?s:…)``) that the polars regex engine rejects.
    """
    out: list[str] = []
    i = 0
    while i < len(glob):
        char = glob[i]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = glob.find("]", i + 2)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = glob[i + 1 : end]
                negate = body.startswith("!")
                body = body[1:] if negate else body
                escaped = body.replace("\\", "\\\\").replace("[", "\\[")
                out.append(f"[{'^' if negate else ''}{escaped}]")
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Partition:
    """A unit of work: committed events files of one event date (a day may be cut in parts)."""

    key: str  # "<event_date>#<part>": unique, sortable, readable in progress and errors
    day: date
    files: tuple[Path, ...]


def partitions(
    files: Iterable[Path], usage_filter: UsageFilter, max_bytes: int = 256 * 1024 * 1024
) -> list[Partition]:
    """Group committed events *files* into partitions, pruning days outside the window.

    Files of one day are cut into runs of at most *max_bytes* (on disk) so that a large
    day does not have to be mapped in one piece; any cut gives the same combined result.
    """
    by_day: dict[date, list[Path]] = {}
    for path in files:
        match = _PARTITION_DIR.search(path.parent.name)
        if match is None:
            continue  # not an events partition file (the manifest only lists those)
        day = date.fromisoformat(match.group(1))
        if usage_filter.day_selected(day):
            by_day.setdefault(day, []).append(path)
    out: list[Partition] = []
    for day in sorted(by_day):
        group: list[Path] = []
        size = 0
        for path in sorted(by_day[day]):
            file_size = path.stat().st_size
            if group and size + file_size > max_bytes:
                out.append(Partition(f"{day.isoformat()}#{len(out)}", day, tuple(group)))
                group, size = [], 0
            group.append(path)
            size += file_size
        if group:
            out.append(Partition(f"{day.isoformat()}#{len(out)}", day, tuple(group)))
    return out


@dataclass(frozen=True, slots=True)
class UsageTables:
    """The four aggregated tables (see the module docstring); partial or combined."""

    usage: pl.DataFrame
    principals: pl.DataFrame
    unmapped: pl.DataFrame
    events: pl.DataFrame

    def equals(self, other: UsageTables) -> bool:
        """Same rows in the same order in all four tables (tables are kept sorted)."""
        return all(
            a.equals(b)
            for a, b in (
                (self.usage, other.usage),
                (self.principals, other.principals),
                (self.unmapped, other.unmapped),
                (self.events, other.events),
            )
        )


def scan_partition(partition: Partition, usage_filter: UsageFilter) -> pl.LazyFrame:
    """The filtered events of one partition, only the columns the mapping reads."""
    frame = pl.scan_parquet(list(partition.files)).select(
        EVENT_COLUMNS
    )  # the mapping's input, nothing more
    return frame.filter(usage_filter.expression())


def partial_usage(
    events: pl.LazyFrame, catalog: Catalog, tables: MappingTables | None = None
) -> UsageTables:
    """Map *events* (already filtered) and reduce them to sorted partial tables.

    The same as :func:`usage_of_shapes` of :func:`partial_shapes`: the tables a row-by-row
    :func:`map_events` + :func:`reduce_mapped` gives, computed from distinct shapes.
    """
    return usage_of_shapes(partial_shapes(events), catalog, tables)


#: The mapping's input columns other than the event's identity and time: two events equal
#: in all of these map to the same rows (the mapping never reads ``event_id`` or the time).
SHAPE_COLUMNS = tuple(c for c in EVENT_COLUMNS if c not in (s.EVENT_ID, s.EVENT_TIME))
_SHAPE = "_usage_shape"  # a shape's number, standing in for event_id while mapping
_N = "_usage_events"  # events of the shape
_ROW = "_usage_row"
#: Shapes mapped per :func:`map_events` call: bounds the mapping's memory (at 1M events,
#: 153k shapes, generate peaked ~60 MiB lower than with 200k per call), while a call's
#: fixed cost (~0.04 s of planning and small queries) stays small against its rows.
SHAPES_PER_CALL = 100_000


@dataclass(frozen=True, slots=True)
class EventShapes:
    """Events before mapping: a partial aggregate that combines like :class:`UsageTables`.

    ``shapes`` has one row per distinct combination of :data:`SHAPE_COLUMNS` with its event
    count and first/last ``event_time``. The mapping of an event depends on those columns
    alone, and CloudTrail repeats the same calls all day long (the synthetic 1M corpus has
    153k shapes), so the mapping runs once per shape (:func:`usage_of_shapes`), over the
    whole window at once, instead of once per event and per partition. Reading and
    grouping needs no catalog, so the workers that read partitions do not load one.

    That takes each event to be one row: ``(event_id, account_id)`` unique within the
    partition, as convert guarantees (it de-duplicates on it per day). Rows whose key does
    repeat (null ids, hand-made input) are kept as they are in ``irregular``, one frame per
    partition, and mapped row by row as :func:`reduce_mapped` counts them.
    """

    shapes: pl.DataFrame
    irregular: tuple[pl.DataFrame, ...] = ()


def partial_shapes(*partitions: pl.LazyFrame) -> EventShapes:
    """The shapes of the events of *partitions* (each already filtered), in one query.

    Event keys are checked for repeats partition by partition (that is where convert makes
    them unique); the regular rows of every partition are then grouped together in one
    streaming query, which costs less time and memory than grouping each partition apart
    and combining the results.
    """
    regular: list[pl.LazyFrame] = []
    irregular: list[pl.DataFrame] = []
    for partition in partitions:
        events = _mapping_input(partition)
        repeated = events.select(s.EVENT_ID, s.ACCOUNT_ID).collect().is_duplicated()
        if not repeated.any():
            regular.append(events)
            continue
        rows = events.with_row_index(_ROW)
        odd = pl.col(_ROW).is_in(repeated.arg_true().implode())
        regular.append(rows.filter(~odd).drop(_ROW))
        irregular.append(rows.filter(odd).drop(_ROW).collect())
    if not regular:
        return empty_shapes()
    # The streaming engine, asked for by name: left to choose ("auto"), polars ran this
    # query in memory now and then, and a 1M-event generate peaked at 1.9 GB instead of
    # 0.7 (2 runs in 18 on a loaded machine; every run, 1.7-6.5 GB, with the in-memory
    # engine forced).
    grouped = _group_shapes(pl.concat(regular)).collect(engine="streaming")
    return EventShapes(grouped, tuple(irregular))


def _mapping_input(events: pl.LazyFrame) -> pl.LazyFrame:
    """Exactly the mapping's input columns (:data:`~policygen_batch.mapping.EVENT_COLUMNS`)."""
    if s.RESPONSE_ELEMENTS not in events.collect_schema():
        # Older callers and hand-made frames may lack it; only create calls' new ids read it.
        events = events.with_columns(pl.lit(None, dtype=pl.String).alias(s.RESPONSE_ELEMENTS))
    return events.select(EVENT_COLUMNS)


def _group_shapes(events: pl.LazyFrame) -> pl.LazyFrame:
    return events.group_by(SHAPE_COLUMNS).agg(
        pl.len().cast(pl.Int64).alias(_N),
        pl.col(s.EVENT_TIME).min().alias(s.FIRST_SEEN),
        pl.col(s.EVENT_TIME).max().alias(s.LAST_SEEN),
    )


def empty_shapes() -> EventShapes:
    """The shapes of no events at all (the identity element of :func:`combine_shapes`)."""
    no_events = pl.DataFrame(s.EVENTS_FILE_SCHEMA.empty_table()).lazy().select(EVENT_COLUMNS)
    return EventShapes(_group_shapes(no_events).collect())


def combine_shapes(parts: Sequence[EventShapes]) -> EventShapes:
    """Merge partial shapes: event counts summed, first/last times min/max per shape."""
    if len(parts) <= 1:
        return parts[0] if parts else empty_shapes()
    regrouped = (
        pl.concat([p.shapes for p in parts])
        .lazy()
        .group_by(SHAPE_COLUMNS)
        .agg(pl.col(_N).sum(), pl.col(s.FIRST_SEEN).min(), pl.col(s.LAST_SEEN).max())
    )
    return EventShapes(regrouped.collect(), tuple(f for p in parts for f in p.irregular))


def usage_of_shapes(
    shapes: EventShapes,
    catalog: Catalog,
    tables: MappingTables | None = None,
    per_call: int = SHAPES_PER_CALL,
) -> UsageTables:
    """Map the shapes (*per_call* at a time) and reduce them to the four usage tables."""
    tables = tables if tables is not None else load_tables()
    frame = shapes.shapes
    pieces = [
        _reduce_shapes(frame.slice(start, per_call), catalog, tables)
        for start in range(0, frame.height, per_call)
    ]
    irregular = [
        reduce_mapped(map_events(rows.lazy(), catalog, tables).collect().lazy())
        for rows in shapes.irregular
    ]
    return combine([*pieces, *irregular])


def _reduce_shapes(
    frame: pl.DataFrame, catalog: Catalog, tables: MappingTables | None
) -> UsageTables:
    """:func:`reduce_mapped` of the events behind the shapes in *frame*, mapping each shape once.

    Each aggregate of :func:`reduce_mapped` over mapped rows becomes one over mapped shape
    rows weighted by the shape's events: a count is a sum of event counts, ``first_seen``
    and ``last_seen`` the extremes of the shapes' extremes, ``detail`` the least detail
    (the same for every event of a shape). Per-event flags are per-shape flags, since each
    event is one row of exactly one shape.
    """
    shapes = frame.with_row_index(_SHAPE)
    as_events = shapes.lazy().select(
        pl.col(_SHAPE).cast(pl.String).alias(s.EVENT_ID),
        pl.col(s.FIRST_SEEN).alias(s.EVENT_TIME),
        *SHAPE_COLUMNS,
    )
    stats = shapes.lazy().select(_SHAPE, _N, s.FIRST_SEEN, s.LAST_SEEN)
    mapped = (
        map_events(as_events, catalog, tables)
        .with_columns(pl.col(s.EVENT_ID).cast(pl.UInt32).alias(_SHAPE))
        .collect()
        .lazy()
    )
    weighted = mapped.join(stats, on=_SHAPE, how="inner")
    usage = _usage_table(weighted, pl.col(_N).sum(), s.FIRST_SEEN, s.LAST_SEEN)
    per_shape = (
        mapped.group_by(_SHAPE)
        .agg(*((pl.col(s.STATUS) == status).any().alias(name) for name, status in _EVENT_FLAGS))
        .join(shapes.lazy().select(_SHAPE, *s.PRINCIPAL_KEY), on=_SHAPE, how="inner")
        .join(stats, on=_SHAPE, how="inner")
    )
    flags = [pl.col(_N).filter(pl.col(name)).sum().alias(name) for name, _ in _EVENT_FLAGS]
    principals = (
        per_shape.filter(pl.col(s.PRINCIPAL_ARN).is_not_null())
        .group_by(s.PRINCIPAL_KEY)
        .agg(
            pl.col(_N).sum().alias(s.EVENTS),
            *flags,
            pl.col(s.FIRST_SEEN).min(),
            pl.col(s.LAST_SEEN).max(),
        )
    )
    unmapped = (
        weighted.filter(pl.col(s.STATUS) == s.MappingStatus.UNMAPPED)
        .group_by(s.UNMAPPED_KEY)
        .agg(pl.col(_N).sum().alias(s.USAGE_COUNT))
    )
    events = per_shape.select(
        pl.col(_N).sum().alias(s.EVENTS),
        pl.col(_N).filter(pl.col(s.PRINCIPAL_ARN).is_not_null()).sum().alias(s.ATTRIBUTED_EVENTS),
        *flags,
    )
    usage_df, principals_df, unmapped_df, events_df = pl.collect_all(
        [usage, principals, unmapped, events]
    )
    return _normalised(usage_df, principals_df, unmapped_df, events_df)


def _usage_table(rows: pl.LazyFrame, count: pl.Expr, first: str, last: str) -> pl.LazyFrame:
    """The ``usage`` table of mapped *rows*: those with a principal and an action, grouped
    by :data:`~policygen_batch.schema.USAGE_KEY`, with *count*, the least of column *first*
    and the greatest of column *last*."""
    return (
        rows.filter(
            pl.col(s.PRINCIPAL_ARN).is_not_null()
            & pl.col(s.ACTION).is_not_null()
            & pl.col(s.STATUS).is_in(_ACTION_STATUSES)
        )
        .group_by(s.USAGE_KEY)
        .agg(
            count.alias(s.USAGE_COUNT),
            pl.col(first).min().alias(s.FIRST_SEEN),
            pl.col(last).max().alias(s.LAST_SEEN),
            pl.col(s.DETAIL).min(),
        )
    )


def reduce_mapped(mapped: pl.LazyFrame) -> UsageTables:
    """The four tables from mapping output (:data:`~policygen_batch.schema.MAPPING_COLUMNS`)."""
    usage = _usage_table(mapped, pl.len().cast(pl.Int64), s.EVENT_TIME, s.EVENT_TIME)
    per_event = mapped.group_by(s.EVENT_ID, s.ACCOUNT_ID).agg(
        pl.col(s.PRINCIPAL_ARN).first(),
        pl.col(s.PRINCIPAL_TYPE).first(),
        pl.col(s.PRINCIPAL_ACCOUNT).first(),
        pl.col(s.EVENT_TIME).first(),
        *((pl.col(s.STATUS) == status).any().alias(name) for name, status in _EVENT_FLAGS),
    )
    flags = [pl.col(name).sum().cast(pl.Int64).alias(name) for name, _ in _EVENT_FLAGS]
    principals = (
        per_event.filter(pl.col(s.PRINCIPAL_ARN).is_not_null())
        .group_by(s.PRINCIPAL_KEY)
        .agg(
            pl.len().cast(pl.Int64).alias(s.EVENTS),
            *flags,
            pl.col(s.EVENT_TIME).min().alias(s.FIRST_SEEN),
            pl.col(s.EVENT_TIME).max().alias(s.LAST_SEEN),
        )
    )
    unmapped = (
        mapped.filter(pl.col(s.STATUS) == s.MappingStatus.UNMAPPED)
        .group_by(s.UNMAPPED_KEY)
        .agg(pl.len().cast(pl.Int64).alias(s.USAGE_COUNT))
    )
    events = per_event.select(
        pl.len().cast(pl.Int64).alias(s.EVENTS),
        pl.col(s.PRINCIPAL_ARN).is_not_null().sum().cast(pl.Int64).alias(s.ATTRIBUTED_EVENTS),
        *flags,
    )
    usage_df, principals_df, unmapped_df, events_df = pl.collect_all(
        [usage, principals, unmapped, events]
    )
    return _normalised(usage_df, principals_df, unmapped_df, events_df)


def combine(parts: Sequence[UsageTables]) -> UsageTables:
    """Merge partial tables: sums of counts, min of first_seen/detail, max of last_seen."""
    if not parts:
        return empty_usage()
    if len(parts) == 1:
        return parts[0]
    usage = (
        pl.concat([p.usage for p in parts])
        .group_by(s.USAGE_KEY)
        .agg(
            pl.col(s.USAGE_COUNT).sum(),
            pl.col(s.FIRST_SEEN).min(),
            pl.col(s.LAST_SEEN).max(),
            pl.col(s.DETAIL).min(),
        )
    )
    principal_sums = [s.EVENTS, *(name for name, _ in _EVENT_FLAGS)]
    principals = (
        pl.concat([p.principals for p in parts])
        .group_by(s.PRINCIPAL_KEY)
        .agg(
            *(pl.col(c).sum() for c in principal_sums),
            pl.col(s.FIRST_SEEN).min(),
            pl.col(s.LAST_SEEN).max(),
        )
    )
    unmapped = (
        pl.concat([p.unmapped for p in parts])
        .group_by(s.UNMAPPED_KEY)
        .agg(pl.col(s.USAGE_COUNT).sum())
    )
    events = pl.concat([p.events for p in parts]).select(pl.all().sum())
    return _normalised(usage, principals, unmapped, events)


def empty_usage() -> UsageTables:
    """The tables of no events at all (the identity element of :func:`combine`)."""
    return reduce_mapped(pl.LazyFrame(schema=_MAPPING_SCHEMA))


_MAPPING_SCHEMA = pl.Schema(
    {
        s.EVENT_ID: pl.String(),
        s.ACCOUNT_ID: pl.String(),
        s.REGION: pl.String(),
        s.PRINCIPAL_ARN: pl.String(),
        s.PRINCIPAL_TYPE: pl.String(),
        s.PRINCIPAL_ACCOUNT: pl.String(),
        s.EVENT_TIME: _TIME,
        s.EVENT_SOURCE: pl.String(),
        s.EVENT_NAME: pl.String(),
        s.ERROR_CODE: pl.String(),
        s.ACTION: pl.String(),
        s.RESOURCE: pl.String(),
        s.MAPPED_RESOURCE_TYPE: pl.String(),
        s.STATUS: pl.String(),
        s.DETAIL: pl.String(),
    }
)


def _normalised(
    usage: pl.DataFrame, principals: pl.DataFrame, unmapped: pl.DataFrame, events: pl.DataFrame
) -> UsageTables:
    """Fixed column order, dtypes and row order, so equal content means equal frames."""
    usage = usage.select(
        *s.USAGE_KEY,
        pl.col(s.USAGE_COUNT).cast(pl.Int64),
        pl.col(s.FIRST_SEEN).cast(_TIME),
        pl.col(s.LAST_SEEN).cast(_TIME),
        s.DETAIL,
    ).sort(s.USAGE_KEY, nulls_last=True)
    principals = principals.select(
        *s.PRINCIPAL_KEY,
        *(pl.col(c).cast(pl.Int64) for c in (s.EVENTS, *(n for n, _ in _EVENT_FLAGS))),
        pl.col(s.FIRST_SEEN).cast(_TIME),
        pl.col(s.LAST_SEEN).cast(_TIME),
    ).sort(s.PRINCIPAL_KEY, nulls_last=True)
    unmapped = unmapped.select(*s.UNMAPPED_KEY, pl.col(s.USAGE_COUNT).cast(pl.Int64)).sort(
        pl.col(s.USAGE_COUNT),
        *s.UNMAPPED_KEY,
        descending=[True, False, False, False, False],
        nulls_last=True,
    )
    columns = (s.EVENTS, s.ATTRIBUTED_EVENTS, *(n for n, _ in _EVENT_FLAGS))
    events = events.select(pl.col(c).fill_null(0).cast(pl.Int64) for c in columns)
    return UsageTables(usage, principals, unmapped, events)
