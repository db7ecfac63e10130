"""Findings and custom-check results as text, JSON and SARIF 2.1.0.

Renderers return strings and never print: the CLI decides where output goes. SARIF results
carry the line of the element a finding points at, found by :func:`value_lines`, so that code
scanning tools can annotate the policy file itself.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass

import orjson

from policygen_batch import __version__
from policygen_batch.validate.codes import CODES, learn_more
from policygen_batch.validate.custom import CustomCheckResult
from policygen_batch.validate.findings import Finding, FindingType

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_SARIF_LEVEL = {
    FindingType.ERROR: "error",
    FindingType.SECURITY_WARNING: "error",
    FindingType.WARNING: "warning",
    FindingType.SUGGESTION: "note",
}


@dataclass(frozen=True)
class FileFindings:
    """The findings of one policy file, with its text (for line numbers) when known."""

    file: str
    findings: Sequence[Finding]
    text: str = ""


def render_text(results: Sequence[FileFindings]) -> str:
    """One line per finding: ``file: TYPE CODE at path: message``; a summary line last."""
    out: list[str] = []
    total = 0
    for res in results:
        for f in res.findings:
            where = f" at {f.path}" if f.path else ""
            out.append(f"{res.file}: {f.finding_type.value} {f.issue_code}{where}: {f.message}")
            total += 1
    files = len(results)
    out.append(f"{total} finding(s) in {files} polic{'y' if files == 1 else 'ies'}.")
    return "\n".join(out) + "\n"


def render_json(results: Sequence[FileFindings]) -> str:
    """A JSON array of findings; each names its file when several files were validated."""
    several = len(results) > 1
    rows: list[dict[str, object]] = []
    for res in results:
        for f in res.findings:
            row = f.to_dict()
            if several:
                row = {"file": res.file, **row}
            rows.append(row)
    return orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n"


def render_sarif(results: Sequence[FileFindings]) -> str:
    """A SARIF 2.1.0 log with one run; rules are the issue codes that occur."""
    used = sorted({f.issue_code for res in results for f in res.findings})
    rules = []
    for code in used:
        ftype, title, _ = CODES[code]
        rule: dict[str, object] = {
            "id": code,
            "name": "".join(w.capitalize() for w in code.split("_")),
            "shortDescription": {"text": title},
            "defaultConfiguration": {"level": _SARIF_LEVEL[ftype]},
            "properties": {"finding_type": ftype.value},
        }
        link = learn_more(code)
        if link:
            rule["helpUri"] = link
        if ftype is FindingType.SECURITY_WARNING:
            rule["properties"] = {
                "finding_type": ftype.value,
                "tags": ["security"],
                "security-severity": "7.0",
            }
        rules.append(rule)
    index = {code: i for i, code in enumerate(used)}
    sarif_results = []
    for res in results:
        lines = value_lines(res.text) if res.text else {}
        for f in res.findings:
            physical: dict[str, object] = {"artifactLocation": {"uri": res.file}}
            line = _line_for(lines, f.path)
            if line is not None:
                physical["region"] = {"startLine": line}
            location: dict[str, object] = {"physicalLocation": physical}
            if f.path:
                location["logicalLocations"] = [{"fullyQualifiedName": f.path}]
            sarif_results.append(
                {
                    "ruleId": f.issue_code,
                    "ruleIndex": index[f.issue_code],
                    "level": _SARIF_LEVEL[f.finding_type],
                    "message": {"text": f.message},
                    "locations": [location],
                }
            )
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "policygen",
                        "version": __version__,
                        "informationUri": "https://github.com/",
                        "rules": rules,
                    }
                },
                "results": sarif_results,
            }
        ],
    }
    return orjson.dumps(log, option=orjson.OPT_INDENT_2).decode() + "\n"


def render_custom_text(result: CustomCheckResult) -> str:
    """``PASS`` or ``FAIL`` on the first line, then one line per reason."""
    lines = [f"{result.result.value}  {result.check}"]
    lines.extend(f"  - {r.message}" for r in result.reasons)
    return "\n".join(lines) + "\n"


def render_custom_json(result: CustomCheckResult) -> str:
    """The result as a JSON object (``result``: ``PASS``/``FAIL``, ``reasons``)."""
    return orjson.dumps(result.to_dict(), option=orjson.OPT_INDENT_2).decode() + "\n"


# --- where a JSON path is in the text --------------------------------------------------------


def _line_for(lines: dict[str, int], path: str) -> int | None:
    probe = path
    while probe:
        if probe in lines:
            return lines[probe]
        cut = max(probe.rfind("."), probe.rfind("["))
        probe = probe[:cut] if cut > 0 else ""
    return lines.get("") if lines else None


class _Scanner:
    """Walks valid JSON text and records the line where each value starts, by JSON path."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.lines: dict[str, int] = {}

    def skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t\r\n":
            self.pos += 1

    def string(self) -> str:
        start = self.pos
        self.pos += 1
        while self.pos < len(self.text) and self.text[self.pos] != '"':
            self.pos += 2 if self.text[self.pos] == "\\" else 1
        self.pos += 1
        decoded: str = orjson.loads(self.text[start : self.pos])
        return decoded

    def items(self, close: str) -> bool:
        """Skip to the next item of a container; False once the container is closed."""
        while True:
            self.skip_ws()
            if self.pos >= len(self.text) or self.text[self.pos] == close:
                self.pos += 1
                return False
            if self.text[self.pos] != ",":
                return True
            self.pos += 1

    def value(self, path: str) -> None:
        self.skip_ws()
        if self.pos >= len(self.text):
            return
        self.lines.setdefault(path, self.text.count("\n", 0, self.pos) + 1)
        ch = self.text[self.pos]
        if ch == "{":
            self.pos += 1
            while self.items("}"):
                key = self.string()
                self.skip_ws()
                self.pos += 1  # the colon
                self.value(f"{path}.{key}" if path else key)
        elif ch == "[":
            self.pos += 1
            index = 0
            while self.items("]"):
                self.value(f"{path}[{index}]")
                index += 1
        elif ch == '"':
            self.string()
        else:
            while self.pos < len(self.text) and self.text[self.pos] not in ",]} \t\r\n":
                self.pos += 1


def value_lines(text: str) -> dict[str, int]:
    """Map each JSON path of a document to the 1-based line where its value starts.

    A small scanner rather than a parser: it assumes the text is valid JSON (it was parsed
    before) and gives up quietly, keeping what it found, on anything unexpected.
    """
    scanner = _Scanner(text)
    with contextlib.suppress(orjson.JSONDecodeError, IndexError):
        scanner.value("")
    return scanner.lines
