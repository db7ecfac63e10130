"""The engine contract: every engine returns exactly the single-pass tables, however it
spreads the work. New engines join by being added to ENGINES."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from policygen_batch.aggregate.usage import UsageFilter, partial_usage, scan_partition
from policygen_batch.catalog import Catalog, load_catalog
from policygen_batch.engine import Engine, LocalEngine, UsageJob, plan_partitions
from policygen_batch.engine.local import deal
from tests.usage_factories import convert, mixed_corpus, write_corpus

ENGINES = {
    "local-inline": LocalEngine(workers=1),
    "local-pool-2": LocalEngine(workers=2, min_pool_bytes=0),
    "local-pool-3": LocalEngine(workers=3, min_pool_bytes=0),
}


class CountingSink:
    """A progress sink that records what it was told."""

    def __init__(self) -> None:
        self.stages: list[tuple[str, int]] = []
        self.advanced = 0

    def start(self, stage: str, total: int) -> None:
        """Record a stage."""
        self.stages.append((stage, total))

    def grow(self, units: int) -> None:
        """Nothing to do: the engine knows its totals."""

    def advance(self, units: int = 1) -> None:
        """Count units."""
        self.advanced += units

    def finish(self) -> None:
        """Nothing to do."""


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The bundled catalog."""
    return load_catalog()


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The mixed corpus, one convert run per archive (several files per day)."""
    root = tmp_path_factory.mktemp("engine")
    wh = root / "wh"
    for n, item in enumerate(mixed_corpus()):
        convert(write_corpus(root / f"src{n}", [item]), wh)
    return wh


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_engine_equals_single_pass(name: str, warehouse: Path, catalog: Catalog) -> None:
    """Whatever the engine and its workers, the tables equal one in-process pass."""
    job = UsageJob(warehouse, partition_bytes=1)  # one partition per file: most spreading
    parts = plan_partitions(job)
    single = partial_usage(pl.concat([scan_partition(p, job.usage_filter) for p in parts]), catalog)
    sink = CountingSink()
    engine: Engine = ENGINES[name]
    assert engine.aggregate(job, catalog, sink).equals(single)
    assert sink.stages == [("aggregate", len(parts))]
    assert sink.advanced == len(parts)


@pytest.mark.parametrize("name", sorted(ENGINES))
def test_engine_on_an_empty_selection(name: str, warehouse: Path, catalog: Catalog) -> None:
    """A window with no events gives zero tallies, not an error."""
    job = UsageJob(warehouse, UsageFilter(since=date(2030, 1, 1)))
    tables = ENGINES[name].aggregate(job, catalog)
    assert tables.usage.is_empty()
    assert tables.events.row(0)[0] == 0


def test_deal_cuts_contiguous_non_empty_runs(warehouse: Path) -> None:
    """Partitions are dealt into contiguous runs that cover all of them exactly once."""
    parts = plan_partitions(UsageJob(warehouse, partition_bytes=1))
    for count in range(1, len(parts) + 3):
        runs = deal(parts, count)
        assert all(runs)
        assert [p for run in runs for p in run] == parts
        assert len(runs) == min(count, len(parts))
