"""Review findings on money: rounding that pays the trader, and idempotent orders under concurrency."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx

from tests.support.invariants import assert_account_consistent
from tests.support.market import listed_asset
from tests.support.users import TestUser, register_and_login


def _order(client: Any, user: TestUser, kind: str, asset: str, quantity: str) -> Any:
    body = {"order_type": kind, "asset_id": asset, "quantity": quantity}
    return client.post("/orders", json=body, headers=user.headers)


def test_round_trip_at_a_constant_price_cannot_make_money(auth_app: Any, user_app: Any, order_app: Any,
                                                          redis_client: Any) -> None:
    user = register_and_login(auth_app)
    assert user_app.post("/balance/deposit", json={"amount": 10}, headers=user.headers).status_code == 201
    coin = listed_asset(redis_client, "1.00")
    bought = _order(order_app, user, "market_buy", coin, "0.01499")  # worth 0.01499 USD: charged 0.02
    assert bought.status_code == 201 and bought.json()["data"]["total_amount"] == "0.02"
    for _ in range(2):  # each worth 0.005 USD: under a cent, refused rather than credited 0.01
        tiny = _order(order_app, user, "market_sell", coin, "0.005")
        assert (tiny.status_code, tiny.json()["code"]) == (422, "order_value_too_small")
    sold = _order(order_app, user, "market_sell", coin, "0.01499")  # worth 0.01499 USD: credited 0.01
    assert sold.status_code == 201 and sold.json()["data"]["total_amount"] == "0.01"
    assert_account_consistent(user.username, [coin])
    cash = Decimal(user_app.get("/balance", headers=user.headers).json()["current_balance"])
    assert cash == Decimal("9.99"), f"cash went from 10.00 to {cash} at a constant price"


def test_concurrent_retries_with_one_idempotency_key_trade_once(app_processes: dict[str, str], auth_app: Any,
                                                                user_app: Any, redis_client: Any) -> None:
    user = register_and_login(auth_app)
    assert user_app.post("/balance/deposit", json={"amount": 1000}, headers=user.headers).status_code == 201
    coin = listed_asset(redis_client, "10.00")
    body = {"order_type": "market_buy", "asset_id": coin, "quantity": "1"}
    headers = {**user.headers, "Idempotency-Key": "concurrent-retry-1"}

    def place(_: int) -> httpx.Response:
        with httpx.Client(base_url=app_processes["order"], timeout=30) as api:
            return api.post("/orders", json=body, headers=headers)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(place, range(8)))
    assert {a.status_code for a in answers} <= {201, 503}
    placed = {a.json()["data"]["order_id"] for a in answers if a.status_code == 201}
    assert len(placed) == 1
    assert user_app.get("/balance", headers=user.headers).json()["current_balance"] == "990.00"
    assert_account_consistent(user.username, [coin])
