"""Money invariants read straight from DynamoDB: nothing negative, every balance explained by records."""

from __future__ import annotations

from decimal import Decimal

from apps.common.models import BalanceTransactionItem
from apps.common.money import ZERO
from ops.ledger_audit import account_snapshot, find_problems


def ledger_sum(username: str) -> Decimal:
    records = BalanceTransactionItem.query(BalanceTransactionItem.ledger_for(username), consistent_read=True)
    return sum((record.amount for record in records), ZERO)


def assert_account_consistent(username: str, asset_ids: list[str]) -> None:
    """The account obeys every money invariant of ``ops.ledger_audit`` (the checks a load run makes)."""
    snapshot = account_snapshot(username, asset_ids)
    assert username in snapshot.balances, f"{username} has no balance item"
    problems = find_problems(snapshot)
    assert not problems, "\n".join(problems)
