"""What an engine is: something that runs the usage plan over a warehouse's partitions.

The plan itself lives in :mod:`policygen_batch.aggregate.usage` (partial aggregate per
partition, associative combine). An engine only decides *where* partials run: this process,
a local process pool (:class:`~policygen_batch.engine.local.LocalEngine`), or a cluster. Every
engine must return exactly the tables a single in-process pass returns — the engine test
suite (``tests/engine``) checks that for any implementation handed to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from policygen_batch.aggregate.usage import Partition, UsageFilter, UsageTables, partitions
from policygen_batch.catalog.model import Catalog
from policygen_batch.progress import ProgressSink
from policygen_batch.warehouse.parquet import event_files


@dataclass(frozen=True, slots=True)
class UsageJob:
    """Everything an engine needs to aggregate usage, in picklable form.

    ``catalog_dir`` is where the run's catalog was loaded from (None: the default lookup),
    so that workers which cannot be handed the loaded catalog load the same one.
    """

    warehouse: Path
    usage_filter: UsageFilter = field(default_factory=UsageFilter)
    catalog_dir: Path | None = None
    partition_bytes: int = 256 * 1024 * 1024


class Engine(Protocol):
    """Runs a :class:`UsageJob`; the result is independent of how the work was spread."""

    @property
    def name(self) -> str:
        """Short name recorded in the run manifest (``local``, …)."""
        ...

    def aggregate(
        self, job: UsageJob, catalog: Catalog, progress: ProgressSink | None = None
    ) -> UsageTables:
        """Combined usage tables over every partition *job* selects."""
        ...


def plan_partitions(job: UsageJob) -> list[Partition]:
    """The committed partitions of *job*'s warehouse inside its window."""
    return partitions(event_files(job.warehouse), job.usage_filter, job.partition_bytes)
