"""Items of the orders table: orders (listed per user through a GSI) and idempotency records."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex

from apps.common.models.attributes import DecimalAttribute, TableModel, fixed_sort_key
from apps.common.tables import ORDERS


class OrdersTableModel(TableModel):
    definition = ORDERS

    class Meta:
        table_name = ORDERS.logical_name


class UserOrdersIndex(GlobalSecondaryIndex["OrderItem"]):
    class Meta:
        index_name = "user-orders-index"
        projection = AllProjection()

    username = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OrderItem(OrdersTableModel):
    order_id = UnicodeAttribute(hash_key=True, attr_name="PK")
    kind = fixed_sort_key("ORDER")
    username = UnicodeAttribute()
    order_type = UnicodeAttribute()
    asset_id = UnicodeAttribute()
    quantity = DecimalAttribute()
    price = DecimalAttribute()
    total_amount = DecimalAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()

    by_user = UserOrdersIndex()


class IdempotencyItem(OrdersTableModel):
    """Written in the order's own transaction, so a retried key can never trade twice.

    It carries no ``username``/``created_at`` attributes, which keeps it out of the user-orders index.
    """

    key = UnicodeAttribute(hash_key=True, attr_name="PK")
    kind = fixed_sort_key("IDEMPOTENCY")
    order_id = UnicodeAttribute()
    request_hash = UnicodeAttribute()
    expires_at = NumberAttribute()

    @staticmethod
    def key_for(username: str, idempotency_key: str) -> str:
        return f"IDEMPOTENCY#{username}#{idempotency_key}"
