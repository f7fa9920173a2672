"""Deposits and withdrawals: the user's lock, the ledger's one transaction, and the metrics."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from apps.common.errors import DomainError
from apps.common.ledger import Ledger
from apps.common.locks import UserLocks
from apps.common.models import BalanceTransactionItem
from apps.user.metrics import BalanceMetrics
from apps.user.settings import UserSettings

Movement = Literal["deposit", "withdraw"]


class Cashier:
    def __init__(self, ledger: Ledger, locks: UserLocks, settings: UserSettings, metrics: BalanceMetrics):
        self.ledger = ledger
        self.locks = locks
        self.settings = settings
        self.metrics = metrics

    def move(self, kind: Movement, username: str, amount: Decimal) -> BalanceTransactionItem:
        try:
            with self.locks.hold(username):
                if kind == "deposit":
                    record = self.ledger.deposit(username, amount, self.settings.daily_deposit_limit)
                else:
                    record = self.ledger.withdraw(username, amount, self.settings.daily_withdraw_limit)
        except DomainError as refusal:
            self.metrics.rejections.labels(kind, refusal.code).inc()
            raise
        self.metrics.moved(kind, amount)
        return record
