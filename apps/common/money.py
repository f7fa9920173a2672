"""Money arithmetic: decimals only; shown amounts rounded half-up, traded amounts always in the platform's favour."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0")


def usd(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def charge(value: Decimal) -> Decimal:
    """What a buyer pays for ``value``: rounded up to the cent, never in the buyer's favour."""
    return value.quantize(CENT, rounding=ROUND_CEILING)


def credit(value: Decimal) -> Decimal:
    """What a seller receives for ``value``: rounded down to the cent, never in the seller's favour."""
    return value.quantize(CENT, rounding=ROUND_FLOOR)


def usd_str(value: Decimal) -> str:
    return format(usd(value), "f")


def plain(value: Decimal) -> str:
    """A decimal as a plain string: no exponent, no trailing zeros past the point."""
    text = format(value.normalize(), "f")
    return text if "." not in text else text.rstrip("0").rstrip(".") or "0"
