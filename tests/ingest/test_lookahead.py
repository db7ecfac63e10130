"""FolderLister: listings made ahead on threads change when the walk waits, never what it sees."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.ingest.lookahead import FolderLister, read_ahead

#: A tree: folder name (ending in "/") → its entries; an entry ending in "/" is a subfolder.
Tree = dict[str, list[str]]


def _tree(shape: list[list[int]]) -> Tree:
    """A tree whose root holds len(shape) folders, folder i holding shape[i] subfolders of
    two files each, and a file next to them."""
    tree: Tree = {"r/": ["r/a.json"]}
    for i, subs in enumerate(shape):
        folder = f"r/{i:02d}/"
        tree["r/"].append(folder)
        tree[folder] = [f"{folder}x.json"]
        for j in range(len(subs)):
            sub = f"{folder}{j:02d}/"
            tree[folder].append(sub)
            tree[sub] = [f"{sub}{k}.json" for k in range(2)]
    return {folder: sorted(entries) for folder, entries in tree.items()}


class _Store:
    """Lists *tree*, counting calls; optionally slow, or failing on one folder."""

    def __init__(self, tree: Tree, delay: float = 0.0, broken: str | None = None) -> None:
        self.tree, self.delay, self.broken = tree, delay, broken
        self.calls: list[str] = []
        self.most_at_once = 0
        self._at_once = 0
        self.most_ahead = 0  # listings made by the lister's threads (not the walk) at once
        self._ahead = 0
        self._lock = threading.Lock()

    def list(self, folder: str) -> list[str]:
        ahead = threading.current_thread().name.startswith("folder-lister")
        with self._lock:
            self.calls.append(folder)
            self._at_once += 1
            self.most_at_once = max(self.most_at_once, self._at_once)
            self._ahead += ahead
            self.most_ahead = max(self.most_ahead, self._ahead)
        if self.delay:
            time.sleep(self.delay)
        with self._lock:
            self._at_once -= 1
            self._ahead -= ahead
        if folder == self.broken:
            raise OSError(f"cannot list {folder}")
        return list(self.tree[folder])


def _subfolders(entries: list[str]) -> Iterator[str]:
    return (e for e in entries if e.endswith("/"))


def _walk(lister: FolderLister[str], folder: str) -> Iterator[str]:
    for entry in lister.take(folder):
        if entry.endswith("/"):
            yield from _walk(lister, entry)
        else:
            yield entry


def _wait_for(done: Callable[[], bool], seconds: float = 10.0) -> None:
    """Until *done*, or *seconds* have passed (a bound for a slow machine, not a timing)."""
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)


def _walk_all(store: _Store, threads: int, max_held: int) -> list[str]:
    with FolderLister(store.list, _subfolders, threads=threads, max_held=max_held) as lister:
        lister.request("r/")
        return list(_walk(lister, "r/"))


@settings(max_examples=40, deadline=None)
@given(
    shape=st.lists(st.lists(st.just(0), max_size=4), max_size=8),
    threads=st.integers(0, 4),
    max_held=st.integers(1, 12),
)
def test_the_walk_sees_what_a_walk_one_listing_at_a_time_sees(
    shape: list[list[int]], threads: int, max_held: int
) -> None:
    """Same files in the same (sorted) order, every folder listed exactly once."""
    tree = _tree(shape)
    store = _Store(tree)
    files = _walk_all(store, threads, max_held)
    assert files == sorted(e for entries in tree.values() for e in entries if not e.endswith("/"))
    assert sorted(store.calls) == sorted(tree)


def test_listings_overlap() -> None:
    """With slow listings, several are in flight at once."""
    store = _Store(_tree([[0, 0]] * 8), delay=0.02)
    _walk_all(store, threads=8, max_held=1000)
    assert store.most_at_once > 1


def test_listings_are_made_nearest_to_the_walk_first() -> None:
    """A thread lists ahead in the walk's own order: depth first, in sorted order, so the
    folders the walk reaches next are there first."""
    store = _Store(_tree([[0, 0]] * 3), delay=0.002)
    with FolderLister(store.list, _subfolders, threads=1, max_held=1000) as lister:
        lister.request("r/")
        lister.take("r/")
        _wait_for(lambda: len(store.calls) == len(store.tree))  # the walk waits meanwhile
    assert store.calls == sorted(store.calls)
    assert store.calls.index("r/00/01/") < store.calls.index("r/01/")


def test_threads_stop_listing_ahead_at_the_budget() -> None:
    """A walk that stops after the root leaves at most *max_held* entries (plus what the
    threads had started) listed ahead; without the bound, the threads list everything."""
    tree = _tree([[]] * 40)
    # (budget, most listings, how long to let the threads run: a bounded lister would not
    # list more given longer; an unbounded one is given time to list everything)
    for budget, most, seconds in ((4, 1 + 4 + 2, 0.3), (10_000, len(tree), 10.0)):
        store = _Store(tree, delay=0.002)
        with FolderLister(store.list, _subfolders, threads=2, max_held=budget) as lister:
            lister.request("r/")
            lister.take("r/")
            _wait_for(lambda: len(store.calls) == len(tree), seconds)  # noqa: B023 - used at once
            listed = len(store.calls)
        assert listed <= most
        if budget > len(tree):
            assert listed == len(tree)


def test_folders_expected_to_be_large_are_listed_ahead_one_at_a_time() -> None:
    """A folder guessed to fill the budget keeps the other threads from starting another
    while it is listed (the walk may still list the one it needs itself); guessed small,
    several are listed ahead at once. The walk sees the same files either way."""
    tree = _tree([[]] * 6)
    for guess, most in ((10, 1), (1, 4)):
        store = _Store(tree, delay=0.02)
        with FolderLister(
            store.list,
            _subfolders,
            threads=4,
            max_held=10,
            expected=lambda folder: guess if folder != "r/" else 1,  # noqa: B023 - used at once
        ) as lister:
            lister.request("r/")
            files = list(_walk(lister, "r/"))
        assert files == sorted(
            f for entries in tree.values() for f in entries if f.endswith(".json")
        )
        if most == 1:
            assert store.most_ahead == 1
        else:
            assert store.most_ahead > 1


def test_a_failed_listing_is_raised_when_the_walk_reaches_that_folder() -> None:
    """The files before the broken folder are walked; its error comes at its place, and
    closing the lister ends its threads."""
    store = _Store(_tree([[0]] * 4), broken="r/02/")
    seen: list[str] = []
    lister = FolderLister(store.list, _subfolders, threads=3, max_held=100)
    lister.request("r/")
    with pytest.raises(OSError, match="cannot list r/02/"):
        seen.extend(_walk(lister, "r/"))
    lister.close()
    assert seen[-1] == "r/01/x.json"
    assert not any(t.name.startswith("folder-lister") for t in threading.enumerate())


@settings(max_examples=30, deadline=None)
@given(
    delays=st.lists(st.sampled_from([0.0, 0.001, 0.004]), max_size=30),
    threads=st.integers(0, 6),
    max_ahead=st.integers(1, 10),
)
def test_read_ahead_gives_each_result_at_its_place(
    delays: list[float], threads: int, max_ahead: int
) -> None:
    """Whatever the threads and the order fetches finish in, results come in item order,
    and a failed fetch is the result of its own item."""
    items = list(range(len(delays)))

    def fetch(i: int) -> str:
        time.sleep(delays[i])
        if i % 7 == 3:
            raise OSError(f"cannot read {i}")
        return f"data {i}"

    got = list(read_ahead(items, fetch, threads=threads, max_ahead=max_ahead, size=lambda _: 1))
    assert [i for i, _ in got] == items
    for i, result in got:
        if i % 7 == 3:
            assert isinstance(result, OSError)
            assert str(result) == f"cannot read {i}"
        else:
            assert result == f"data {i}"


def test_read_ahead_reads_at_most_its_budget_ahead() -> None:
    """With items of 10 bytes and 35 bytes allowed ahead, a consumer that stops after the
    first item has had four fetched (the budget reached), not all twenty, several at once."""
    fetched: list[int] = []
    at_once, most = 0, 0
    lock = threading.Lock()

    def fetch(i: int) -> int:
        nonlocal at_once, most
        with lock:
            fetched.append(i)
            at_once += 1
            most = max(most, at_once)
        time.sleep(0.02)
        with lock:
            at_once -= 1
        return i

    reader = read_ahead(list(range(20)), fetch, threads=8, max_ahead=35, size=lambda _: 10)
    assert next(reader) == (0, 0)
    # Items 0-3 were handed out (40 bytes: the fourth crossed the budget); the reader
    # hands out no more until it is asked for the next item, however long it waits.
    _wait_for(lambda: len(fetched) >= 4)
    time.sleep(0.2)  # room for a reader that ignored its budget to fetch more
    assert sorted(fetched) == [0, 1, 2, 3]
    assert most > 1
    assert [i for i, _ in reader] == list(range(1, 20))  # and the rest when asked for
