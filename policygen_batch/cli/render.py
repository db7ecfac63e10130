"""Console helpers shared by the commands: the rich progress sink, dates, table output."""

from __future__ import annotations

from datetime import date
from types import TracebackType
from typing import TYPE_CHECKING

import orjson
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from policygen_batch.errors import UsageError

if TYPE_CHECKING:  # polars is imported where a frame is rendered: the CLI starts light
    import polars as pl


class RichProgress:
    """A :class:`~policygen_batch.progress.ProgressSink` drawing a bar on stderr."""

    def __init__(self, console: Console, enabled: bool = True) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not enabled,
        )
        self._task: int | None = None
        self._total = 0

    def __enter__(self) -> RichProgress:
        self._progress.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._progress.stop()

    def start(self, stage: str, total: int) -> None:
        """Show a new bar for *stage*."""
        self._task = self._progress.add_task(stage, total=total)
        self._total = total

    def grow(self, units: int) -> None:
        """Make the current bar's total larger."""
        if self._task is not None:
            self._total += units
            self._progress.update(self._task, total=self._total)  # type: ignore[arg-type]  # rich's TaskID is an int

    def advance(self, units: int = 1) -> None:
        """Move the current bar."""
        if self._task is not None:
            self._progress.advance(self._task, units)  # type: ignore[arg-type]  # rich's TaskID is an int

    def finish(self) -> None:
        """Complete the current bar."""
        self._task = None


def parse_day(value: str | None, option: str) -> date | None:
    """Parse a ``YYYY-MM-DD`` option value."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"{option} wants a date as YYYY-MM-DD, not {value!r}") from exc


def _jsonable(frame: pl.DataFrame) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = orjson.loads(frame.write_json())
    return rows


def format_frame(frame: pl.DataFrame, fmt: str) -> str:
    """Render a result frame as ``table``, ``json`` (array of row objects) or ``csv``."""
    import polars as pl

    if fmt == "json":
        return orjson.dumps(_jsonable(frame), option=orjson.OPT_INDENT_2).decode()
    if fmt == "csv":
        nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
        flat = frame.with_columns(
            pl.col(name).map_elements(
                lambda v: orjson.dumps(v.to_list() if hasattr(v, "to_list") else v).decode(),
                return_dtype=pl.String,
            )
            for name in nested
        )
        return flat.write_csv()
    with pl.Config(tbl_rows=-1, tbl_cols=-1, fmt_str_lengths=80, tbl_width_chars=200):
        return str(frame)
