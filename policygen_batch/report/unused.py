"""Unused permissions: what each principal is granted (authorization snapshots) and never used.

A :class:`~policygen_batch.report.model.ReportContributor` (issue 5). Per principal of the
snapshots it adds a ``unused`` section to ``report.json``/``report.md`` and a few figures to
its ``summary.json`` row; principals of a snapshot with no activity in the window get a report
too (every grant unused).

Definitions, so that the numbers can be checked by hand:

* **granted**: :func:`policygen_batch.aggregate.grants.load_grants` (Allow − plain Deny, ∩
  boundary), with its scope (on ``*``, on ARNs, all but some ARNs, under a condition, partial
  Deny);
* **used**: actions used successfully *in the window*, plus the implied ones the generated
  policy grants too (``iam:PassRole``, ``ec2:CreateTags``) — what the principal needs;
* **not observable**: data-event actions (S3 object calls, ``lambda:InvokeFunction``, DynamoDB
  item calls, …) when the warehouse holds *no* data event of the principal's account in any
  region: the trail did not record them, so their absence proves nothing. Decided from the
  warehouse itself (``event_category = Data``), over all dates;
* **unused** = granted − used − not observable, sorted;
* **last used** per action and per service: over the *whole* warehouse (every date, not only
  the window), so that "unused in the last 90 days, last used 200 days ago" is visible;
* **used but not granted**: a mapping error or a grant from elsewhere (resource policy,
  another principal's session) — listed, never silently dropped.

The recommended replacement is the generated policy; its diff against the current grants is
given as actions removed and actions added.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import polars as pl

from policygen_batch import schema as s
from policygen_batch.aggregate.grants import Grants
from policygen_batch.aggregate.usage import UsageTables
from policygen_batch.catalog.model import Catalog
from policygen_batch.report.model import (
    IndexSection,
    Json,
    Link,
    PrincipalReport,
    Section,
    iso,
)
from policygen_batch.warehouse.parquet import scan_events

_MD_LIST_MAX: Final = 60  # names listed in report.md per list (report.json has all)
_INDEX_ROWS: Final = 50  # principals in the index's over-privilege table

#: Actions whose calls CloudTrail logs only as *data events* (off unless a trail selects
#: them). Exact names, lower case, per service; S3 object-level actions by the pattern below.
_DATA_ACTIONS: Final = frozenset(
    {
        "s3:abortmultipartupload",
        "s3:listmultipartuploadparts",
        "s3:listbucket",  # ListObjects/ListObjectsV2 are data events
        "s3:listbucketversions",
        "s3:listbucketmultipartuploads",
        "lambda:invokefunction",
        "dynamodb:getitem",
        "dynamodb:putitem",
        "dynamodb:updateitem",
        "dynamodb:deleteitem",
        "dynamodb:batchgetitem",
        "dynamodb:batchwriteitem",
        "dynamodb:query",
        "dynamodb:scan",
        "dynamodb:conditioncheckitem",
        "dynamodb:partiqlselect",
        "dynamodb:partiqlinsert",
        "dynamodb:partiqlupdate",
        "dynamodb:partiqldelete",
        "dynamodb:getrecords",
        "dynamodb:getsharditerator",
        "sns:publish",
        "sqs:sendmessage",
        "sqs:receivemessage",
        "sqs:deletemessage",
        "sqs:changemessagevisibility",
        "cloudwatch:getmetricdata",
        "cloudwatch:getmetricstatistics",
        "cloudwatch:putmetricdata",
        "kinesis:putrecord",
        "kinesis:putrecords",
        "kinesis:getrecords",
        "kinesis:getsharditerator",
        "kinesis:subscribetoshard",
        "ebs:getsnapshotblock",
        "ebs:putsnapshotblock",
        "ebs:listchangedblocks",
        "ebs:listsnapshotblocks",
    }
)
#: S3 object-level actions (GetObject, PutObjectTagging, DeleteObjectVersion, RestoreObject…);
#: the object-lock *configuration* actions are bucket-level management calls.
_S3_OBJECT: Final = re.compile(r"^s3:[a-z]*object(?!lockconfiguration)[a-z]*$")
_DATA_SERVICES: Final = frozenset({"s3-object-lambda"})


def is_data_event_action(action: str) -> bool:
    """Whether CloudTrail logs calls needing *action* as data events only."""
    name = action.lower()
    return (
        name in _DATA_ACTIONS
        or bool(_S3_OBJECT.match(name))
        or name.split(":", 1)[0] in _DATA_SERVICES
    )


# --------------------------------------------------------------------------- warehouse facts


@dataclass(frozen=True, slots=True)
class KeyUse:
    """An access key seen in the events of a user."""

    access_key_id: str
    events: int
    first_seen: str | None
    last_seen: str | None


@dataclass(frozen=True)
class WarehouseFacts:
    """What the unused report needs from the whole warehouse (every date).

    ``last_used`` (principal → action → ISO time of the last successful or implied use) is
    None when the run has no window: the window's own usage then says the same thing.
    """

    data_regions: Mapping[str, tuple[str, ...]]  # account → regions with data events
    keys: Mapping[str, tuple[KeyUse, ...]]  # user ARN → keys seen in its events
    last_used: Mapping[str, Mapping[str, str]] | None = None
    first_event: str | None = None
    last_event: str | None = None


def scan_facts(warehouse: Path, whole: UsageTables | None) -> WarehouseFacts:
    """Data-event coverage and access keys from the events; last use from *whole* usage."""
    events = scan_events(warehouse)
    regions = (
        events.filter(pl.col(s.EVENT_CATEGORY) == s.DATA_EVENT_CATEGORY)
        .group_by(s.ACCOUNT_ID)
        .agg(pl.col(s.REGION).drop_nulls().unique().sort())
        .sort(s.ACCOUNT_ID)
        .collect()
    )
    keys = (
        events.filter(
            (pl.col(s.PRINCIPAL_TYPE) == s.PrincipalType.USER)
            & pl.col(s.ACCESS_KEY_ID).is_not_null()
            & pl.col(s.PRINCIPAL_ARN).is_not_null()
        )
        .group_by(s.PRINCIPAL_ARN, s.ACCESS_KEY_ID)
        .agg(
            pl.len().alias(s.USAGE_COUNT),
            pl.col(s.EVENT_TIME).min().alias(s.FIRST_SEEN),
            pl.col(s.EVENT_TIME).max().alias(s.LAST_SEEN),
        )
        .sort(s.PRINCIPAL_ARN, s.ACCESS_KEY_ID)
        .collect()
    )
    span = events.select(
        pl.col(s.EVENT_TIME).min().alias(s.FIRST_SEEN),
        pl.col(s.EVENT_TIME).max().alias(s.LAST_SEEN),
    ).collect()
    by_user: dict[str, list[KeyUse]] = {}
    for row in keys.to_dicts():
        by_user.setdefault(row[s.PRINCIPAL_ARN], []).append(
            KeyUse(
                row[s.ACCESS_KEY_ID],
                row[s.USAGE_COUNT],
                iso(row[s.FIRST_SEEN]),
                iso(row[s.LAST_SEEN]),
            )
        )
    first, last = span.row(0) if len(span) else (None, None)
    return WarehouseFacts(
        data_regions={a: tuple(r) for a, r in regions.iter_rows()},
        keys={arn: tuple(k) for arn, k in by_user.items()},
        last_used=None if whole is None else last_used_of(whole),
        first_event=iso(first),
        last_event=iso(last),
    )


def last_used_of(tables: UsageTables) -> dict[str, dict[str, str]]:
    """principal → action → last time it was used successfully (allowed or implied rows)."""
    found = (
        tables.usage.filter(
            pl.col(s.STATUS).is_in([s.MappingStatus.ALLOWED, s.MappingStatus.IMPLIED])
        )
        .group_by(s.PRINCIPAL_ARN, s.ACTION)
        .agg(pl.col(s.LAST_SEEN).max())
        .sort(s.PRINCIPAL_ARN, s.ACTION)
    )
    out: dict[str, dict[str, str]] = {}
    for arn, action, last in found.iter_rows():
        out.setdefault(arn, {})[action] = iso(last) or ""
    return out


# --------------------------------------------------------------------------- per principal


def policy_actions(documents: Iterable[Any], catalog: Catalog) -> set[str]:
    """Canonical names of the actions the Allow statements of *documents* name."""
    found: set[str] = set()
    for doc in documents:
        body = doc.get("Statement", []) if isinstance(doc, dict) else []
        for st in body if isinstance(body, list) else [body]:
            if not isinstance(st, dict) or st.get("Effect") != "Allow":
                continue
            actions = st.get("Action", [])
            for pattern in actions if isinstance(actions, list) else [actions]:
                if isinstance(pattern, str):
                    found.update(a.full_name for a in catalog.expand(pattern))
    return found


def _listing(names: Sequence[str], limit: int = _MD_LIST_MAX) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    more = f" … {len(names) - limit} more in report.json" if len(names) > limit else ""
    return (shown or "none") + more


def _granted_json(rows: Sequence[Mapping[str, Any]]) -> dict[str, Json]:
    """The granted actions, grouped by scope (plain names for the common ``*`` case)."""
    by_scope: dict[str, int] = dict.fromkeys(s.GrantScope.ORDER, 0)
    on_all: list[str] = []
    scoped: list[Json] = []
    partial: list[Json] = []
    for r in rows:
        scope = r[s.GRANT_SCOPE]
        by_scope[scope] += 1
        if scope == s.GrantScope.ALL and r[s.BOUNDARY_SCOPE] in (None, s.GrantScope.ALL):
            on_all.append(r[s.ACTION])
        else:
            entry: dict[str, Json] = {"action": r[s.ACTION], "scope": scope}
            if r[s.GRANT_RESOURCES]:
                entry["resources"] = list(r[s.GRANT_RESOURCES])
            if r[s.GRANT_NOT_RESOURCES]:
                entry["not_resources"] = list(r[s.GRANT_NOT_RESOURCES])
            if r[s.GRANT_CONDITIONS]:
                entry["conditions"] = list(r[s.GRANT_CONDITIONS])
            if r[s.BOUNDARY_SCOPE] is not None:
                entry["boundary_scope"] = r[s.BOUNDARY_SCOPE]
                entry["boundary_resources"] = list(r[s.BOUNDARY_RESOURCES])
            scoped.append(entry)
        if r[s.PARTIAL_DENY]:
            partial.append({"action": r[s.ACTION], "denied_by": list(r[s.PARTIAL_DENY_SOURCES])})
    return {
        "count": len(rows),
        "by_scope": by_scope,
        "actions": [r[s.ACTION] for r in rows],
        "on_all_resources": on_all,
        "scoped": scoped,
        "partial_deny": partial,
    }


def _service(action: str) -> str:
    return action.split(":", 1)[0]


@dataclass
class UnusedPermissions:
    """The unused-permission contributor over one run's grants and warehouse facts."""

    grants: Grants
    catalog: Catalog
    facts: WarehouseFacts
    #: True when --since/--until narrowed the window (then last use comes from facts).
    windowed: bool = False
    _rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict, init=False)
    _results: dict[str, dict[str, Json]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        # One conversion of the whole frame, then grouped (rows keep the frame's order): a
        # frame and a conversion per principal cost ~0.4 s for a thousand principals.
        for row in self.grants.frame.to_dicts():
            self._rows.setdefault(row[s.PRINCIPAL_ARN], []).append(row)

    def principals(self) -> Iterable[tuple[str, str, str | None]]:
        """Every user and role of the snapshots (idle ones get a report too)."""
        return [
            (arn, p.principal.kind, p.principal.account)
            for arn, p in sorted(self.grants.principals.items())
        ]

    # --- the analysis -----------------------------------------------------------------

    def analyse(self, report: PrincipalReport) -> dict[str, Json] | None:
        """The ``unused`` section's data for *report*'s principal (None: not in a snapshot)."""
        arn = report.principal.arn
        if arn in self._results:
            return self._results[arn]
        pg = self.grants.principals.get(arn)
        if pg is None:
            return None
        p = pg.principal
        rows = self._rows.get(arn, [])
        granted = [r[s.ACTION] for r in rows]
        granted_set = set(granted)
        used_in_window = set(report.used_actions) | {i["action"] for i in report.implied}
        regions = self.facts.data_regions.get(p.account, ())
        observable = bool(regions)
        not_observable = sorted(
            a for a in granted_set - used_in_window if not observable and is_data_event_action(a)
        )
        unused = sorted(granted_set - used_in_window - set(not_observable))
        last = self._last_used(report)
        unused_services = sorted(
            {_service(a) for a in granted_set}
            - {_service(a) for a in used_in_window}
            - {_service(a) for a in not_observable}
        )
        services: dict[str, str | None] = {}
        for action in granted_set | set(last):
            svc = _service(action)
            when = last.get(action)
            prev = services.get(svc)
            services[svc] = max(filter(None, (prev, when)), default=None)
        not_granted = [
            {
                "action": a,
                "how": "used" if a in report.used_actions else "implied",
                "hint": "a mapping error, or access granted by a resource policy or by "
                "something the snapshot does not hold",
            }
            for a in sorted(used_in_window - granted_set)
        ]
        result: dict[str, Json] = {
            "snapshot": {
                "sources": sorted({p.source}),
                "catalog_version": self.grants.catalog_version,
                "inline_policies": [i.name for i in p.inline],
                "managed_policies": [a.arn for a in p.attached],
                "groups": list(p.groups),
                "group_policies": list(pg.group_policies),
                "boundary": p.boundary_arn,
                "boundary_applied": pg.boundary_applied,
                "missing_policies": list(pg.missing_policies),
                "missing_groups": list(pg.missing_groups),
                "unknown_patterns": list(pg.unknown_patterns),
                "problems": list(pg.problems),
                "role_last_used": None
                if p.role_last_used is None
                else {
                    "date": p.role_last_used.last_used_date,
                    "region": p.role_last_used.region,
                },
            },
            "idle": report.events["total"] == 0,
            "granted_actions": _granted_json(rows),
            "used_actions": sorted(used_in_window & granted_set),
            "unused_actions": unused,
            "unused_services": unused_services,
            "not_observable": {
                "actions": not_observable,
                "data_events_in_account": observable,
                "data_event_regions": list(regions),
                "reason": None
                if observable
                else "the warehouse holds no data event of this account (no trail records "
                "data events): data-event actions are not observable, not unused",
            },
            "last_used": {
                "source": "whole warehouse" if self.windowed else "window (= whole warehouse)",
                "warehouse_first_event": self.facts.first_event,
                "warehouse_last_event": self.facts.last_event,
                "services": [
                    {"service": svc, "last_used": services[svc]} for svc in sorted(services)
                ],
                # only actions used at some time: a granted action absent here was never used
                # in the warehouse (listing ~22,000 nulls for an administrator helps nobody)
                "actions": [{"action": a, "last_used": last[a]} for a in sorted(last)],
            },
            "used_not_granted": not_granted,
            "access_keys": self._keys(arn, p.kind, p.access_keys),
            "recommended": self._recommended(report, granted_set),
        }
        self._results[arn] = result
        return result

    def _last_used(self, report: PrincipalReport) -> dict[str, str]:
        if self.facts.last_used is not None:
            return dict(self.facts.last_used.get(report.principal.arn, {}))
        out: dict[str, str] = {}
        for entry in [*report.used, *report.implied]:
            when = entry["last_seen"]
            if when is not None and (entry["action"] not in out or when > out[entry["action"]]):
                out[entry["action"]] = when
        return out

    def _keys(self, arn: str, kind: str, listed: Sequence[Any] | None) -> Json:
        if kind != s.PrincipalType.USER:
            return None
        seen = {k.access_key_id: k for k in self.facts.keys.get(arn, ())}
        listed_ids = {k.access_key_id: k for k in listed or ()}
        keys = []
        for key_id in sorted(set(seen) | set(listed_ids)):
            use, entry = seen.get(key_id), listed_ids.get(key_id)
            keys.append(
                {
                    "access_key_id": key_id,
                    "long_term": key_id.startswith(s.LONG_TERM_KEY_PREFIX),
                    "listed_in_snapshot": entry is not None if listed is not None else None,
                    "status": None if entry is None else entry.status,
                    "create_date": None if entry is None else entry.create_date,
                    "events": 0 if use is None else use.events,
                    "first_seen": None if use is None else use.first_seen,
                    "last_seen": None if use is None else use.last_seen,
                }
            )
        return {
            "snapshot_lists_keys": listed is not None,
            "note": None
            if listed is not None
            else "The snapshot lists no access keys (get-account-authorization-details never "
            "does): only keys seen in the events are shown; add list-access-keys output to "
            "find keys never used",
            "keys": keys,
            "never_seen": sorted(k for k in listed_ids if k not in seen),
        }

    def _recommended(self, report: PrincipalReport, granted: set[str]) -> Json:
        if not report.policies:
            reason = report.principal.no_policy_reason or "no action was used in the window"
            return {"policies": [], "reason": reason, "actions_removed": sorted(granted),
                    "actions_added": []}  # fmt: skip
        proposed = policy_actions((f.document for f in report.policies), self.catalog)
        return {
            "policies": [f.name for f in report.policies],
            "reason": None,
            "actions_removed": sorted(granted - proposed),
            "actions_added": sorted(proposed - granted),
        }

    # --- the contributor protocol -------------------------------------------------------

    def sections(self, report: PrincipalReport) -> Sequence[Section]:
        """The ``unused`` section (a short note for principals absent from the snapshots)."""
        data = self.analyse(report)
        if data is None:
            note = {"in_snapshot": False, "snapshots": list(self.grants.sources)}
            text = ("Not in the authorization snapshots: nothing to compare with.",)
            return [Section("unused", "Unused permissions", note, text)]
        return [Section("unused", "Unused permissions", data, tuple(_markdown(data)))]

    def summary_fields(self, report: PrincipalReport) -> Mapping[str, Json]:
        """Granted/unused figures for the principal's ``summary.json`` row."""
        data = self.analyse(report)
        if data is None:
            return {"in_snapshot": False} | dict.fromkeys(
                (
                    "granted_actions",
                    "used_granted_actions",
                    "unused_actions",
                    "unused_services",
                    "not_observable_actions",
                    "idle",
                )
            )
        return {
            "in_snapshot": True,
            "granted_actions": data["granted_actions"]["count"],
            "used_granted_actions": len(data["used_actions"]),
            "unused_actions": len(data["unused_actions"]),
            "unused_services": len(data["unused_services"]),
            "not_observable_actions": len(data["not_observable"]["actions"]),
            "idle": data["idle"],
        }

    def index_sections(self, summary: Mapping[str, Any]) -> Sequence[IndexSection]:
        """The org's most over-privileged principals, and the idle ones."""
        rows = [r for r in summary["principals"] if r.get("in_snapshot")]
        ranked = over_privileged(rows)
        table = tuple(
            (
                Link(r["name"], r["report_md"]),
                r["account"],
                r["kind"],
                r["granted_actions"],
                r["used_granted_actions"],
                r["unused_actions"],
                r["not_observable_actions"],
                r["unused_services"],
                "yes" if r["idle"] else "",
            )
            for r in ranked[:_INDEX_ROWS]
        )
        totals = {
            "principals_in_snapshots": len(rows),
            "idle": sum(1 for r in rows if r["idle"]),
            "granted_actions": sum(r["granted_actions"] for r in rows),
            "unused_actions": sum(r["unused_actions"] for r in rows),
            "not_observable_actions": sum(r["not_observable_actions"] for r in rows),
            "snapshots": list(self.grants.sources),
            "catalog_version": self.grants.catalog_version,
            "warnings": list(self.grants.warnings),
        }
        intro = (
            f"{totals['principals_in_snapshots']} principals in the authorization snapshots, "
            f"{totals['idle']} idle in the window; {totals['unused_actions']} granted actions "
            f"unused, {totals['not_observable_actions']} not observable (no data events). "
            f"Most unused first (top {_INDEX_ROWS}; every row is in summary.json)."
        )
        header = ("principal", "account", "kind", "granted", "used", "unused",
                  "not observable", "unused services", "idle")  # fmt: skip
        return [IndexSection("unused", "Unused permissions", totals, intro, header, table)]


def over_privileged(rows: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Summary rows of principals in a snapshot, most unused actions first."""
    found = [r for r in rows if r.get("in_snapshot")]
    return sorted(found, key=lambda r: (-r["unused_actions"], -r["granted_actions"], r["arn"]))


def _md_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> list[str]:
    def cell(v: object) -> str:
        return "–" if v is None or v == "" else str(v).replace("|", "\\|")

    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]


def _markdown(data: Mapping[str, Any]) -> list[str]:
    """The ``unused`` section of ``report.md``."""
    return [
        *_md_head(data),
        *_md_last_used(data["last_used"], data["used_not_granted"]),
        *_md_keys(data["access_keys"]),
        *_md_recommended(data["recommended"]),
    ]


def _md_head(data: Mapping[str, Any]) -> list[str]:
    g, no, snap = data["granted_actions"], data["not_observable"], data["snapshot"]
    scopes = ", ".join(f"{n} {k}" for k, n in g["by_scope"].items() if n) or "none"
    unused = data["unused_actions"]
    boundary = snap["boundary"] or "none"
    if snap["boundary"] is not None and not snap["boundary_applied"]:
        boundary += " (missing from the snapshot: not applied)"
    lines = [
        f"Granted **{g['count']}** actions ({scopes}), used {len(data['used_actions'])} in the "
        f"window, **{len(unused)} unused**, {len(no['actions'])} not observable."
        + (" Idle: no activity in the window." if data["idle"] else ""),
        "",
        f"Snapshot: {', '.join(snap['sources'])} (catalog `{snap['catalog_version']}`); "
        f"boundary: {boundary}.",
    ]
    notes = [f"- missing policy `{m}`" for m in snap["missing_policies"]]
    notes += [f"- pattern matching no action `{u}`" for u in snap["unknown_patterns"]]
    notes += [f"- {problem}" for problem in snap["problems"]]
    lines += ["", *notes] if notes else []
    lines += ["", f"**Unused actions** ({len(unused)}): {_listing(unused)}"]
    lines += ["", f"**Unused services**: {_listing(data['unused_services'])}"]
    if no["data_events_in_account"]:
        regions = ", ".join(no["data_event_regions"])
        lines += ["", f"Data events are recorded for this account ({regions}): data-event "
                  "actions count as unused when they were not used."]  # fmt: skip
    else:
        lines += ["", f"**Not observable** ({len(no['actions'])}): {_listing(no['actions'])} — "
                  f"{no['reason']}."]  # fmt: skip
    if g["partial_deny"]:
        partial = _listing([p["action"] for p in g["partial_deny"]])
        lines += ["", f"Partially denied (a Deny scoped by resource or condition): {partial}"]
    if g["scoped"]:
        scoped = _listing([f"{e['action']} ({e['scope']})" for e in g["scoped"]])
        lines += ["", f"Granted only on some resources or under conditions: {scoped}"]
    return lines


def _md_last_used(last: Mapping[str, Any], not_granted: Sequence[Mapping[str, Any]]) -> list[str]:
    span = f"{last['warehouse_first_event'] or '–'} → {last['warehouse_last_event'] or '–'}"
    lines = ["", f"### Last used per service ({last['source']}, {span})", ""]
    lines += _md_table(
        ["service", "last used"],
        ((e["service"], e["last_used"] or "never") for e in last["services"]),
    )
    if not_granted:
        lines += ["", "### Used but not granted", ""]
        lines += [f"- `{e['action']}` ({e['how']}): {e['hint']}" for e in not_granted]
    return lines


def _md_keys(keys: Mapping[str, Any] | None) -> list[str]:
    if keys is None:
        return []
    lines = ["", "### Access keys", ""]
    if keys["note"]:
        lines += [keys["note"] + ".", ""]
    listed = {True: "yes", False: "no", None: "–"}
    if keys["keys"]:
        lines += _md_table(
            ["key", "long-term", "in snapshot", "events", "last seen"],
            (
                (
                    f"`{k['access_key_id']}`",
                    "yes" if k["long_term"] else "no",
                    listed[k["listed_in_snapshot"]],
                    k["events"],
                    k["last_seen"] or "never",
                )
                for k in keys["keys"]
            ),
        )
    else:
        lines.append("No access key seen in the events.")
    if keys["never_seen"]:
        lines += ["", f"Keys never seen in the events: {_listing(keys['never_seen'])}"]
    return lines


def _md_recommended(rec: Mapping[str, Any]) -> list[str]:
    lines = ["", "### Recommended replacement", ""]
    if rec["policies"]:
        files = ", ".join(f"[`{n}`]({n})" for n in rec["policies"])
        lines.append(f"The generated policy ({files}) instead of the current grants:")
    else:
        lines.append(f"No generated policy ({rec['reason']}): every current grant could go.")
    return [
        *lines,
        "",
        f"- actions removed ({len(rec['actions_removed'])}): {_listing(rec['actions_removed'])}",
        f"- actions added ({len(rec['actions_added'])}): {_listing(rec['actions_added'])}",
    ]


def organization_accounts(grants: Grants, given: Collection[str]) -> tuple[str, ...]:
    """The organization's accounts: *given* (``--org-accounts``) or the snapshots' accounts."""
    return tuple(sorted(given)) if given else grants.accounts
