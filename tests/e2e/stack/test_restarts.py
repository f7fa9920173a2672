"""Restarting components of a live local stack (`make restart`): revoked tokens stay revoked whatever Redis
loses, DynamoDB losing everything is reported and recovered from, and `make status` follows every pid."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from apps.common.models import dynamodb_connection
from apps.common.services import names
from apps.common.settings import PlatformSettings
from apps.gateway.response_cache import REVALIDATE
from ops.launcher import LocalPlatform
from ops.stack import runner
from ops.stack.config import StackSettings
from ops.tables import drop_tables, ensure_tables
from tests.support.users import PASSWORD, TestUser, registration
from tests.support.waiting import wait_until


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackSettings]:
    settings = StackSettings.on_free_ports(tmp_path_factory.mktemp("restarts"), aws_backend="dynamodb-local",
                                           redis_backend="redis-server", with_prometheus=False)
    runner.up(settings)
    yield settings
    assert runner.down(settings) == []


@pytest.fixture
def api(stack: StackSettings) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.gateway_url, timeout=10) as client:
        yield client


def sign_up(api: httpx.Client, account: dict[str, str] | None = None) -> TestUser:
    account = account or registration()
    assert api.post("/api/v1/auth/register", json=account).status_code == 201
    return log_in(api, account["username"])


def log_in(api: httpx.Client, username: str) -> TestUser:
    login = api.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert login.status_code == 200, login.text
    return TestUser(username.lower(), login.json()["access_token"])


def statuses_until_settled(api: httpx.Client, user: TestUser, seconds: float = 20.0) -> list[int]:
    """GET /balance until the answer is no longer 'retry' (503) or a connection error (-1)."""
    seen: list[int] = []

    def statuses_so_far() -> list[int]:
        try:
            seen.append(api.get("/api/v1/balance", headers=user.headers).status_code)
        except httpx.TransportError:
            seen.append(-1)
        return list(seen)

    return wait_until(statuses_so_far, lambda statuses: statuses[-1] not in (503, -1), timeout=seconds,
                      what="GET /balance to settle")


def health_until(url: str, done: Callable[[httpx.Response], bool], seconds: float = 15.0) -> httpx.Response:
    """Health answers are remembered for a few seconds: ask until one shows the change."""
    return wait_until(lambda: httpx.get(url), done, timeout=seconds, every=0.2, what=f"{url} to show the change")


def restart_followed_by_status(stack: StackSettings, name: str, lose_data: bool = False) -> None:
    before = {row.component.name: row.component.pid for row in runner.status(stack)}
    restarted = runner.restart(stack, name, lose_data=lose_data)
    rows = {row.component.name: row for row in runner.status(stack)}
    assert restarted.port == (stack.app_port(name) if name in names() else getattr(stack, f"{name}_port"))
    assert rows[name].component.pid == restarted.pid != before[name], "`make status` follows the new pid"
    assert rows[name].running


@pytest.mark.parametrize("lose_data", [False, True], ids=["restart", "restart-losing-its-data"])
def test_a_revoked_token_stays_revoked_across_a_redis_restart(
    stack: StackSettings, api: httpx.Client, lose_data: bool
) -> None:
    revoked, other = sign_up(api), sign_up(api)
    logout = api.post("/api/v1/auth/logout", headers=revoked.headers)
    assert logout.status_code == 200, logout.text
    assert api.get("/api/v1/balance", headers=revoked.headers).status_code == 401

    restart_followed_by_status(stack, "redis", lose_data=lose_data)

    seen = statuses_until_settled(api, revoked)
    assert seen[-1] == 401 and 200 not in seen, seen
    assert set(seen) <= {401, 503, -1}, "only 'retry' while the revocations are copied back, then 401"
    assert statuses_until_settled(api, other)[-1] == 200, "a token never revoked works again"
    assert api.get("/api/v1/balance", headers=revoked.headers).status_code == 401


def test_losing_every_table_is_reported_and_never_answered_with_money(stack: StackSettings, api: httpx.Client) -> None:
    user = sign_up(api)
    assert api.post("/api/v1/balance/deposit", json={"amount": 250}, headers=user.headers).status_code == 201
    dynamodb = dynamodb_connection(LocalPlatform(stack.aws_port, stack.redis_port, stack.table_prefix).settings())
    drop_tables(dynamodb, stack.table_prefix)

    health = health_until(f"{stack.app_url('user')}/health", lambda answer: answer.status_code == 503)
    balance = api.get("/api/v1/balance", headers=user.headers)
    # The catalogue answers from its last scan for CATALOGUE_CACHE_SECONDS; then the loss shows.
    listing = wait_until(lambda: api.get("/api/v1/inventory/assets", headers=REVALIDATE),
                         lambda answer: answer.status_code != 200, timeout=10, what="the listing to show the loss")
    assert (health.status_code, health.json()["checks"]["dynamodb"]) == (503, "tables_missing")
    assert balance.status_code == 503 and "current_balance" not in balance.text
    assert listing.status_code == 503 and int(listing.headers["Retry-After"]) >= 1

    ensure_tables(dynamodb, stack.table_prefix)
    catalogue = api.get("/api/v1/inventory/assets", headers=REVALIDATE).json()["data"]
    assert len(catalogue) >= 20, "the catalogue seeds itself again"
    assert health_until(f"{stack.app_url('user')}/health", lambda answer: answer.status_code == 200).json() == {
        "status": "healthy", "service": "user", "checks": {"dynamodb": "ok", "redis": "ok"}}
    assert api.get("/api/v1/balance", headers=user.headers).status_code == 401, "the account is gone with its table"


def test_dynamodb_restarted_empty_gets_its_tables_and_old_tokens_stay_with_old_accounts(
    stack: StackSettings, api: httpx.Client
) -> None:
    """DynamoDB Local keeps nothing across a restart. A name registered again is another account: the
    token of the lost account does not open the new one (once each app's last confirmation of the old
    account, at most TOKEN_ACCOUNT_CHECK_SECONDS old, has lapsed)."""
    account = registration()
    old = sign_up(api, account)
    assert api.post("/api/v1/balance/deposit", json={"amount": 100}, headers=old.headers).status_code == 201

    restart_followed_by_status(stack, "aws")
    # waits out the documented window: each app trusts its last confirmation of an account this long
    time.sleep(PlatformSettings.model_fields["token_account_check_seconds"].default)

    assert api.get("/api/v1/balance", headers=old.headers).status_code == 401
    new = sign_up(api, account)
    assert api.get("/api/v1/balance", headers=new.headers).json()["current_balance"] == "0.00"
    assert api.get("/api/v1/balance", headers=old.headers).status_code == 401
    assert api.post("/api/v1/balance/deposit", json={"amount": 5}, headers=old.headers).status_code == 401
    assert api.get("/api/v1/balance", headers=new.headers).json()["current_balance"] == "0.00"


def test_an_app_restarted_with_make_restart_serves_old_tokens(stack: StackSettings, api: httpx.Client) -> None:
    """The signing key outlives the auth app's restart (the stack keeps it), so sessions do too."""
    user = sign_up(api)
    restart_followed_by_status(stack, "auth")
    restart_followed_by_status(stack, "gateway")
    assert api.get("/api/v1/auth/profile", headers=user.headers).status_code == 200
    assert log_in(api, user.username).token


def test_a_login_block_survives_a_redis_restart(stack: StackSettings, api: httpx.Client, tmp_path: Path) -> None:
    """Last in this module: it blocks this machine's logins on this stack for the block period."""
    victim = sign_up(api)
    wrong = {"username": victim.username, "password": "Wr0ng!Password"}
    assert [api.post("/api/v1/auth/login", json=wrong).status_code for _ in range(5)] == [401] * 5
    assert api.post("/api/v1/auth/login", json=wrong).status_code == 403

    restart_followed_by_status(stack, "redis")

    right = {"username": victim.username, "password": PASSWORD}
    answer = wait_until(lambda: api.post("/api/v1/auth/login", json=right), lambda login: login.status_code != 503,
                        timeout=10, what="the login guard to answer again")
    assert answer.status_code == 403 and answer.json()["code"] == "AUTH_004"
