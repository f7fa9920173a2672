"""Time-ordered identifiers: sorting them sorts by creation time (ULID layout, Crockford base32)."""

from __future__ import annotations

import secrets
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _base32(value: int, length: int) -> str:
    chars = []
    for _ in range(length):
        value, remainder = divmod(value, 32)
        chars.append(_ALPHABET[remainder])
    return "".join(reversed(chars))


def time_ordered_id(now_ms: int | None = None) -> str:
    """26 characters: 48 bits of milliseconds then 80 random bits."""
    millis = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    return _base32(millis, 10) + _base32(secrets.randbits(80), 16)
