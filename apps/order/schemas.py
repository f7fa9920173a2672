from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from apps.common.models import AssetTransactionItem, OrderItem
from apps.common.schemas import AssetId, DecimalString, PlainDecimal, UsdAmount

OrderType = Literal["market_buy", "market_sell", "limit_buy", "limit_sell"]
ORDER_ID_PATTERN = r"^[a-zA-Z0-9_]{10,50}$"


class CreateOrder(BaseModel):
    order_type: OrderType
    asset_id: AssetId
    quantity: PlainDecimal = Field(gt=0, le=1_000_000_000, decimal_places=8, allow_inf_nan=False)
    price: PlainDecimal | None = Field(None, gt=0, le=1_000_000_000, decimal_places=8, allow_inf_nan=False)


class Order(BaseModel):
    order_id: str
    order_type: str
    asset_id: str
    quantity: DecimalString
    price: DecimalString
    status: str
    total_amount: UsdAmount
    created_at: str

    @classmethod
    def of(cls, item: OrderItem) -> Order:
        return cls(order_id=item.order_id, order_type=item.order_type, asset_id=item.asset_id,
                   quantity=item.quantity, price=item.price, status=item.status,
                   total_amount=item.total_amount, created_at=item.created_at)


class OrderEnvelope(BaseModel):
    data: Order


class OrderList(BaseModel):
    data: list[Order]
    has_more: bool


class AssetTransaction(BaseModel):
    asset_id: str
    transaction_type: str
    quantity: DecimalString
    price: DecimalString
    total_amount: UsdAmount
    order_id: str
    status: str
    timestamp: str

    @classmethod
    def of(cls, item: AssetTransactionItem) -> AssetTransaction:
        return cls(asset_id=item.asset_id, transaction_type=item.transaction_type, quantity=item.quantity,
                   price=item.price, total_amount=item.total_amount, order_id=item.order_id,
                   status=item.status, timestamp=item.created_at)


class AssetTransactionList(BaseModel):
    data: list[AssetTransaction]
    has_more: bool
