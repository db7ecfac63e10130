"""``policygen query``: forensic SQL over the warehouse."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from policygen_batch.cli.render import format_frame


class OutputFormat(StrEnum):
    """How query results are printed."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def register(app: typer.Typer) -> None:
    """Add ``query`` to *app*."""

    @app.command("query")
    def query_command(
        sql: Annotated[
            str, typer.Argument(help="SQL over the tables events, quarantine, sources.")
        ],
        warehouse: Annotated[Path, typer.Option("--warehouse", "-w", help="Warehouse folder.")],
        fmt: Annotated[
            OutputFormat, typer.Option("--format", help="Output format.")
        ] = OutputFormat.TABLE,
    ) -> None:
        """Run SQL (polars dialect) over the warehouse; print a table, JSON rows or CSV."""
        from policygen_batch import api  # imported here: the CLI starts without polars

        typer.echo(format_frame(api.query(warehouse, sql), fmt.value))
