"""The table ``make bench`` prints: one column per corpus size, then the target and whether
it passed.

It is Markdown, so that the README's performance section can quote it as printed. Target
rows show their value at every size measured; the pass column says PASS only when every
value the target is evaluated on meets it, and "not measured" when one is missing.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.bench_report import Figures, peak_rss

_SYMBOL = {">=": "≥", "<=": "≤", "<": "<"}
_PASS = {True: "PASS", False: "FAIL", None: "not measured"}
#: how each target's values read
_FORMAT: dict[str, Callable[[float], str]] = {
    "convert_vs_floor": "{:.2f}".format,
    "convert_speedup": "{:.2f}×".format,
    "generate_vs_convert": "{:.2f}".format,
    "faster_than_trailscraper": "{:.1f}×".format,
    "peak_rss": "{:,.0f} MiB".format,
    "rss_growth": "{:.2f}×".format,
}


def _plural(workers: int) -> str:
    return f"{workers} worker" + ("s" if workers > 1 else "")


def _job_label(job: str) -> str:
    """``convert_2`` → ``convert, 2 workers``; ``run`` → ``run, all workers``."""
    command, _, workers = job.partition("_")
    return f"{command}, {_plural(int(workers))}" if workers else f"{command}, all workers"


def _markdown(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in rows]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


class _Rows:
    """Rows of the table under construction, one cell per size."""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures
        self.sizes = list(figures["sizes"])
        self.targets = {t["key"]: t for t in figures.get("targets", [])}
        self.rows = [["measure", *self.sizes, "target", "pass"]]

    def add(self, label: str, cells: dict[str, str], target: str = "", passed: str = "") -> None:
        self.rows.append([label, *(cells.get(s, "–") for s in self.sizes), target, passed])

    def per_size(self, label: str, cells: dict[str, str | None]) -> None:
        """A row of one cell per size; none at all when no size has a value."""
        if any(c is not None for c in cells.values()):
            self.add(label, {s: c for s, c in cells.items() if c is not None})

    def target(self, key: str, shown: dict[str, float | None] | None = None) -> None:
        """The row of one target: its values (or *shown*, when the row shows more sizes
        than the target is evaluated on), the limit and PASS/FAIL."""
        result, fmt = self.targets[key], _FORMAT[key]
        values = result["values"] if shown is None else shown
        cells: dict[str, str] = {}
        for where, value in values.items():
            column = where if where in self.sizes else self.sizes[-1]
            cells[column] = "n/a" if value is None else fmt(value)
        limit = f"{_SYMBOL[result['op']]} {fmt(result['limit'])}{result['scope']}"
        self.add(result["label"], cells, limit, _PASS[result["met"]])


def _timed(job: Figures | None, detail: str) -> str | None:
    """``12.3 s · <detail>``, *detail* a format string over the job's figures."""
    return None if job is None else f"{job['seconds']:.1f} s · " + detail.format(**job)


def _trailscraper(ts: Figures) -> str:
    if ts["status"] != "ok":
        return str(ts["status"])
    return (f"{ts['seconds']:.1f} s · 1 policy, {ts['statements']} statements, "
            f"{ts['actions']} actions, {ts['peak_rss_mib']:,.0f} MiB")  # fmt: skip


def table(figures: Figures) -> str:
    """The figures (completed by :func:`benchmarks.bench_report.complete`) as Markdown."""
    t = _Rows(figures)
    sizes = figures["sizes"]
    t.per_size("events (archive files)",
               {s: f"{v['events']:,} ({v['files']:,})" for s, v in sizes.items()})  # fmt: skip
    t.per_size("floor: gunzip + orjson.loads, 1 process",
               {s: f"{v['floor']['events_per_s']:,} ev/s" for s, v in sizes.items()})  # fmt: skip
    workers = sorted({int(w) for v in sizes.values() for w in v.get("convert", {})})
    for w in workers:
        t.per_size(f"convert, {_plural(w)}",
                   {s: _timed(v["convert"].get(str(w)), "{events_per_s:,} ev/s")
                    for s, v in sizes.items()})  # fmt: skip
    t.target("convert_vs_floor")
    t.target("convert_speedup")
    for w in workers:
        t.per_size(f"generate, {_plural(w)}",
                   {s: _timed(v.get("generate", {}).get(str(w)),
                              "{s_per_million_events:.1f} s per 1M events")
                    for s, v in sizes.items()})  # fmt: skip
    t.target("generate_vs_convert",
             {s: v["ratios"]["generate_to_convert"] for s, v in sizes.items()})  # fmt: skip
    t.per_size("run = convert + generate, all workers",
               {s: _timed(v.get("run"), "{principals:,} principals, {policies:,} policies")
                for s, v in sizes.items()})  # fmt: skip
    ts = figures.get("trailscraper")
    if ts:
        t.add(r"trailscraper select \| generate", {ts["size"]: _trailscraper(ts)})
    t.target("faster_than_trailscraper")
    rss = {s: peak_rss(v) for s, v in sizes.items()}
    for job in sorted({job for jobs in rss.values() for job in jobs}):
        t.per_size(f"peak RSS, {_job_label(job)}",
                   {s: f"{jobs[job]:,.0f} MiB" if job in jobs else None
                    for s, jobs in rss.items()})  # fmt: skip
    t.target("peak_rss")
    t.target("rss_growth")
    return _markdown(t.rows)
