"""What an analysis is about: the caller's cash, holdings priced now and last orders, and its hash.

The hash identifies one portfolio state for the cache. It covers the total value, the USD balance, the top
10 holdings and the last 10 orders. Cash, quantities and orders enter exactly, so any deposit, withdrawal or
trade is a new state; prices and market values enter rounded to a few significant digits, so a price feed's
ticks do not make every request a new state while a real move of the market does.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from apps.common import portfolio as portfolios
from apps.common.market import MarketData
from apps.common.models import OrderItem
from apps.common.money import ZERO, plain, usd, usd_str
from apps.common.portfolio import Holding, PortfolioSnapshot

HASHED_HOLDINGS = 10
RECENT_ORDERS = 10


@dataclass(frozen=True)
class OrderFact:
    order_id: str
    order_type: str
    asset_id: str
    quantity: Decimal
    price: Decimal
    total_amount: Decimal
    created_at: str

    @property
    def is_buy(self) -> bool:
        return self.order_type.endswith("buy")


@dataclass(frozen=True)
class PortfolioFacts:
    snapshot: PortfolioSnapshot
    recent_orders: tuple[OrderFact, ...]
    """Newest first, at most ``RECENT_ORDERS``."""

    @property
    def usd_balance(self) -> Decimal:
        return self.snapshot.usd_balance

    @property
    def total_value(self) -> Decimal:
        return self.snapshot.total_value

    @property
    def holdings(self) -> tuple[Holding, ...]:
        """Largest market value first."""
        return self.snapshot.holdings

    @property
    def is_empty(self) -> bool:
        return self.usd_balance <= ZERO and not self.holdings

    @property
    def cash_percentage(self) -> Decimal:
        total = self.total_value
        return usd(self.usd_balance * 100 / total) if total > 0 else ZERO

    def percentage(self, holding: Holding) -> Decimal:
        return self.snapshot.percentage(holding)


def gather(username: str, market: MarketData) -> PortfolioFacts:
    snapshot = portfolios.snapshot(username, market)
    orders = OrderItem.by_user.query(username, scan_index_forward=False, limit=RECENT_ORDERS,
                                     page_size=RECENT_ORDERS)
    return PortfolioFacts(snapshot, tuple(_order_fact(order) for order in orders))


def _order_fact(order: OrderItem) -> OrderFact:
    return OrderFact(order.order_id, order.order_type, order.asset_id, order.quantity, order.price,
                     order.total_amount, order.created_at)


def significant(value: Decimal, digits: int) -> str:
    """``value`` rounded to ``digits`` significant digits, as a plain string: 67751.3 -> "67800" for 3."""
    if value == 0:
        return "0"
    quantum = Decimal(1).scaleb(value.adjusted() - digits + 1)
    return format(value.quantize(quantum, rounding=ROUND_HALF_EVEN), "f")


def portfolio_hash(facts: PortfolioFacts, price_digits: int) -> str:
    """A stable hex digest of the portfolio state the cache keys on (see the module docstring)."""
    state = {
        "total_value": significant(facts.total_value, price_digits),
        "usd_balance": usd_str(facts.usd_balance),
        "holdings": [
            [h.asset_id, plain(h.quantity), significant(h.price, price_digits) if h.price is not None else None,
             significant(h.market_value, price_digits)]
            for h in facts.holdings[:HASHED_HOLDINGS]
        ],
        "orders": [
            [o.order_id, o.created_at, o.order_type, o.asset_id, plain(o.quantity), plain(o.price),
             usd_str(o.total_amount)]
            for o in facts.recent_orders[:RECENT_ORDERS]
        ],
    }
    canonical = json.dumps(state, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()
