"""Points every model at its environment's table names and DynamoDB endpoint, at start-up."""

from __future__ import annotations

from pynamodb.connection import Connection, TableConnection
from pynamodb.connection.base import MetaTable

from apps.common.models.attributes import TableModel
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
from apps.common.settings import PlatformSettings
from apps.common.tables import TABLES

ALL_MODELS: tuple[type[TableModel], ...] = (
    UserItem,
    EmailClaimItem,
    BalanceItem,
    DailyTotalsItem,
    AssetBalanceItem,
    BalanceTransactionItem,
    AssetTransactionItem,
    InsightsCacheItem,
    RevocationItem,
    OrderItem,
    IdempotencyItem,
    AssetItem,
)

MAX_POOL_CONNECTIONS = 64
LOCAL_CREDENTIALS = ("local", "local")


def _credentials(settings: PlatformSettings) -> tuple[str | None, str | None]:
    if settings.aws_access_key_id and settings.aws_secret_access_key:
        return settings.aws_access_key_id, settings.aws_secret_access_key.get_secret_value()
    if settings.is_local:
        return LOCAL_CREDENTIALS
    return None, None  # the default AWS resolution: IRSA role, instance profile, environment


def bind_models(settings: PlatformSettings) -> Connection:
    """Points every model at its environment's table, all through one shared connection.

    One botocore client serves every model and the transactions (PynamoDB would otherwise make one per
    model class, each with its own copy of the service description), and the table schemas it knows
    are built from the table definition itself.
    """
    shared = dynamodb_connection(settings)
    for table in TABLES:
        shared.add_meta_table(MetaTable(table.create_table_request(settings.table_prefix)))
    for model in ALL_MODELS:
        meta = model.Meta
        meta.table_name = model.definition.physical_name(settings.table_prefix)
        meta.host = settings.aws_endpoint_url
        meta.region = settings.aws_region
        table_connection = TableConnection(meta.table_name, region=settings.aws_region,
                                           host=settings.aws_endpoint_url)
        table_connection.connection = shared
        model._connection = table_connection
    return shared


def dynamodb_connection(settings: PlatformSettings) -> Connection:
    """A plain connection for transactions and table administration."""
    key_id, secret = _credentials(settings)
    return Connection(
        region=settings.aws_region,
        host=settings.aws_endpoint_url,
        connect_timeout_seconds=settings.dynamodb_timeout_seconds,
        read_timeout_seconds=settings.dynamodb_timeout_seconds,
        max_retry_attempts=2,
        max_pool_connections=MAX_POOL_CONNECTIONS,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
    )
