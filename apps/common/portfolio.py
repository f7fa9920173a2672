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
    return _existing(BalanceItem.find(username, consistent=True))


def _existing(balance: BalanceItem | None) -> BalanceItem:
    if balance is None:
        raise BalanceMissing("This account has no balance record")
    return balance


def balance_and_holdings(username: str) -> tuple[BalanceItem, list[AssetBalanceItem]]:
    """The cash balance and every holding with a positive quantity (by asset id), in one consistent Query:
    in a user's partition the holdings' sort keys (``ASSET#<id>``) and the balance's (``BALANCE``) sort next
    to each other, so one key range holds them all."""
    balance_key = str(BalanceItem.kind.default)
    holding_prefix = AssetBalanceItem.key_for("")
    balance: BalanceItem | None = None
    holdings: list[AssetBalanceItem] = []
    in_range = AssetBalanceItem.asset_key.between(holding_prefix, balance_key)
    for raw in AssetBalanceItem.raw_items(username, in_range, consistent=True):
        sort_key = raw["SK"]["S"]
        if sort_key == balance_key:
            balance = BalanceItem.from_raw_data(raw)
        elif sort_key.startswith(holding_prefix):
            holding = AssetBalanceItem.from_raw_data(raw)
            if holding.quantity > 0:
                holdings.append(holding)
    return _existing(balance), holdings


def snapshot(username: str, market: MarketData) -> PortfolioSnapshot:
    balance, held = balance_and_holdings(username)
    prices = market.prices_of([item.asset_id for item in held])
    holdings = []
    for item in held:
        price = prices[item.asset_id]
        value = usd(item.quantity * price) if price is not None else ZERO
        holdings.append(Holding(item.asset_id, item.quantity, price, value))
    holdings.sort(key=lambda h: (-h.market_value, h.asset_id))
    return PortfolioSnapshot(balance.current_balance, tuple(holdings))
