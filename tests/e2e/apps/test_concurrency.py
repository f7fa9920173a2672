"""Many clients of one account at once: no money created or lost, nothing negative, no 500."""

from __future__ import annotations

import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx

from apps.common.ledger import InsufficientBalance, Ledger
from apps.common.models import BalanceItem, dynamodb_connection
from apps.common.settings import PlatformSettings
from tests.support.invariants import assert_account_consistent
from tests.support.market import listed_asset
from tests.support.users import register_and_login

PARALLEL_REQUESTS = 60
ALLOWED = {201, 422, 503}


def _fire(url: str, headers: dict[str, str], body: dict[str, Any]) -> httpx.Response:
    return httpx.post(url, json=body, headers=headers, timeout=30)


def test_parallel_buys_sells_and_withdrawals_on_one_account(
    app_processes: dict[str, str], redis_client: Any
) -> None:
    with httpx.Client(base_url=app_processes["auth"]) as auth:
        user = register_and_login(auth)
    asset = listed_asset(redis_client, "10.00")
    deposit = httpx.post(f"{app_processes['user']}/balance/deposit", json={"amount": 1000},
                         headers=user.headers, timeout=30)
    assert deposit.status_code == 201
    first_buy = httpx.post(f"{app_processes['order']}/orders", headers=user.headers, timeout=30,
                           json={"order_type": "market_buy", "asset_id": asset, "quantity": "10"})
    assert first_buy.status_code == 201

    rng = random.Random(7)
    calls = []
    for _ in range(PARALLEL_REQUESTS):
        kind = rng.choice(["buy", "sell", "withdraw"])
        if kind == "withdraw":
            calls.append(("withdraw", f"{app_processes['user']}/balance/withdraw", {"amount": 120}))
        else:
            calls.append((kind, f"{app_processes['order']}/orders",
                          {"order_type": f"market_{kind}", "asset_id": asset, "quantity": "4"}))
    with ThreadPoolExecutor(max_workers=PARALLEL_REQUESTS) as pool:
        responses = list(pool.map(lambda call: (call[0], _fire(call[1], user.headers, call[2])), calls))

    statuses = Counter(response.status_code for _, response in responses)
    print(f"parallel statuses: {dict(statuses)}")
    assert set(statuses) <= ALLOWED, statuses
    assert statuses[201] >= 10, f"too few operations went through: {statuses}"
    for _, response in responses:
        if response.status_code == 503:
            assert response.headers["Retry-After"]
        if response.status_code == 422:
            assert response.json()["code"] in {"insufficient_balance", "insufficient_asset_balance"}
    assert_account_consistent(user.username, [asset])


def test_ledger_conditions_hold_without_the_lock(auth_app: Any, tables: PlatformSettings) -> None:
    """The lock only reduces contention: the transaction conditions alone forbid an overdraft."""
    user = register_and_login(auth_app)
    ledger = Ledger(dynamodb_connection(tables))
    ledger.deposit(user.username, Decimal("500"), daily_limit=Decimal("10000"))

    def withdraw(_: int) -> str:
        try:
            ledger.withdraw(user.username, Decimal("30"), daily_limit=Decimal("100000"))
            return "ok"
        except InsufficientBalance:
            return "refused"
        except Exception as exc:  # contention surfaces as a typed retry signal, reported here
            return type(exc).__name__

    with ThreadPoolExecutor(max_workers=50) as pool:
        outcomes = Counter(pool.map(withdraw, range(50)))
    print(f"lock-free withdrawals: {dict(outcomes)}")

    assert outcomes["ok"] <= 16, "500 USD can pay for at most 16 withdrawals of 30"
    assert set(outcomes) <= {"ok", "refused", "ServiceBusy"}, outcomes
    balance = BalanceItem.get(user.username, "BALANCE", consistent_read=True).current_balance
    assert balance == Decimal("500") - 30 * outcomes["ok"]
    assert_account_consistent(user.username, [])
