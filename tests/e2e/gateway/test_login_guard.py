"""The brute-force guard against what a review broke: concurrent bursts, guesses spread over many addresses,
and paths that matched one route while another path was forwarded."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from ops.raw_http import RawConnection
from tests.support.users import PASSWORD, registration

WRONG = "Wr0ng!Password"


@pytest.fixture(autouse=True)
def fresh_guard(redis_client: Any) -> Any:
    def clear() -> None:
        for key in redis_client.scan_iter("cnop:bruteforce:*"):
            redis_client.delete(key)

    clear()
    yield
    clear()


def test_a_burst_of_concurrent_guesses_gets_no_more_answers_than_the_limit(start_gateway: Any) -> None:
    gateway = start_gateway(GATEWAY_TRUSTED_PROXIES='["127.0.0.1/32"]')
    victim = registration()
    attacker = {"X-Forwarded-For": "203.0.113.90"}
    with httpx.Client(base_url=gateway, timeout=30, limits=httpx.Limits(max_connections=40)) as api:
        assert api.post("/api/v1/auth/register", json=victim).status_code == 201
        guess = {"username": victim["username"], "password": WRONG}
        with ThreadPoolExecutor(max_workers=30) as pool:
            statuses = list(pool.map(lambda _: api.post("/api/v1/auth/login", json=guess, headers=attacker)
                                     .status_code, range(30)))
        after = api.post("/api/v1/auth/login", json=guess, headers=attacker)
    assert statuses.count(401) <= 5, f"{statuses.count(401)} guesses were checked against the password"
    assert set(statuses) <= {401, 403, 429}, statuses
    assert (after.status_code, after.json()["code"]) == (403, "AUTH_004")


def test_many_users_logging_in_at_once_behind_one_address_are_not_held_back(start_gateway: Any) -> None:
    gateway = start_gateway(GATEWAY_TRUSTED_PROXIES='["127.0.0.1/32"]')
    office = {"X-Forwarded-For": "203.0.113.91"}
    accounts = [registration() for _ in range(10)]
    with httpx.Client(base_url=gateway, timeout=30, limits=httpx.Limits(max_connections=20)) as api:
        for account in accounts:
            assert api.post("/api/v1/auth/register", json=account).status_code == 201
        with ThreadPoolExecutor(max_workers=10) as pool:
            statuses = list(pool.map(lambda account: api.post(
                "/api/v1/auth/login", json={"username": account["username"], "password": PASSWORD},
                headers=office).status_code, accounts))
    assert statuses == [200] * 10


def test_guesses_at_one_account_from_many_addresses_lock_its_logins(start_gateway: Any) -> None:
    gateway = start_gateway(GATEWAY_TRUSTED_PROXIES='["127.0.0.1/32"]', GATEWAY_LOGIN_MAX_FAILURES_PER_USERNAME="6")
    victim, bystander = registration(), registration()
    with httpx.Client(base_url=gateway, timeout=30) as api:
        for account in (victim, bystander):
            assert api.post("/api/v1/auth/register", json=account).status_code == 201
        guess = {"username": victim["username"], "password": WRONG}
        spread = [api.post("/api/v1/auth/login", json=guess, headers={"X-Forwarded-For": f"198.51.100.{n}"})
                  for n in range(1, 9)]
        owner = api.post("/api/v1/auth/login", json={"username": victim["username"], "password": PASSWORD},
                         headers={"X-Forwarded-For": "192.0.2.200"})
        other = api.post("/api/v1/auth/login", json={"username": bystander["username"], "password": PASSWORD},
                         headers={"X-Forwarded-For": "198.51.100.1"})
    assert [answer.status_code for answer in spread] == [401] * 6 + [403] * 2
    assert (owner.status_code, owner.json()["code"]) == (403, "AUTH_004"), "locked whatever the address"
    assert int(owner.headers["Retry-After"]) > 0
    assert other.status_code == 200, "another account, even from an address that guessed, is unaffected"


@pytest.mark.parametrize("path", ["/%61pi/v1/inventory/assets/BTC", "/api%2Fv1/inventory/assets/BTC",
                                  "/api/v1/inventory/assets/BT%43"])
def test_the_path_forwarded_is_the_route_that_matched(gateway_url: str, path: str) -> None:
    with RawConnection(int(gateway_url.rsplit(":", 1)[1])) as connection:
        answer = connection.request("GET", path)
    assert answer.status == 200, answer.body
    assert answer.json()["data"]["asset_id"] == "BTC"
