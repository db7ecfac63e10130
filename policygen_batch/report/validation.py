"""Validate every generated document offline, in parallel when there are many.

Validation is per document and costs more than writing it (about 1 ms a document: the ARN
of every resource is checked against the catalog's formats), so with ``workers > 1`` and
enough documents it runs in the local engine's spawned pool; each task loads the catalog
from where the run loaded it (a loaded catalog does not pickle). Findings are a pure
function of the document and the catalog, so the result is the same either way.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType

from policygen_batch.catalog.model import Catalog
from policygen_batch.engine.local import deal, pool_map
from policygen_batch.report.model import Json

#: Below this many documents the pool's start-up (an interpreter and the catalog per
#: worker) costs more than it saves. Measured on 2 cores, generated policies of the 1M
#: corpus: 1,059 validate in 1.1 s in-process and 1.2 s with two workers; 4,236 in 3.2 s
#: and 2.4 s.
MIN_PARALLEL = 2000
_TASKS_PER_WORKER = 1


def validate_documents(
    documents: Sequence[Json],
    catalog: Catalog,
    workers: int = 1,
    min_parallel: int = MIN_PARALLEL,
    helper: ValidationHelper | None = None,
) -> list[tuple[Json, ...]]:
    """The findings (``Finding.to_dict()`` values, sorted) of each identity-policy document.

    With a *helper* (started earlier, ready by now) it takes half of the documents.
    """
    if helper is not None and len(documents) >= 2:
        return helper.validate(documents, catalog)
    if workers <= 1 or len(documents) < max(min_parallel, 2):
        from policygen_batch.validate import catalog_view

        return _validate(documents, catalog_view(catalog))
    chunks = deal(list(documents), workers * _TASKS_PER_WORKER)
    catalog_dir = Path(catalog.source)
    results = pool_map(_validate_chunk, [(catalog_dir, chunk) for chunk in chunks], workers)
    return [findings for chunk in results for findings in chunk]


def _validate(documents: Sequence[Json], view: object) -> list[tuple[Json, ...]]:
    from policygen_batch.validate import validate_policies

    found = validate_policies(documents, "identity", view)
    return [tuple(f.to_dict() for f in findings) for findings in found]


def _validate_chunk(task: tuple[Path, Sequence[Json]]) -> list[tuple[Json, ...]]:
    """Worker side: load the catalog once, validate the chunk's documents in order."""
    from policygen_batch.catalog.loader import load_catalog
    from policygen_batch.validate import catalog_view

    catalog_dir, documents = task
    return _validate(documents, catalog_view(load_catalog(catalog_dir)))


class ValidationHelper:
    """A second process that validates half of the documents, started long before them.

    The pool above pays its start-up (an interpreter, the imports, the catalog: ~0.7 s)
    when validation begins, which is why it only pays for thousands of documents. Started
    when ``generate`` starts, the helper loads the catalog while usage is aggregated and is
    ready when the documents are: the 1,059 of the 1M-event corpus then validate in about
    half the time. Spawned, not forked: the parent may already run polars' thread pool.
    """

    def __init__(self, catalog_dir: Path) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(theirs, catalog_dir), name="policygen-validate", daemon=True
        )
        self._process.start()
        theirs.close()

    def validate(self, documents: Sequence[Json], catalog: Catalog) -> list[tuple[Json, ...]]:
        """Findings of *documents*: the second half in the helper, meanwhile the first here."""
        from policygen_batch.validate import catalog_view

        half = len(documents) // 2
        try:
            self._conn.send(list(documents[half:]))
            mine = _validate(documents[:half], catalog_view(catalog))
            ok, theirs = self._conn.recv()
        except (EOFError, OSError) as exc:
            raise RuntimeError("the validation helper process died") from exc
        if not ok:
            raise RuntimeError(f"the validation helper failed: {theirs}")
        return [*mine, *theirs]

    def close(self) -> None:
        """Let the helper end (or end it, if it does not within a few seconds)."""
        with contextlib.suppress(OSError):  # already gone
            self._conn.send(None)
        self._conn.close()
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()

    def __enter__(self) -> ValidationHelper:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def _serve(conn: Connection, catalog_dir: Path) -> None:
    """Helper side: load the catalog now, then validate each list of documents received."""
    from policygen_batch.catalog.loader import load_catalog
    from policygen_batch.validate import catalog_view

    view = catalog_view(load_catalog(catalog_dir))
    while (documents := conn.recv()) is not None:
        try:
            conn.send((True, _validate(documents, view)))
        except Exception as exc:  # sent to the parent, which raises it
            conn.send((False, repr(exc)))
