"""Listings and reads made ahead of a walk that takes them in order, on a few threads.

A listing of an object store is a round trip: tens of milliseconds on real S3. Walking an
organization trail's delivery layout one listing at a time costs a chain of such trips per
account and region (region → year → month → days) and, over thousands of account-regions,
most of a nightly run. :class:`FolderLister` takes the waiting off the chain: as soon as a
folder's listing arrives, a thread asks for its subfolders' listings, nearest to the walk
first, so that the walk finds most listings already there.

"Nearest first" is the sort order of the folders' full names: a walk that visits the sorted
entries of a folder and descends into each subfolder at its place reaches folders in that
order (every name under ``a/b/`` sorts between ``a/b/`` and the next sibling). Whatever
the threads do, the walk sees the same listings in the same order: only waiting changes.

Memory is bounded: threads stop asking for more once the entries listed ahead and not yet
taken by the walk reach ``max_held``; the walk then lists what it needs itself, so it never
waits on a thread that is waiting on it.

:func:`read_ahead` does the same for reading a list of objects: a convert worker fetches
the S3 objects of its chunk many at a time, a few MiB ahead of the parsing, instead of one
round trip after the other.
"""

from __future__ import annotations

import heapq
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

E = TypeVar("E")
T = TypeVar("T")
R = TypeVar("R")


class FolderLister(Generic[E]):
    """Lists folders ahead of an in-order walk: :meth:`request` a folder, :meth:`take` it.

    *list_folder* returns a folder's entries (it may raise: the walk gets the error when it
    takes that folder); *subfolders* names the folders among those entries that the walk
    will take, each of them once. With ``threads=0`` nothing is listed ahead: :meth:`take`
    lists the folder then, in the caller's thread.

    *expected* guesses a folder's entries before it is listed (default 1). A thread counts
    the guess against ``max_held`` while it lists, and the real count once it has: a folder
    expected to be large (a whole region's history, listed flat) then keeps other threads
    from starting more of its kind at once.
    """

    def __init__(
        self,
        list_folder: Callable[[str], list[E]],
        subfolders: Callable[[list[E]], Iterable[str]],
        *,
        threads: int,
        max_held: int,
        expected: Callable[[str], int] = lambda folder: 1,
    ) -> None:
        self._list_folder = list_folder
        self._subfolders = subfolders
        self._max_held = max_held
        self._expected = expected
        self._lock = threading.Condition()
        self._queue: list[str] = []  # a heap of the folders requested and not yet started
        self._waiting: set[str] = set()  # the same folders, for look-ups
        self._futures: dict[str, Future[list[E]]] = {}
        self._held = 0  # entries listed (or expected, while listing) by threads, not taken
        self._closed = False
        self._threads = [
            threading.Thread(target=self._work, name=f"folder-lister-{i}", daemon=True)
            for i in range(threads)
        ]
        for thread in self._threads:
            thread.start()

    def request(self, folder: str) -> None:
        """Ask for *folder*'s listing (once per folder): a thread may list it from now on."""
        with self._lock:
            self._futures[folder] = Future()
            self._waiting.add(folder)
            heapq.heappush(self._queue, folder)
            self._lock.notify()

    def take(self, folder: str) -> list[E]:
        """*folder*'s entries (raising its listing's error); its subfolders are requested."""
        with self._lock:
            future = self._futures.pop(folder)
            mine = folder in self._waiting
            if mine:
                self._waiting.discard(folder)  # its heap entry is dropped when popped
        if mine:
            entries = self._list_folder(folder)
            self._expand(entries)
            return entries
        entries = future.result()
        with self._lock:
            self._held -= len(entries)
            self._lock.notify_all()
        return entries

    def close(self) -> None:
        """Stop the threads (a listing under way is finished and dropped)."""
        with self._lock:
            self._closed = True
            self._lock.notify_all()
        for thread in self._threads:
            thread.join()

    def __enter__(self) -> FolderLister[E]:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _expand(self, entries: list[E]) -> None:
        for folder in self._subfolders(entries):
            self.request(folder)

    def _next(self) -> tuple[str, Future[list[E]]] | None:
        """The nearest requested folder to list, once the budget allows; None when closed."""
        with self._lock:
            while True:
                if self._closed:
                    return None
                while self._queue and self._queue[0] not in self._waiting:
                    heapq.heappop(self._queue)  # taken by the walk meanwhile
                if self._queue and self._held < self._max_held:
                    folder = heapq.heappop(self._queue)
                    self._waiting.discard(folder)
                    self._held += self._expected(folder)
                    return folder, self._futures[folder]
                self._lock.wait()

    def _work(self) -> None:
        while (job := self._next()) is not None:
            folder, future = job
            try:
                entries = self._list_folder(folder)
                self._expand(entries)
            except BaseException as exc:  # handed to the walk, which raises it at that folder
                self._settle(folder, 0)
                future.set_exception(exc)
                continue
            self._settle(folder, len(entries))
            future.set_result(entries)

    def _settle(self, folder: str, entries: int) -> None:
        """Count *folder*'s real entries in place of the guess made when it was started."""
        with self._lock:
            self._held += entries - self._expected(folder)
            self._lock.notify_all()


def read_ahead(
    items: Sequence[T],
    fetch: Callable[[T], R],
    *,
    threads: int,
    max_ahead: int,
    size: Callable[[T], int],
) -> Iterator[tuple[T, R | Exception]]:
    """``(item, fetch(item))`` for each of *items*, in order, fetched on *threads* threads.

    Items are handed to the threads while those handed out and not yet taken add up to
    less than *max_ahead* (by *size*; one at least). An exception of *fetch* is the result of its
    item, for the caller to raise or record at that place. With ``threads=0`` each item is
    fetched when it is taken.
    """
    if threads <= 0:
        for item in items:
            result: R | Exception
            try:
                result = fetch(item)
            except Exception as exc:  # a result like any other, see above
                result = exc
            yield item, result
        return
    pool = ThreadPoolExecutor(threads, thread_name_prefix="read-ahead")
    pending: deque[tuple[T, Future[R]]] = deque()
    start = 0  # the next item to hand to the threads
    ahead = 0
    try:
        while True:
            while start < len(items) and (not pending or ahead < max_ahead):
                item = items[start]
                start += 1
                pending.append((item, pool.submit(fetch, item)))
                ahead += size(item)
            if not pending:
                return
            item, future = pending.popleft()
            ahead -= size(item)
            error = future.exception()
            yield item, future.result() if error is None else _as_exception(error)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # left early: drop what is queued


def _as_exception(error: BaseException) -> Exception:
    if isinstance(error, Exception):
        return error
    raise error  # KeyboardInterrupt and the like end the run
