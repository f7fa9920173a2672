from __future__ import annotations

from pydantic import BaseModel, Field

from apps.common.schemas import DecimalString, PlainDecimal, UsdAmount


class AmountRequest(BaseModel):
    amount: PlainDecimal = Field(gt=0, le=1_000_000, decimal_places=2, allow_inf_nan=False)


class Balance(BaseModel):
    current_balance: UsdAmount
    updated_at: str


class MovementResult(BaseModel):
    success: bool = True
    message: str
    transaction_id: str
    timestamp: str


class Transaction(BaseModel):
    transaction_id: str
    transaction_type: str
    amount: UsdAmount
    description: str
    status: str
    reference_id: str | None
    created_at: str


class TransactionPage(BaseModel):
    transactions: list[Transaction]
    total_count: int
    has_more: bool
    next_cursor: str | None


class AssetBalance(BaseModel):
    asset_id: str
    asset_name: str
    quantity: DecimalString
    current_price: DecimalString | None
    total_value: UsdAmount | None
    created_at: str
    updated_at: str


class PortfolioAsset(BaseModel):
    asset_id: str
    quantity: DecimalString
    current_price: DecimalString | None
    market_value: UsdAmount
    percentage: UsdAmount


class Portfolio(BaseModel):
    assets: list[PortfolioAsset]
    usd_balance: UsdAmount
    total_value: UsdAmount
