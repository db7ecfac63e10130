"""External access through role trust policies, per role and for the index (issue 6).

A :class:`~policygen_batch.report.model.ReportContributor` over the authorization snapshots:
each role's trust policy goes through
:func:`policygen_batch.validate.trust.external_access` with the organization's accounts
(``--org-accounts``, or else every account present in the snapshots — an approximation that
says so in the report, since an account with no snapshot looks external).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from policygen_batch.aggregate.grants import Grants
from policygen_batch.report.model import IndexSection, Json, Link, PrincipalReport, Section
from policygen_batch.validate.trust import external_access


@dataclass
class TrustFindings:
    """Trust-policy findings of every role of the snapshots."""

    grants: Grants
    org_accounts: tuple[str, ...]
    #: "option" (--org-accounts) or "snapshots" (the accounts the snapshots cover).
    accounts_from: str
    _found: dict[str, list[dict[str, Any]]] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        for arn, pg in sorted(self.grants.principals.items()):
            document = pg.principal.trust_policy
            if document is not None:
                found = external_access(document, self.org_accounts)
                self._found[arn] = [f.to_dict() for f in found]

    def principals(self) -> Iterable[tuple[str, str, str | None]]:
        """None of its own: the unused-permission contributor lists the snapshots' roles."""
        return ()

    def sections(self, report: PrincipalReport) -> Sequence[Section]:
        """The role's trust policy and its findings (nothing for users and unknown roles)."""
        arn = report.principal.arn
        if arn not in self._found:
            return []
        findings = self._found[arn]
        data = {
            "org_accounts": list(self.org_accounts),
            "org_accounts_from": self.accounts_from,
            "trust_policy": self.grants.principals[arn].principal.trust_policy,
            "findings": findings,
        }
        lines = [f"Organization accounts ({self._from_text()}): "
                 + ", ".join(self.org_accounts) + "."]  # fmt: skip
        if findings:
            lines += ["", "| type | code | where | message |", "|---|---|---|---|"]
            lines += [
                f"| {f['finding_type']} | {f['issue_code']} | {f.get('path') or '–'} | "
                f"{_escape(f['message'])} |"
                for f in findings
            ]
        else:
            lines += ["", "No external access: only principals of the organization may assume it."]
        return [Section("trust", "Trust policy: external access", data, tuple(lines))]

    def summary_fields(self, report: PrincipalReport) -> Mapping[str, Json]:
        """The number of trust findings (None for principals without a trust policy)."""
        found = self._found.get(report.principal.arn)
        return {"trust_findings": None if found is None else len(found)}

    def index_sections(self, summary: Mapping[str, Any]) -> Sequence[IndexSection]:
        """Every trust finding of the roles that have a report, one row each."""
        rows_by_arn = {r["arn"]: r for r in summary["principals"]}
        entries: list[Json] = []
        table: list[tuple[object, ...]] = []
        for arn, findings in self._found.items():
            row = rows_by_arn.get(arn)
            if row is None:  # filtered out of this run (--account, --principal)
                continue
            for f in findings:
                entries.append({"arn": arn, **f})
                table.append((Link(row["name"], row["report_md"]), row["account"],
                              f["finding_type"], f["issue_code"], f["message"]))  # fmt: skip
        data = {
            "org_accounts": list(self.org_accounts),
            "org_accounts_from": self.accounts_from,
            "findings": entries,
        }
        intro = (
            f"{len(entries)} findings in role trust policies; organization accounts "
            f"({self._from_text()}): {', '.join(self.org_accounts)}."
        )
        header = ("role", "account", "type", "code", "message")
        return [IndexSection("trust", "External access in trust policies", data, intro,
                             header, tuple(table))]  # fmt: skip

    def _from_text(self) -> str:
        if self.accounts_from == "option":
            return "--org-accounts"
        return "the accounts present in the snapshots; pass --org-accounts when some are missing"


def _escape(value: object) -> str:
    """A Markdown table cell's text: pipes escaped, newlines flattened."""
    return str(value).replace("|", "\\|").replace("\n", " ")
