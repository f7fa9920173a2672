"""The order app: market buys and sells, every refusal the contract names, history and idempotency."""

from __future__ import annotations

import os
import re
import time
from decimal import Decimal
from typing import Any

import pytest

from apps.common.locks import UserLocks
from apps.common.market import PriceCache
from apps.common.models import AssetItem, IdempotencyItem
from tests.support.invariants import assert_account_consistent
from tests.support.market import listed_asset, set_price
from tests.support.users import TestUser, register_and_login


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


def locations(refused: Any) -> list[list[str]]:
    """Where a 422 says the request is wrong: one ``loc`` per error."""
    return [error["loc"] for error in refused.json()["detail"]]


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


# one field of a valid order changed (None: left out) -> the field the 422 names, and its error type
INVALID_BODIES = {
    "zero quantity": ({"quantity": 0}, "quantity", "greater_than"),
    "negative quantity": ({"quantity": -1}, "quantity", "greater_than"),
    "quantity not a number": ({"quantity": "abc"}, "quantity", "value_error"),
    "quantity past 8 places": ({"quantity": "1.000000001"}, "quantity", "decimal_max_places"),
    "quantity with a digit separator": ({"quantity": "1_0"}, "quantity", "value_error"),
    "quantity in arabic-indic digits": ({"quantity": "\u0661"}, "quantity", "value_error"),
    "quantity padded": ({"quantity": " 1"}, "quantity", "value_error"),
    "quantity with a plus sign": ({"quantity": "+1"}, "quantity", "value_error"),
    "price in a fullwidth digit": ({"price": "\uff15"}, "price", "value_error"),
    "asset id with punctuation": ({"asset_id": "BTC!"}, "asset_id", "string_pattern_mismatch"),
    "zero price": ({"price": 0}, "price", "greater_than"),
    "unknown order type": ({"order_type": "stop_loss"}, "order_type", "literal_error"),
    "no order type": ({"order_type": None}, "order_type", "missing"),
}


@pytest.mark.parametrize(("change", "field", "error"), INVALID_BODIES.values(), ids=INVALID_BODIES.keys())
def test_invalid_order_bodies_are_refused_on_the_field_at_fault(
    order_app: Any, user_app: Any, trader: TestUser, coin: str, change: dict[str, Any], field: str, error: str
) -> None:
    """Each body is a valid order but for one field (on a listed coin the trader can afford), so the 422
    names that field and nothing else, and no order is placed."""
    valid = {"order_type": "market_buy", "asset_id": coin, "quantity": 1}
    body = {name: value for name, value in {**valid, **change}.items() if value is not None}
    response = order_app.post("/orders", json=body, headers=trader.headers)
    assert response.status_code == 422
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [(["body", field], error)]
    assert balance(user_app, trader) == "5000.00"


def test_the_valid_order_those_bodies_are_made_from_is_placed(order_app: Any, trader: TestUser, coin: str) -> None:
    assert order(order_app, trader, "market_buy", coin, 1).status_code == 201


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
    assert (bad_key.status_code, locations(bad_key)) == (422, [["header", "idempotency-key"]])
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
        refused = order_app.get(f"/orders?{query}", headers=trader.headers)
        assert (refused.status_code, locations(refused)) == (422, [["query", query.split("=")[0]]])


def test_get_order_is_private_to_its_owner(order_app: Any, auth_app: Any, trader: TestUser,
                                           coin: str) -> None:
    order_id = order(order_app, trader, "market_buy", coin, "1").json()["data"]["order_id"]
    mine = order_app.get(f"/orders/{order_id}", headers=trader.headers)
    assert mine.status_code == 200 and mine.json()["data"]["order_id"] == order_id
    stranger = register_and_login(auth_app)
    theirs = order_app.get(f"/orders/{order_id}", headers=stranger.headers)
    assert (theirs.status_code, theirs.json()["code"]) == (404, "order_not_found")
    assert order_app.get("/orders/ord_doesnotexist000", headers=trader.headers).status_code == 404
    for malformed in ("short", "has-dash-in-it"):
        refused = order_app.get(f"/orders/{malformed}", headers=trader.headers)
        assert (refused.status_code, locations(refused)) == (422, [["path", "order_id"]])


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
    malformed = order_app.get("/assets/no-no/transactions", headers=trader.headers)
    assert (malformed.status_code, locations(malformed)) == (422, [["path", "asset_id"]])


@pytest.mark.parametrize("path", ["/orders", "/orders/ord_0123456789", "/assets/BTC/transactions"])
def test_order_routes_need_a_token(order_app: Any, path: str) -> None:
    for answer in (order_app.get(path), order_app.post("/orders", json={})):
        assert (answer.status_code, answer.json()["code"]) == (401, "not_authenticated")


def test_an_expired_idempotency_record_no_longer_reserves_its_key(order_app: Any, user_app: Any, trader: TestUser,
                                                                  coin: str) -> None:
    """DynamoDB's TTL sweep can lag: a record past its expiry is treated as gone, and replaced."""
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


def test_an_asset_without_a_usable_price_is_busy_not_refused(order_app: Any, user_app: Any, trader: TestUser,
                                                             redis_client: Any) -> None:
    """Listed and active, but no price in the cache and none stored: retry later (503), and nothing traded."""
    unpriced = "T" + os.urandom(4).hex().upper()
    AssetItem(unpriced, name="Unpriced Coin", symbol=unpriced, price_usd=Decimal("0"), is_active=True).save()
    assert PriceCache(redis_client).get(unpriced) is None
    answer = order(order_app, trader, "market_buy", unpriced, "1")
    assert (answer.status_code, answer.json()["code"]) == (503, "price_unavailable")
    assert answer.headers["Retry-After"] == "1"
    assert balance(user_app, trader) == "5000.00"
    assert order_app.get("/orders", headers=trader.headers).json()["data"] == []
    assert redis_client.exists(UserLocks.key(trader.username)) == 0, "the refusal let go of the account's lock"


def test_a_key_whose_order_is_not_visible_yet_answers_order_pending(order_app: Any, user_app: Any,
                                                                     trader: TestUser, coin: str) -> None:
    """The idempotency record exists (the same request, a live key) but its order cannot be read: the order
    is not placed a second time, and the client is told to ask again (503 order_pending)."""
    placed = order(order_app, trader, "market_buy", coin, "1", **{"Idempotency-Key": "seen-key-1"})
    assert placed.status_code == 201
    seen = IdempotencyItem.get(IdempotencyItem.key_for(trader.username, "seen-key-1"), "IDEMPOTENCY",
                               consistent_read=True)
    IdempotencyItem(IdempotencyItem.key_for(trader.username, "pending-key-1"), order_id="ord_notwrittenyet0000",
                    request_hash=seen.request_hash, expires_at=int(time.time()) + 3600).save()
    pending = order(order_app, trader, "market_buy", coin, "1", **{"Idempotency-Key": "pending-key-1"})
    assert (pending.status_code, pending.json()["code"]) == (503, "order_pending")
    assert pending.headers["Retry-After"] == "1"
    assert balance(user_app, trader) == "4980.00", "only the first order was paid for"
    assert [o["order_id"] for o in order_app.get("/orders", headers=trader.headers).json()["data"]] == [
        placed.json()["data"]["order_id"]]
