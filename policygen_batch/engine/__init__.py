"""Engines run the usage plan (partial aggregates + combine) over the warehouse's partitions.

:class:`Engine` is the contract; :class:`LocalEngine` runs on this machine (in-process or a
spawned pool). A distributed engine implements the same contract later.
"""

from policygen_batch.engine.contract import Engine, UsageJob, plan_partitions
from policygen_batch.engine.local import LocalEngine

__all__ = ["Engine", "LocalEngine", "UsageJob", "plan_partitions"]
