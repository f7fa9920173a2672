"""The order app: market buys and sells, every refusal the contract names, history and idempotency."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.support.invariants import assert_account_consistent
from tests.support.market import listed_asset, set_price
from tests.support.users import TestUser, register_and_login

pytestmark = pytest.mark.integration


@pytest.fixture
def trader(auth_app: Any, user_app: Any) -> TestUser:
    user = register_and_login(auth_app)
    assert user_app.post("/balance/deposit", json={"amount": 5000}, headers=user.headers).status_code == 201
    return user


@pytest.fixture
def coin(redis_client: Any) -> str:
    return listed_asset(redis_client, "20.00")


def order(client: Any, user: TestUser, kind: str, asset: str, quantity: Any, **headers: str) -> Any:
    body = {"order_type": kind, "asset_id": asset, "quantity": quantity}
    return client.post("/orders", json=body, headers={**user.headers, **headers})


def balance(user_app: Any, user: TestUser) -> str:
    return str(user_app.get("/balance", headers=user.headers).json()["current_balance"])


def test_market_buy_executes_at_the_market_price(order_app: Any, user_app: Any, trader: TestUser,
                                                 coin: str) -> None:
    response = order(order_app, trader, "market_buy", coin.lower(), "2.5", )
    assert response.status_code == 201
    data = response.json()["data"]
    assert re.fullmatch(r"^[a-zA-Z0-9_]{10,50}$", data["order_id"])
    assert data | {"order_id": None, "created_at": None} == {
        "order_id": None, "order_type": "market_buy", "asset_id": coin, "quantity": "2.5", "price": "20",
        "status": "completed", "total_amount": "50.00", "created_at": None,
    }
    assert balance(user_app, trader) == "4950.00"
    assert_account_consistent(trader.username, [coin])


def test_client_price_is_ignored_for_execution(order_app: Any, trader: TestUser, coin: str) -> None:
    body = {"order_type": "market_buy", "asset_id": coin, "quantity": "1", "price": "0.01"}
    response = order_app.post("/orders", json=body, headers=trader.headers)
    assert response.status_code == 201
    assert response.json()["data"]["price"] == "20"


def test_sell_credits_the_balance(order_app: Any, user_app: Any, trader: TestUser, coin: str,
                                  redis_client: Any) -> None:
    assert order(order_app, trader, "market_buy", coin, "10").status_code == 201
    set_price(redis_client, coin, "25.005")
    sold = order(order_app, trader, "market_sell", coin, "4")
    assert sold.status_code == 201
    assert sold.json()["data"]["total_amount"] == "100.02"
    assert balance(user_app, trader) == "4900.02"
    assert_account_consistent(trader.username, [coin])


@pytest.mark.parametrize("quantity", ["11", "10.00000001"])
def test_sell_more_than_held_is_refused(order_app: Any, user_app: Any, trader: TestUser, coin: str,
                                        quantity: str) -> None:
    assert order(order_app, trader, "market_buy", coin, "10").status_code == 201
    refused = order(order_app, trader, "market_sell", coin, quantity)
    assert refused.status_code == 422
    assert refused.json()["code"] == "insufficient_asset_balance"
    assert balance(user_app, trader) == "4800.00"
    assert_account_consistent(trader.username, [coin])


def test_sell_never_held_is_refused(order_app: Any, trader: TestUser, coin: str) -> None:
    refused = order(order_app, trader, "market_sell", coin, "1")
    assert refused.status_code == 422
    assert refused.json()["code"] == "insufficient_asset_balance"


def test_buy_without_enough_usd_is_refused_and_changes_nothing(order_app: Any, user_app: Any,
                                                               trader: TestUser, coin: str) -> None:
    refused = order(order_app, trader, "market_buy", coin, "250.05")
    assert refused.status_code == 422
    assert refused.json()["code"] == "insufficient_balance"
    assert balance(user_app, trader) == "5000.00"
    assert order_app.get("/orders", headers=trader.headers).json() == {"data": [], "has_more": False}


@pytest.mark.parametrize(
    ("kind", "quantity", "code"),
    [
        ("limit_buy", "1", "order_type_not_supported"),
        ("limit_sell", "1", "order_type_not_supported"),
        ("market_buy", "0.0009", "quantity_below_minimum"),
        ("market_buy", "600", "order_value_too_large"),
    ],
)
def test_refusals_have_distinct_codes(order_app: Any, trader: TestUser, coin: str, kind: str, quantity: str,
                                      code: str) -> None:
    response = order(order_app, trader, kind, coin, quantity)
    assert response.status_code == 422
    assert response.json()["code"] == code


def test_unknown_and_inactive_assets(order_app: Any, trader: TestUser, redis_client: Any) -> None:
    unknown = order(order_app, trader, "market_buy", "NOSUCH1", "1")
    assert (unknown.status_code, unknown.json()["code"]) == (422, "asset_not_found")
    inactive = listed_asset(redis_client, "5", active=False)
    response = order(order_app, trader, "market_buy", inactive, "1")
    assert (response.status_code, response.json()["code"]) == (422, "asset_inactive")


def test_order_value_below_one_cent(order_app: Any, trader: TestUser, redis_client: Any) -> None:
    dust = listed_asset(redis_client, "0.004")
    response = order(order_app, trader, "market_buy", dust, "0.001")
    assert (response.status_code, response.json()["code"]) == (422, "order_value_too_small")


@pytest.mark.parametrize(
    "body",
    [
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": 0},
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": -1},
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": "abc"},
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": "1.000000001"},
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": "1_0"},
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": "\u0661"},
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": " 1"},
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": "+1"},
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": 1, "price": "\uff15"},
        {"order_type": "market_buy", "asset_id": "BTC!", "quantity": 1},
        {"order_type": "market_buy", "asset_id": "BTC", "quantity": 1, "price": 0},
        {"order_type": "stop_loss", "asset_id": "BTC", "quantity": 1},
        {"asset_id": "BTC", "quantity": 1},
    ],
)
def test_invalid_order_bodies_are_422(order_app: Any, trader: TestUser, body: dict[str, Any]) -> None:
    assert order_app.post("/orders", json=body, headers=trader.headers).status_code == 422


def test_idempotency_key_replays_without_trading_twice(order_app: Any, user_app: Any, trader: TestUser,
                                                       coin: str) -> None:
    first = order(order_app, trader, "market_buy", coin, "1", **{"Idempotency-Key": "buy-once-1"})
    again = order(order_app, trader, "market_buy", coin, "1", **{"Idempotency-Key": "buy-once-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert balance(user_app, trader) == "4980.00"
    different = order(order_app, trader, "market_buy", coin, "2", **{"Idempotency-Key": "buy-once-1"})
    assert (different.status_code, different.json()["code"]) == (409, "idempotency_key_reused")
    bad_key = order(order_app, trader, "market_buy", coin, "1", **{"Idempotency-Key": "spaces are bad"})
    assert bad_key.status_code == 422
    assert balance(user_app, trader) == "4980.00"


def test_order_list_filters_and_pages_newest_first(order_app: Any, trader: TestUser, coin: str,
                                                   redis_client: Any) -> None:
    other = listed_asset(redis_client, "1")
    placed = []
    for kind, asset in [("market_buy", coin), ("market_buy", other), ("market_sell", coin),
                        ("market_buy", coin)]:
        response = order(order_app, trader, kind, asset, "1")
        assert response.status_code == 201
        placed.append(response.json()["data"]["order_id"])
    listed = order_app.get("/orders", headers=trader.headers).json()
    assert [o["order_id"] for o in listed["data"]] == placed[::-1]
    only_coin = order_app.get(f"/orders?asset_id={coin.lower()}", headers=trader.headers).json()
    assert [o["order_id"] for o in only_coin["data"]] == [placed[3], placed[2], placed[0]]
    sells = order_app.get("/orders?order_type=market_sell", headers=trader.headers).json()
    assert [o["order_id"] for o in sells["data"]] == [placed[2]]
    page = order_app.get("/orders?limit=2&offset=1", headers=trader.headers).json()
    assert [o["order_id"] for o in page["data"]] == [placed[2], placed[1]]
    assert page["has_more"] is True
    for query in ("limit=0", "limit=101", "offset=-1", "order_type=bogus", "asset_id=$$"):
        assert order_app.get(f"/orders?{query}", headers=trader.headers).status_code == 422


def test_get_order_is_private_to_its_owner(order_app: Any, auth_app: Any, trader: TestUser,
                                           coin: str) -> None:
    order_id = order(order_app, trader, "market_buy", coin, "1").json()["data"]["order_id"]
    mine = order_app.get(f"/orders/{order_id}", headers=trader.headers)
    assert mine.status_code == 200 and mine.json()["data"]["order_id"] == order_id
    stranger = register_and_login(auth_app)
    theirs = order_app.get(f"/orders/{order_id}", headers=stranger.headers)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "order_not_found")
    assert order_app.get("/orders/ord_doesnotexist000", headers=trader.headers).status_code == 404
    assert order_app.get("/orders/short", headers=trader.headers).status_code == 422
    assert order_app.get("/orders/has-dash-in-it", headers=trader.headers).status_code == 422


def test_asset_transactions(order_app: Any, trader: TestUser, coin: str) -> None:
    buy = order(order_app, trader, "market_buy", coin, "3").json()["data"]
    sell = order(order_app, trader, "market_sell", coin, "1").json()["data"]
    listed = order_app.get(f"/assets/{coin.lower()}/transactions", headers=trader.headers).json()
    assert [(t["transaction_type"], t["order_id"]) for t in listed["data"]] == [
        ("SELL", sell["order_id"]), ("BUY", buy["order_id"])]
    assert listed["data"][1] | {"timestamp": None} == {
        "asset_id": coin, "transaction_type": "BUY", "quantity": "3", "price": "20", "total_amount": "60.00",
        "order_id": buy["order_id"], "status": "completed", "timestamp": None}
    one = order_app.get(f"/assets/{coin}/transactions?limit=1", headers=trader.headers).json()
    assert len(one["data"]) == 1 and one["has_more"] is True
    unknown = order_app.get("/assets/NOSUCH9/transactions", headers=trader.headers)
    assert (unknown.status_code, unknown.json()["code"]) == (404, "asset_not_found")
    assert order_app.get("/assets/no-no/transactions", headers=trader.headers).status_code == 422


@pytest.mark.parametrize("path", ["/orders", "/orders/ord_0123456789", "/assets/BTC/transactions"])
def test_order_routes_need_a_token(order_app: Any, path: str) -> None:
    assert order_app.get(path).status_code == 401
    assert order_app.post("/orders", json={}).status_code == 401


def test_an_expired_idempotency_record_no_longer_reserves_its_key(order_app: Any, user_app: Any, trader: TestUser,
                                                                  coin: str) -> None:
    """DynamoDB's TTL sweep can lag: a record past its expiry is treated as gone, and replaced."""
    import time

    from apps.common.models import IdempotencyItem

    first = order(order_app, trader, "market_buy", coin, "1", **{"Idempotency-Key": "old-key-1"})
    assert first.status_code == 201
    record = IdempotencyItem.get(IdempotencyItem.key_for(trader.username, "old-key-1"), "IDEMPOTENCY",
                                 consistent_read=True)
    record.update(actions=[IdempotencyItem.expires_at.set(int(time.time()) - 60)])
    again = order(order_app, trader, "market_buy", coin, "2", **{"Idempotency-Key": "old-key-1"})
    assert again.status_code == 201, again.text
    assert "Idempotent-Replayed" not in again.headers
    assert again.json()["data"]["order_id"] != first.json()["data"]["order_id"]
    replay = order(order_app, trader, "market_buy", coin, "2", **{"Idempotency-Key": "old-key-1"})
    assert replay.json() == again.json() and replay.headers["Idempotent-Replayed"] == "true"
    assert balance(user_app, trader) == "4940.00"
