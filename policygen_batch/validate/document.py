"""A read-only view of a policy document as written, with JSON paths for every element.

Checks must report *where* a problem is (``Statement[0].Action[2]``), and they must not
trip over a document that is malformed in some other place, so this view never raises on
shape: it yields what has the expected shape and leaves the rest to the type checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import orjson

#: Elements allowed at the top of a policy document.
TOP_LEVEL_ELEMENTS = ("Version", "Id", "Statement")
#: Elements allowed in a statement.
STATEMENT_ELEMENTS = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)
#: The policy language versions IAM accepts.
VALID_VERSIONS = ("2012-10-17", "2008-10-17")
CURRENT_VERSION = "2012-10-17"


class PolicyType(Enum):
    """What the policy is attached to; it decides which elements are required or allowed."""

    IDENTITY = "identity"  # attached to a user, group or role
    RESOURCE = "resource"  # attached to a resource (bucket, key, queue, …)
    TRUST = "trust"  # a role's trust policy (a resource policy on the role)
    SCP = "scp"  # an AWS Organizations service control policy

    @classmethod
    def parse(cls, text: str) -> PolicyType:
        """Read a policy type as the CLI spells it (``identity``, ``RESOURCE_POLICY`` …)."""
        norm = text.strip().lower().removesuffix("_policy").replace("-", "_")
        norm = {"service_control": "scp", "role_trust": "trust"}.get(norm, norm)
        try:
            return cls(norm)
        except ValueError:
            allowed = ", ".join(m.value for m in cls)
            raise ValueError(f"unknown policy type {text!r}; use one of {allowed}") from None


@dataclass(frozen=True, slots=True)
class Located:
    """A string found in the document and the JSON path where it was found."""

    value: str
    path: str


@dataclass(frozen=True, slots=True)
class ConditionEntry:
    """One ``operator → key → values`` triple of a Condition block."""

    operator: str
    key: str
    values: tuple[Any, ...]  # as written (strings, numbers, booleans, or anything else)
    values_is_list: bool
    path: str  # Statement[i].Condition.<operator>.<key>

    def value_path(self, position: int) -> str:
        """Path of the *position*-th value (no index when the value was not a list)."""
        return f"{self.path}[{position}]" if self.values_is_list else self.path


@dataclass(frozen=True, slots=True)
class StatementView:
    """One statement with the helpers every check needs."""

    index: int
    path: str
    raw: Mapping[str, Any]
    #: :meth:`strings` by element: a dozen checks read the same element of a statement.
    _found: dict[str, tuple[Located, ...]] = field(default_factory=dict, compare=False, repr=False)

    def has(self, element: str) -> bool:
        """True when the element is present (even if empty or of the wrong type)."""
        return element in self.raw

    @property
    def effect(self) -> str | None:
        """The Effect when it is a string, else ``None``."""
        value = self.raw.get("Effect")
        return value if isinstance(value, str) else None

    @property
    def is_allow(self) -> bool:
        """True for ``"Effect": "Allow"`` (exact spelling, as IAM requires)."""
        return self.effect == "Allow"

    @property
    def sid(self) -> str | None:
        """The Sid when it is a string."""
        value = self.raw.get("Sid")
        return value if isinstance(value, str) else None

    def strings(self, element: str) -> list[Located]:
        """The string values of a string-or-list element; other values are skipped."""
        found = self._found.get(element)
        if found is None:
            found = self._found[element] = tuple(
                _strings(self.raw.get(element), f"{self.path}.{element}")
            )
        return list(found)

    def actions(self) -> list[Located]:
        """Action or NotAction values, whichever is present (Action first)."""
        return self.strings("Action") if self.has("Action") else self.strings("NotAction")

    def resources(self) -> list[Located]:
        """Resource or NotResource values, whichever is present (Resource first)."""
        return self.strings("Resource") if self.has("Resource") else self.strings("NotResource")

    def conditions(self) -> list[ConditionEntry]:
        """Every well-shaped operator/key pair of the Condition block."""
        block = self.raw.get("Condition")
        out: list[ConditionEntry] = []
        if not isinstance(block, dict):
            return out
        for operator, pairs in block.items():
            if not isinstance(pairs, dict):
                continue
            for key, values in pairs.items():
                is_list = isinstance(values, list)
                out.append(
                    ConditionEntry(
                        operator=str(operator),
                        key=str(key),
                        values=tuple(values) if is_list else (values,),
                        values_is_list=is_list,
                        path=f"{self.path}.Condition.{operator}.{key}",
                    )
                )
        return out


def _strings(value: Any, path: str) -> Iterator[Located]:
    if isinstance(value, str):
        yield Located(value, path)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, str):
                yield Located(item, f"{path}[{i}]")


def statements(document: Any) -> list[StatementView]:
    """The statements of *document* that are JSON objects, with their paths.

    A single statement object (not in a list) gets the path ``Statement`` and index 0.
    """
    if not isinstance(document, dict):
        return []
    raw = document.get("Statement")
    if isinstance(raw, dict):
        return [StatementView(0, "Statement", raw)]
    if isinstance(raw, list):
        return [
            StatementView(i, f"Statement[{i}]", item)
            for i, item in enumerate(raw)
            if isinstance(item, dict)
        ]
    return []


def statement_index_of(path: str) -> int | None:
    """The statement index encoded in a path (``Statement[3].Action`` → 3)."""
    if not path.startswith("Statement"):
        return None
    rest = path[len("Statement") :]
    if rest.startswith("["):
        end = rest.find("]")
        if end > 1 and rest[1:end].isdigit():
            return int(rest[1:end])
    return 0 if rest == "" or rest.startswith(".") else None


class PolicyParseError(ValueError):
    """The policy text is not JSON; carries the position Access Analyzer would report."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def parse_policy_text(text: str | bytes) -> Any:
    """Parse policy JSON; raise :class:`PolicyParseError` with line and column on bad JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise PolicyParseError(exc.msg, exc.lineno, exc.colno) from None


def compact_size(document: Any) -> int:
    """Characters of the document without insignificant whitespace (how IAM counts quotas)."""
    return len(orjson.dumps(document).decode("utf-8"))
