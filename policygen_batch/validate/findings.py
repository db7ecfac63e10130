"""Findings of the offline policy validator, shaped like Access Analyzer's ValidatePolicy.

A finding carries the same four finding types and UPPER_SNAKE issue codes that Access Analyzer
uses, so that a team moving between the online and the offline check reads the same words.
Where the project adds a check Access Analyzer does not have, its code says so in the check's
docstring (:mod:`policygen_batch.validate.checks`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum


class FindingType(Enum):
    """The impact of a finding; the order of the members is the order of severity."""

    ERROR = "ERROR"  # part of the policy does not work
    SECURITY_WARNING = "SECURITY_WARNING"  # the policy allows access considered too broad
    WARNING = "WARNING"  # not a security issue, but not best practice
    SUGGESTION = "SUGGESTION"  # style: no effect on access

    @property
    def rank(self) -> int:
        """0 for ERROR … 3 for SUGGESTION: lower is more severe."""
        return _RANK[self]

    def at_or_above(self, threshold: FindingType) -> bool:
        """True when this type is as severe as *threshold* or more."""
        return self.rank <= threshold.rank

    @classmethod
    def parse(cls, text: str) -> FindingType:
        """Read a finding type written in any case (``security_warning``, ``ERROR``)."""
        try:
            return cls(text.strip().upper())
        except ValueError:
            allowed = ", ".join(m.value.lower() for m in cls)
            raise ValueError(f"unknown finding type {text!r}; use one of {allowed}") from None


_RANK = {
    FindingType.ERROR: 0,
    FindingType.SECURITY_WARNING: 1,
    FindingType.WARNING: 2,
    FindingType.SUGGESTION: 3,
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding in one policy document.

    ``path`` is a JSON path into the document as written (``Statement[0].Action[2]``,
    ``Statement[1].Condition.StringEquals.aws:SourceVpc``); ``statement_index`` is ``None`` for
    findings about the whole document (size, version).
    """

    finding_type: FindingType
    issue_code: str
    message: str
    path: str = ""
    statement_index: int | None = None
    learn_more: str | None = None

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready mapping with stable key names (snake_case, as the rest of the CLI)."""
        out: dict[str, object] = {
            "finding_type": self.finding_type.value,
            "issue_code": self.issue_code,
            "message": self.message,
            "statement_index": self.statement_index,
            "path": self.path,
        }
        if self.learn_more:
            out["learn_more"] = self.learn_more
        return out


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Deterministic order: by statement, then severity, then code, path and message."""

    def key(f: Finding) -> tuple[int, int, str, str, str]:
        stmt = -1 if f.statement_index is None else f.statement_index
        return (stmt, f.finding_type.rank, f.issue_code, f.path, f.message)

    return sorted(set(findings), key=key)


def worst(findings: Iterable[Finding]) -> FindingType | None:
    """The most severe finding type present, or ``None`` when there are no findings."""
    types = [f.finding_type for f in findings]
    return min(types, key=lambda t: t.rank) if types else None


def any_at_or_above(findings: Iterable[Finding], threshold: FindingType) -> bool:
    """True when some finding is as severe as *threshold* or more (the CLI's exit test)."""
    return any(f.finding_type.at_or_above(threshold) for f in findings)
