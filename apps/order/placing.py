"""Placing a market order: the checks, the price, the one transaction, and idempotent retries."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass

from apps.common.errors import Conflict, DomainError, ServiceBusy, Unprocessable
from apps.common.ids import time_ordered_id
from apps.common.ledger import DuplicateIdempotencyKey, Ledger, Trade
from apps.common.locks import UserLocks
from apps.common.market import MarketData
from apps.common.models import IdempotencyItem, OrderItem
from apps.common.money import CENT, ZERO, charge, credit, plain, usd
from apps.order.metrics import OrderMetrics
from apps.order.schemas import CreateOrder
from apps.order.settings import OrderSettings

IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_.:\-]{1,64}$"


@dataclass(frozen=True)
class Placed:
    order: OrderItem
    replayed: bool


class OrderDesk:
    def __init__(self, ledger: Ledger, locks: UserLocks, market: MarketData, settings: OrderSettings,
                 metrics: OrderMetrics):
        self.ledger = ledger
        self.locks = locks
        self.market = market
        self.settings = settings
        self.metrics = metrics

    def place(self, username: str, request: CreateOrder, idempotency_key: str | None) -> Placed:
        try:
            placed = self._place(username, request, idempotency_key)
        except DomainError as refusal:
            self.metrics.rejections.labels(refusal.code).inc()
            raise
        if not placed.replayed:
            self.metrics.executed(placed.order.order_type, placed.order.asset_id, placed.order.total_amount)
        return placed

    def _place(self, username: str, request: CreateOrder, idempotency_key: str | None) -> Placed:
        request_hash = _fingerprint(request)
        if idempotency_key is not None:
            replay = self._replay(username, idempotency_key, request_hash)
            if replay is not None:
                return replay
        if request.order_type not in ("market_buy", "market_sell"):
            raise Unprocessable("Only market orders are supported", code="order_type_not_supported")
        if request.quantity < self.settings.min_quantity:
            raise Unprocessable(f"Quantity must be at least {self.settings.min_quantity}",
                                code="quantity_below_minimum")
        asset = self.market.asset(request.asset_id)
        if asset is None:
            raise Unprocessable(f"Asset {request.asset_id} does not exist", code="asset_not_found")
        if not asset.is_active:
            raise Unprocessable(f"Asset {request.asset_id} is not tradable", code="asset_inactive")
        with self.locks.hold(username):
            price = self.market.price(request.asset_id, asset)
            if price is None or price <= ZERO:
                raise ServiceBusy("No current price for this asset, please retry", code="price_unavailable")
            notional = request.quantity * price
            if notional > self.settings.max_notional_usd:
                raise Unprocessable(f"Order value {usd(notional)} exceeds the maximum of "
                                    f"{self.settings.max_notional_usd}", code="order_value_too_large")
            if notional < CENT:
                raise Unprocessable("Order value is less than one cent", code="order_value_too_small")
            total = charge(notional) if request.order_type == "market_buy" else credit(notional)
            trade = Trade(
                username=username, order_id=f"ord_{time_ordered_id()}", order_type=request.order_type,
                asset_id=request.asset_id, quantity=request.quantity, price=price, total_amount=total,
                idempotency_key=idempotency_key, request_hash=request_hash,
                idempotency_ttl_seconds=self.settings.idempotency_ttl_seconds,
            )
            try:
                return Placed(self.ledger.trade(trade), replayed=False)
            except DuplicateIdempotencyKey:
                replay = self._replay(username, idempotency_key or "", request_hash)
                if replay is None:
                    raise ServiceBusy("Order outcome not yet visible, please retry", code="order_pending") from None
                return replay

    def _replay(self, username: str, key: str, request_hash: str) -> Placed | None:
        record = IdempotencyItem.find(IdempotencyItem.key_for(username, key), consistent=True)
        if record is None or record.expires_at < time.time():
            return None
        if record.request_hash != request_hash:
            raise Conflict("This Idempotency-Key was used for a different order", code="idempotency_key_reused")
        order = OrderItem.find(record.order_id, consistent=True)
        if order is None:
            return None
        return Placed(order, replayed=True)


def _fingerprint(request: CreateOrder) -> str:
    canonical = {
        "order_type": request.order_type,
        "asset_id": request.asset_id,
        "quantity": plain(request.quantity),
        "price": plain(request.price) if request.price is not None else None,
    }
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()
