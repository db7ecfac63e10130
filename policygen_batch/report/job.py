"""``generate``: usage of every principal → policies, reports, summary, index, in OUT.

The steps, each a function of the previous one's output:

1. the engine aggregates usage for all principals at once (:mod:`policygen_batch.engine`);
2. principals are resolved to names, paths and folders (:mod:`.principals`);
3. policies are synthesised for the principals that get one (:mod:`.policies`, over
   :mod:`policygen_batch.synth`) and every document is validated offline;
4. reports, ``summary.json``, ``index.md``/``index.html`` are rendered and written through an
   :class:`~.output.OutputTree` (staged, manifest last, swapped into place).

Nothing here reads the clock except for ``manifest.json``; ``summary.json`` and everything
else are a pure function of the warehouse, the options and the catalog.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from policygen_batch import __version__
from policygen_batch import schema as s
from policygen_batch.aggregate.usage import UsageFilter, UsageTables
from policygen_batch.catalog.model import Catalog
from policygen_batch.config import GenerateConfig
from policygen_batch.engine.contract import Engine, UsageJob
from policygen_batch.progress import NullProgress, ProgressSink
from policygen_batch.report.model import (
    IndexSection,
    Json,
    PolicyFile,
    PrincipalReport,
    ReportContributor,
    build_report,
    iso,
    rows_by_principal,
)
from policygen_batch.report.output import OutputTree, check_out
from policygen_batch.report.principals import PrincipalInfo, resolve
from policygen_batch.report.render import (
    canonical_json,
    index_html,
    index_markdown,
    principal_markdown,
)
from policygen_batch.report.validation import validate_documents

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class PolicySet:
    """The documents generated for one principal, and notes on how they were shaped."""

    documents: tuple[Json, ...]
    notes: tuple[str, ...] = ()
    details: Mapping[str, Json] = field(default_factory=dict)  # extra keys of report "policy"


#: Builds policies: (usage rows of principals that get one, config, catalog) → per ARN.
PolicyBuilder = Callable[[pl.DataFrame, GenerateConfig, Catalog], Mapping[str, PolicySet]]


@dataclass(frozen=True, slots=True)
class GenerateResult:
    """What ``generate`` did: the summary written, and run facts for the console."""

    summary: dict[str, Json]
    manifest: dict[str, Json]
    principals: int
    policies: int
    elapsed_s: float

    def finding_totals(self) -> dict[str, int]:
        """Finding counts by type over every generated policy."""
        totals: dict[str, int] = {}
        for row in self.summary["principals"]:
            for kind, n in row["findings"].items():
                totals[kind] = totals.get(kind, 0) + n
        return totals


def usage_filter(config: GenerateConfig) -> UsageFilter:
    """The event filter of a generate configuration."""
    return UsageFilter(config.since, config.until, config.accounts, config.principals)


def generate(
    config: GenerateConfig,
    *,
    catalog: Catalog,
    engine: Engine,
    build_policies: PolicyBuilder,
    progress: ProgressSink | None = None,
    contributors: Sequence[ReportContributor] = (),
) -> GenerateResult:
    """Run the whole generate stage into ``config.out`` (see the module docstring)."""
    sink = progress if progress is not None else NullProgress()
    started_wall = datetime.now(UTC)
    started = time.perf_counter()
    check_out(config.out)
    job = UsageJob(
        warehouse=config.warehouse,
        usage_filter=usage_filter(config),
        catalog_dir=Path(catalog.source),  # where workers load the very same catalog from
    )
    tables = engine.aggregate(job, catalog, sink)
    known = [p for contributor in contributors for p in contributor.principals()]
    with OutputTree(config.out) as tree:
        reports = build_reports(
            tables,
            config,
            catalog,
            build_policies,
            progress=sink,
            known=known,
            synthesized=lambda done: write_policies(tree, done),
        )
        for report in reports:
            for contributor in contributors:
                report.sections.extend(contributor.sections(report))
                report.summary_extra.update(contributor.summary_fields(report))
        summary = build_summary(tables, reports, config, catalog)
        index_sections = add_index_sections(summary, contributors)
        context = {"catalog_version": catalog.version, "window": summary["window"]}
        sink.start("write", len(reports))
        for report in reports:
            folder = report.principal.folder
            tree.write(f"{folder}/report.json", canonical_json(report.to_json(context)))
            tree.write(f"{folder}/report.md", principal_markdown(report, context).encode())
            sink.advance(1)
        tree.write("summary.json", canonical_json(summary))
        tree.write("index.md", index_markdown(summary, index_sections).encode())
        tree.write("index.html", index_html(summary, index_sections).encode())
        tree.flush()
        sink.finish()
        elapsed = time.perf_counter() - started
        manifest = build_manifest(
            config,
            catalog=catalog,
            engine=engine,
            started=started_wall,
            elapsed_s=elapsed,
            files=tree.files,
        )
        tree.commit(canonical_json(manifest))
    return GenerateResult(
        summary=summary,
        manifest=manifest,
        principals=len(reports),
        policies=sum(len(r.policies) for r in reports),
        elapsed_s=elapsed,
    )


def write_policies(tree: OutputTree, reports: Sequence[PrincipalReport]) -> None:
    """Hand every policy document of *reports* to *tree*: a document is final once
    synthesised (validation adds findings to the report, not to the document), so the
    writer thread can create these files while validation runs."""
    for report in reports:
        for policy in report.policies:
            tree.write(f"{report.principal.folder}/{policy.name}", canonical_json(policy.document))


def add_index_sections(
    summary: dict[str, Json], contributors: Sequence[ReportContributor]
) -> list[IndexSection]:
    """Org-wide sections of the contributors that offer ``index_sections``; their data goes
    into *summary* under their keys (which must not clash with the core keys)."""
    found: list[IndexSection] = []
    for contributor in contributors:
        offer = getattr(contributor, "index_sections", None)
        if offer is None:
            continue
        for section in offer(summary):
            if not isinstance(section, IndexSection):
                raise TypeError(f"index_sections must return IndexSection, not {section!r}")
            if section.key in summary:
                raise ValueError(f"summary section {section.key!r} clashes with a core key")
            summary[section.key] = section.data
            found.append(section)
    return found


def build_reports(
    tables: UsageTables,
    config: GenerateConfig,
    catalog: Catalog,
    build_policies: PolicyBuilder,
    *,
    progress: ProgressSink | None = None,
    known: Sequence[tuple[str, str, str | None]] = (),
    synthesized: Callable[[Sequence[PrincipalReport]], None] | None = None,
) -> list[PrincipalReport]:
    """One report per principal seen (or *known* without activity), policies validated.

    A *known* principal is filtered like events are (``--account``, ``--principal``), so
    that a filtered run does not list the whole organization's idle principals.
    *synthesized* is called with the reports once their policies are made, before they
    are validated (``generate`` writes the policy files then).
    """
    sink = progress if progress is not None else NullProgress()
    seen = {
        r[s.PRINCIPAL_ARN]: (r[s.PRINCIPAL_ARN], r[s.PRINCIPAL_TYPE], r[s.PRINCIPAL_ACCOUNT])
        for r in tables.principals.select(s.PRINCIPAL_KEY).to_dicts()
    }
    selected = usage_filter(config).selects_principal
    for arn, kind, account in known:
        if arn not in seen and selected(arn, account):
            seen[arn] = (arn, kind, account)
    principals = resolve(seen.values())
    tallies = {r[s.PRINCIPAL_ARN]: r for r in tables.principals.to_dicts()}
    usage_by = rows_by_principal(tables.usage)
    unmapped_by = rows_by_principal(
        tables.unmapped.filter(pl.col(s.PRINCIPAL_ARN).is_not_null()).sort(
            s.PRINCIPAL_ARN, s.EVENT_SOURCE, s.EVENT_NAME, s.DETAIL, nulls_last=True
        )
    )
    policy_arns = [p.arn for p in principals if p.gets_policy]
    policy_usage = tables.usage.filter(pl.col(s.PRINCIPAL_ARN).is_in(policy_arns))
    sink.start("synthesize", 1)
    policy_sets = build_policies(policy_usage, config, catalog)
    sink.advance(1)
    sink.finish()
    reports: list[PrincipalReport] = []
    for info in principals:
        report = build_report(
            info,
            tallies.get(info.arn),
            usage_by.get(info.arn, []),
            unmapped_by.get(info.arn, []),
            config.include_denied,
        )
        policy_set = policy_sets.get(info.arn) if info.gets_policy else None
        if policy_set is not None:
            report.policies = [
                PolicyFile(name=_policy_name(i), document=doc, findings=())
                for i, doc in enumerate(policy_set.documents)
            ]
            report.policy_notes = list(policy_set.notes)
            report.policy_details = dict(policy_set.details)
        reports.append(report)
    if synthesized is not None:
        synthesized(reports)
    files = [f for r in reports for f in r.policies]
    sink.start("validate", len(files))
    found = validate_documents([f.document for f in files], catalog, config.workers)
    sink.advance(len(files))
    sink.finish()
    by_file = {id(f): findings for f, findings in zip(files, found, strict=True)}
    for report in reports:
        report.policies = [replace(f, findings=by_file[id(f)]) for f in report.policies]
    return reports


def _policy_name(index: int) -> str:
    return "policy.json" if index == 0 else f"policy-{index + 1}.json"


def build_summary(
    tables: UsageTables,
    reports: Sequence[PrincipalReport],
    config: GenerateConfig,
    catalog: Catalog,
) -> dict[str, Json]:
    """``summary.json``: the org-wide tallies and one row per principal (no wall clock)."""
    ev = tables.events.row(0, named=True)
    first = tables.principals.get_column(s.FIRST_SEEN).min() if len(tables.principals) else None
    last = tables.principals.get_column(s.LAST_SEEN).max() if len(tables.principals) else None
    unmapped = (
        tables.unmapped.group_by(s.EVENT_SOURCE, s.EVENT_NAME)
        .agg(pl.col(s.USAGE_COUNT).sum())
        .sort(s.USAGE_COUNT, s.EVENT_SOURCE, s.EVENT_NAME, descending=[True, False, False])
    )
    return {
        "format_version": FORMAT_VERSION,
        "catalog_version": catalog.version,
        "window": {
            "since": config.since.isoformat() if config.since else None,
            "until": config.until.isoformat() if config.until else None,
            "first_event": iso(first) if isinstance(first, datetime) else None,
            "last_event": iso(last) if isinstance(last, datetime) else None,
        },
        "filters": {
            "accounts": sorted(config.accounts),
            "principals": sorted(config.principals),
            "include_denied": config.include_denied,
        },
        "events": {
            "total": ev[s.EVENTS],
            "attributed": ev[s.ATTRIBUTED_EVENTS],
            "unattributed": ev[s.EVENTS] - ev[s.ATTRIBUTED_EVENTS],
            "non_api": ev[s.NON_API_EVENTS],
            "permissionless": ev[s.PERMISSIONLESS_EVENTS],
            "unmapped": ev[s.UNMAPPED_EVENTS],
            "denied": ev[s.DENIED_EVENTS],
        },
        "principals": [summary_row(r) for r in reports],
        "unmapped": [
            {"event_source": r[s.EVENT_SOURCE], "event_name": r[s.EVENT_NAME], "count": r["count"]}
            for r in unmapped.to_dicts()
        ],
    }


def summary_row(report: PrincipalReport) -> dict[str, Json]:
    """A principal's row in ``summary.json`` (paths relative to OUT)."""
    p: PrincipalInfo = report.principal
    findings: dict[str, int] = {}
    for policy in report.policies:
        for finding in policy.findings:
            findings[finding["finding_type"]] = findings.get(finding["finding_type"], 0) + 1
    row: dict[str, Json] = {
        **p.identity_json(),
        "policies": [f"{p.folder}/{f.name}" for f in report.policies],
        "no_policy": None if report.policies else (p.no_policy_label or "no successful calls"),
        "report": f"{p.folder}/report.json",
        "report_md": f"{p.folder}/report.md",
        "events": report.events["total"],
        "actions": len(report.used),
        "denied": report.events["denied"],
        "denied_actions": len(report.denied),
        "implied_actions": len(report.implied),
        "first_seen": report.first_seen,
        "last_seen": report.last_seen,
        "findings": findings,
    }
    for key, value in report.summary_extra.items():
        if key in row:
            raise ValueError(f"summary field {key!r} clashes with a core field")
        row[key] = value
    return row


def build_manifest(
    config: GenerateConfig,
    *,
    catalog: Catalog,
    engine: Engine,
    started: datetime,
    elapsed_s: float,
    files: Mapping[str, str],
) -> dict[str, Json]:
    """``manifest.json``: run metadata (the only file with wall-clock time) and file hashes."""
    import pyarrow

    from policygen_batch.warehouse.layout import Layout
    from policygen_batch.warehouse.manifest import Manifest

    commits = Manifest(Layout(config.warehouse)).commit_seqs()
    return {
        "format_version": FORMAT_VERSION,
        "complete": True,
        "started_at": started.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "duration_s": round(elapsed_s, 3),
        "versions": {
            "policygen_batch": __version__,
            "python": platform.python_version(),
            "polars": pl.__version__,
            "pyarrow": pyarrow.__version__,
            "catalog": catalog.version,
            "catalog_updated_at": catalog.updated_at,
        },
        "inputs": {
            "warehouse": str(config.warehouse),
            "warehouse_commits": len(commits),
            "last_commit": commits[-1] if commits else None,
            "catalog": catalog.source,
        },
        "options": {
            "since": config.since.isoformat() if config.since else None,
            "until": config.until.isoformat() if config.until else None,
            "principals": list(config.principals),
            "accounts": list(config.accounts),
            "include_denied": config.include_denied,
            "max_policy_chars": config.max_policy_chars,
            "inline": config.inline,
            "authz": [str(path) for path in config.authz],
            "org_accounts": list(config.org_accounts),
        },
        "engine": {"name": engine.name, "workers": config.workers},
        "files": dict(sorted(files.items())),
    }
