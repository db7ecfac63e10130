"""Where everything lives inside a warehouse folder.

::

    WAREHOUSE/
      events/event_date=YYYY-MM-DD/part-<commit>[-<n>].parquet   the events table
      quarantine/part-<commit>.parquet                           records that could not be rows
      _manifest/commits/<commit>.json                            one per commit: the commit point
      _manifest/sources/<commit>.parquet                         per source object: its outcome
      _manifest/lock                                             one writer at a time
      _staging/<run>/…                                           files not yet committed
      _warehouse.json                                            format marker

A commit (one worker task) writes one file per event date it saw, or, when the task
spanned more dates than a worker keeps files open (a backfill), several numbered ones.

Only ``event_date`` is a directory partition. Per-account directories would multiply the
files of a nightly run by the number of accounts (thousands of accounts × days × runs is
the small-file explosion the design warns about); instead rows come in key order, which
puts the account first, so that Parquet row-group statistics prune accounts within a date. Folders
starting with ``_`` are ignored by Spark, Hive, Athena and Trino, so ``events/`` can be
registered as an external table as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Layout:
    """Paths of one warehouse; pure arithmetic on the root, no I/O."""

    root: Path

    @property
    def events(self) -> Path:
        """The events table (hive-partitioned by ``event_date``)."""
        return self.root / "events"

    @property
    def quarantine(self) -> Path:
        """Quarantined records, with their source, index, reason and raw text."""
        return self.root / "quarantine"

    @property
    def manifest(self) -> Path:
        """The commit log."""
        return self.root / "_manifest"

    @property
    def commits(self) -> Path:
        """One JSON file per commit; its presence is what makes a commit happen."""
        return self.manifest / "commits"

    @property
    def sources(self) -> Path:
        """Per-commit Parquet files listing every source object and its outcome."""
        return self.manifest / "sources"

    @property
    def lock(self) -> Path:
        """Lock file that keeps two writers apart."""
        return self.manifest / "lock"

    @property
    def staging(self) -> Path:
        """Work area of running conversions; anything here is uncommitted."""
        return self.root / "_staging"

    @property
    def marker(self) -> Path:
        """Format marker written when the warehouse is created."""
        return self.root / "_warehouse.json"

    def event_partition(self, event_date: str) -> Path:
        """The folder of one day's events."""
        return self.events / f"event_date={event_date}"

    def commit_record(self, seq: int) -> Path:
        """The JSON record of commit *seq*."""
        return self.commits / f"{seq:08d}.json"

    def sources_file(self, seq: int) -> Path:
        """The source outcomes of commit *seq*."""
        return self.sources / f"{seq:08d}.parquet"
