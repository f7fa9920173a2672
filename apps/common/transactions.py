"""DynamoDB write transactions whose failed conditions are reported by name.

PynamoDB sends condition checks, deletes, puts and updates in that order; this wrapper records a label
for each item in the same order, so a cancelled transaction says *which* condition failed
(``TransactionRefused.labels``), and conflicts with a concurrent transaction are retried.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from apps.common.errors import ServiceBusy

_KIND_ORDER = ("condition_check", "delete", "save", "update")
CONFLICT_RETRIES = 4


class TransactionRefused(Exception):
    """One or more item conditions failed; ``labels`` names them."""

    def __init__(self, labels: set[str]):
        super().__init__(", ".join(sorted(labels)))
        self.labels = labels


class LabelledTransaction:
    def __init__(self) -> None:
        self._steps: list[tuple[str, str, Callable[[TransactWrite], None]]] = []

    def put(self, label: str, item: Model, condition: Condition | None = None) -> None:
        self._steps.append(("save", label, lambda tx: tx.save(item, condition=condition)))

    def delete(self, label: str, item: Model, condition: Condition | None = None) -> None:
        self._steps.append(("delete", label, lambda tx: tx.delete(item, condition=condition)))

    def update(self, label: str, item: Model, actions: list[Action], condition: Condition | None = None) -> None:
        self._steps.append(("update", label, lambda tx: tx.update(item, actions, condition=condition)))

    def commit(self, connection: Connection) -> None:
        """Commits, retrying conflicts. One client request token for every attempt, so a commit whose
        answer was lost and that botocore sends again is not applied twice (DynamoDB's idempotency)."""
        ordered = sorted(self._steps, key=lambda step: _KIND_ORDER.index(step[0]))
        token = uuid.uuid4().hex
        for attempt in range(CONFLICT_RETRIES):
            try:
                with TransactWrite(connection=connection, client_request_token=token) as tx:
                    for _, _, add in ordered:
                        add(tx)
                return
            except TransactWriteError as exc:
                failed, conflicted = _reasons(exc, [label for _, label, _ in ordered])
                if failed:
                    raise TransactionRefused(failed) from exc
                if not conflicted and exc.cause_response_code != "TransactionInProgressException":
                    raise
                time.sleep(0.005 * (2**attempt))
        raise ServiceBusy("The account is busy with concurrent operations, please retry", code="account_busy")


def _reasons(exc: TransactWriteError, labels: list[str]) -> tuple[set[str], bool]:
    failed: set[str] = set()
    conflicted = False
    reasons: list[Any] = exc.cancellation_reasons if exc.cause_response_code == "TransactionCanceledException" else []
    for label, reason in zip(labels, reasons, strict=False):
        if reason is None:
            continue
        if reason.code == "ConditionalCheckFailed":
            failed.add(label)
        elif reason.code == "TransactionConflict":
            conflicted = True
    return failed, conflicted
