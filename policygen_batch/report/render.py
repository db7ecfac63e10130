"""Renderers: canonical JSON, per-principal Markdown, the org index as Markdown and HTML.

Pure functions from report data to bytes/text; nothing here touches the file system or
reads a clock, so the same data always renders to the same bytes. The HTML index is
self-contained (inline CSS, no scripts, no external assets) so it opens from an air-gapped
share.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from policygen_batch.report.model import IndexSection, Json, Link, PrincipalReport
from policygen_batch.synth import canonical_json  # one JSON writer for policies and reports

__all__ = [
    "canonical_json",
    "index_html",
    "index_markdown",
    "principal_markdown",
]

_MAX_RESOURCES_MD = 20  # resources listed per action in report.md (report.json has all)


def _cell(value: object) -> str:
    """A Markdown table cell: pipes escaped, newlines flattened, None shown as a dash."""
    if isinstance(value, Link):
        return f"[{_cell(value.text)}]({value.href})"
    if value is None or value == "":
        return "–"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines.extend("| " + " | ".join(_cell(v) for v in row) + " |" for row in rows)
    return lines


def _resources_text(entries: Sequence[Mapping[str, Any]]) -> str:
    names = [
        f"`{e['resource']}`" if e["resource"] is not None else "(not in the events)"
        for e in entries[:_MAX_RESOURCES_MD]
    ]
    if len(entries) > _MAX_RESOURCES_MD:
        names.append(f"… {len(entries) - _MAX_RESOURCES_MD} more in report.json")
    return "<br>".join(names)


def principal_markdown(report: PrincipalReport, context: Mapping[str, Json]) -> str:
    """``report.md``: the principal's report for a person."""
    p = report.principal
    lines = [f"# {p.kind.replace('_', ' ')} `{p.name}`", ""]
    facts: list[tuple[str, object]] = [
        ("ARN", f"`{p.arn}`"),
        ("account", p.account),
        ("path", f"`{p.path}`" if p.path else None),
    ]
    if p.permission_set:
        facts.append(("permission set", p.permission_set))
    window = context.get("window", {})
    facts += [
        (
            "window",
            f"{window.get('since') or 'first event'} → {window.get('until') or 'last event'}",
        ),
        ("catalog", context.get("catalog_version")),
        ("events", report.events["total"]),
        ("denied events", report.events["denied"]),
        ("first seen", report.first_seen),
        ("last seen", report.last_seen),
    ]
    lines += _table(["", ""], facts)
    lines += ["", "## Policy", ""]
    if not p.gets_policy:
        lines.append(f"No policy generated: {p.no_policy_reason}.")
    elif not report.policies:
        lines.append("No policy generated: no action was used successfully in the window.")
    else:
        files = ", ".join(f"[`{f.name}`]({f.name})" for f in report.policies)
        lines.append(f"Generated: {files}.")
        if report.include_denied:
            lines.append("")
            lines.append("Denied actions are **included** (`--include-denied`).")
    if report.policy_notes:
        lines.append("")
        lines += [f"- {note}" for note in report.policy_notes]
    findings = [(f.name, x) for f in report.policies for x in f.findings]
    if findings:
        lines += ["", "### Validation findings", ""]
        lines += _table(
            ["policy", "type", "code", "where", "message"],
            (
                (name, x["finding_type"], x["issue_code"], x.get("path"), x["message"])
                for name, x in findings
            ),
        )
    elif report.policies:
        lines += ["", "Validation: no findings."]
    lines += _usage_section("Used actions", report.used, None)
    denied = "Denied (not granted unless --include-denied)"
    lines += _usage_section(denied, report.denied, "detail")
    implied = "Implied (needed but never logged; granted unless withheld above)"
    lines += _usage_section(implied, report.implied, "implied_by")
    if report.unmapped:
        lines += ["", "## Unmapped events", ""]
        lines += _table(
            ["event source", "event name", "count", "why"],
            (
                (u["event_source"], u["event_name"], u["count"], u["detail"])
                for u in report.unmapped
            ),
        )
    for section in report.sections:
        lines += ["", f"## {section.title}", ""]
        lines += list(section.markdown)
    return "\n".join(lines) + "\n"


def _usage_section(title: str, entries: Sequence[Mapping[str, Any]], why: str | None) -> list[str]:
    """A table of actions; with *why*, a column of the distinct reasons of its resources."""
    if not entries:
        return []
    header = ["action", "resources", "count", "first seen", "last seen"]
    lines = ["", f"## {title}", ""]
    rows = []
    for e in entries:
        row = [
            f"`{e['action']}`",
            _resources_text(e["resources"]),
            e["count"],
            e["first_seen"],
            e["last_seen"],
        ]
        if why is not None:
            reasons = sorted({r[why] for r in e["resources"] if r.get(why)})
            row.append("<br>".join(reasons[:3]) + (" …" if len(reasons) > 3 else ""))
        rows.append(row)
    lines += _table([*header, "why"] if why is not None else header, rows)
    return lines


# --- the org index ---------------------------------------------------------------------------


def _by_account(summary: Mapping[str, Any]) -> dict[str, list[Mapping[str, Any]]]:
    """Summary rows per account, accounts in order (rows keep the summary's order)."""
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in summary["principals"]:
        grouped.setdefault(row["account"], []).append(row)
    return dict(sorted(grouped.items()))


def index_markdown(summary: Mapping[str, Any], sections: Sequence[IndexSection] = ()) -> str:
    """``index.md``: the organization at a glance, one table per account, then *sections*."""
    ev = summary["events"]
    window = summary["window"]
    lines = [
        "# policygen — organization summary",
        "",
        f"Catalog `{summary['catalog_version']}` · window {window['since'] or 'first event'} → "
        f"{window['until'] or 'last event'} · events {window['first_event'] or '–'} → "
        f"{window['last_event'] or '–'}",
        "",
    ]
    lines += _table(
        ["events", "attributed", "unattributed", "non-API", "permission-less", "unmapped"],
        [
            (
                ev["total"],
                ev["attributed"],
                ev["unattributed"],
                ev["non_api"],
                ev["permissionless"],
                ev["unmapped"],
            )
        ],
    )
    by_account = _by_account(summary)
    for account in by_account:
        lines += ["", f"## Account {account}", ""]
        lines += _table(
            ["principal", "kind", "events", "actions", "denied", "policy", "findings", "last seen"],
            (
                (
                    f"[{r['name']}]({r['report_md']})" + (f" ({r['path']})" if r["path"] else ""),
                    r["kind"] + (f": {r['permission_set']}" if r.get("permission_set") else ""),
                    r["events"],
                    r["actions"],
                    r["denied"],
                    ", ".join(f"[{p.rsplit('/', 1)[-1]}]({p})" for p in r["policies"])
                    or r["no_policy"],
                    _findings_text(r["findings"]),
                    r["last_seen"],
                )
                for r in by_account[account]
            ),
        )
    if summary["unmapped"]:
        lines += ["", "## Unmapped events", ""]
        lines += _table(
            ["event source", "event name", "count"],
            ((u["event_source"], u["event_name"], u["count"]) for u in summary["unmapped"]),
        )
    for section in sections:
        lines += ["", f"## {section.title}", "", section.intro]
        if section.rows:
            lines += ["", *_table(section.header, section.rows)]
    return "\n".join(lines) + "\n"


def _findings_text(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{n} {k.lower()}" for k, n in sorted(counts.items()) if n) or "none"


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em;color:#1b1f24}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}
th,td{border:1px solid #d0d7de;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.n{text-align:right}code{font-size:.92em}
.muted{color:#59636e}.warn{color:#9a6700}.err{color:#cf222e}
"""


def _h(value: object) -> str:
    return html.escape("–" if value is None or value == "" else str(value))


def _html_cell(value: object) -> str:
    if isinstance(value, Link):
        return f'<a href="{html.escape(value.href, quote=True)}">{_h(value.text)}</a>'
    css = ' class="n"' if isinstance(value, int) and not isinstance(value, bool) else ""
    return f"<td{css}>{_h(value)}</td>" if css else _h(value)


def _html_section(section: IndexSection) -> list[str]:
    out = [f"<h2>{_h(section.title)}</h2>", f"<p>{_h(section.intro)}</p>"]
    if section.rows:
        out.append("<table><tr>" + "".join(f"<th>{_h(h)}</th>" for h in section.header) + "</tr>")
        for row in section.rows:
            cells = (_html_cell(v) for v in row)
            out.append(
                "<tr>"
                + "".join(c if c.startswith("<td") else f"<td>{c}</td>" for c in cells)
                + "</tr>"
            )
        out.append("</table>")
    return out


def index_html(summary: Mapping[str, Any], sections: Sequence[IndexSection] = ()) -> str:
    """``index.html``: the same content as ``index.md``, self-contained."""
    ev = summary["events"]
    window = summary["window"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<title>policygen — organization summary</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>policygen — organization summary</h1>",
        f'<p class="muted">Catalog <code>{_h(summary["catalog_version"])}</code> · window '
        f"{_h(window['since'] or 'first event')} → {_h(window['until'] or 'last event')} · events "
        f"{_h(window['first_event'])} → {_h(window['last_event'])}</p>",
        "<table><tr><th>events</th><th>attributed</th><th>unattributed</th><th>non-API</th>"
        "<th>permission-less</th><th>unmapped</th></tr><tr>",
        *(
            f'<td class="n">{_h(ev[k])}</td>'
            for k in (
                "total",
                "attributed",
                "unattributed",
                "non_api",
                "permissionless",
                "unmapped",
            )
        ),
        "</tr></table>",
    ]
    by_account = _by_account(summary)
    for account in by_account:
        out.append(f"<h2>Account {_h(account)}</h2>")
        out.append(
            "<table><tr><th>principal</th><th>kind</th><th>events</th><th>actions</th>"
            "<th>denied</th><th>policy</th><th>findings</th><th>last seen</th></tr>"
        )
        for r in by_account[account]:
            path = f' <span class="muted">{_h(r["path"])}</span>' if r["path"] else ""
            kind = r["kind"] + (f": {r['permission_set']}" if r.get("permission_set") else "")
            policies = (
                ", ".join(
                    f'<a href="{html.escape(p, quote=True)}">{_h(p.rsplit("/", 1)[-1])}</a>'
                    for p in r["policies"]
                )
                or f'<span class="muted">{_h(r["no_policy"])}</span>'
            )
            bad = r["findings"].get("ERROR") or r["findings"].get("SECURITY_WARNING")
            css = "err" if bad else ""
            out.append(
                f'<tr><td><a href="{html.escape(r["report_md"], quote=True)}">{_h(r["name"])}</a>'
                f"{path}</td><td>{_h(kind)}</td>"
                f'<td class="n">{_h(r["events"])}</td><td class="n">{_h(r["actions"])}</td>'
                f'<td class="n">{_h(r["denied"])}</td><td>{policies}</td>'
                f'<td class="{css}">{_h(_findings_text(r["findings"]))}</td>'
                f"<td>{_h(r['last_seen'])}</td></tr>"
            )
        out.append("</table>")
    if summary["unmapped"]:
        out.append("<h2>Unmapped events</h2>")
        out.append("<table><tr><th>event source</th><th>event name</th><th>count</th></tr>")
        out.extend(
            f"<tr><td>{_h(u['event_source'])}</td><td>{_h(u['event_name'])}</td>"
            f'<td class="n">{_h(u["count"])}</td></tr>'
            for u in summary["unmapped"]
        )
        out.append("</table>")
    for section in sections:
        out.extend(_html_section(section))
    out.append("</body></html>")
    return "\n".join(out) + "\n"
