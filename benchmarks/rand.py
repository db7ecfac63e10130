"""Identifier helpers drawn from one ``random.Random``, so that a seed fixes every byte.

AWS identifiers have recognisable shapes (UUIDv4 event ids, ``ASIA…`` session keys, 17-hex
instance ids); readers and forensic queries key on those shapes, so the generator keeps them.
"""

from __future__ import annotations

import random

_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
_UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def uuid4(rng: random.Random) -> str:
    """A version-4 UUID string (the shape of ``eventID`` and most ``requestID`` values)."""
    n = rng.getrandbits(128)
    n = (n & ~(0xF000 << 64)) | (0x4000 << 64)  # version 4
    n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    h = f"{n:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def hexstr(rng: random.Random, n: int) -> str:
    """``n`` lower-case hex digits."""
    return f"{rng.getrandbits(4 * n):0{n}x}"


def alnum(rng: random.Random, n: int, alphabet: str = _ALNUM) -> str:
    """``n`` characters from ``alphabet`` (mixed-case alphanumerics by default)."""
    return "".join(rng.choices(alphabet, k=n))


def upper_alnum(rng: random.Random, n: int) -> str:
    """``n`` upper-case alphanumerics (access key ids, CloudFront ids, unique ids)."""
    return alnum(rng, n, _UPPER_ALNUM)


def lower_alnum(rng: random.Random, n: int) -> str:
    """``n`` lower-case alphanumerics (API Gateway ids, random name suffixes)."""
    return alnum(rng, n, _LOWER_ALNUM)


def unique_id(rng: random.Random, prefix: str) -> str:
    """An IAM unique id: ``AROA``/``AIDA`` + 17 upper-case alphanumerics."""
    return prefix + upper_alnum(rng, 17)


def account_id(rng: random.Random) -> str:
    """A 12-digit account id; a leading zero is allowed, as in real organizations."""
    return f"{rng.randrange(10**12):012d}"
