"""How convert cuts the listed objects into worker tasks (``convert._chunks``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.config import ConvertConfig
from policygen_batch.ingest import convert
from policygen_batch.ingest.discover import Kind, SourceObject

MIB = 1 << 20


def _objects(sizes: list[int], folder_of: list[int]) -> list[SourceObject]:
    """Objects of *sizes* in key order; *folder_of* numbers each one's account/region folder."""
    folders = sorted(folder_of)
    return [
        SourceObject(
            f"/logs/{f:04d}/{i:06d}.json.gz", size, "1", Kind.LOG, f"{f:012d}", "eu-west-1"
        )
        for i, (size, f) in enumerate(zip(sizes, folders, strict=True))
    ]


def _config(workers: int, chunk_bytes: int, chunk_files: int = 20_000) -> ConvertConfig:
    return ConvertConfig(
        ("/logs",), Path("/wh"), workers=workers, chunk_bytes=chunk_bytes, chunk_files=chunk_files
    )


@settings(max_examples=200, deadline=None)
@given(
    data=st.lists(st.tuples(st.integers(1, 3 * MIB), st.integers(0, 20)), min_size=1, max_size=300),
    workers=st.integers(1, 8),
    chunk_bytes=st.integers(1, 64 * MIB),
    chunk_files=st.integers(1, 500),
)
def test_chunks_keep_every_object_in_order_within_the_bounds(
    data: list[tuple[int, int]], workers: int, chunk_bytes: int, chunk_files: int
) -> None:
    objects = _objects([size for size, _ in data], [folder for _, folder in data])
    chunks = list(convert._chunks(objects, _config(workers, chunk_bytes, chunk_files)))
    assert [o for chunk in chunks for o in chunk] == objects
    assert all(chunk for chunk in chunks)
    assert all(len(chunk) <= chunk_files for chunk in chunks)
    largest = max(o.size for o in objects)
    for chunk in chunks:  # a chunk ends once it reached its goal; stretched, not unbounded
        assert sum(o.size for o in chunk[:-1]) < chunk_bytes * convert._CHUNK_STRETCH + largest


def test_one_worker_gets_chunks_of_the_configured_size() -> None:
    objects = _objects([MIB // 4] * 400, [i // 8 for i in range(400)])  # 100 MiB, 2 MiB folders
    sizes = [sum(o.size for o in c) for c in convert._chunks(objects, _config(1, 32 * MIB))]
    assert sizes == [32 * MIB, 32 * MIB, 32 * MIB, 4 * MIB]


def test_several_workers_get_shrinking_chunks_so_that_they_finish_together() -> None:
    """Guided scheduling: the last chunks are small, whatever the total, so no worker is
    left alone with a large last chunk while the others idle."""
    objects = _objects([MIB // 4] * 1200, [i // 8 for i in range(1200)])  # 300 MiB
    sizes = [sum(o.size for o in c) for c in convert._chunks(objects, _config(2, 32 * MIB))]
    assert sizes[0] == 32 * MIB  # capped by --chunk-mb while much is left
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-1] <= 2 * MIB  # the 1 MiB floor, rounded up to the folder's end
    assert sum(sizes[-4:]) < 16 * MIB
    small_input = _objects([MIB // 4] * 40, [i // 8 for i in range(40)])  # 10 MiB
    assert len(list(convert._chunks(small_input, _config(2, 32 * MIB)))) >= 4


def test_chunks_read_the_listing_only_as_far_as_they_need() -> None:
    """Chunks come while the listing goes on (the parent lists as workers work), looking
    ahead ``workers * 2 * chunk_bytes`` at most, and are those of the whole listing."""
    objects = _objects([MIB] * 1000, [i // 8 for i in range(1000)])
    config = _config(2, 8 * MIB)
    taken = 0

    def listing() -> Iterator[SourceObject]:
        nonlocal taken
        for obj in objects:
            taken += 1
            yield obj

    lazily = convert._chunks(listing(), config)
    first = next(lazily)
    assert len(first) == 8
    assert taken <= 2 * 2 * 8 + 1
    assert [first, *lazily] == list(convert._chunks(objects, config))
