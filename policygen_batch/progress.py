"""The progress sink the library reports to; the CLI renders it, tests count it.

Passed in explicitly (never a global), so the library stays silent unless asked.
"""

from __future__ import annotations

from typing import Protocol


class ProgressSink(Protocol):
    """Receives progress of a long stage."""

    def start(self, stage: str, total: int) -> None:
        """A stage begins with *total* units of work."""

    def grow(self, units: int) -> None:
        """*units* more units of work became known (a stage whose total is found as it
        goes, such as a listing still under way, starts with less than all of it)."""

    def advance(self, units: int = 1) -> None:
        """*units* more units are done."""

    def finish(self) -> None:
        """The stage is over."""


class NullProgress:
    """A sink that ignores everything (the default for library callers)."""

    def start(self, stage: str, total: int) -> None:
        """Ignore."""

    def grow(self, units: int) -> None:
        """Ignore."""

    def advance(self, units: int = 1) -> None:
        """Ignore."""

    def finish(self) -> None:
        """Ignore."""
