"""PynamoDB models of the three tables, derived from ``apps.common.tables``."""

from apps.common.models.binding import ALL_MODELS, bind_models, dynamodb_connection
from apps.common.models.inventory import AssetItem
from apps.common.models.orders import IdempotencyItem, OrderItem
from apps.common.models.users import (
    AssetBalanceItem,
    AssetTransactionItem,
    BalanceItem,
    BalanceTransactionItem,
    DailyTotalsItem,
    EmailClaimItem,
    InsightsCacheItem,
    RevocationItem,
    UserItem,
)

__all__ = [
    "ALL_MODELS",
    "AssetBalanceItem",
    "AssetItem",
    "AssetTransactionItem",
    "BalanceItem",
    "BalanceTransactionItem",
    "DailyTotalsItem",
    "EmailClaimItem",
    "IdempotencyItem",
    "InsightsCacheItem",
    "OrderItem",
    "RevocationItem",
    "UserItem",
    "bind_models",
    "dynamodb_connection",
]
