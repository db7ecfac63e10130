"""Soundness of pattern inclusion and overlap, checked against brute force."""

from __future__ import annotations

import itertools
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from policygen_batch.validate import patterns as P

ALPHABET = "ab/"
pattern_st = st.text(alphabet="ab/*?", max_size=5)
WORDS = ["".join(w) for n in range(6) for w in itertools.product(ALPHABET, repeat=n)]


def matches(pattern: str, word: str) -> bool:
    """Reference glob matching with a regular expression."""
    rx = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, word, re.DOTALL) is not None


@settings(max_examples=300, deadline=None)
@given(inner=pattern_st, outer=pattern_st)
def test_includes_is_sound(inner: str, outer: str) -> None:
    """When inclusion is claimed, no short word matches inner but not outer."""
    if P.includes(P.tokenize(inner), P.tokenize(outer)):
        assert all(matches(outer, w) for w in WORDS if matches(inner, w))


@settings(max_examples=300, deadline=None)
@given(a=pattern_st, b=pattern_st)
def test_intersects_is_sound(a: str, b: str) -> None:
    """When no overlap is claimed, no short word matches both."""
    if not P.intersects(P.tokenize(a), P.tokenize(b)):
        assert not any(matches(a, w) and matches(b, w) for w in WORDS)


def test_examples() -> None:
    """Everyday cases: action patterns fold case, variables only include themselves."""
    t = P.tokenize
    assert P.includes(t("S3:GetObject", fold_case=True), t("s3:get*", fold_case=True))
    assert not P.includes(t("s3:*"), t("s3:Get*"))
    assert P.includes(t("user/${aws:username}"), t("user/*"))
    assert not P.includes(t("user/*"), t("user/${aws:username}"))
    assert P.intersects(t("user/${aws:username}"), t("user/bob"))
    assert not P.intersects(t("b/k"), P.format_tokens("${BucketName}"))
    assert P.intersects(t("b/k"), P.format_tokens("${BucketName}/${ObjectName}"))
    assert P.intersects(t("b*"), P.format_tokens("${BucketName}"))
    assert P.split_arn("arn:aws:s3:::b") == ["arn", "aws", "s3", "", "", "b"]
    assert P.split_arn("arn:aws:s3") is None


def _pairwise_redundant(values: list[str], fold_case: bool) -> list[tuple[str, str]]:
    """The definition the indexed redundancy search must agree with: every pair, in order."""
    tokens = [P.tokenize(v, fold_case=fold_case) for v in values]
    found = []
    for i, value in enumerate(values):
        for j, other in enumerate(values):
            same = tokens[i] == tokens[j]
            if i == j or (same and j > i):
                continue
            if same or P.includes(tokens[i], tokens[j]):
                found.append((f"R[{i}]", f"{value}<{other}"))
                break
    return found


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.text(alphabet="aAb/*?${}", max_size=4), max_size=10),
    fold_case=st.booleans(),
)
def test_redundant_search_equals_pairwise_comparison(values: list[str], fold_case: bool) -> None:
    """The prefix-indexed redundancy search reports what comparing every pair reports."""
    from policygen_batch.validate.document import Located
    from policygen_batch.validate.rules_security import _redundant

    items = [Located(v, f"R[{i}]") for i, v in enumerate(values)]
    got = [(a.path, f"{a.value}<{b.value}") for a, b in _redundant(items, fold_case)]
    assert got == _pairwise_redundant(values, fold_case)


def _tokenize_by_character(text: str, fold_case: bool, variables: bool) -> tuple[P.Token, ...]:
    """The definition of tokenize, one character at a time."""
    escapes = {"*": "*", "?": "?", "$": "$"}
    text = text.lower() if fold_case else text
    out: list[P.Token] = []
    pos = 0
    while pos < len(text):
        ch = text[pos]
        m = re.compile(r"\$\{([^}]*)\}").match(text, pos) if variables and ch == "$" else None
        if m:
            inner = m.group(1)
            out.append(
                (P.LIT, escapes[inner]) if inner in escapes else (P.VAR, inner.strip().lower())
            )
            pos = m.end()
            continue
        out.append((P.STAR, "") if ch == "*" else (P.ANY, "") if ch == "?" else (P.LIT, ch))
        pos += 1
    return tuple(out)


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet="aB/:*?${} ", max_size=12),
    fold_case=st.booleans(),
    variables=st.booleans(),
)
def test_tokenize_equals_reading_each_character(
    text: str, fold_case: bool, variables: bool
) -> None:
    """Tokenizing runs of literal characters at once gives the character-by-character tokens."""
    got = P.tokenize(text, fold_case=fold_case, variables=variables)
    assert got == _tokenize_by_character(text, fold_case, variables)
