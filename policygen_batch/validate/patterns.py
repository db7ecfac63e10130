"""Wildcard patterns of the policy language: matching, inclusion and overlap.

IAM patterns use ``*`` (any run of characters) and ``?`` (one character); Resource values may
also hold policy variables (``${aws:username}``), whose value is unknown until the request.
The custom checks need two questions answered *soundly*:

* :func:`includes` — is every string the inner pattern can match also matched by the outer
  one? It may answer ``False`` when the truth is ``True`` (then the check fails with a
  reason), never the reverse.
* :func:`intersects` — could some string match both? It may answer ``True`` when the truth is
  ``False``, never the reverse.

A policy variable only ever *includes* the very same variable (the existing policy's
``user/${aws:username}`` does not grant ``user/*``); for overlap it is treated as ``*``.
Catalog ARN formats (``${BucketName}``) are read with :func:`format_tokens`: a format
variable stands for one or more characters, and a few names that can never hold a ``/``
(``BucketName``) are kept to one path segment so that a bucket ARN and an object ARN differ.
"""

from __future__ import annotations

import re
from itertools import repeat
from typing import Final

# Token kinds: one-character classes and stars of a class, plus variables.
LIT: Final = "c"  # one literal character (payload)
ANY: Final = "?"  # any one character
SEG: Final = "n"  # any one character except "/"
STAR: Final = "*"  # any run of characters
SEGSTAR: Final = "N"  # any run of characters without "/"
VAR: Final = "v"  # a policy variable (payload: its text)

Token = tuple[str, str]

_SINGLES = frozenset({LIT, ANY, SEG})
_STARS = frozenset({STAR, SEGSTAR})
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
#: What :func:`tokenize` does not read as a literal character (the variable tried first).
_SPECIAL = re.compile(r"\$\{[^}]*\}|[*?]")
_WILDCARDS = re.compile(r"[*?]")
_ESCAPES = {"*": "*", "?": "?", "$": "$"}  # ${*} ${?} ${$} stand for the literal character
#: Format variables whose values never contain a slash.
_NO_SLASH_FORMAT_VARIABLES = frozenset({"BucketName"})


def tokenize(text: str, *, fold_case: bool = False, variables: bool = True) -> tuple[Token, ...]:
    """Tokens of a policy pattern; ``fold_case`` for actions, which ignore case.

    ``*`` and ``?`` are wildcards; ``${…}`` (with *variables*) is a policy variable, or the
    literal character of ``${*}``, ``${?}`` and ``${$}``; every other character is literal.
    The runs of literal characters between those are turned into tokens in one step each
    (validation tokenizes every Resource of every generated policy).
    """
    if fold_case:
        text = text.lower()
    out: list[Token] = []
    pos = 0
    for match in (_SPECIAL if variables else _WILDCARDS).finditer(text):
        out.extend(zip(repeat(LIT), text[pos : match.start()], strict=False))
        found = match.group()
        if found == "*":
            out.append((STAR, ""))
        elif found == "?":
            out.append((ANY, ""))
        else:
            inner = found[2:-1]
            out.append(
                (LIT, _ESCAPES[inner]) if inner in _ESCAPES else (VAR, inner.strip().lower())
            )
        pos = match.end()
    out.extend(zip(repeat(LIT), text[pos:], strict=False))
    return tuple(out)


def literal_prefix(tokens: tuple[Token, ...]) -> str:
    """The literal characters before the first non-literal token (all of them if none).

    A pattern can include another only if that one begins with the same literal characters:
    a literal token of the outer pattern admits nothing but the very same literal.
    """
    out: list[str] = []
    for kind, payload in tokens:
        if kind != LIT:
            break
        out.append(payload)
    return "".join(out)


def format_tokens(arn_format: str) -> tuple[Token, ...]:
    """Tokens of a catalog ARN format: each ``${Name}`` becomes one-or-more characters."""
    out: list[Token] = []
    pos = 0
    for m in _VARIABLE.finditer(arn_format):
        out.extend((LIT, ch) for ch in arn_format[pos : m.start()])
        if m.group(1) in _NO_SLASH_FORMAT_VARIABLES:
            out.extend(((SEG, ""), (SEGSTAR, "")))
        else:
            out.extend(((ANY, ""), (STAR, "")))
        pos = m.end()
    out.extend((LIT, ch) for ch in arn_format[pos:])
    return tuple(out)


def has_wildcard(text: str) -> bool:
    """True when the text contains ``*`` or ``?`` outside ``${…}`` escapes."""
    return any(kind in (STAR, ANY) for kind, _ in tokenize(text))


def has_variable(text: str) -> bool:
    """True when the text contains a policy variable."""
    return any(kind == VAR for kind, _ in tokenize(text))


def _single_within(inner: Token, outer_kind: str, outer_payload: str) -> bool:
    """Whether the one-character class *inner* lies inside the class of the outer token."""
    kind, payload = inner
    if outer_kind in (ANY, STAR):
        return kind in _SINGLES
    if outer_kind in (SEG, SEGSTAR):
        return kind == SEG or (kind == LIT and payload != "/")
    if outer_kind == LIT:
        return kind == LIT and payload == outer_payload
    return False


def includes(inner: tuple[Token, ...], outer: tuple[Token, ...]) -> bool:
    """Soundly decide ``L(inner) ⊆ L(outer)`` (``False`` when not provable)."""
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        result: bool
        if j == len(outer):
            result = i == len(inner)
        elif i == len(inner):
            result = all(kind in _STARS for kind, _ in outer[j:])
        else:
            ok, op = outer[j]
            ik, ip = inner[i]
            if ok in _STARS:
                if ik in _SINGLES:
                    absorbed = _single_within(inner[i], ok, op)
                elif ik in _STARS:
                    absorbed = ok == STAR or ik == SEGSTAR
                else:  # a variable: any text at all
                    absorbed = ok == STAR
                result = go(i, j + 1) or (absorbed and go(i + 1, j))
            elif ok == VAR:
                result = ik == VAR and ip == op and go(i + 1, j + 1)
            else:
                result = ik in _SINGLES and _single_within(inner[i], ok, op) and go(i + 1, j + 1)
        memo[key] = result
        return result

    return go(0, 0)


def _singles_meet(a: Token, b: Token) -> bool:
    """Whether two one-character classes share a character."""
    (ak, ap), (bk, bp) = a, b
    if ak == LIT and bk == LIT:
        return ap == bp
    if ak == LIT:
        return bk == ANY or ap != "/"
    if bk == LIT:
        return ak == ANY or bp != "/"
    return True


def _star_takes(star: Token, single: Token) -> bool:
    """Whether a star of some class can consume the one-character class *single*."""
    if star[0] == STAR:
        return True
    kind, payload = single
    return kind in (ANY, SEG) or (kind == LIT and payload != "/")


def intersects(a: tuple[Token, ...], b: tuple[Token, ...]) -> bool:
    """Soundly decide whether some string matches both (``True`` when not disprovable)."""
    a = tuple((STAR, "") if k == VAR else (k, p) for k, p in a)
    b = tuple((STAR, "") if k == VAR else (k, p) for k, p in b)
    memo: dict[tuple[int, int], bool] = {}

    def go(i: int, j: int) -> bool:
        key = (i, j)
        if key in memo:
            return memo[key]
        memo[key] = False  # cycles cannot add a common string
        a_end, b_end = i == len(a), j == len(b)
        result = False
        if a_end and b_end:
            result = True
        else:
            a_star = not a_end and a[i][0] in _STARS
            b_star = not b_end and b[j][0] in _STARS
            if (a_star and go(i + 1, j)) or (b_star and go(i, j + 1)):
                result = True
            elif not a_end and not b_end:
                if a_star and not b_star:
                    result = _star_takes(a[i], b[j]) and go(i, j + 1)
                elif b_star and not a_star:
                    result = _star_takes(b[j], a[i]) and go(i + 1, j)
                elif not a_star and not b_star:
                    result = _singles_meet(a[i], b[j]) and go(i + 1, j + 1)
        memo[key] = result
        return result

    return go(0, 0)


def to_regex(text: str, *, fold_case: bool = False) -> re.Pattern[str]:
    """A compiled regular expression matching what the pattern matches (variables as ``*``)."""
    parts: list[str] = []
    for kind, payload in tokenize(text):
        if kind == LIT:
            parts.append(re.escape(payload))
        elif kind == ANY:
            parts.append(".")
        else:
            parts.append(".*")
    flags = re.DOTALL | (re.IGNORECASE if fold_case else 0)
    return re.compile("".join(parts) + r"\Z", flags)


def split_arn(text: str) -> list[str] | None:
    """``arn:partition:service:region:account:resource`` as six fields, or ``None``."""
    parts = text.split(":", 5)
    return parts if len(parts) == 6 else None
