"""The gateway's security promises, each on a gateway process configured for the case."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from apps.gateway.response_cache import REVALIDATE
from ops.servers import free_port
from tests.support.metrics import sample_value
from tests.support.users import PASSWORD, registration
from tests.support.waiting import wait_until


@pytest.fixture(autouse=True)
def fresh_limits(redis_client: Any) -> Any:
    """Gateways share Redis: each case starts, and leaves, with no rate-limit or brute-force state."""

    def clear() -> None:
        for pattern in ("cnop:ratelimit:*", "cnop:bruteforce:*"):
            for key in redis_client.scan_iter(pattern):
                redis_client.delete(key)

    clear()
    yield
    clear()


def _limits(**groups: int) -> str:
    return json.dumps({group: {"limit": limit, "period_seconds": 60} for group, limit in groups.items()})


def test_rate_limit_headers_count_down_then_429_at_the_limit(start_gateway: Any) -> None:
    gateway = start_gateway(GATEWAY_RATE_LIMITS=_limits(public=5))
    remaining = []
    with httpx.Client(base_url=gateway) as api:
        for _ in range(5):
            answer = api.get("/api/v1/inventory/assets/BTC")
            assert answer.status_code == 200
            assert answer.headers["X-RateLimit-Limit"] == "5"
            remaining.append(int(answer.headers["X-RateLimit-Remaining"]))
        refused = api.get("/api/v1/inventory/assets")
        metrics = api.get("/metrics").text
    assert remaining == [4, 3, 2, 1, 0]
    assert refused.status_code == 429
    assert refused.json()["code"] == "RATE_001"
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert sample_value(metrics, "gateway_rate_limited_total", group="public") == 1


def test_forwarded_for_is_believed_only_from_trusted_proxies(start_gateway: Any) -> None:
    trusting = start_gateway(GATEWAY_RATE_LIMITS=_limits(public=3), GATEWAY_TRUSTED_PROXIES='["127.0.0.1/32"]')
    distrusting = start_gateway(GATEWAY_RATE_LIMITS=_limits(public=3))

    def statuses(base: str, forwarded_for: str, count: int) -> list[int]:
        with httpx.Client(base_url=base) as api:
            return [api.get("/api/v1/inventory/assets/ETH", headers={"X-Forwarded-For": forwarded_for}).status_code
                    for _ in range(count)]

    assert statuses(trusting, "203.0.113.5", 4) == [200, 200, 200, 429]
    assert statuses(trusting, "203.0.113.6", 1) == [200], "another client behind the proxy has its own bucket"
    assert statuses(distrusting, "203.0.113.5", 3) == [200, 200, 200]
    assert statuses(distrusting, "198.51.100.9", 1) == [429], "a spoofed header does not buy a new bucket"


def test_brute_force_guard_blocks_after_five_failed_logins(start_gateway: Any, gateway_url: str) -> None:
    gateway = start_gateway(GATEWAY_TRUSTED_PROXIES='["127.0.0.1/32"]')
    account = registration()
    with httpx.Client(base_url=gateway) as api:
        assert api.post("/api/v1/auth/register", json=account).status_code == 201
        attacker = {"X-Forwarded-For": "203.0.113.66"}
        wrong = {"username": account["username"], "password": "Wr0ng!Password"}
        failures = [api.post("/api/v1/auth/login", json=wrong, headers=attacker).status_code for _ in range(5)]
        right = {"username": account["username"], "password": PASSWORD}
        blocked = api.post("/api/v1/auth/login", json=right, headers=attacker)
        bystander = api.post("/api/v1/auth/login", json=right, headers={"X-Forwarded-For": "203.0.113.67"})
        metrics = api.get("/metrics").text
    assert failures == [401] * 5
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "AUTH_004"
    assert int(blocked.headers["Retry-After"]) > 0
    assert bystander.status_code == 200
    assert sample_value(metrics, "gateway_login_blocks_total") == 1


def test_a_login_to_another_account_does_not_wipe_the_failures_against_a_victim(start_gateway: Any) -> None:
    """4 wrong guesses at a victim, then a good login to the attacker's own account, repeated: the success
    clears only the attacker's own name, so the 5th guess at the victim blocks the client."""
    gateway = start_gateway(GATEWAY_TRUSTED_PROXIES='["127.0.0.1/32"]')
    victim, own = registration(), registration()
    attacker = {"X-Forwarded-For": "203.0.113.70"}
    with httpx.Client(base_url=gateway) as api:
        for account in (victim, own):
            assert api.post("/api/v1/auth/register", json=account).status_code == 201
        guess = {"username": victim["username"], "password": "Wr0ng!Password"}
        mine = {"username": own["username"].upper(), "password": PASSWORD}
        statuses = []
        for _ in range(3):
            statuses += [api.post("/api/v1/auth/login", json=guess, headers=attacker).status_code for _ in range(4)]
            statuses.append(api.post("/api/v1/auth/login", json=mine, headers=attacker).status_code)
    assert statuses[:5] == [401, 401, 401, 401, 200]
    assert statuses[5] == 401, "the 5th failure against the victim is counted and blocks the client"
    assert set(statuses[6:]) == {403}, statuses


def test_a_success_clears_the_failures_against_that_same_name(start_gateway: Any) -> None:
    """A user who mistypes their password four times and then gets it right starts afresh."""
    gateway = start_gateway(GATEWAY_TRUSTED_PROXIES='["127.0.0.1/32"]')
    account = registration()
    client = {"X-Forwarded-For": "203.0.113.71"}
    wrong = {"username": account["username"], "password": "Wr0ng!Password"}
    right = {"username": account["username"], "password": PASSWORD}
    with httpx.Client(base_url=gateway) as api:
        assert api.post("/api/v1/auth/register", json=account).status_code == 201
        first = [api.post("/api/v1/auth/login", json=wrong, headers=client).status_code for _ in range(4)]
        first.append(api.post("/api/v1/auth/login", json=right, headers=client).status_code)
        again = [api.post("/api/v1/auth/login", json=wrong, headers=client).status_code for _ in range(4)]
    assert first == [401] * 4 + [200]
    assert again == [401] * 4, "not blocked: the success cleared the earlier typos"


def test_breaker_opens_when_an_upstream_stops_and_closes_when_it_returns(
    start_gateway: Any, start_service: Any
) -> None:
    port = free_port()
    inventory = start_service("inventory", port)
    gateway = start_gateway(GATEWAY_INVENTORY_URL=f"http://127.0.0.1:{port}", GATEWAY_BREAKER_FAILURE_THRESHOLD="3",
                            GATEWAY_BREAKER_COOLDOWN_SECONDS="1")
    # Every read forwarded, none answered from the gateway's cache.
    with httpx.Client(base_url=gateway, timeout=10, headers=REVALIDATE) as api:
        assert api.get("/api/v1/inventory/assets/BTC").status_code == 200
        inventory.stop()
        unreachable = [api.get("/api/v1/inventory/assets/BTC") for _ in range(3)]
        open_answer = api.get("/api/v1/inventory/assets/BTC")
        assert api.get("/api/v1/balance").status_code == 401, "other upstreams are unaffected"
        open_metrics = api.get("/metrics").text

        inventory = start_service("inventory", port)
        try:
            recovered = _poll_until_ok(api, "/api/v1/inventory/assets/BTC")
            closed_metrics = api.get("/metrics").text
        finally:
            inventory.stop()

    for answer in unreachable:
        assert answer.status_code == 503 and answer.json()["code"] == "SVC_002"
        assert "circuit" not in answer.json()["message"].lower()
    assert open_answer.status_code == 503
    assert open_answer.json()["code"] == "SVC_002"
    assert "circuit open" in open_answer.json()["message"].lower()
    assert open_answer.headers["X-Circuit-State"] == "open"
    assert sample_value(open_metrics, "gateway_circuit_breaker_state", upstream="inventory") == 1
    assert sample_value(open_metrics, "gateway_circuit_breaker_rejections_total", upstream="inventory") >= 1
    assert recovered.status_code == 200
    assert sample_value(closed_metrics, "gateway_circuit_breaker_state", upstream="inventory") == 0
    assert sample_value(closed_metrics, "gateway_circuit_breaker_transitions_total", upstream="inventory",
                        to_state="closed") == 1


def _poll_until_ok(api: httpx.Client, path: str) -> httpx.Response:
    return wait_until(lambda: api.get(path), lambda answer: answer.status_code == 200, timeout=10,
                      what=f"GET {path} to answer 200 again")


def test_without_redis_public_routes_fail_open_and_private_ones_are_refused(start_gateway: Any) -> None:
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    open_gateway = start_gateway(REDIS_URL=dead_redis, REDIS_TIMEOUT_SECONDS="0.2")
    closed_gateway = start_gateway(REDIS_URL=dead_redis, REDIS_TIMEOUT_SECONDS="0.2",
                                   GATEWAY_RATE_LIMIT_FAIL_MODE="closed")
    with httpx.Client(base_url=open_gateway) as api:
        public = api.get("/api/v1/inventory/assets/BTC")
        private = api.get("/api/v1/balance", headers={"Authorization": f"Bearer {_any_valid_token(api)}"})
        metrics = api.get("/metrics").text
    with httpx.Client(base_url=closed_gateway) as api:
        refused = api.get("/api/v1/inventory/assets/BTC")
    assert public.status_code == 200
    assert "X-RateLimit-Limit" not in public.headers
    assert private.status_code == 503 and private.json()["code"] == "SVC_002"
    assert refused.status_code == 503 and refused.json()["code"] == "SVC_002"
    assert sample_value(metrics, "gateway_rate_limiter_unavailable_total", action="allowed") >= 1
    assert sample_value(metrics, "gateway_rate_limiter_unavailable_total", action="refused") >= 1


def _any_valid_token(api: httpx.Client) -> str:
    """Login goes to the auth app directly enough: its route is public, and auth has its own Redis."""
    account = registration()
    assert api.post("/api/v1/auth/register", json=account).status_code == 201
    login = api.post("/api/v1/auth/login", json={"username": account["username"], "password": PASSWORD})
    assert login.status_code == 200
    return str(login.json()["access_token"])
