"""``policygen convert``: CloudTrail archives → the warehouse."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import orjson
import typer
from rich.console import Console

from policygen_batch.cli.render import RichProgress, parse_day
from policygen_batch.config import DEFAULT_CHUNK_MB, ConvertConfig, default_workers
from policygen_batch.errors import BadInputError, UsageError
from policygen_batch.ingest.discover import S3Options
from policygen_batch.ingest.workers import start_fork_server

if TYPE_CHECKING:  # for annotations only: command modules import no polars (see below)
    from policygen_batch.ingest.convert import ConvertSummary

SourcesArg = Annotated[list[str], typer.Argument(help="Folders, files or s3://bucket/prefix.")]
WarehouseOpt = Annotated[Path, typer.Option("--warehouse", "-w", help="Warehouse folder.")]
SinceOpt = Annotated[str | None, typer.Option(help="First day (YYYY-MM-DD), inclusive.")]
UntilOpt = Annotated[str | None, typer.Option(help="Last day (YYYY-MM-DD), inclusive.")]
IngestSinceOpt = Annotated[
    str | None,
    typer.Option(
        "--ingest-since",
        help="First day (YYYY-MM-DD) of the archives to read, when it is not --since: "
        "a nightly run reads the last days and generates from a longer window.",
    ),
]
IngestUntilOpt = Annotated[
    str | None,
    typer.Option(
        "--ingest-until", help="Last day (YYYY-MM-DD) of the archives to read (default: --until)."
    ),
]
WorkersOpt = Annotated[int | None, typer.Option(help="Worker processes (default: all cores).")]
EndpointOpt = Annotated[str | None, typer.Option("--endpoint-url", help="S3-compatible endpoint.")]
AnonymousOpt = Annotated[bool, typer.Option("--anonymous", help="Unsigned S3 requests.")]
ProfileOpt = Annotated[str | None, typer.Option("--profile", help="AWS profile for s3:// sources.")]
StrictOpt = Annotated[bool, typer.Option("--strict", help="Exit 4 when anything is quarantined.")]
SummaryOpt = Annotated[
    Path | None, typer.Option("--summary-json", help="Write the run summary here.")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")]
ChunkMbOpt = Annotated[
    int, typer.Option("--chunk-mb", help="Compressed input per worker task (tuning).")
]
ChunkFilesOpt = Annotated[
    int, typer.Option("--chunk-files", help="Most source objects per worker task and commit.")
]


def build_config(
    sources: list[str],
    warehouse: Path,
    since: str | None,
    until: str | None,
    workers: int | None,
    endpoint_url: str | None,
    anonymous: bool,
    profile: str | None,
    strict: bool,
    chunk_mb: int = DEFAULT_CHUNK_MB,
    chunk_files: int = 20_000,
    *,
    window_options: tuple[str, str] = ("--since", "--until"),
) -> ConvertConfig:
    """The convert configuration from command-line values (shared with ``policygen run``,
    whose window of archives has options of its own: *window_options* name them)."""
    first, last = parse_day(since, window_options[0]), parse_day(until, window_options[1])
    if first is not None and last is not None and first > last:
        raise UsageError(f"{window_options[0]} {first} is after {window_options[1]} {last}")
    return ConvertConfig(
        sources=tuple(sources),
        warehouse=warehouse,
        since=first,
        until=last,
        workers=workers if workers is not None else default_workers(),
        strict=strict,
        s3=S3Options(endpoint_url=endpoint_url, anonymous=anonymous, profile=profile),
        chunk_bytes=chunk_mb * 1024 * 1024,
        chunk_files=chunk_files,
    )


def start_workers(config: ConvertConfig) -> None:
    """Start the fork server convert's workers come from, before this process imports
    polars and Arrow: both imports then run at once, on two cores (a 2-worker convert of
    100k events starts its first worker ~0.3 s sooner). Command modules import the
    library lazily for this, so only option parsing runs before."""
    if config.workers > 1:
        start_fork_server()


def report(
    summary: ConvertSummary, summary_json: Path | None, strict: bool, console: Console
) -> None:
    """Print the one-line summary, write ``--summary-json``, apply ``--strict``."""
    if summary_json is not None:
        summary_json.parent.mkdir(parents=True, exist_ok=True)
        summary_json.write_bytes(
            orjson.dumps(summary.to_json(), option=orjson.OPT_INDENT_2) + b"\n"
        )
    pruned = f" ({summary.folders_pruned} date folders outside the window not listed)"
    console.print(
        f"{summary.files_ingested} files ingested, {summary.files_skipped} skipped"
        f"{pruned if summary.folders_pruned else ''}, "
        f"{summary.files_quarantined} quarantined; {summary.records_read} records read → "
        f"{summary.rows_written} rows, {summary.duplicates_dropped} duplicates dropped, "
        f"{summary.records_quarantined} records quarantined in {summary.elapsed_s:.1f}s",
        highlight=False,
    )
    for entry in summary.quarantined[:20]:
        where = entry["path"] + (f" record {entry['record']}" if "record" in entry else "")
        console.print(f"  quarantined: {where}: {entry['reason']}", highlight=False, markup=False)
    if len(summary.quarantined) > 20:
        console.print(f"  … and {len(summary.quarantined) - 20} more (see --summary-json)")
    if strict and summary.has_bad_input:
        raise BadInputError(
            f"{summary.files_quarantined} files and {summary.records_quarantined} records "
            "quarantined"
        )


def register(app: typer.Typer) -> None:
    """Add ``convert`` to *app*."""

    @app.command("convert")
    def convert_command(
        sources: SourcesArg,
        warehouse: WarehouseOpt,
        since: SinceOpt = None,
        until: UntilOpt = None,
        workers: WorkersOpt = None,
        endpoint_url: EndpointOpt = None,
        anonymous: AnonymousOpt = False,
        profile: ProfileOpt = None,
        strict: StrictOpt = False,
        summary_json: SummaryOpt = None,
        quiet: QuietOpt = False,
        chunk_mb: ChunkMbOpt = DEFAULT_CHUNK_MB,
        chunk_files: ChunkFilesOpt = 20_000,
    ) -> None:
        """Ingest CloudTrail archives into the warehouse; re-runs ingest only what is new."""
        console = Console(stderr=True)
        config = build_config(
            sources,
            warehouse,
            since,
            until,
            workers,
            endpoint_url,
            anonymous,
            profile,
            strict,
            chunk_mb,
            chunk_files,
        )
        start_workers(config)
        from policygen_batch import api  # polars and Arrow: after the fork server started

        with RichProgress(console, enabled=not quiet) as progress:
            summary = api.convert(config, progress)
        report(summary, summary_json, strict, console)
