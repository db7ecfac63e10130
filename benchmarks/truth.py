"""The ground truth the generator writes beside the archives (``DIR/ground_truth.json``).

It records what the generator *intended*: for every principal (resolved as ARCHITECTURE §3
says — role ARN with its path, the IAM user behind a federated session, the caller's own
account for cross-account calls) the IAM actions it used successfully with the real ARNs they
touched, what it was refused, and what its calls imply without being logged (``iam:PassRole``,
``ec2:CreateTags``). The end-to-end tests compare the pipeline's output with it.

Conventions: ``actions`` are the logged-and-mapped ones only; ``implied`` is kept apart so
that a test can tell a missed mapping from a missed implication; ``"*"`` stands for an action
with no resource-level permission. Event counts per principal include refused and
permission-less calls (``sts:GetCallerIdentity``, ``ConsoleLogin``) and exclude duplicates.

With authorization snapshots (``--authz``), each principal also has ``expected_unused``: what
its snapshot grants (actions, canonical case) minus what it used (``actions`` ∪ ``implied``),
sorted; and the top-level ``authz`` holds the snapshot files, the catalog version the
expansion used, ``inactive`` (snapshot principals with no event at all) and
``idle_principals`` (users and roles that exist only in the snapshots, with their
``expected_unused`` = everything they are granted).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson


def _sorted_map(m: dict[str, set[str]]) -> dict[str, list[str]]:
    return {k: sorted(v) for k, v in sorted(m.items())}


@dataclass(slots=True)
class PrincipalTruth:
    """What one principal did, as intended by the generator."""

    arn: str
    kind: str
    account: str
    name: str
    path: str
    archetype: str
    events: int = 0
    denied_events: int = 0
    permissionless_events: int = 0
    actions: dict[str, set[str]] = field(default_factory=dict)
    denied: dict[str, set[str]] = field(default_factory=dict)
    implied: dict[str, set[str]] = field(default_factory=dict)
    #: granted (by the authorization snapshot) minus used (``actions`` ∪ ``implied``), sorted;
    #: None when no snapshot was generated.
    expected_unused: list[str] | None = None

    def add(self, table: dict[str, set[str]], action: str, arns: list[str]) -> None:
        """Record ``action`` on ``arns`` in one of the three tables."""
        table.setdefault(action, set()).update(arns)

    def to_json(self) -> dict[str, Any]:
        """Plain, sorted JSON (``expected_unused`` only when a snapshot was generated)."""
        out: dict[str, Any] = {
            "arn": self.arn,
            "kind": self.kind,
            "account": self.account,
            "name": self.name,
            "path": self.path,
            "archetype": self.archetype,
            "events": self.events,
            "denied_events": self.denied_events,
            "permissionless_events": self.permissionless_events,
            "actions": _sorted_map(self.actions),
            "denied": _sorted_map(self.denied),
            "implied": _sorted_map(self.implied),
        }
        if self.expected_unused is not None:
            out["expected_unused"] = self.expected_unused
        return out


@dataclass(slots=True)
class AccountCounts:
    """Per recipient account: what landed in its folder."""

    records: int = 0
    unique_events: int = 0
    duplicates: int = 0
    log_files: int = 0


@dataclass(slots=True)
class Counts:
    """Totals over the whole corpus (log files only; digests and insights counted apart)."""

    records_written: int = 0
    unique_events: int = 0
    duplicates: int = 0
    log_files: int = 0
    digest_files: int = 0
    insight_files: int = 0
    insight_records: int = 0
    attributed_events: int = 0
    unattributed_events: int = 0
    denied_events: int = 0
    data_events: int = 0
    cross_account_events: int = 0
    by_identity_type: Counter[str] = field(default_factory=Counter)
    by_event_type: Counter[str] = field(default_factory=Counter)
    per_account: dict[str, AccountCounts] = field(default_factory=dict)

    def account(self, account_id: str) -> AccountCounts:
        """The counters of one account (made on first use)."""
        found = self.per_account.get(account_id)
        if found is None:
            found = self.per_account[account_id] = AccountCounts()
        return found

    def to_json(self) -> dict[str, Any]:
        """Plain, sorted JSON."""
        return {
            "records_written": self.records_written,
            "unique_events": self.unique_events,
            "duplicates": self.duplicates,
            "log_files": self.log_files,
            "digest_files": self.digest_files,
            "insight_files": self.insight_files,
            "insight_records": self.insight_records,
            "attributed_events": self.attributed_events,
            "unattributed_events": self.unattributed_events,
            "denied_events": self.denied_events,
            "data_events": self.data_events,
            "cross_account_events": self.cross_account_events,
            "by_identity_type": dict(sorted(self.by_identity_type.items())),
            "by_event_type": dict(sorted(self.by_event_type.items())),
            "per_account": {
                k: {
                    "records": v.records,
                    "unique_events": v.unique_events,
                    "duplicates": v.duplicates,
                    "log_files": v.log_files,
                }
                for k, v in sorted(self.per_account.items())
            },
        }


@dataclass(slots=True)
class GroundTruth:
    """Everything a test needs to check the pipeline against the generator's intent."""

    seed: int
    params: dict[str, Any]
    org_id: str
    accounts: list[dict[str, Any]]
    counts: Counts = field(default_factory=Counts)
    principals: dict[str, PrincipalTruth] = field(default_factory=dict)
    #: The authorization snapshots (:mod:`benchmarks.authz`): files, catalog version, inactive
    #: principals, and principals that exist only in the snapshots; None when not generated.
    authz: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """Plain, sorted JSON (the content of ``ground_truth.json``)."""
        out: dict[str, Any] = {
            "seed": self.seed,
            "params": dict(sorted(self.params.items())),
            "org_id": self.org_id,
            "accounts": sorted(self.accounts, key=lambda a: str(a["id"])),
            "counts": self.counts.to_json(),
            "principals": {k: v.to_json() for k, v in sorted(self.principals.items())},
        }
        if self.authz is not None:
            out["authz"] = self.authz
        return out

    def write(self, path: Path) -> None:
        """Write it as indented JSON with sorted keys (byte-identical for the same seed)."""
        data = orjson.dumps(self.to_json(), option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)
        path.write_bytes(data + b"\n")
