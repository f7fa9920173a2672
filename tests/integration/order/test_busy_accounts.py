"""Accounts too busy to move money right now: the account's lock held by someone else, and DynamoDB transaction
conflicts that outlast the ledger's retries. Each answers 503 ``account_busy`` with Retry-After, writes
nothing, and leaves the account usable once the contention is gone."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from apps.common.locks import UserLocks
from apps.common.models import bind_models
from apps.common.settings import PlatformSettings
from apps.common.transactions import CONFLICT_RETRIES
from apps.user.main import create_app
from apps.user.settings import UserSettings
from ops.servers import ServerProcess
from tests.conftest import app_settings
from tests.support.dynamodb_conflicts import ConflictingDynamoDB
from tests.support.invariants import ledger_sum
from tests.support.market import listed_asset
from tests.support.users import TestUser, register_and_login

BUSY = (503, "account_busy", "1")


@pytest.fixture
def funded(auth_app: TestClient, user_app: TestClient) -> TestUser:
    user = register_and_login(auth_app)
    assert user_app.post("/balance/deposit", json={"amount": 100}, headers=user.headers).status_code == 201
    return user


def busy(answer: Any) -> tuple[int, str, str | None]:
    return answer.status_code, answer.json().get("code"), answer.headers.get("Retry-After")


def balance(client: TestClient, user: TestUser) -> str:
    return str(client.get("/balance", headers=user.headers).json()["current_balance"])


# --- the account's lock, held by someone else ----------------------------------------------------------------


@pytest.mark.parametrize("operation", ["deposit", "market buy"])
def test_a_request_that_cannot_get_the_account_s_lock_in_time_is_told_to_retry(
    user_app: TestClient, order_app: TestClient, funded: TestUser, redis_client: Redis, operation: str
) -> None:
    """The apps wait LOCK_WAIT_MS (2 s) for the lock, then give up without touching the account or the lock."""
    key = UserLocks.key(funded.username)
    coin = listed_asset(redis_client, "5.00")
    requests: dict[str, Callable[[], Any]] = {
        "deposit": lambda: user_app.post("/balance/deposit", json={"amount": 10}, headers=funded.headers),
        "market buy": lambda: order_app.post("/orders", headers=funded.headers,
                                             json={"order_type": "market_buy", "asset_id": coin, "quantity": "2"}),
    }
    send = requests[operation]
    assert redis_client.set(key, "held-by-the-test", px=60_000)
    try:
        refused = send()
        holder = redis_client.get(key)
    finally:
        redis_client.delete(key)
    assert busy(refused) == BUSY
    assert holder == "held-by-the-test", "the refused request neither took nor freed the lock"
    assert balance(user_app, funded) == "100.00"
    assert ledger_sum(funded.username) == 100
    assert send().status_code == 201, "the account works again once the lock is free"


# --- DynamoDB transaction conflicts -------------------------------------------------------------------------


@pytest.fixture
def conflicting_dynamodb(dynamodb_server: ServerProcess) -> Iterator[ConflictingDynamoDB]:
    proxy = ConflictingDynamoDB(dynamodb_server.port).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def user_app_via_proxy(tables: PlatformSettings, conflicting_dynamodb: ConflictingDynamoDB) -> Iterator[TestClient]:
    """The user app talking to DynamoDB through the proxy; 500s answered, not raised, as a caller sees them."""
    settings = app_settings(UserSettings, tables, aws_endpoint_url=conflicting_dynamodb.url)
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client
    finally:
        bind_models(tables)  # the app pointed every model at the proxy: back to DynamoDB Local for the next tests


def test_conflicts_that_outlast_the_retries_answer_account_busy_and_write_nothing(
    funded: TestUser, user_app_via_proxy: TestClient, conflicting_dynamodb: ConflictingDynamoDB, redis_client: Redis
) -> None:
    conflicting_dynamodb.conflicts = CONFLICT_RETRIES
    sent_before = conflicting_dynamodb.transactions_received
    refused = user_app_via_proxy.post("/balance/deposit", json={"amount": 10}, headers=funded.headers)
    assert busy(refused) == BUSY
    assert conflicting_dynamodb.transactions_received - sent_before == CONFLICT_RETRIES, "every retry, no more"
    assert balance(user_app_via_proxy, funded) == "100.00"
    assert ledger_sum(funded.username) == 100
    assert redis_client.exists(UserLocks.key(funded.username)) == 0, "the lock was let go"
    again = user_app_via_proxy.post("/balance/deposit", json={"amount": 10}, headers=funded.headers)
    assert again.status_code == 201, "the conflicts are over: the same request goes through"


def test_conflicts_within_the_retries_are_absorbed_and_applied_once(
    funded: TestUser, user_app_via_proxy: TestClient, conflicting_dynamodb: ConflictingDynamoDB
) -> None:
    conflicting_dynamodb.conflicts = CONFLICT_RETRIES - 1
    sent_before = conflicting_dynamodb.transactions_received
    deposited = user_app_via_proxy.post("/balance/deposit", json={"amount": 10}, headers=funded.headers)
    assert deposited.status_code == 201, deposited.text
    assert conflicting_dynamodb.transactions_received - sent_before == CONFLICT_RETRIES
    assert balance(user_app_via_proxy, funded) == "110.00"
    assert ledger_sum(funded.username) == 110
