"""Reading orders and asset transactions back: newest first, filtered, paged by offset."""

from __future__ import annotations

from typing import TypeVar

from pynamodb.expressions.condition import Condition

from apps.common.models import AssetTransactionItem, OrderItem

T = TypeVar("T")


def _window(items: list[T], offset: int, limit: int) -> tuple[list[T], bool]:
    return items[offset: offset + limit], len(items) > offset + limit


def user_orders(
    username: str, asset_id: str | None, order_type: str | None, limit: int, offset: int
) -> tuple[list[OrderItem], bool]:
    condition: Condition | None = None
    if asset_id is not None:
        condition = OrderItem.asset_id == asset_id
    if order_type is not None:
        by_type = OrderItem.order_type == order_type
        condition = by_type if condition is None else condition & by_type
    wanted = offset + limit + 1
    items = list(OrderItem.by_user.query(
        username, scan_index_forward=False, filter_condition=condition, limit=wanted, page_size=100
    ))
    return _window(items, offset, limit)


def asset_transactions(username: str, asset_id: str, limit: int, offset: int) -> tuple[
    list[AssetTransactionItem], bool
]:
    wanted = offset + limit + 1
    items = list(AssetTransactionItem.query(
        AssetTransactionItem.ledger_for(username, asset_id), scan_index_forward=False, limit=wanted,
        page_size=min(wanted, 200), consistent_read=True,
    ))
    return _window(items, offset, limit)
