"""IAM policy documents as values: statements, content-derived Sids, size, canonical JSON.

Shape choices, made once here so that every document the stage writes looks the same:

* every statement is ``Effect: Allow`` with ``Action`` and ``Resource`` **always lists**
  (also for one element): one shape is simpler to diff, merge and check than "a string or
  a list", and IAM accepts both;
* actions and resources are sorted and unique inside a statement; statements are sorted by
  (service, actions, resources) inside a document;
* the ``Sid`` is the service prefix in PascalCase followed by eight upper-case hex digits of
  a SHA-256 over the statement's content (``S3A1B2C3D4``): alphanumeric as IAM requires,
  stable across runs, and independent of where the statement lands after splitting;
* ``${`` in a resource is written ``${$}{`` — with ``Version 2012-10-17`` IAM reads
  ``${…}`` as a policy variable, and an S3 key may contain those two characters literally.
  Values keep the text as observed; only :meth:`Statement.to_json` escapes.

Size is what IAM's quotas count: characters of the document without whitespace. It is
measured on the compact JSON text, which also counts whitespace *inside* strings (an S3
key may contain spaces) and JSON escapes: an upper bound, so a document that fits here
fits in IAM.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import orjson

from policygen_batch.errors import PolicygenError

#: The only policy language version with policy variables; the one IAM recommends.
POLICY_VERSION: Final = "2012-10-17"
#: Hex digits of the content hash in a Sid.
SID_HASH_DIGITS: Final = 8
_SHA256_HEX: Final = 64

_ITEM_SEPARATOR: Final = "\x1f"  # unit separator: never part of an action, rare in an ARN
_PART_SEPARATOR: Final = "\x1e"  # record separator between the action and resource lists


class SynthError(PolicygenError):
    """The usage handed to synthesis breaks its input contract, or a policy cannot be built."""


def canonical_json(value: Any) -> bytes:
    """Sorted keys, two-space indent, a final newline: byte-identical for equal values.

    The same writer as the report stage's, so a document written by either is the same file.
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2) + b"\n"


def compact_len(value: Any) -> int:
    """Characters of *value* as compact JSON: the size IAM counts (an upper bound, see above)."""
    return len(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode())


def iam_resource_text(resource: str) -> str:
    """*resource* as written in a policy: a literal ``${`` escaped so it is no variable."""
    return resource.replace("${", "${$}{")


def service_of(action: str) -> str:
    """The service prefix of an action (``s3`` of ``s3:GetObject``), lower case."""
    return action.split(":", 1)[0].lower()


@functools.lru_cache(maxsize=1024)
def sid_prefix(service: str) -> str:
    """The service prefix in PascalCase, alphanumeric only (``rds-data`` → ``RdsData``).

    Memoised: every Sid is built from it, many times per statement, over a few hundred
    services at most.
    """
    words = "".join(c if c.isascii() and c.isalnum() else " " for c in service).split()
    return "".join(w[:1].upper() + w[1:] for w in words) or "Stmt"


def _content_digest(actions: Sequence[str], resources: Sequence[str]) -> str:
    text = (
        _ITEM_SEPARATOR.join(actions) + _PART_SEPARATOR + _ITEM_SEPARATOR.join(resources)
    ).encode()
    return hashlib.sha256(text).hexdigest().upper()


@dataclass(frozen=True, slots=True)
class Statement:
    """One ``Allow`` statement of a single service; build it with :meth:`of`.

    ``sid_window`` picks which eight hex digits of the digest the Sid shows (0 = the first
    eight); :func:`unique_sids` moves it only when two statements of one document would
    otherwise share a Sid, which keeps the Sid's length — and so the size — unchanged.
    """

    service: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    digest: str
    sid_window: int = 0

    @classmethod
    def of(cls, actions: Iterable[str], resources: Iterable[str]) -> Statement:
        """A statement allowing every one of *actions* on every one of *resources*."""
        acts = tuple(sorted(set(actions)))
        res = tuple(sorted(set(resources)))
        if not acts or not res:
            raise SynthError("a statement needs at least one action and one resource")
        services = {service_of(a) for a in acts}
        if len(services) != 1:
            raise SynthError(f"a statement covers one service, not {sorted(services)}")
        return cls(services.pop(), acts, res, _content_digest(acts, res))

    @property
    def sid(self) -> str:
        """Service prefix in PascalCase + eight hex digits of the content digest."""
        start = self.sid_window * SID_HASH_DIGITS
        return sid_prefix(self.service) + self.digest[start : start + SID_HASH_DIGITS]

    @property
    def sort_key(self) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """Order of statements inside a document: service, then actions, then resources."""
        return (self.service, self.actions, self.resources)

    def to_json(self) -> dict[str, Any]:
        """The statement as IAM JSON (lists always, resources escaped)."""
        return {
            "Sid": self.sid,
            "Effect": "Allow",
            "Action": list(self.actions),
            "Resource": [iam_resource_text(r) for r in self.resources],
        }

    @property
    def size(self) -> int:
        """Characters of the statement as compact JSON."""
        return compact_len(self.to_json())


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """An identity-based policy: ``Version`` and a non-empty, sorted list of statements."""

    statements: tuple[Statement, ...]

    @classmethod
    def of(cls, statements: Iterable[Statement]) -> PolicyDocument:
        """A document of *statements*, sorted, with Sids unique inside it."""
        ordered = sorted(statements, key=lambda s: s.sort_key)
        if not ordered:
            raise SynthError("a policy document needs at least one statement")
        return cls(unique_sids(ordered))

    def to_json(self) -> dict[str, Any]:
        """The document as IAM JSON, ready for ``aws iam create-policy``."""
        return {"Version": POLICY_VERSION, "Statement": [s.to_json() for s in self.statements]}

    def to_bytes(self) -> bytes:
        """Canonical JSON text of the document (see :func:`canonical_json`)."""
        return canonical_json(self.to_json())

    @property
    def size(self) -> int:
        """Characters of the document without whitespace, as IAM's size quotas count them."""
        return compact_len(self.to_json())


#: Size of a document with an empty statement list; each statement adds its size and a comma.
DOCUMENT_OVERHEAD: Final = compact_len({"Version": POLICY_VERSION, "Statement": []})


def unique_sids(statements: Sequence[Statement]) -> tuple[Statement, ...]:
    """*statements* with Sids unique among them, moving a Sid's hash window on a clash.

    Statements are distinct in content, so a clash is a 32-bit hash collision: in practice
    never, but IAM rejects a document with a duplicate Sid, so it is handled — by the next
    eight digits of the same digest, in statement order, which is deterministic.
    """
    seen: set[str] = set()
    out: list[Statement] = []
    windows = _SHA256_HEX // SID_HASH_DIGITS
    for stmt in statements:
        candidate = stmt
        for window in range(windows):
            candidate = Statement(stmt.service, stmt.actions, stmt.resources, stmt.digest, window)
            if candidate.sid not in seen:
                break
        else:
            raise SynthError(f"no unique Sid for a statement of {stmt.service}")
        seen.add(candidate.sid)
        out.append(candidate)
    return tuple(out)
