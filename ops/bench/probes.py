"""In-process timings of what a request spends its time on, without HTTP, auth or the app around it.

Each probe is the same call the handlers make (the token check, the per-user lock, the ledger's
transactions, a consistent read, the whole order desk), sent sequentially from the bench process, so the
HTTP figures can be read as the sum of their parts plus what HTTP and the framework add.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from prometheus_client import CollectorRegistry
from pynamodb.connection import Connection
from redis import Redis

from apps.common.ids import time_ordered_id
from apps.common.ledger import Ledger, Trade
from apps.common.locks import UserLocks
from apps.common.market import MarketData
from apps.common.models import BalanceItem
from apps.common.money import usd
from apps.common.revocations import Revocations
from apps.common.security import AccountBinding, checked_claims, key_set_from_settings
from apps.common.tokens import Claims, TokenVerifier
from apps.order.metrics import OrderMetrics
from apps.order.placing import OrderDesk
from apps.order.schemas import CreateOrder
from apps.order.settings import OrderSettings
from ops.bench.fixtures import BenchUser
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
    shared: Mapping[str, Any], connection: Connection, redis: Redis, user: BenchUser, asset_id: str,
    quantity: Decimal,
) -> list[Probe]:
    """Built from the stack's own shared settings, so each probe runs with the order app's settings."""
    settings = OrderSettings.model_validate(shared)
    ledger = Ledger(connection)
    locks = UserLocks(redis, settings.lock_ttl_ms, settings.lock_wait_ms)
    market = MarketData(redis)
    desk = OrderDesk(ledger, locks, market, settings, OrderMetrics(CollectorRegistry()))
    verifier = TokenVerifier(key_set_from_settings(settings), settings.jwt_issuer, settings.jwt_audience,
                             settings.jwt_max_lifetime_seconds)
    first_time_verifier = TokenVerifier(key_set_from_settings(settings), settings.jwt_issuer,
                                        settings.jwt_audience, settings.jwt_max_lifetime_seconds, remembered=0)
    revocations = Revocations(redis, settings.jwt_max_lifetime_seconds)
    order = CreateOrder(order_type="market_buy", asset_id=asset_id, quantity=quantity)

    accounts = AccountBinding(redis, settings.token_account_check_seconds)

    def token_check() -> Claims:
        return checked_claims(user.token, verifier, revocations, accounts)

    def market_buy_transaction() -> object:
        price = market.price(asset_id) or Decimal(0)
        return ledger.trade(Trade(
            username=user.username, order_id=f"ord_{time_ordered_id()}", order_type="market_buy",
            asset_id=asset_id, quantity=quantity, price=price, total_amount=usd(quantity * price),
        ))

    def lock_round_trip() -> None:
        with locks.hold(user.username):
            pass

    return [
        Probe("token-check", "remembered claims, then revocation and account confirmation in one MGET (every "
              "authenticated request after a token's first)", token_check),
        Probe("token-first-verify", "ES256 signature and claims checked (a token's first request at each process)",
              lambda: first_time_verifier.decode(user.token)),
        Probe("redis-user-lock", "per-user lock: SET NX PX then the release script (UserLocks.hold)",
              lock_round_trip),
        Probe("dynamodb-get-item", "consistent GetItem of the balance (PynamoDB)",
              lambda: BalanceItem.find(user.username, consistent=True)),
        Probe("dynamodb-transact-deposit", "TransactWriteItems of a deposit, 3 items (Ledger.deposit)",
              lambda: ledger.deposit(user.username, Decimal("0.01"), DEPOSIT_DAILY_LIMIT)),
        Probe("dynamodb-transact-market-buy", "TransactWriteItems of a market buy, 5 items (Ledger.trade)",
              market_buy_transaction),
        Probe("order-desk-place", "OrderDesk.place: checks, lock, price, the transaction; no HTTP, no auth",
              lambda: desk.place(user.username, order, None)),
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
