"""Money invariants read straight from DynamoDB: nothing negative, every balance explained by records."""

from __future__ import annotations

from decimal import Decimal

from apps.common.models import (
    AssetBalanceItem,
    AssetTransactionItem,
    BalanceItem,
    BalanceTransactionItem,
    OrderItem,
)
from apps.common.money import ZERO


def ledger_sum(username: str) -> Decimal:
    records = BalanceTransactionItem.query(BalanceTransactionItem.ledger_for(username), consistent_read=True)
    return sum((record.amount for record in records), ZERO)


def holding_sum(username: str, asset_id: str) -> Decimal:
    records = AssetTransactionItem.query(
        AssetTransactionItem.ledger_for(username, asset_id), consistent_read=True
    )
    return sum((r.quantity if r.transaction_type == "BUY" else -r.quantity for r in records), ZERO)


def assert_account_consistent(username: str, asset_ids: list[str]) -> None:
    balance = BalanceItem.get(username, "BALANCE", consistent_read=True).current_balance
    assert balance >= ZERO
    assert balance == ledger_sum(username)
    for asset_id in asset_ids:
        holding = AssetBalanceItem.find(username, AssetBalanceItem.key_for(asset_id), consistent=True)
        quantity = holding.quantity if holding else ZERO
        assert quantity >= ZERO
        assert quantity == holding_sum(username, asset_id)
    for order in OrderItem.by_user.query(username):
        cash = [r for r in BalanceTransactionItem.query(BalanceTransactionItem.ledger_for(username),
                                                         consistent_read=True) if r.reference_id == order.order_id]
        assets = [r for r in AssetTransactionItem.query(
            AssetTransactionItem.ledger_for(username, order.asset_id), consistent_read=True
        ) if r.order_id == order.order_id]
        assert len(cash) == 1 and len(assets) == 1, f"order {order.order_id} lacks its records"
