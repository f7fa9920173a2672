from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from apps.common import portfolio as portfolios
from apps.common.errors import NotFound
from apps.common.models import AssetBalanceItem
from apps.common.money import usd
from apps.common.openapi import refusals, service_refusals
from apps.common.security import CurrentUser
from apps.common.validation import ASSET_ID_PATTERN
from apps.user.deps import CashierDep, MarketDep
from apps.user.history import transaction_page
from apps.user.schemas import (
    AmountRequest,
    AssetBalance,
    Balance,
    MovementResult,
    Portfolio,
    PortfolioAsset,
    TransactionPage,
)

router = APIRouter(tags=["balance"], responses=service_refusals(401))


@router.get("/balance")
def get_balance(username: CurrentUser) -> Balance:
    balance = portfolios.read_balance(username)
    return Balance(current_balance=balance.current_balance, updated_at=balance.updated_at)


@router.post("/balance/deposit", status_code=201, responses=refusals(413, 422))
def deposit(body: AmountRequest, username: CurrentUser, cashier: CashierDep) -> MovementResult:
    record = cashier.move("deposit", username, body.amount)
    return MovementResult(message=f"Deposited {usd(body.amount)} USD", transaction_id=record.transaction_id,
                          timestamp=record.created_at)


@router.post("/balance/withdraw", status_code=201, responses=refusals(413, 422))
def withdraw(body: AmountRequest, username: CurrentUser, cashier: CashierDep) -> MovementResult:
    record = cashier.move("withdraw", username, body.amount)
    return MovementResult(message=f"Withdrew {usd(body.amount)} USD", transaction_id=record.transaction_id,
                          timestamp=record.created_at)


@router.get("/balance/transactions", responses=refusals(422))
def list_transactions(
    username: CurrentUser,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9A-Z]{26}$")] = None,
) -> TransactionPage:
    return transaction_page(username, limit, offset, cursor)


@router.get("/balance/asset/{asset_id}", responses=refusals(404, 422))
def asset_balance(
    username: CurrentUser, market: MarketDep, asset_id: Annotated[str, Path(pattern=ASSET_ID_PATTERN)]
) -> AssetBalance:
    asset_id = asset_id.upper()
    item = AssetBalanceItem.find(username, AssetBalanceItem.key_for(asset_id), consistent=True)
    if item is None:
        raise NotFound(f"No {asset_id} balance for this user", code="asset_balance_not_found")
    asset = market.asset(asset_id)
    price = market.price(asset_id, asset)
    return AssetBalance(
        asset_id=asset_id,
        asset_name=asset.name if asset else asset_id,
        quantity=item.quantity,
        current_price=price,
        total_value=item.quantity * price if price is not None else None,
        created_at=item.created_at,
        updated_at=item.updated_at,
    )


@router.get("/portfolio", tags=["portfolio"])
def portfolio(username: CurrentUser, market: MarketDep) -> Portfolio:
    snapshot = portfolios.snapshot(username, market)
    return Portfolio(
        assets=[
            PortfolioAsset(asset_id=h.asset_id, quantity=h.quantity, current_price=h.price,
                           market_value=h.market_value, percentage=snapshot.percentage(h))
            for h in snapshot.holdings
        ],
        usd_balance=snapshot.usd_balance,
        total_value=snapshot.total_value,
    )
