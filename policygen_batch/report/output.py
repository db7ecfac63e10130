"""Writing OUT so that a reader never mistakes a half-written run for a finished one.

Everything is written under a sibling staging folder ``<OUT>.partial``; ``manifest.json`` is
written last, with the SHA-256 of every other file; then the old OUT (if any) is moved aside
to ``<OUT>.old``, the staging folder renamed to OUT, and the old one removed. So:

* ``OUT`` with a ``manifest.json`` is complete (and checkable against the hashes);
* ``<OUT>.partial`` is a run that died while writing (removed by the next run);
* ``<OUT>.old`` next to a missing OUT is a run that died between the two renames.

OUT is replaced as a whole, so stale principals from an earlier run never linger. To avoid
deleting someone's folder by mistake, an existing, non-empty OUT must look like ours (it has
a ``summary.json`` or ``manifest.json``).

Files are written by a child process (:mod:`.filewriter`, which says why), in the order
they are handed over, while this process goes on computing; :meth:`OutputTree.flush` waits
for them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from policygen_batch.errors import UsageError
from policygen_batch.report.filewriter import frame

MANIFEST = "manifest.json"
SUMMARY = "summary.json"
#: Frames are sent to the writer in chunks of about this many bytes (a handful of GIL
#: round trips for the feeder thread per MiB, not one per file).
_CHUNK = 256 * 1024
#: The pipe's capacity asked for (Linux' default limit for an unprivileged process): the
#: child has about a hundred files queued while the feeder waits for the GIL.
_PIPE_BYTES = 1024 * 1024


def check_out(out: Path) -> None:
    """Refuse an OUT that exists and is not an earlier output (fail before any work)."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} exists and is not a folder")
    ours = (out / MANIFEST).is_file() or (out / SUMMARY).is_file()
    if out.is_dir() and not ours and any(out.iterdir()):
        raise UsageError(
            f"--out {out} is a non-empty folder that is not a policygen output "
            "(no summary.json or manifest.json); refusing to replace it"
        )


class OutputTree:
    """A staging folder that becomes OUT on :meth:`commit`."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.staging = out.with_name(out.name + ".partial")
        self.old = out.with_name(out.name + ".old")
        self.files: dict[str, str] = {}  # relative path → sha256
        self._writer: _Writer | None = None  # started by the first write after a flush

    def __enter__(self) -> OutputTree:
        check_out(self.out)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._writer is not None:
            self._writer.abort()
            self._writer = None
        if exc[0] is not None:
            shutil.rmtree(self.staging, ignore_errors=True)

    def write(self, relative: str, data: bytes) -> None:
        """Hand one file (``/``-separated path under OUT) to the writer; remember its hash.

        The file is on disk once :meth:`flush` (or :meth:`commit`) has returned, which
        raises if any write failed.
        """
        if relative in self.files:
            raise ValueError(f"{relative} written twice")
        self.files[relative] = hashlib.sha256(data).hexdigest()
        if self._writer is None:
            self._writer = _Writer(self.staging)
        self._writer.send(frame(relative, data))

    def flush(self) -> None:
        """Wait until every file handed over is on disk (OSError if the writer failed)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.finish()

    def commit(self, manifest: bytes) -> None:
        """Write the manifest last, then swap the staging folder in place of OUT."""
        self.flush()
        (self.staging / MANIFEST).write_bytes(manifest)
        shutil.rmtree(self.old, ignore_errors=True)
        if self.out.exists():
            self.out.replace(self.old)
        self.staging.replace(self.out)
        shutil.rmtree(self.old, ignore_errors=True)


class _Writer:
    """The :mod:`.filewriter` child and the thread that feeds it.

    The caller's frames are gathered into chunks and queued; the feeder thread writes them
    to the child's stdin, blocking on the pipe (without the GIL) when the child lags.
    """

    def __init__(self, root: Path) -> None:
        # The child's stderr, read when it fails; open for the child's life (closed by
        # finish or abort), so not a with block.
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 (see above)
        self._child = subprocess.Popen(
            [sys.executable, "-m", "policygen_batch.report.filewriter", str(root)],
            stdin=subprocess.PIPE,
            stderr=self._errors,
        )
        assert self._child.stdin is not None  # stdin=PIPE: always set
        self._stdin = self._child.stdin
        with contextlib.suppress(AttributeError, OSError):  # not Linux, or capped: as it is
            fcntl.fcntl(self._stdin.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        self._chunk: list[bytes] = []
        self._chunk_bytes = 0
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._broken: OSError | None = None
        self._feeder = threading.Thread(target=self._feed, name="policygen-output", daemon=True)
        self._feeder.start()

    def send(self, parts: list[bytes]) -> None:
        """Queue one file's frame (sent with others once a chunk is full)."""
        self._chunk.extend(parts)
        self._chunk_bytes += sum(len(part) for part in parts)
        if self._chunk_bytes >= _CHUNK:
            self._queue.put(b"".join(self._chunk))
            self._chunk, self._chunk_bytes = [], 0

    def _feed(self) -> None:
        try:
            while (chunk := self._queue.get()) is not None:
                self._stdin.write(chunk)
            self._stdin.close()
        except OSError as exc:  # the child died: finish() reports its stderr
            self._broken = exc

    def finish(self) -> None:
        """Send the rest, end the stream and wait for the child; OSError if it failed."""
        if self._chunk:
            self._queue.put(b"".join(self._chunk))
        self._queue.put(None)
        self._feeder.join()
        status = self._child.wait()
        if status != 0 or self._broken is not None:
            self._errors.seek(0)
            reason = self._errors.read().decode(errors="replace").strip().splitlines()
            detail = reason[-1] if reason else str(self._broken)
            raise OSError(f"writing the output failed (writer exit status {status}): {detail}")
        self._errors.close()

    def abort(self) -> None:
        """Stop the child at once (the staging folder is being thrown away)."""
        self._child.kill()
        self._queue.put(None)
        self._feeder.join()
        with contextlib.suppress(OSError):
            self._stdin.close()
        self._child.wait()
        self._errors.close()
