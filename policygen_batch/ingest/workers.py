"""Where convert's worker processes come from.

Kept apart from :mod:`policygen_batch.ingest.convert`, and free of polars and Arrow, so
that the command line can start the fork server before it imports them itself: the
server's own import of the converter (~0.3 s) then overlaps the parent's.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
from multiprocessing.context import BaseContext

#: What the fork server imports before it forks any worker.
CONVERTER_MODULE = "policygen_batch.ingest.convert"


def worker_context() -> BaseContext:
    """The start method of workers: a *fork server* that has imported the converter and
    done nothing else, where the platform has one — each worker then starts at once
    instead of importing polars and Arrow again (half a second each when spawned,
    measured), and it is safe, unlike forking the caller's process, which may have run
    polars' thread pool and would hand the child a pool without threads. Elsewhere,
    spawn."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([CONVERTER_MODULE])
        return context
    return multiprocessing.get_context("spawn")


def start_fork_server() -> None:
    """Start the fork server now, without waiting for its imports (a no-op where workers
    are spawned, and when it runs already). Workers are forked from it later, at once."""
    if worker_context().get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()
