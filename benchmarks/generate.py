"""Seeded generator of realistic CloudTrail archives for an AWS Organization, with ground truth.

    python -m benchmarks.generate --out DIR --seed N --preset {sample,100k,1m} [--events N]
                                  [--no-authz]

It writes ``DIR/AWSLogs/o-<org>/<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/…json.gz`` as an
organization trail delivers them (plus one standalone account under ``AWSLogs/<account>/``),
some ``CloudTrail-Digest`` and ``CloudTrail-Insight`` files that a converter must skip or keep
apart, ``DIR/ground_truth.json`` (see :mod:`benchmarks.truth`), and — for presets unless
``--no-authz`` — one IAM authorization snapshot per account in ``DIR/authz/`` with the unused
permissions it implies (see :mod:`benchmarks.authz`).

Why its own generator: the end-to-end tests need an oracle (which principal used which action
on which ARN), and the benchmarks need millions of events with real shapes; neither exists as
public data. Determinism: one ``random.Random(seed)`` draws everything, gzip headers carry no
mtime, files are written in sorted order, and no wall clock is read.

Events are made one day at a time so that memory stays bounded by a day's volume; an event is
delivered in the file of its (account, region, delivery window), and the last window of a day
is delivered after midnight, in the next day's folder, as CloudTrail does. About 0.5 % of
events are delivered a second time, verbatim, in a later file (sometimes the next day's).
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from typing import Any

import orjson

from benchmarks import rand, records
from benchmarks.authz import write_snapshots
from benchmarks.calls import Built, CallSpec, Ctx, Json, call_table
from benchmarks.org import (
    PEOPLE,
    ROLE,
    ROOT,
    SSO_REGION,
    SSO_ROLE,
    USER,
    Organization,
    Principal,
    build_org,
)
from benchmarks.profiles import ARCHETYPES
from benchmarks.truth import GroundTruth, PrincipalTruth

#: 2024-11-18T00:00:00Z — a fixed start, so that no wall clock leaks into the output.
DEFAULT_START = 1_731_888_000
TRAIL_NAME = "org-trail"
TRAIL_HOME = "us-east-1"


@dataclass(frozen=True, slots=True)
class Preset:
    """A named size: how many accounts, events and days, and how files are cut."""

    accounts: int
    events: int
    days: int
    file_minutes: int
    digest_accounts: int
    insight_files: int


PRESETS: dict[str, Preset] = {
    # small enough to commit (~2–3 MB), big enough to hold every identity type and quirk
    "sample": Preset(accounts=5, events=9000, days=3, file_minutes=180, digest_accounts=1,
                     insight_files=2),
    "100k": Preset(accounts=12, events=100_000, days=7, file_minutes=15, digest_accounts=2,
                   insight_files=4),
    "1m": Preset(accounts=50, events=1_000_000, days=14, file_minutes=15, digest_accounts=3,
                 insight_files=8),
}  # fmt: skip

#: Mix of events that no policy is written for (per ~1000 of them).
_BACKGROUND = (
    ("aws_service", 40),
    ("saml", 12),
    ("web_identity", 8),
    ("identity_center", 6),
    ("console_login", 10),
    ("kms_rotation", 2),
    ("external_account", 12),
)


@dataclass(slots=True)
class _Pending:
    """A record waiting for its file: (time, sequence, bytes)."""

    ts: int
    seq: int
    data: bytes


@dataclass(slots=True)
class _Writer:
    """Cuts a day's records into delivery files and writes them, with duplicate deliveries."""

    out: Path
    org: Organization
    rng: random.Random
    truth: GroundTruth
    window_s: int
    dup_rate: float
    digest_accounts: frozenset[str]
    windows: dict[tuple[str, str, int], list[_Pending]] = field(default_factory=dict)
    dups: list[tuple[str, str, int, _Pending]] = field(default_factory=list)
    carried: list[tuple[str, str, int, _Pending]] = field(default_factory=list)
    #: (account, region) → [(delivery ts, key, sha256, oldest, newest)] for digest files
    delivered: dict[tuple[str, str], list[tuple[int, str, str, int, int]]] = field(
        default_factory=dict
    )
    seq: int = 0

    def add(self, account: str, region: str, ts: int, data: bytes) -> None:
        """Queue one unique record; a small share is also queued for a second delivery."""
        self.seq += 1
        item = _Pending(ts, self.seq, data)
        window = ts // self.window_s
        self.windows.setdefault((account, region, window), []).append(item)
        counts = self.truth.counts
        counts.unique_events += 1
        counts.account(account).unique_events += 1
        if self.rng.random() < self.dup_rate:
            self.dups.append((account, region, window, item))

    def _place_duplicates(self) -> None:
        """Put each duplicate in a later file of its account and region (or the next day's)."""
        by_stream: dict[tuple[str, str], list[int]] = {}
        for acct, region, window in sorted(self.windows):
            by_stream.setdefault((acct, region), []).append(window)
        still: list[tuple[str, str, int, _Pending]] = []
        for acct, region, window, item in self.carried:
            later = by_stream.get((acct, region))
            if later:
                self._dup_into(acct, region, later[0], item)
            else:
                still.append((acct, region, window, item))
        for acct, region, window, item in self.dups:
            later = [w for w in by_stream.get((acct, region), []) if w > window]
            if later and self.rng.random() < 0.7:
                self._dup_into(acct, region, self.rng.choice(later), item)
            else:
                still.append((acct, region, window, item))
        self.carried = still
        self.dups = []

    def _dup_into(self, acct: str, region: str, window: int, item: _Pending) -> None:
        self.windows.setdefault((acct, region, window), []).append(
            _Pending(item.ts, -item.seq, item.data)
        )
        self.truth.counts.duplicates += 1
        self.truth.counts.account(acct).duplicates += 1

    def flush(self, final: bool = False) -> None:
        """Write every queued window as one delivery file, in sorted order."""
        self._place_duplicates()
        if final:
            # nothing later left: a delivery file of its own, right after the original's
            for acct, region, window, item in self.carried:
                self._dup_into(acct, region, window + 1, item)
            self.carried = []
        for key in sorted(self.windows):
            self._write(key, self.windows[key])
        self.windows = {}

    def _write(self, key: tuple[str, str, int], items: list[_Pending]) -> None:
        acct_id, region, window = key
        items.sort(key=lambda i: (i.ts, abs(i.seq), i.seq < 0))
        delivered_at = (window + 1) * self.window_s + self.rng.randint(60, 900)
        payload = b'{"Records":[' + b",".join(i.data for i in items) + b"]}"
        suffix = rand.alnum(self.rng, 16)
        stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(delivered_at))
        name = f"{acct_id}_CloudTrail_{region}_{stamp}_{suffix}.json.gz"
        rel = _folder(self.org, acct_id, "CloudTrail", region, delivered_at) + "/" + name
        _write_gz(self.out / rel, payload)
        counts = self.truth.counts
        counts.log_files += 1
        counts.records_written += len(items)
        acct_counts = counts.account(acct_id)
        acct_counts.log_files += 1
        acct_counts.records += len(items)
        if acct_id in self.digest_accounts:
            digest = hashlib.sha256(payload).hexdigest()
            entry = (delivered_at, rel, digest, items[0].ts, max(i.ts for i in items))
            self.delivered.setdefault((acct_id, region), []).append(entry)


def _folder(org: Organization, account: str, kind: str, region: str, ts: int) -> str:
    """``AWSLogs/[o-org/]<account>/<kind>/<region>/yyyy/mm/dd`` for the delivery time ``ts``."""
    acct = org.account(account)
    root = f"AWSLogs/{org.org_id}/{account}" if acct.org_trail else f"AWSLogs/{account}"
    return f"{root}/{kind}/{region}/" + time.strftime("%Y/%m/%d", time.gmtime(ts))


def _write_gz(path: Path, payload: bytes, level: int = 6) -> None:
    """Gzip without a timestamp in the header, so that the bytes depend on content only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    comp = zlib.compressobj(level, zlib.DEFLATED, 31)
    path.write_bytes(comp.compress(payload) + comp.flush())


@dataclass(slots=True)
class _Event:
    """One generated API call: its record and where it is delivered."""

    account: str
    region: str
    ts: int
    record: Json


class _Generator:
    """Holds the organization, the call table and the truth while events are drawn."""

    def __init__(self, rng: random.Random, org: Organization, truth: GroundTruth) -> None:
        self.rng = rng
        self.org = org
        self.truth = truth
        self.calls = call_table()
        self.arche: dict[str, tuple[list[CallSpec], list[float]]] = {}
        for name, weighted in ARCHETYPES.items():
            specs = [self.calls[k] for k, _ in weighted]
            self.arche[name] = (specs, list(accumulate(w for _, w in weighted)))
        self.external_account = rand.account_id(rng)
        ps = org.principals
        self.service_roles = [p for p in ps if "." in p.assumed_by and p.kind == ROLE]
        self.saml_roles = [p for p in ps if p.assumed_by == "saml"]
        self.web_roles = [p for p in ps if p.assumed_by == "web"]
        self.console_users = [p for p in ps if p.kind in (USER, ROOT, SSO_ROLE)]
        self.vendor_roles = [p for p in ps if p.assumed_by == "account:external"]
        self.people = tuple(f"{who}@example.com" for who in PEOPLE)
        for p in org.principals:
            agent = records.ARCHETYPE_AGENT.get(p.archetype, "sdk_py")
            p.user_agent = records.USER_AGENTS[agent]
            p.source_ip = (
                f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
                if agent in ("java", "go", "lambda")
                else f"198.51.100.{rng.randrange(1, 255)}"
            )
            truth.principals[p.arn] = PrincipalTruth(
                p.arn, p.kind, p.account, p.name, p.path, p.archetype
            )

    def api_event(self, p: Principal, ts: int) -> list[_Event]:
        """One call by ``p`` at ``ts`` (two records for a cross-account AssumeRole)."""
        rng = self.rng
        specs, cum = self.arche[p.archetype]
        spec = rng.choices(specs, cum_weights=cum)[0]
        deny = bool(p.deny_calls) and rng.random() < p.deny_rate
        if deny:
            spec = self.calls[rng.choice(p.deny_calls)]
        own = self.org.account(p.account)
        acct = own
        region = spec.global_region or (
            p.home_region if rng.random() < 0.9 else rng.choice(own.regions)
        )
        if spec.xacct and not deny and p.xacct_rate and rng.random() < p.xacct_rate:
            shared = self.org.shared
            if shared.id != own.id:
                acct, region = shared, shared.regions[0]
        built = spec.builder(Ctx(rng, self.org, p, acct, region, deny))
        federated = p.federates and spec.key != "sts.GetFederationToken"
        ident, caller = records.identity(rng, p, ts, federated)
        error = self._record_truth(p, spec, built, caller if deny else None)
        counts = self.truth.counts
        cross = acct.id != p.account
        shared_id = rand.uuid4(rng) if cross or built.twin_account else None
        invoked = p.invoked_by
        rec = records.api_record(
            rng=rng,
            ts=ts,
            ident=ident,
            source=spec.source,
            name=spec.event_name,
            region=region,
            ip=invoked or p.source_ip,
            agent=invoked or p.user_agent,
            request=built.request,
            response=built.response,
            read_only=spec.read_only,
            recipient=acct.id,
            data=spec.data,
            error=error,
            resources=built.resources,
            additional=built.additional,
            shared_id=shared_id,
            tls=invoked is None,
        )
        counts.cross_account_events += cross
        counts.data_events += spec.data
        events = [_Event(acct.id, region, ts, rec)]
        if built.twin_account:
            twin = dict(rec)
            session = ident["arn"].rsplit("/", 1)[-1]
            twin["userIdentity"] = {
                "type": "AWSAccount",
                "principalId": f"{p.unique_id}:{session}",
                "accountId": p.account,
            }
            twin["eventID"] = rand.uuid4(rng)
            twin["recipientAccountId"] = built.twin_account
            twin.pop("tlsDetails", None)
            counts.unattributed_events += 1
            events.append(_Event(built.twin_account, region, ts, twin))
        return events

    def _record_truth(
        self, p: Principal, spec: CallSpec, built: Built, refused_caller: str | None
    ) -> tuple[str, str] | None:
        """Add one call to the truth; for a refused call, return its (errorCode, errorMessage)."""
        pt = self.truth.principals[p.arn]
        pt.events += 1
        counts = self.truth.counts
        counts.attributed_events += 1
        if refused_caller is not None:
            action, slot = spec.actions[0]
            target = built.slots[slot][0]
            msg = records.denied_message(spec.deny_code, refused_caller, action, target, self.rng)
            pt.denied_events += 1
            pt.add(pt.denied, action, [target])
            counts.denied_events += 1
            return spec.deny_code, msg
        if not spec.actions:
            pt.permissionless_events += 1
        for action, slot in spec.actions:
            pt.add(pt.actions, action, built.slots[slot])
        for action, arn in built.implied:
            pt.add(pt.implied, action, [arn])
        return None

    def background_event(  # noqa: PLR0911 — one early return per kind of event
        self, kind: str, ts: int
    ) -> _Event | None:
        """One event that no policy is written for (or, for console sign-in, needs none)."""
        rng, org = self.rng, self.org
        if kind == "aws_service":
            p = rng.choice(self.service_roles)
            rec = records.aws_service_assume(rng, ts, p, org.account(p.account))
            return _Event(p.account, p.home_region, ts, rec)
        if kind == "saml":
            p = rng.choice(self.saml_roles)
            rec = records.saml_assume(rng, ts, p, org.account(p.account))
            return _Event(p.account, p.home_region, ts, rec)
        if kind == "web_identity":
            if not self.web_roles:
                return None
            p = rng.choice(self.web_roles)
            rec = records.web_identity_assume(rng, ts, p, org.account(p.account))
            return _Event(p.account, p.home_region, ts, rec)
        if kind == "identity_center":
            mgmt = org.accounts[0]
            rec = records.identity_center_signin(rng, ts, mgmt, rng.choice(self.people))
            return _Event(mgmt.id, SSO_REGION, ts, rec)
        if kind == "console_login":
            p = rng.choice(self.console_users)
            pt = self.truth.principals[p.arn]
            pt.events += 1
            pt.permissionless_events += 1
            self.truth.counts.attributed_events += 1
            return _Event(p.account, "us-east-1", ts, records.console_login(rng, ts, p))
        if kind == "kms_rotation":
            acct = rng.choice(org.accounts)
            region = acct.regions[0]
            key = acct.pool("kms_key", region)[0]
            return _Event(acct.id, region, ts, records.kms_rotation(rng, ts, acct, key.arn, region))
        if not self.vendor_roles:
            return None
        p = rng.choice(self.vendor_roles)
        rec = records.external_account_assume(
            rng,
            ts,
            p,
            org.account(p.account),
            caller_account=self.external_account,
            session="monitoring-poller",
        )
        return _Event(p.account, p.home_region, ts, rec)


def _count_record(truth: GroundTruth, rec: Json) -> None:
    ident = rec.get("userIdentity") or {}
    truth.counts.by_identity_type[str(ident.get("type", "(none)"))] += 1
    truth.counts.by_event_type[str(rec["eventType"])] += 1


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def generate(
    out_dir: Path,
    seed: int,
    n_events: int,
    *,
    accounts: int = 5,
    days: int = 3,
    file_minutes: int = 60,
    start: int = DEFAULT_START,
    dup_rate: float = 0.005,
    background_rate: float = 0.07,
    digest_accounts: int = 1,
    insight_files: int = 2,
    preset: str | None = None,
    authz: bool = False,
) -> GroundTruth:
    """Write a corpus of about ``n_events`` unique events under ``out_dir``; return its truth.

    ``n_events`` counts unique records (a cross-account AssumeRole makes two); duplicates come
    on top. The same arguments always give byte-identical files. With ``authz``, also the
    authorization snapshots (drawn from a stream of their own: the logs do not change).
    """
    if n_events < 1 or days < 1 or 1440 % file_minutes:
        raise ValueError("need n_events ≥ 1, days ≥ 1, and file_minutes dividing a day")
    rng = random.Random(seed)
    org = build_org(rng, accounts)
    params: dict[str, Any] = {
        "preset": preset,
        "events": n_events,
        "accounts": len(org.accounts),
        "days": days,
        "file_minutes": file_minutes,
        "start": records.iso(start),
        "dup_rate": dup_rate,
        "background_rate": background_rate,
        "authz": authz,
    }
    truth = GroundTruth(
        seed,
        params,
        org.org_id,
        [
            {
                "id": a.id,
                "name": a.name,
                "role": a.role,
                "regions": list(a.regions),
                "org_trail": a.org_trail,
            }
            for a in org.accounts
        ],
    )
    gen = _Generator(rng, org, truth)
    digest_ids = frozenset(a.id for a in org.accounts[1 : 1 + digest_accounts])
    writer = _Writer(out_dir, org, rng, truth, file_minutes * 60, dup_rate, digest_ids)
    principals = org.principals
    cum = list(accumulate(p.weight for p in principals))
    bg_kinds = [k for k, _ in _BACKGROUND]
    bg_cum = list(accumulate(w for _, w in _BACKGROUND))
    #: principal → (time, region) of its last API call, for the snapshots' RoleLastUsed
    last_used: dict[str, tuple[int, str]] = {}
    for day, n_day in enumerate(_split(n_events, days)):
        day_start = start + day * 86400
        n_bg = round(n_day * background_rate)
        made = 0
        for kind in rng.choices(bg_kinds, cum_weights=bg_cum, k=n_bg):
            ev = gen.background_event(kind, day_start + rng.randrange(86400))
            if ev is None:
                continue
            if ev.record["userIdentity"].get("type") not in ("IAMUser", "Root", "AssumedRole"):
                truth.counts.unattributed_events += 1
            _count_record(truth, ev.record)
            writer.add(ev.account, ev.region, ev.ts, orjson.dumps(ev.record))
            made += 1
        while made < n_day:
            batch = rng.choices(principals, cum_weights=cum, k=n_day - made)
            for p in batch:
                if made >= n_day:
                    break
                ts = day_start + rng.randrange(86400)
                events = gen.api_event(p, ts)
                if ts >= last_used.get(p.arn, (0, ""))[0]:
                    last_used[p.arn] = (ts, events[0].region)
                for ev in events:
                    _count_record(truth, ev.record)
                    writer.add(ev.account, ev.region, ev.ts, orjson.dumps(ev.record))
                    made += 1
        writer.flush(final=day == days - 1)
    _write_digests(out_dir, org, rng, writer, truth)
    _write_insights(out_dir, org, rng, truth, start=start, days=days, n_files=insight_files)
    if authz:
        write_snapshots(out_dir, seed, org, truth, last_used=last_used, start=start)
    truth.write(out_dir / "ground_truth.json")
    return truth


def _write_digests(
    out: Path, org: Organization, rng: random.Random, writer: _Writer, truth: GroundTruth
) -> None:
    """Hourly digest files (real shape) for the log files of a few accounts."""
    bucket = f"aws-cloudtrail-logs-{org.accounts[0].id}-org"
    for (acct, region), files in sorted(writer.delivered.items()):
        by_hour: dict[int, list[tuple[int, str, str, int, int]]] = {}
        for entry in files:
            by_hour.setdefault(entry[0] // 3600, []).append(entry)
        previous: tuple[str, str] | None = None
        for hour in sorted(by_hour):
            entries = sorted(by_hour[hour])
            end = (hour + 1) * 3600
            stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(end))
            name = f"{acct}_CloudTrail-Digest_{region}_{TRAIL_NAME}_{TRAIL_HOME}_{stamp}.json.gz"
            rel = _folder(org, acct, "CloudTrail-Digest", region, end) + "/" + name
            body: Json = {
                "awsAccountId": acct,
                "digestStartTime": records.iso(hour * 3600),
                "digestEndTime": records.iso(end),
                "digestS3Bucket": bucket,
                "digestS3Object": rel,
                "digestPublicKeyFingerprint": rand.hexstr(rng, 32),
                "digestSignatureAlgorithm": "SHA256withRSA",
                "newestEventTime": records.iso(max(e[4] for e in entries)),
                "oldestEventTime": records.iso(min(e[3] for e in entries)),
                "previousDigestS3Bucket": bucket if previous else None,
                "previousDigestS3Object": previous[0] if previous else None,
                "previousDigestHashValue": previous[1] if previous else None,
                "previousDigestHashAlgorithm": "SHA-256" if previous else None,
                "previousDigestSignature": rand.hexstr(rng, 512) if previous else None,
                "logFiles": [
                    {
                        "s3Bucket": bucket,
                        "s3Object": e[1],
                        "hashValue": e[2],
                        "hashAlgorithm": "SHA-256",
                        "newestEventTime": records.iso(e[4]),
                        "oldestEventTime": records.iso(e[3]),
                    }
                    for e in entries
                ],
            }
            payload = orjson.dumps(body)
            _write_gz(out / rel, payload)
            previous = (rel, hashlib.sha256(payload).hexdigest())
            truth.counts.digest_files += 1


def _write_insights(
    out: Path,
    org: Organization,
    rng: random.Random,
    truth: GroundTruth,
    *,
    start: int,
    days: int,
    n_files: int,
) -> None:
    """A few Insight files (Start/End pairs of an API-call-rate anomaly)."""
    acct = next(a for a in org.accounts if a.role == "workload")
    region = acct.regions[0]
    for i in range(n_files):
        ts = start + (i * days * 86400) // max(n_files, 1) + rng.randrange(3600, 80000)
        shared = rand.uuid4(rng)
        recs = [
            records.insight_record(rng, ts, acct.id, region, state="Start", shared=shared),
            records.insight_record(rng, ts + 300, acct.id, region, state="End", shared=shared),
        ]
        delivered = ts + 900
        stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(delivered))
        name = f"{acct.id}_CloudTrail-Insight_{region}_{stamp}_{rand.alnum(rng, 16)}.json.gz"
        rel = _folder(org, acct.id, "CloudTrail-Insight", region, delivered) + "/" + name
        _write_gz(out / rel, orjson.dumps({"Records": recs}))
        truth.counts.insight_files += 1
        truth.counts.insight_records += len(recs)


def generate_preset(
    out_dir: Path, seed: int, preset: str, n_events: int | None = None, *, authz: bool = True
) -> GroundTruth:
    """:func:`generate` with a named preset's sizes (``n_events`` overrides its count), and by
    default the authorization snapshots."""
    p = PRESETS[preset]
    return generate(
        out_dir,
        seed,
        n_events or p.events,
        accounts=p.accounts,
        days=p.days,
        file_minutes=p.file_minutes,
        digest_accounts=p.digest_accounts,
        insight_files=p.insight_files,
        preset=preset,
        authz=authz,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: generate a preset (optionally with another event count)."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__)
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--preset", choices=sorted(PRESETS), default="sample")
    ap.add_argument("--events", type=int, default=None, help="override the preset's count")
    ap.add_argument(
        "--authz",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write IAM authorization snapshots to OUT/authz/ (default: on)",
    )
    args = ap.parse_args(argv)
    began = time.perf_counter()
    truth = generate_preset(args.out, args.seed, args.preset, args.events, authz=args.authz)
    took = time.perf_counter() - began
    c = truth.counts
    print(
        f"{c.unique_events} events ({c.records_written} records, {c.duplicates} duplicates) in "
        f"{c.log_files} files, {c.digest_files} digests, {c.insight_files} insight files, "
        f"{len(truth.principals)} principals, {len(truth.accounts)} accounts → {args.out} "
        f"in {took:.1f} s ({c.unique_events / took:,.0f} events/s)",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
