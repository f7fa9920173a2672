"""The user app: balance, deposits, withdrawals, history, holdings and portfolio, against real servers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from apps.common.clock import utc_now
from apps.common.market import PRICES_KEY
from apps.common.models import BalanceItem, DailyTotalsItem, dynamodb_connection
from tests.support.invariants import assert_account_consistent, ledger_sum
from tests.support.market import listed_asset, set_price
from tests.support.users import TestUser, register_and_login


@pytest.fixture
def user(auth_app: Any) -> TestUser:
    return register_and_login(auth_app)


def deposit(client: Any, user: TestUser, amount: Any) -> Any:
    return client.post("/balance/deposit", json={"amount": amount}, headers=user.headers)


def errors(refused: Any) -> list[tuple[list[str], str]]:
    """What a 422 says is wrong: (``loc``, ``type``) of each error."""
    return [(error["loc"], error["type"]) for error in refused.json()["detail"]]


def balance_of(client: Any, user: TestUser) -> str:
    response = client.get("/balance", headers=user.headers)
    assert response.status_code == 200
    return str(response.json()["current_balance"])


def test_new_user_has_zero_balance(user_app: Any, user: TestUser) -> None:
    body = user_app.get("/balance", headers=user.headers).json()
    assert body["current_balance"] == "0.00"
    assert body["updated_at"].endswith("Z")


@pytest.mark.parametrize("path", ["/balance", "/balance/transactions", "/portfolio", "/balance/asset/BTC"])
def test_reads_need_a_token(user_app: Any, path: str) -> None:
    response = user_app.get(path)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_deposit_and_withdraw_move_the_balance_and_write_records(user_app: Any, user: TestUser) -> None:
    created = deposit(user_app, user, 250.5)
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True and body["transaction_id"] and body["timestamp"].endswith("Z")
    withdrawn = user_app.post("/balance/withdraw", json={"amount": "100.25"}, headers=user.headers)
    assert withdrawn.status_code == 201
    assert balance_of(user_app, user) == "150.25"
    assert ledger_sum(user.username) == Decimal("150.25")


BAD_AMOUNTS = {
    "zero": (0, "greater_than"),
    "negative": (-5, "greater_than"),
    "over the schema's maximum (and over the daily limits)": (1_000_000.01, "less_than_equal"),
    "a fraction of a cent": (10.001, "decimal_max_places"),
    "words": ("ten", "value_error"),
    "null": (None, "decimal_type"),
    "a boolean": (True, "decimal_type"),
    "NaN as text": ("NaN", "value_error"),
    "Infinity as text": ("Infinity", "value_error"),
    "a list": ([], "decimal_type"),
    "an object": ({}, "decimal_type"),
}


@pytest.mark.parametrize(("amount", "error"), BAD_AMOUNTS.values(), ids=BAD_AMOUNTS.keys())
def test_bad_amounts_are_refused_by_the_schema_and_change_nothing(user_app: Any, user: TestUser, amount: Any,
                                                                  error: str) -> None:
    """The body's own rule refuses each one, not a later one (the daily limit, the balance) that a 422
    from the ledger would also explain."""
    assert deposit(user_app, user, 10).status_code == 201
    for path in ("/balance/deposit", "/balance/withdraw"):
        response = user_app.post(path, json={"amount": amount}, headers=user.headers)
        assert response.status_code == 422, (path, amount, response.text)
        assert errors(response) == [(["body", "amount"], error)], path
    assert balance_of(user_app, user) == "10.00"


NOT_PLAIN_DECIMALS = {"digit-separator": "1_000", "arabic-indic": "\u0661\u0662", "fullwidth": "\uff11\uff10",
                      "padded": " 10 ", "plus-sign": "+5", "exponent": "1e3", "trailing-point": "10.",
                      "leading-point": ".5", "trailing-newline": "10\n"}


@pytest.mark.parametrize("amount", NOT_PLAIN_DECIMALS.values(), ids=NOT_PLAIN_DECIMALS.keys())
def test_money_as_text_is_ascii_digits_only(user_app: Any, user: TestUser, amount: str) -> None:
    assert deposit(user_app, user, 10).status_code == 201
    for path in ("/balance/deposit", "/balance/withdraw"):
        response = user_app.post(path, json={"amount": amount}, headers=user.headers)
        assert response.status_code == 422, (path, amount, response.text)
        assert [error["loc"] for error in response.json()["detail"]] == [["body", "amount"]]
    assert balance_of(user_app, user) == "10.00"
    assert deposit(user_app, user, "10.50").status_code == 201, "a plain decimal string is still money"


def test_missing_or_malformed_body_is_422(user_app: Any, user: TestUser) -> None:
    as_json = {**user.headers, "Content-Type": "application/json"}
    missing = user_app.post("/balance/deposit", json={}, headers=user.headers)
    assert (missing.status_code, errors(missing)) == (422, [(["body", "amount"], "missing")])
    for raw in (b'{"amount": 1e400}', b'{"amount": NaN}', b'{"amount": -Infinity}'):
        refused = user_app.post("/balance/deposit", content=raw, headers=as_json)
        assert (refused.status_code, errors(refused)) == (422, [(["body", "amount"], "finite_number")]), raw
    broken = user_app.post("/balance/deposit", content=b"{not json", headers=as_json)
    assert (broken.status_code, [error["type"] for error in broken.json()["detail"]]) == (422, ["json_invalid"])
    assert balance_of(user_app, user) == "0.00"


def test_withdrawing_more_than_the_balance_is_refused(user_app: Any, user: TestUser) -> None:
    assert deposit(user_app, user, 50).status_code == 201
    response = user_app.post("/balance/withdraw", json={"amount": 50.01}, headers=user.headers)
    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_balance"
    assert balance_of(user_app, user) == "50.00"
    assert user_app.get("/balance/transactions", headers=user.headers).json()["total_count"] == 1


def test_daily_deposit_limit(user_app: Any, user: TestUser) -> None:
    assert deposit(user_app, user, 6000).status_code == 201
    assert deposit(user_app, user, 4000).status_code == 201
    over = deposit(user_app, user, 0.01)
    assert over.status_code == 422
    assert over.json()["code"] == "daily_limit_exceeded"
    assert balance_of(user_app, user) == "10000.00"


def test_single_deposit_above_the_daily_limit(user_app: Any, user: TestUser) -> None:
    response = deposit(user_app, user, 10_000.01)
    assert response.status_code == 422
    assert response.json()["code"] == "daily_limit_exceeded"
    assert balance_of(user_app, user) == "0.00"


def test_daily_withdraw_limit(user_app: Any, user: TestUser) -> None:
    assert deposit(user_app, user, 9000).status_code == 201
    ok = user_app.post("/balance/withdraw", json={"amount": 5000}, headers=user.headers)
    assert ok.status_code == 201
    over = user_app.post("/balance/withdraw", json={"amount": 1}, headers=user.headers)
    assert over.status_code == 422
    assert over.json()["code"] == "daily_limit_exceeded"
    assert balance_of(user_app, user) == "4000.00"


@pytest.mark.parametrize(("kind", "counter", "limit"),
                         [("deposit", "deposited", 10_000), ("withdraw", "withdrawn", 5000)])
def test_the_previous_utc_day_s_totals_do_not_count_today(user_app: Any, user: TestUser, kind: str, counter: str,
                                                          limit: int) -> None:
    """Totals are kept per UTC day: yesterday's, at the limit, leave today's whole limit free, and today's
    movement goes to today's totals. (Crossing midnight itself needs a clock the ledger does not take yet.)"""
    assert deposit(user_app, user, 9000).status_code == 201
    yesterday = (utc_now() - timedelta(days=1)).date().isoformat()
    DailyTotalsItem(user.username, DailyTotalsItem.key_for(yesterday), **{counter: Decimal(limit)}).save()
    amount = limit - 9000 if kind == "deposit" else limit
    moved = user_app.post(f"/balance/{kind}", json={"amount": amount}, headers=user.headers)
    assert moved.status_code == 201, moved.text
    today = moved.json()["timestamp"][:10]
    totals = {item.day: getattr(item, counter)
              for item in DailyTotalsItem.query(user.username, DailyTotalsItem.day.startswith("DAILY#"),
                                                consistent_read=True)}
    today_total = 9000 + amount if kind == "deposit" else amount
    assert totals == {DailyTotalsItem.key_for(yesterday): limit, DailyTotalsItem.key_for(today): today_total}


def test_transactions_newest_first_with_offset_and_cursor(user_app: Any, user: TestUser) -> None:
    amounts = [1, 2, 3, 4, 5]
    for amount in amounts:
        assert deposit(user_app, user, amount).status_code == 201
    assert user_app.post("/balance/withdraw", json={"amount": 2}, headers=user.headers).status_code == 201
    everything = user_app.get("/balance/transactions", headers=user.headers).json()
    assert everything["total_count"] == 6 and everything["has_more"] is False
    listed = [t["amount"] for t in everything["transactions"]]
    assert listed == ["-2.00", "5.00", "4.00", "3.00", "2.00", "1.00"]
    assert [t["transaction_type"] for t in everything["transactions"][:2]] == ["withdraw", "deposit"]

    page = user_app.get("/balance/transactions?limit=2&offset=1", headers=user.headers).json()
    assert [t["amount"] for t in page["transactions"]] == ["5.00", "4.00"]
    assert page["has_more"] is True
    after = user_app.get(f"/balance/transactions?limit=10&cursor={page['next_cursor']}",
                         headers=user.headers).json()
    assert [t["amount"] for t in after["transactions"]] == ["3.00", "2.00", "1.00"]
    assert after["has_more"] is False and after["next_cursor"] is None


@pytest.mark.parametrize(("query", "error"), [("limit=0", "greater_than_equal"), ("limit=101", "less_than_equal"),
                                              ("offset=-1", "greater_than_equal"),
                                              ("cursor=nope", "string_pattern_mismatch"), ("limit=abc", "int_parsing")])
def test_transaction_paging_is_validated(user_app: Any, user: TestUser, query: str, error: str) -> None:
    response = user_app.get(f"/balance/transactions?{query}", headers=user.headers)
    assert (response.status_code, errors(response)) == (422, [(["query", query.split("=")[0]], error)])


def test_asset_balance_and_portfolio(user_app: Any, order_app: Any, user: TestUser, redis_client: Any) -> None:
    cheap = listed_asset(redis_client, "2.50", name="Cheap Coin")
    dear = listed_asset(redis_client, "100", name="Dear Coin")
    assert deposit(user_app, user, 1000).status_code == 201
    for asset, quantity in ((cheap, "40"), (dear, "3")):
        order = {"order_type": "market_buy", "asset_id": asset, "quantity": quantity}
        assert order_app.post("/orders", json=order, headers=user.headers).status_code == 201

    holding = user_app.get(f"/balance/asset/{cheap.lower()}", headers=user.headers)
    assert holding.status_code == 200
    assert holding.json() | {"created_at": None, "updated_at": None} == {
        "asset_id": cheap, "asset_name": "Cheap Coin", "quantity": "40", "current_price": "2.5",
        "total_value": "100.00", "created_at": None, "updated_at": None,
    }
    portfolio = user_app.get("/portfolio", headers=user.headers).json()
    assert portfolio["usd_balance"] == "600.00"
    assert portfolio["total_value"] == "1000.00"
    by_asset = {entry["asset_id"]: entry for entry in portfolio["assets"]}
    assert by_asset[dear] == {"asset_id": dear, "quantity": "3", "current_price": "100",
                              "market_value": "300.00", "percentage": "30.00"}
    assert by_asset[cheap]["percentage"] == "10.00"
    assert_account_consistent(user.username, [cheap, dear])

    set_price(redis_client, dear, "200")  # the holdings' prices are read from the cache in one round trip
    redis_client.hdel(PRICES_KEY, cheap)  # and an asset the cache lacks is priced from the catalogue
    repriced = {e["asset_id"]: e for e in user_app.get("/portfolio", headers=user.headers).json()["assets"]}
    assert (repriced[dear]["market_value"], repriced[cheap]["current_price"]) == ("600.00", "2.5")

    sell_all = {"order_type": "market_sell", "asset_id": dear, "quantity": "3"}
    assert order_app.post("/orders", json=sell_all, headers=user.headers).status_code == 201
    after_sale = user_app.get("/portfolio", headers=user.headers).json()
    assert [entry["asset_id"] for entry in after_sale["assets"]] == [cheap]  # a holding sold out is not shown
    assert after_sale["usd_balance"] == "1200.00"


def test_asset_balance_errors(user_app: Any, user: TestUser) -> None:
    missing = user_app.get("/balance/asset/ETH", headers=user.headers)
    assert missing.status_code == 404
    assert missing.json()["code"] == "asset_balance_not_found"
    for malformed in ("BAD-ID!", "ABCDEFGHIJK"):
        refused = user_app.get(f"/balance/asset/{malformed}", headers=user.headers)
        assert (refused.status_code, errors(refused)) == (422, [(["path", "asset_id"], "string_pattern_mismatch")])


def test_empty_portfolio(user_app: Any, user: TestUser) -> None:
    body = user_app.get("/portfolio", headers=user.headers).json()
    assert body == {"assets": [], "usd_balance": "0.00", "total_value": "0.00"}


def test_every_response_has_a_request_id(user_app: Any, user: TestUser) -> None:
    echoed = user_app.get("/balance", headers={**user.headers, "X-Request-ID": "trace-12345678"})
    assert echoed.headers["X-Request-ID"] == "trace-12345678"
    replaced = user_app.get("/balance", headers={**user.headers, "X-Request-ID": "bad id\twith spaces"})
    assert replaced.headers["X-Request-ID"] != "bad id\twith spaces"
    assert len(replaced.headers["X-Request-ID"]) == 32


def test_an_account_without_a_balance_item_is_told_so_not_to_retry(
    user_app: Any, order_app: Any, user: TestUser, redis_client: Any
) -> None:
    """A permanent state (the item was lost) answers 404 balance_not_found, never 503 retry_later."""
    coin = listed_asset(redis_client, "5.00")
    assert deposit(user_app, user, 100).status_code == 201
    BalanceItem(user.username).delete()
    answers = [
        deposit(user_app, user, 10),
        user_app.post("/balance/withdraw", json={"amount": 10}, headers=user.headers),
        order_app.post("/orders", json={"order_type": "market_buy", "asset_id": coin, "quantity": "1"},
                       headers=user.headers),
        user_app.get("/balance", headers=user.headers),
        user_app.get("/portfolio", headers=user.headers),
    ]
    assert [(a.status_code, a.json()["code"]) for a in answers] == [(404, "balance_not_found")] * 5
    assert BalanceItem.find(user.username, consistent=True) is None, "nothing was written"


def test_the_daily_limit_rolls_over_at_midnight_utc(auth_app: Any, tables: Any) -> None:
    """A full day's deposits just before midnight, then a full day's again just after: both go through,
    each counted against its own UTC day."""
    from apps.common.ledger import DailyLimitExceeded, Ledger

    user = register_and_login(auth_app)
    moments = iter([datetime(2030, 1, 1, 23, 59, 59, 900_000, tzinfo=UTC),
                    datetime(2030, 1, 1, 23, 59, 59, 999_999, tzinfo=UTC),
                    datetime(2030, 1, 2, 0, 0, 0, tzinfo=UTC)])
    ledger = Ledger(dynamodb_connection(tables), clock=lambda: next(moments))
    limit = Decimal("10000")
    ledger.deposit(user.username, limit, limit)
    with pytest.raises(DailyLimitExceeded):
        ledger.deposit(user.username, Decimal("0.01"), limit)
    ledger.deposit(user.username, limit, limit)
    totals = {item.day: item.deposited
              for item in DailyTotalsItem.query(user.username, DailyTotalsItem.day.startswith("DAILY#2030"))}
    assert totals == {"DAILY#2030-01-01": limit, "DAILY#2030-01-02": limit}
    assert ledger_sum(user.username) == 2 * limit
