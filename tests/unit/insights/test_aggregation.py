"""The portfolio hash the insights cache keys on, and the cache's freshness rule: pure logic, no servers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.common.clock import iso_z
from apps.common.models import InsightsCacheItem
from apps.common.money import usd
from apps.common.portfolio import Holding, PortfolioSnapshot
from apps.insights.aggregation import OrderFact, PortfolioFacts, portfolio_hash, significant
from apps.insights.cache import fresh_analysis

DIGITS = 3


def holding(asset_id: str, quantity: str, price: str | None) -> Holding:
    value = usd(Decimal(quantity) * Decimal(price)) if price is not None else Decimal("0")
    return Holding(asset_id, Decimal(quantity), Decimal(price) if price is not None else None, value)


def order(order_id: str, asset_id: str = "BTC", kind: str = "market_buy") -> OrderFact:
    return OrderFact(order_id, kind, asset_id, Decimal("0.01"), Decimal("67750"), Decimal("677.50"),
                     f"2026-11-29T12:00:{order_id[-2:]}.000000Z")


def facts(cash: str = "950.00", holdings: tuple[Holding, ...] | None = None,
          orders: tuple[OrderFact, ...] | None = None) -> PortfolioFacts:
    held = holdings if holdings is not None else (holding("BTC", "0.01", "67750.12"), holding("ETH", "0.1", "3000"))
    held = tuple(sorted(held, key=lambda h: (-h.market_value, h.asset_id)))
    return PortfolioFacts(PortfolioSnapshot(Decimal(cash), held),
                          orders if orders is not None else (order("o-01"), order("o-00", "ETH", "market_sell")))


@pytest.mark.parametrize(("value", "rounded"), [
    ("67751.3", "67800"), ("0.000025713", "0.0000257"), ("1000.00", "1000"), ("0", "0"), ("999.5", "1000"),
])
def test_significant_rounds_to_digits(value: str, rounded: str) -> None:
    assert Decimal(significant(Decimal(value), DIGITS)) == Decimal(rounded)


def test_hash_is_stable_and_hex() -> None:
    assert portfolio_hash(facts(), DIGITS) == portfolio_hash(facts(), DIGITS)
    assert len(portfolio_hash(facts(), DIGITS)) == 64


@pytest.mark.parametrize("changed", [
    facts(cash="950.01"),
    facts(holdings=(holding("BTC", "0.011", "67750.12"), holding("ETH", "0.1", "3000"))),
    facts(holdings=(holding("BTC", "0.01", "67750.12"),)),
    facts(holdings=(holding("BTC", "0.01", "74000"), holding("ETH", "0.1", "3000"))),
    facts(orders=(order("o-02"), order("o-01"), order("o-00", "ETH"))),
    facts(orders=()),
], ids=["deposit", "quantity", "sold-out", "price-move", "new-order", "no-orders"])
def test_every_change_of_state_is_a_new_hash(changed: PortfolioFacts) -> None:
    assert portfolio_hash(changed, DIGITS) != portfolio_hash(facts(), DIGITS)


def test_a_price_tick_below_the_hash_precision_keeps_the_hash() -> None:
    ticked = facts(holdings=(holding("BTC", "0.01", "67760.55"), holding("ETH", "0.1", "3000.4")))
    assert portfolio_hash(ticked, DIGITS) == portfolio_hash(facts(), DIGITS)
    assert portfolio_hash(ticked, 28) != portfolio_hash(facts(), 28)


def test_only_the_top_ten_holdings_and_last_ten_orders_count() -> None:
    top = tuple(holding(f"A{i:02d}", "1", str(1000 - i)) for i in range(10))
    unpriced_eleventh = facts(holdings=(*top, holding("TINY", "1", None)))
    assert portfolio_hash(unpriced_eleventh, DIGITS) == portfolio_hash(
        facts(holdings=(*top, holding("TINY", "2", None))), DIGITS)
    last_ten = tuple(order(f"o-{i:02d}") for i in range(10))
    assert portfolio_hash(facts(orders=last_ten), DIGITS) == portfolio_hash(
        facts(orders=(*last_ten, order("o-99"))), DIGITS)


def test_empty_means_no_cash_and_no_holdings() -> None:
    assert facts(cash="0.00", holdings=(), orders=(order("o-01"),)).is_empty
    assert not facts(cash="0.01", holdings=()).is_empty
    assert not facts(cash="0.00", holdings=(holding("BTC", "1", None),)).is_empty


NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC).timestamp()
TTL = 86400


def cache_item(model: str = "m1", age_seconds: float = 60, expires_in: float = TTL - 60) -> InsightsCacheItem:
    generated = datetime.fromtimestamp(NOW - age_seconds, UTC)
    return InsightsCacheItem("someone", "INSIGHTS#abc", summary="S.", model=model, generated_at=iso_z(generated),
                             expires_at=int(NOW + expires_in))


def test_a_fresh_item_by_the_same_model_is_reused() -> None:
    cached = fresh_analysis(cache_item(), "m1", NOW, TTL)
    assert cached is not None and (cached.summary, cached.model) == ("S.", "m1")
    assert cached.generated_at.timestamp() == NOW - 60


@pytest.mark.parametrize("item", [
    None, cache_item(model="m2"), cache_item(age_seconds=TTL + 1, expires_in=-1), cache_item(expires_in=0),
    cache_item(age_seconds=TTL, expires_in=600),
], ids=["missing", "other-model", "expired", "ttl-attribute-reached", "older-than-the-ttl"])
def test_missing_stale_or_foreign_items_are_misses(item: InsightsCacheItem | None) -> None:
    assert fresh_analysis(item, "m1", NOW, TTL) is None
