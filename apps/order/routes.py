from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from apps.common.errors import NotFound
from apps.common.models import OrderItem
from apps.common.openapi import refusals, service_refusals
from apps.common.security import CurrentUser
from apps.common.validation import ASSET_ID_PATTERN
from apps.order.deps import DeskDep, MarketDep
from apps.order.history import asset_transactions, user_orders
from apps.order.placing import IDEMPOTENCY_KEY_PATTERN
from apps.order.schemas import (
    ORDER_ID_PATTERN,
    AssetTransaction,
    AssetTransactionList,
    CreateOrder,
    Order,
    OrderEnvelope,
    OrderList,
    OrderType,
)

router = APIRouter(tags=["orders"], responses=service_refusals(401))

Limit = Annotated[int, Query(ge=1, le=100)]
Offset = Annotated[int, Query(ge=0, le=10_000)]


@router.post("/orders", status_code=201, responses=refusals(409, 413, 422))
def create_order(
    body: CreateOrder,
    username: CurrentUser,
    desk: DeskDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(pattern=IDEMPOTENCY_KEY_PATTERN)] = None,
) -> OrderEnvelope:
    placed = desk.place(username, body, idempotency_key)
    if placed.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return OrderEnvelope(data=Order.of(placed.order))


@router.get("/orders", responses=refusals(422))
def list_orders(
    username: CurrentUser,
    asset_id: Annotated[str | None, Query(pattern=ASSET_ID_PATTERN)] = None,
    order_type: OrderType | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> OrderList:
    items, has_more = user_orders(username, asset_id.upper() if asset_id else None, order_type, limit, offset)
    return OrderList(data=[Order.of(item) for item in items], has_more=has_more)


@router.get("/orders/{order_id}", responses=refusals(404, 422))
def get_order(username: CurrentUser, order_id: Annotated[str, Path(pattern=ORDER_ID_PATTERN)]) -> OrderEnvelope:
    item = OrderItem.find(order_id, consistent=True)
    if item is None or item.username != username:
        raise NotFound("Order not found", code="order_not_found")
    return OrderEnvelope(data=Order.of(item))


@router.get("/assets/{asset_id}/transactions", responses=refusals(404, 422))
def list_asset_transactions(
    username: CurrentUser,
    market: MarketDep,
    asset_id: Annotated[str, Path(pattern=ASSET_ID_PATTERN)],
    limit: Limit = 50,
    offset: Offset = 0,
) -> AssetTransactionList:
    asset_id = asset_id.upper()
    if market.asset(asset_id) is None:
        raise NotFound(f"Asset {asset_id} does not exist", code="asset_not_found")
    items, has_more = asset_transactions(username, asset_id, limit, offset)
    return AssetTransactionList(data=[AssetTransaction.of(item) for item in items], has_more=has_more)
