"""A child process that writes the files of an output tree, so that the parent need not.

Why a process and not a thread: creating a file is kernel work, and not cheap here — on
an ext4 file system without a journal, each new inode is checked against the inodes
deleted in the last 30 s, so right after an earlier output was removed the 3,115 files of
the 1M-event benchmark took 1–2.5 s of CPU to create. A thread would release the GIL for
each system call but need it back after each one, and while the parent validates and
renders (pure Python) it gets it back only every switch interval (5 ms): the writes would
crawl until the parent stopped to wait for them. A process has a GIL of its own, so the
files are created on the other core while the parent goes on computing.

The parent (:class:`~policygen_batch.report.output.OutputTree`) sends frames over the
child's stdin — a header (:data:`HEADER`: path length, data length), the ``/``-separated
path relative to the root, the bytes — from a feeder thread that blocks on the pipe, not
on the GIL. The child writes them in order (so a folder is made before its files) and
exits 0 at the end of the stream, or non-zero with the reason on stderr.
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path
from typing import BinaryIO

#: Frame header: bytes of the UTF-8 relative path, bytes of the data.
HEADER = struct.Struct("<IQ")


def frame(relative: str, data: bytes) -> list[bytes]:
    """The parts of one file's frame, to be sent in this order."""
    name = relative.encode()
    return [HEADER.pack(len(name), len(data)), name, data]


def serve(root: Path, stream: BinaryIO) -> int:
    """Write every file framed in *stream* under *root*; the number of files written."""
    folders: set[Path] = set()
    written = 0
    while head := stream.read(HEADER.size):
        if len(head) < HEADER.size:
            raise EOFError("the stream ends inside a frame header")
        name_size, data_size = HEADER.unpack(head)
        name = stream.read(name_size)
        data = stream.read(data_size)
        if len(name) < name_size or len(data) < data_size:
            raise EOFError("the stream ends inside a frame")
        relative = name.decode()
        if relative.startswith("/") or ".." in relative.split("/"):
            raise ValueError(f"{relative!r} is not a path inside the output folder")
        path = root / relative
        if path.parent not in folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            folders.add(path.parent)
        path.write_bytes(data)
        written += 1
    return written


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.stdin.buffer)
