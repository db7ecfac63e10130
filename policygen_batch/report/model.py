"""The per-principal report and the org summary as plain, JSON-ready data.

A :class:`PrincipalReport` holds what issue 4 asks for (used actions with their resources,
counts and first/last seen; denied; implied; unmapped; the policy files and their validation
findings). Later stages add to it without changing this module: a :class:`ReportContributor`
(unused permissions from authorization snapshots, trust-policy findings, …) returns extra
:class:`Section` s per principal and extra fields for the summary row; the renderers put each
section under its own key in ``report.json`` and its own heading in ``report.md``.

Timestamps are ISO 8601 UTC with a ``Z`` (``2024-11-18T03:12:45Z``); every list is sorted, so
the same usage always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

import polars as pl

from policygen_batch import schema as s
from policygen_batch.report.principals import PrincipalInfo

Json = Any  # a JSON-ready value (dict/list/str/int/float/bool/None)


_ISO_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def iso(value: datetime | None) -> str | None:
    """``2024-11-18T03:12:45Z`` (seconds precision; CloudTrail logs whole seconds)."""
    return None if value is None else value.strftime(_ISO_FORMAT)


def with_iso(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """*frame* with its UTC datetime *columns* as :func:`iso` strings.

    Formatted by polars in one pass: :func:`iso` per value took a tenth of ``generate`` at
    1M events. polars pads a year below 1000 to four digits and Python does not, so a frame
    holding such a year is formatted value by value through :func:`iso` instead. For years
    of four digits the strings sort like the times they stand for.
    """
    if not columns:
        return frame
    years = frame.select(
        pl.min_horizontal(pl.col(c).dt.year().min() for c in columns).alias("low"),
        pl.max_horizontal(pl.col(c).dt.year().max() for c in columns).alias("high"),
    ).row(0)
    if all(year is None or _FOUR_DIGITS[0] <= year <= _FOUR_DIGITS[1] for year in years):
        return frame.with_columns(pl.col(c).dt.strftime(_ISO_FORMAT) for c in columns)
    return frame.with_columns(
        pl.Series(c, [iso(v) for v in frame.get_column(c)], dtype=pl.String) for c in columns
    )


_FOUR_DIGITS = (1000, 9999)


@dataclass(frozen=True, slots=True)
class Section:
    """An extra block of a principal's report contributed by a later stage.

    ``key`` is its key in ``report.json`` (must not clash with the core keys), ``title`` its
    Markdown heading, ``data`` its JSON value and ``markdown`` its Markdown body lines.
    """

    key: str
    title: str
    data: Json
    markdown: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Link:
    """A table cell that links to a file of OUT (rendered as a Markdown or HTML link)."""

    text: str
    href: str


@dataclass(frozen=True, slots=True)
class IndexSection:
    """An org-wide block a contributor adds: ``data`` under ``key`` in ``summary.json``, and
    ``title``, ``intro`` and a table (``header``, ``rows``) in ``index.md``/``index.html``.

    Contributors offer these through an optional ``index_sections(summary)`` method (not part
    of :class:`ReportContributor`, so contributors without org-wide output need nothing).
    """

    key: str
    title: str
    data: Json
    intro: str
    header: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


class ReportContributor(Protocol):
    """Adds principals, sections to principal reports and fields to their summary rows."""

    def principals(self) -> Iterable[tuple[str, str, str | None]]:
        """``(arn, kind, account)`` of principals that get a report even with no activity
        in the window (e.g. every role of an authorization snapshot)."""
        ...

    def sections(self, report: PrincipalReport) -> Sequence[Section]:
        """Extra sections for *report*'s principal (empty when it has nothing to say)."""
        ...

    def summary_fields(self, report: PrincipalReport) -> Mapping[str, Json]:
        """Extra fields for the principal's row in ``summary.json``."""
        ...


@dataclass(frozen=True, slots=True)
class PolicyFile:
    """One written policy document and its validation findings."""

    name: str  # file name inside the principal's folder (policy.json, policy-2.json, …)
    document: Json
    findings: tuple[Json, ...]  # Finding.to_dict() values, sorted


@dataclass(slots=True)
class PrincipalReport:
    """Everything known about one principal in the window."""

    principal: PrincipalInfo
    events: Mapping[str, int]
    first_seen: str | None
    last_seen: str | None
    used: list[Json]
    denied: list[Json]
    implied: list[Json]
    unmapped: list[Json]
    include_denied: bool = False
    policies: list[PolicyFile] = field(default_factory=list)
    policy_notes: list[str] = field(default_factory=list)
    policy_details: dict[str, Json] = field(default_factory=dict)
    sections: list[Section] = field(default_factory=list)
    summary_extra: dict[str, Json] = field(default_factory=dict)

    @property
    def used_actions(self) -> list[str]:
        """Sorted names of the actions used successfully."""
        return [u["action"] for u in self.used]

    def to_json(self, context: Mapping[str, Json]) -> dict[str, Json]:
        """The ``report.json`` document; *context* adds run-wide facts (catalog, window)."""
        p = self.principal
        out: dict[str, Json] = {
            **p.identity_json(),
            **context,
            "events": dict(self.events),
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "policy": {
                "generated": p.gets_policy,
                "reason": p.no_policy_reason,
                "files": [f.name for f in self.policies],
                "include_denied": self.include_denied,
                "notes": list(self.policy_notes),
                **self.policy_details,
            },
            "used": self.used,
            "denied": self.denied,
            "implied": self.implied,
            "unmapped": self.unmapped,
            "findings": [
                {"policy": f.name, **finding} for f in self.policies for finding in f.findings
            ],
        }
        for section in self.sections:
            if section.key in out:
                raise ValueError(f"report section {section.key!r} clashes with a core key")
            out[section.key] = section.data
        return out


def _resource_entry(row: Mapping[str, Any], with_detail: str) -> dict[str, Json]:
    entry: dict[str, Json] = {
        "resource": row[s.RESOURCE],
        "resource_type": row[s.MAPPED_RESOURCE_TYPE],
        "count": row[s.USAGE_COUNT],
        "first_seen": row[s.FIRST_SEEN],
        "last_seen": row[s.LAST_SEEN],
    }
    if row[s.DETAIL] is not None:
        entry[with_detail] = row[s.DETAIL]
    return entry


def _by_action(rows: Sequence[Mapping[str, Any]], with_detail: str) -> list[Json]:
    """Rows of one status grouped per action: totals plus the sorted resource entries."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        grouped.setdefault(row[s.ACTION], []).append(row)
    out: list[Json] = []
    for action in sorted(grouped):
        members = grouped[action]
        resources = sorted(
            (_resource_entry(r, with_detail) for r in members),
            key=lambda e: (e["resource"] is None, e["resource"] or "", e["resource_type"] or ""),
        )
        out.append(
            {
                "action": action,
                "count": sum(r[s.USAGE_COUNT] for r in members),
                "first_seen": min(r[s.FIRST_SEEN] for r in members),
                "last_seen": max(r[s.LAST_SEEN] for r in members),
                "resources": resources,
            }
        )
    return out


def rows_by_principal(frame: pl.DataFrame) -> dict[str, list[dict[str, Any]]]:
    """The rows of a usage or unmapped table per principal ARN, in table order, with
    ``first_seen``/``last_seen`` (when present) as :func:`iso` strings: what
    :func:`build_report` reads. Converted in one pass for all principals, not one each."""
    times = [c for c in (s.FIRST_SEEN, s.LAST_SEEN) if c in frame.columns]
    out: dict[str, list[dict[str, Any]]] = {}
    for row in with_iso(frame, *times).to_dicts():
        out.setdefault(row[s.PRINCIPAL_ARN], []).append(row)
    return out


def build_report(
    principal: PrincipalInfo,
    tallies: Mapping[str, Any] | None,
    usage: Sequence[Mapping[str, Any]],
    unmapped: Sequence[Mapping[str, Any]],
    include_denied: bool,
) -> PrincipalReport:
    """The report of one principal from its rows of the combined usage tables.

    *usage* and *unmapped* are the principal's rows as :func:`rows_by_principal` gives them
    (times already ISO strings); *unmapped* sorted by event source, name and detail.
    """
    by_status: dict[str, list[Mapping[str, Any]]] = {}
    for row in usage:
        by_status.setdefault(row[s.STATUS], []).append(row)
    events = {
        "total": 0,
        "denied": 0,
        "permissionless": 0,
        "non_api": 0,
        "unmapped": 0,
    }
    first = last = None
    if tallies is not None:
        events = {
            "total": tallies[s.EVENTS],
            "denied": tallies[s.DENIED_EVENTS],
            "permissionless": tallies[s.PERMISSIONLESS_EVENTS],
            "non_api": tallies[s.NON_API_EVENTS],
            "unmapped": tallies[s.UNMAPPED_EVENTS],
        }
        first, last = iso(tallies[s.FIRST_SEEN]), iso(tallies[s.LAST_SEEN])
    unmapped_list = [
        {
            "event_source": r[s.EVENT_SOURCE],
            "event_name": r[s.EVENT_NAME],
            "detail": r[s.DETAIL],
            "count": r[s.USAGE_COUNT],
        }
        for r in unmapped
    ]
    return PrincipalReport(
        principal=principal,
        events=events,
        first_seen=first,
        last_seen=last,
        used=_by_action(by_status.get(s.MappingStatus.ALLOWED, []), "detail"),
        denied=_by_action(by_status.get(s.MappingStatus.DENIED, []), "detail"),
        implied=_by_action(by_status.get(s.MappingStatus.IMPLIED, []), "implied_by"),
        unmapped=unmapped_list,
        include_denied=include_denied,
    )
