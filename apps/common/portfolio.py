"""A user's cash and holdings priced now: the user app's portfolio and the insights app both read it."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apps.common.ledger import BalanceMissing
from apps.common.market import MarketData
from apps.common.models import AssetBalanceItem, BalanceItem
from apps.common.money import ZERO, usd


@dataclass(frozen=True)
class Holding:
    asset_id: str
    quantity: Decimal
    price: Decimal | None
    market_value: Decimal


@dataclass(frozen=True)
class PortfolioSnapshot:
    usd_balance: Decimal
    holdings: tuple[Holding, ...]

    @property
    def total_value(self) -> Decimal:
        return usd(self.usd_balance + sum((h.market_value for h in self.holdings), ZERO))

    def percentage(self, holding: Holding) -> Decimal:
        total = self.total_value
        return usd(holding.market_value * 100 / total) if total > 0 else ZERO


def read_balance(username: str) -> BalanceItem:
    balance = BalanceItem.find(username, consistent=True)
    if balance is None:
        raise BalanceMissing("This account has no balance record")
    return balance


def held_assets(username: str) -> list[AssetBalanceItem]:
    """Every holding with a positive quantity, by asset id."""
    items = AssetBalanceItem.query(
        username, AssetBalanceItem.asset_key.startswith("ASSET#"), consistent_read=True
    )
    return [item for item in items if item.quantity > 0]


def snapshot(username: str, market: MarketData) -> PortfolioSnapshot:
    balance = read_balance(username)
    held = held_assets(username)
    prices = market.prices_of([item.asset_id for item in held])
    holdings = []
    for item in held:
        price = prices[item.asset_id]
        value = usd(item.quantity * price) if price is not None else ZERO
        holdings.append(Holding(item.asset_id, item.quantity, price, value))
    holdings.sort(key=lambda h: (-h.market_value, h.asset_id))
    return PortfolioSnapshot(balance.current_balance, tuple(holdings))
