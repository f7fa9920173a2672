"""Money invariants read straight from DynamoDB, for one account or for every account of a stack.

- no USD balance and no holding is negative;
- every USD balance equals the sum of its transaction records;
- every holding equals its BUY minus SELL asset transactions;
- every order has exactly one cash record and one asset record, and every order record has its order.

The checks run on a plain snapshot, so a whole-table scan (after a load run) and a per-account read
(in the tests) share them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pynamodb.connection import Connection

from apps.common.models import (
    AssetBalanceItem,
    AssetTransactionItem,
    BalanceItem,
    BalanceTransactionItem,
    OrderItem,
)
from apps.common.tables import ORDERS, USERS

ZERO = Decimal("0")
ORDER_CASH_TYPES = ("order_payment", "order_sale")


@dataclass(frozen=True)
class CashRecord:
    username: str
    amount: Decimal
    transaction_type: str
    reference_id: str | None


@dataclass(frozen=True)
class AssetRecord:
    username: str
    asset_id: str
    quantity: Decimal
    transaction_type: str  # BUY | SELL
    order_id: str

    @property
    def signed_quantity(self) -> Decimal:
        return self.quantity if self.transaction_type == "BUY" else -self.quantity


@dataclass(frozen=True)
class OrderRef:
    order_id: str
    username: str
    asset_id: str


@dataclass
class LedgerSnapshot:
    balances: dict[str, Decimal] = field(default_factory=dict)
    holdings: dict[tuple[str, str], Decimal] = field(default_factory=dict)
    cash_records: list[CashRecord] = field(default_factory=list)
    asset_records: list[AssetRecord] = field(default_factory=list)
    orders: list[OrderRef] = field(default_factory=list)


@dataclass(frozen=True)
class AuditReport:
    accounts: int
    holdings: int
    cash_records: int
    asset_records: int
    orders: int
    problems: list[str]

    @property
    def passed(self) -> bool:
        return not self.problems


def find_problems(snapshot: LedgerSnapshot) -> list[str]:
    """Every broken invariant of the snapshot, one line each (empty when the money is right)."""
    problems: list[str] = []
    cash_sums: dict[str, Decimal] = defaultdict(lambda: ZERO)
    cash_refs: dict[str, int] = defaultdict(int)
    for cash in snapshot.cash_records:
        cash_sums[cash.username] += cash.amount
        if cash.reference_id:
            cash_refs[cash.reference_id] += 1
    for username in sorted(snapshot.balances.keys() | cash_sums.keys()):
        balance = snapshot.balances.get(username)
        if balance is None:
            problems.append(f"{username}: transaction records without a balance item")
            continue
        if balance < ZERO:
            problems.append(f"{username}: negative USD balance {balance}")
        if balance != cash_sums.get(username, ZERO):
            problems.append(f"{username}: USD balance {balance} != sum of its records {cash_sums.get(username, ZERO)}")

    asset_sums: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    asset_refs: dict[str, int] = defaultdict(int)
    for record in snapshot.asset_records:
        asset_sums[record.username, record.asset_id] += record.signed_quantity
        asset_refs[record.order_id] += 1
    for key in sorted(snapshot.holdings.keys() | asset_sums.keys()):
        quantity = snapshot.holdings.get(key, ZERO)
        if quantity < ZERO:
            problems.append(f"{key[0]}: negative {key[1]} holding {quantity}")
        if quantity != asset_sums.get(key, ZERO):
            problems.append(f"{key[0]}: {key[1]} holding {quantity} != sum of its transactions "
                            f"{asset_sums.get(key, ZERO)}")

    order_ids = {order.order_id for order in snapshot.orders}
    for order in snapshot.orders:
        paid, moved = cash_refs.get(order.order_id, 0), asset_refs.get(order.order_id, 0)
        if paid != 1 or moved != 1:
            problems.append(f"order {order.order_id} of {order.username}: {paid} cash and {moved} asset records "
                            "(expected one of each)")
    orphans = [c.reference_id for c in snapshot.cash_records
               if c.transaction_type in ORDER_CASH_TYPES and c.reference_id not in order_ids]
    orphans += [a.order_id for a in snapshot.asset_records if a.order_id not in order_ids]
    problems += [f"record of order {order_id} without the order" for order_id in sorted(set(map(str, orphans)))]
    return problems


def _scan(connection: Connection, table: str) -> Iterator[dict[str, Any]]:
    paginator = connection.client.get_paginator("scan")
    for page in paginator.paginate(TableName=table, ConsistentRead=True):
        yield from page.get("Items", [])


def _text(item: dict[str, Any], name: str) -> str | None:
    value = item.get(name)
    return None if value is None else str(value.get("S"))


def _number(item: dict[str, Any], name: str) -> Decimal:
    return Decimal(item[name]["N"])


def scan_snapshot(connection: Connection, table_prefix: str) -> LedgerSnapshot:
    """Every account of the stack: one consistent scan of the users table and one of the orders table."""
    snapshot = LedgerSnapshot()
    for item in _scan(connection, USERS.physical_name(table_prefix)):
        pk, sk = str(_text(item, "PK")), str(_text(item, "SK"))
        if sk == "BALANCE":
            snapshot.balances[pk] = _number(item, "current_balance")
        elif sk.startswith("ASSET#") and not pk.startswith("ASSET_TRANS#"):
            snapshot.holdings[pk, str(_text(item, "asset_id"))] = _number(item, "quantity")
        elif pk.startswith("TRANS#"):
            snapshot.cash_records.append(CashRecord(pk.removeprefix("TRANS#"), _number(item, "amount"),
                                                    str(_text(item, "transaction_type")),
                                                    _text(item, "reference_id")))
        elif pk.startswith("ASSET_TRANS#"):
            snapshot.asset_records.append(AssetRecord(
                str(_text(item, "username")), str(_text(item, "asset_id")), _number(item, "quantity"),
                str(_text(item, "transaction_type")), str(_text(item, "order_id"))))
    for item in _scan(connection, ORDERS.physical_name(table_prefix)):
        if _text(item, "SK") == "ORDER":
            snapshot.orders.append(OrderRef(str(_text(item, "PK")), str(_text(item, "username")),
                                            str(_text(item, "asset_id"))))
    return snapshot


def account_snapshot(username: str, asset_ids: Iterable[str]) -> LedgerSnapshot:
    """One account through the bound models (``bind_models``): its balance, holdings, records and orders."""
    snapshot = LedgerSnapshot()
    balance = BalanceItem.find(username, consistent=True)
    if balance is not None:
        snapshot.balances[username] = balance.current_balance
    for record in BalanceTransactionItem.query(BalanceTransactionItem.ledger_for(username), consistent_read=True):
        snapshot.cash_records.append(CashRecord(username, record.amount, record.transaction_type,
                                                record.reference_id))
    orders = list(OrderItem.by_user.query(username))
    snapshot.orders = [OrderRef(o.order_id, username, o.asset_id) for o in orders]
    for asset_id in sorted(set(asset_ids) | {o.asset_id for o in orders}):
        holding = AssetBalanceItem.find(username, AssetBalanceItem.key_for(asset_id), consistent=True)
        if holding is not None:
            snapshot.holdings[username, asset_id] = holding.quantity
        for asset in AssetTransactionItem.query(AssetTransactionItem.ledger_for(username, asset_id),
                                                consistent_read=True):
            snapshot.asset_records.append(AssetRecord(username, asset_id, asset.quantity, asset.transaction_type,
                                                      asset.order_id))
    return snapshot


def audit(connection: Connection, table_prefix: str) -> AuditReport:
    snapshot = scan_snapshot(connection, table_prefix)
    return AuditReport(
        accounts=len(snapshot.balances),
        holdings=len(snapshot.holdings),
        cash_records=len(snapshot.cash_records),
        asset_records=len(snapshot.asset_records),
        orders=len(snapshot.orders),
        problems=find_problems(snapshot),
    )
