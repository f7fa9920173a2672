"""Every change of a user's money or holdings, each one DynamoDB transaction.

A balance change and the record that explains it are written together, with conditions that make an
overdraft, an oversell or a breached daily limit impossible even when the per-user lock is lost. So the
sum of a user's transaction records is always their balance, and no balance or holding goes negative.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from pynamodb.connection import Connection

from apps.common.clock import iso_z, utc_now
from apps.common.errors import DomainError, NotFound, ServiceBusy, Unprocessable
from apps.common.ids import time_ordered_id
from apps.common.models import (
    AssetBalanceItem,
    AssetTransactionItem,
    BalanceItem,
    BalanceTransactionItem,
    DailyTotalsItem,
    IdempotencyItem,
    OrderItem,
)
from apps.common.transactions import LabelledTransaction, TransactionRefused

DAILY_TOTALS_KEEP_SECONDS = 3 * 86400

log = logging.getLogger(__name__)


class InsufficientBalance(Unprocessable):
    code = "insufficient_balance"


class InsufficientHoldings(Unprocessable):
    code = "insufficient_asset_balance"


class DailyLimitExceeded(Unprocessable):
    code = "daily_limit_exceeded"


class BalanceMissing(NotFound):
    code = "balance_not_found"


class DuplicateIdempotencyKey(Exception):
    """The idempotency record already exists: the order was placed by an earlier request."""


@dataclass(frozen=True)
class Trade:
    username: str
    order_id: str
    order_type: str  # market_buy | market_sell
    asset_id: str
    quantity: Decimal
    price: Decimal
    total_amount: Decimal
    idempotency_key: str | None = None
    request_hash: str = ""
    idempotency_ttl_seconds: int = 86400


class Ledger:
    def __init__(self, connection: Connection, clock: Callable[[], datetime] = utc_now):
        self.connection = connection
        self._clock = clock
        """Decides the UTC day whose totals a movement counts against."""

    def deposit(self, username: str, amount: Decimal, daily_limit: Decimal) -> BalanceTransactionItem:
        return self._cash_movement(username, amount, daily_limit, "deposit", "deposited", "USD deposit")

    def withdraw(self, username: str, amount: Decimal, daily_limit: Decimal) -> BalanceTransactionItem:
        return self._cash_movement(username, amount, daily_limit, "withdraw", "withdrawn", "USD withdrawal")

    def _cash_movement(
        self, username: str, amount: Decimal, daily_limit: Decimal, kind: str, counter: str, description: str
    ) -> BalanceTransactionItem:
        if amount > daily_limit:
            raise DailyLimitExceeded(f"Amount exceeds the daily {kind} limit of {daily_limit}")
        now = self._clock()
        stamp = iso_z(now)
        signed = amount if kind == "deposit" else -amount
        record = BalanceTransactionItem(
            BalanceTransactionItem.ledger_for(username), time_ordered_id(),
            username=username, transaction_type=kind, amount=signed, description=description,
            created_at=stamp,
        )
        balance = BalanceItem(username)
        daily = DailyTotalsItem(username, DailyTotalsItem.key_for(now.date().isoformat()))
        daily_total = getattr(DailyTotalsItem, counter)
        balance_condition = BalanceItem.username.exists()
        if kind == "withdraw":
            balance_condition &= BalanceItem.current_balance >= amount
        tx = LabelledTransaction()
        tx.update("balance", balance,
                  [BalanceItem.current_balance.add(signed), BalanceItem.updated_at.set(stamp)],
                  condition=balance_condition)
        tx.update("daily_limit", daily,
                  [daily_total.add(amount),
                   DailyTotalsItem.expires_at.set(int(now.timestamp()) + DAILY_TOTALS_KEEP_SECONDS)],
                  condition=daily_total.does_not_exist() | (daily_total <= daily_limit - amount))
        tx.put("record", record, condition=BalanceTransactionItem.ledger.does_not_exist())
        try:
            tx.commit(self.connection)
        except TransactionRefused as refused:
            if "daily_limit" in refused.labels:
                raise DailyLimitExceeded(f"Amount exceeds the daily {kind} limit of {daily_limit}") from None
            if refused.labels == {"balance"}:
                raise _balance_refusal(username, InsufficientBalance("Insufficient balance for this withdrawal")
                                       if kind == "withdraw" else None) from None
            raise _unexpected(refused) from None
        return record

    def trade(self, trade: Trade) -> OrderItem:
        """A market order: order, USD change, holding change and both records in one transaction."""
        stamp = iso_z(utc_now())
        buying = trade.order_type == "market_buy"
        cash_delta = -trade.total_amount if buying else trade.total_amount
        quantity_delta = trade.quantity if buying else -trade.quantity
        order = OrderItem(
            trade.order_id, username=trade.username, order_type=trade.order_type, asset_id=trade.asset_id,
            quantity=trade.quantity, price=trade.price, total_amount=trade.total_amount, status="completed",
            created_at=stamp,
        )
        holding = AssetBalanceItem(trade.username, AssetBalanceItem.key_for(trade.asset_id))
        balance_condition = BalanceItem.username.exists()
        if buying:
            balance_condition &= BalanceItem.current_balance >= trade.total_amount
        tx = LabelledTransaction()
        tx.put("order", order, condition=OrderItem.order_id.does_not_exist())
        tx.update("balance", BalanceItem(trade.username),
                  [BalanceItem.current_balance.add(cash_delta), BalanceItem.updated_at.set(stamp)],
                  condition=balance_condition)
        tx.update("holding", holding,
                  [AssetBalanceItem.quantity.add(quantity_delta),
                   AssetBalanceItem.asset_id.set(trade.asset_id),
                   AssetBalanceItem.created_at.set(AssetBalanceItem.created_at | stamp),
                   AssetBalanceItem.updated_at.set(stamp)],
                  condition=None if buying else AssetBalanceItem.quantity >= trade.quantity)
        tx.put("cash_record", BalanceTransactionItem(
            BalanceTransactionItem.ledger_for(trade.username), time_ordered_id(),
            username=trade.username, transaction_type="order_payment" if buying else "order_sale",
            amount=cash_delta, description=f"{trade.order_type} {trade.quantity} {trade.asset_id}",
            reference_id=trade.order_id, created_at=stamp,
        ), condition=BalanceTransactionItem.ledger.does_not_exist())
        tx.put("asset_record", AssetTransactionItem(
            AssetTransactionItem.ledger_for(trade.username, trade.asset_id), time_ordered_id(),
            username=trade.username, asset_id=trade.asset_id, transaction_type="BUY" if buying else "SELL",
            quantity=trade.quantity, price=trade.price, total_amount=trade.total_amount,
            order_id=trade.order_id, created_at=stamp,
        ), condition=AssetTransactionItem.ledger.does_not_exist())
        if trade.idempotency_key is not None:
            now = int(time.time())
            # An expired record (DynamoDB's TTL sweep can lag by days) no longer reserves its key.
            tx.put("idempotency", IdempotencyItem(
                IdempotencyItem.key_for(trade.username, trade.idempotency_key),
                order_id=trade.order_id, request_hash=trade.request_hash,
                expires_at=now + trade.idempotency_ttl_seconds,
            ), condition=IdempotencyItem.key.does_not_exist() | (IdempotencyItem.expires_at < now))
        try:
            tx.commit(self.connection)
        except TransactionRefused as refused:
            if "idempotency" in refused.labels:
                raise DuplicateIdempotencyKey(trade.idempotency_key) from None
            if refused.labels == {"holding"} and not buying:
                raise InsufficientHoldings(f"Insufficient {trade.asset_id} balance for this sell") from None
            if refused.labels == {"balance"}:
                raise _balance_refusal(trade.username, InsufficientBalance("Insufficient USD balance for this buy")
                                       if buying else None) from None
            raise _unexpected(refused) from None
        return order


def _balance_refusal(username: str, insufficient: InsufficientBalance | None) -> DomainError:
    """The balance's condition failed: the balance item is missing (a permanent state, not a reason to
    retry), or, where the amount was checked too, the balance is too low."""
    if BalanceItem.find(username, consistent=True) is None:
        log.error("ledger: %s has no balance item", username)
        return BalanceMissing("This account has no balance record")
    return insufficient or ServiceBusy("The operation could not be completed, please retry", code="retry_later")


def _unexpected(refused: TransactionRefused) -> ServiceBusy:
    """A condition that only a concurrent writer or a lost answer can fail (an existing record or order,
    a missing balance): nothing was written, and the client should retry rather than be told no."""
    log.warning("transaction refused on %s", ", ".join(sorted(refused.labels)))
    return ServiceBusy("The operation could not be completed, please retry", code="retry_later")
