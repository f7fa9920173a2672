"""In-process timings of what a request spends its time on, without HTTP, auth or the app around it.

Each probe is the same PynamoDB/Redis call the handlers make (the ledger's transactions, a consistent
read, the per-user lock), sent sequentially from the bench process, so the HTTP figures can be read as
"backing store" plus "everything else".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from pynamodb.connection import Connection
from redis import Redis

from apps.common.ids import time_ordered_id
from apps.common.ledger import Ledger, Trade
from apps.common.locks import UserLocks
from apps.common.models import BalanceItem
from apps.common.money import usd
from ops.bench.stats import Distribution, distribution

log = logging.getLogger(__name__)

DEPOSIT_DAILY_LIMIT = Decimal("10000")


@dataclass(frozen=True)
class Probe:
    name: str
    what: str
    call: Callable[[], object]


@dataclass(frozen=True)
class ProbeSummary:
    name: str
    what: str
    latency: Distribution | None


def default_probes(
    connection: Connection, redis: Redis, username: str, asset_id: str, price: Decimal, quantity: Decimal
) -> list[Probe]:
    ledger = Ledger(connection)
    locks = UserLocks(redis)

    def market_buy() -> object:
        return ledger.trade(Trade(
            username=username, order_id=f"ord_{time_ordered_id()}", order_type="market_buy",
            asset_id=asset_id, quantity=quantity, price=price, total_amount=usd(quantity * price),
        ))

    def lock_round_trip() -> None:
        with locks.hold(username):
            pass

    return [
        Probe("dynamodb-get-item", "consistent GetItem of the balance (PynamoDB)",
              lambda: BalanceItem.find(username, consistent=True)),
        Probe("dynamodb-transact-deposit", "TransactWriteItems of a deposit, 3 items (Ledger.deposit)",
              lambda: ledger.deposit(username, Decimal("0.01"), DEPOSIT_DAILY_LIMIT)),
        Probe("dynamodb-transact-market-buy", "TransactWriteItems of a market buy, 5 items (Ledger.trade)",
              market_buy),
        Probe("redis-user-lock", "per-user lock: SET NX PX then the release script (UserLocks.hold)",
              lock_round_trip),
    ]


def run_probe(probe: Probe, count: int, warmup: int) -> ProbeSummary:
    for _ in range(warmup):
        probe.call()
    timings: list[float] = []
    for _ in range(count):
        started = time.perf_counter()
        probe.call()
        timings.append((time.perf_counter() - started) * 1000)
    summary = ProbeSummary(probe.name, probe.what, distribution(timings))
    log.info("probe %s: p50 %.2f ms", probe.name, summary.latency.p50 if summary.latency else float("nan"))
    return summary
