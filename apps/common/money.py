"""Money arithmetic: decimals only, cents rounded half-up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def usd(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def usd_str(value: Decimal) -> str:
    return format(usd(value), "f")


def plain(value: Decimal) -> str:
    """A decimal as a plain string: no exponent, no trailing zeros past the point."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".") or "0"
