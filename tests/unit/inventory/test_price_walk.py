"""The simulated price walk and price rounding: pure logic, no servers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apps.inventory.price_sources import SimulatedPrices, round_price

START = {"BTC": Decimal("67750.12"), "SHIB": Decimal("0.00002571"), "XRP": Decimal("0.5172")}


def _walk(walk: SimulatedPrices, ticks: int, start: dict[str, Decimal] = START) -> list[dict[str, Decimal]]:
    path, prices = [], start
    for _ in range(ticks):
        prices = walk.step(prices)
        path.append(prices)
    return path


def test_same_seed_and_start_prices_give_the_same_sequence() -> None:
    first, again = SimulatedPrices(seed=11, volatility=0.01), SimulatedPrices(seed=11, volatility=0.01)
    assert _walk(first, 300) == _walk(again, 300)


def test_another_seed_gives_another_sequence() -> None:
    assert _walk(SimulatedPrices(seed=11, volatility=0.01), 5) != _walk(SimulatedPrices(seed=12, volatility=0.01), 5)


def test_prices_move_stay_positive_and_keep_sensible_decimals() -> None:
    path = _walk(SimulatedPrices(seed=5, volatility=0.2), 2000, {**START, "DUST": Decimal("0.00000001")})
    assert path[0] != START
    for prices in path:
        assert all(price > 0 and price == round_price(price) for price in prices.values())
    assert -path[-1]["BTC"].as_tuple().exponent == 2


def test_pegged_assets_stay_close_to_their_first_price() -> None:
    walk = SimulatedPrices(seed=9, volatility=0.0003, pegged={"USDT"})
    path = _walk(walk, 5000, {"USDT": Decimal("1.0003"), "BTC": Decimal("67750.12")})
    assert all(abs(prices["USDT"] - Decimal("1.0003")) < Decimal("0.002") for prices in path)
    assert len({prices["USDT"] for prices in path}) > 1


@pytest.mark.parametrize(
    ("raw", "rounded"),
    [
        ("67750.1249", "67750.12"),
        ("3815.4", "3815.40"),
        ("0.44821391", "0.448214"),
        ("0.000025713449", "0.0000257134"),
        ("1E-13", "0.000000000000100000"),
    ],
)
def test_round_price_keeps_six_significant_digits_and_at_least_cents(raw: str, rounded: str) -> None:
    assert format(round_price(Decimal(raw)), "f") == rounded


@pytest.mark.parametrize("raw", ["0", "-1.5"])
def test_round_price_refuses_non_positive_prices(raw: str) -> None:
    with pytest.raises(ValueError, match="positive"):
        round_price(Decimal(raw))


@given(st.decimals(min_value=Decimal("1E-12"), max_value=Decimal("1E9"), allow_nan=False, places=14))
def test_round_price_is_positive_and_close(value: Decimal) -> None:
    rounded = round_price(value)
    assert rounded > 0
    assert abs(rounded - value) / value <= Decimal("0.000005")
