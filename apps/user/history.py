"""The balance transaction history: newest first, by offset or by cursor."""

from __future__ import annotations

from apps.common.models import BalanceTransactionItem
from apps.user.schemas import Transaction, TransactionPage


def transaction_page(username: str, limit: int, offset: int, cursor: str | None) -> TransactionPage:
    ledger = BalanceTransactionItem.ledger_for(username)
    condition = BalanceTransactionItem.transaction_id < cursor if cursor else None
    wanted = offset + limit + 1
    items = list(BalanceTransactionItem.query(
        ledger, condition, scan_index_forward=False, limit=wanted, page_size=min(wanted, 200)
    ))
    window = items[offset: offset + limit]
    has_more = len(items) > offset + limit
    return TransactionPage(
        transactions=[
            Transaction(
                transaction_id=item.transaction_id,
                transaction_type=item.transaction_type,
                amount=item.amount,
                description=item.description,
                status=item.status,
                reference_id=item.reference_id,
                created_at=item.created_at,
            )
            for item in window
        ],
        total_count=BalanceTransactionItem.count(ledger),
        has_more=has_more,
        next_cursor=window[-1].transaction_id if has_more and window else None,
    )
