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
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

from policygen_batch.errors import UsageError

MANIFEST = "manifest.json"
SUMMARY = "summary.json"


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
        self._folders: set[Path] = set()  # made already: a principal's files share one

    def __enter__(self) -> OutputTree:
        check_out(self.out)
        shutil.rmtree(self.staging, ignore_errors=True)
        self.staging.mkdir(parents=True)
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is not None:
            shutil.rmtree(self.staging, ignore_errors=True)

    def write(self, relative: str, data: bytes) -> None:
        """Write one file (``/``-separated path under OUT) and remember its hash."""
        if relative in self.files:
            raise ValueError(f"{relative} written twice")
        path = self.staging / relative
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        path.write_bytes(data)
        self.files[relative] = hashlib.sha256(data).hexdigest()

    def commit(self, manifest: bytes) -> None:
        """Write the manifest last, then swap the staging folder in place of OUT."""
        (self.staging / MANIFEST).write_bytes(manifest)
        shutil.rmtree(self.old, ignore_errors=True)
        if self.out.exists():
            self.out.replace(self.old)
        self.staging.replace(self.out)
        shutil.rmtree(self.old, ignore_errors=True)
