"""The ``policygen`` Typer application and the single place where errors become exit codes.

Each command lives in its own module under :mod:`policygen_batch.cli` and only parses
options, calls one function of :mod:`policygen_batch.api` and renders the result.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from policygen_batch.errors import ExitCode, PolicygenError


def build_app() -> typer.Typer:
    """Assemble the application from the command modules (imported here, not at import time)."""
    from policygen_batch.cli import catalog_cmd, convert_cmd, generate_cmd, query_cmd, validate_cmd

    app = typer.Typer(
        name="policygen",
        help="Least-privilege IAM policies and unused-permission reports from CloudTrail, offline.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for module in (convert_cmd, generate_cmd, query_cmd, catalog_cmd, validate_cmd):
        module.register(app)
    return app


def _click_errors() -> tuple[type[Exception], ...]:
    """Click's exception base classes: Typer ≥ 0.2x vendors its own copy of click, older
    versions use click itself; both signal bad command lines."""
    import click

    found: list[type[Exception]] = [click.ClickException]
    try:
        from typer._click.exceptions import ClickException
    except ImportError:
        pass
    else:
        found.append(ClickException)
    return tuple(found)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map library errors to the exit-code table in :mod:`policygen_batch.errors`."""
    err = Console(stderr=True)
    app = build_app()
    click_errors = _click_errors()
    try:
        app(args=argv, standalone_mode=False)
    except PolicygenError as exc:
        err.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(int(exc.exit_code))
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(int(ExitCode.INTERNAL))
    except click_errors as exc:  # a bad command line, found by the parser
        exc.show()  # type: ignore[attr-defined]  # both ClickException classes have show()
        sys.exit(int(ExitCode.USAGE))
    sys.exit(int(ExitCode.OK))
