"""Every contract route through the gateway, and every way a token can be bad, against real processes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apps.gateway.response_cache import REVALIDATE
from apps.gateway.route_table import ROUTES
from ops.tokens import mint
from tests.support.market import listed_asset
from tests.support.users import PASSWORD, registration
from tests.support.waiting import wait_until

GATEWAY_ERROR_KEYS = {"error", "message", "code", "timestamp"}


@pytest.fixture(scope="module")
def api(gateway_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="module")
def account(api: httpx.Client) -> dict[str, Any]:
    body = registration()
    assert api.post("/api/v1/auth/register", json=body).status_code == 201
    login = api.post("/api/v1/auth/login", json={"username": body["username"], "password": PASSWORD})
    assert login.status_code == 200
    token = login.json()["access_token"]
    return {"username": body["username"].lower(), "headers": {"Authorization": f"Bearer {token}"}}


def test_the_whole_contract_through_the_gateway(api: httpx.Client, account: dict[str, Any], redis_client: Any) -> None:
    headers = account["headers"]
    coin = listed_asset(redis_client, "40")
    assert api.get("/api/v1/auth/profile", headers=headers).json()["username"] == account["username"]
    updated = api.put("/api/v1/auth/profile", json={"first_name": "grace"}, headers=headers)
    assert updated.status_code == 200 and updated.json()["user"]["first_name"] == "Grace"

    listing = api.get("/api/v1/inventory/assets?limit=5")
    assert listing.status_code == 200 and len(listing.json()["data"]) == 5
    assert api.get("/api/v1/inventory/assets/btc").json()["data"]["asset_id"] == "BTC"

    assert api.post("/api/v1/balance/deposit", json={"amount": 500}, headers=headers).status_code == 201
    assert api.post("/api/v1/balance/withdraw", json={"amount": 100}, headers=headers).status_code == 201
    assert api.get("/api/v1/balance", headers=headers).json()["current_balance"] == "400.00"
    assert api.get("/api/v1/balance/transactions", headers=headers).json()["total_count"] == 2

    buy = api.post("/api/v1/orders", json={"order_type": "market_buy", "asset_id": coin, "quantity": "2"},
                   headers=headers)
    assert buy.status_code == 201, buy.text
    order_id = buy.json()["data"]["order_id"]
    sell = api.post("/api/v1/orders", json={"order_type": "market_sell", "asset_id": coin, "quantity": "0.5"},
                    headers=headers)
    assert sell.status_code == 201
    assert api.get(f"/api/v1/orders/{order_id}", headers=headers).json()["data"]["total_amount"] == "80.00"
    assert len(api.get("/api/v1/orders", headers=headers).json()["data"]) == 2
    assert len(api.get(f"/api/v1/assets/{coin}/transactions", headers=headers).json()["data"]) == 2
    assert api.get(f"/api/v1/balance/asset/{coin}", headers=headers).json()["quantity"] == "1.5"
    portfolio = api.get("/api/v1/portfolio", headers=headers).json()
    assert portfolio["usd_balance"] == "340.00" and portfolio["total_value"] == "400.00"
    analysis = api.get("/api/v1/insights/portfolio", headers=headers)
    assert analysis.status_code == 200
    assert analysis.json()["data"]["model"] == "offline-rules-v1"
    assert analysis.json()["data"]["cached"] is False
    assert api.get("/api/v1/insights/portfolio", headers=headers).json()["data"]["cached"] is True

    assert api.post("/api/v1/auth/logout", headers=headers).status_code == 200
    after = api.get("/api/v1/balance", headers=headers)
    assert after.status_code == 401 and after.json()["code"] == "AUTH_001"


def test_json_numbers_pass_through_unchanged(api: httpx.Client, account: dict[str, Any]) -> None:
    """The gateway forwards body bytes: 1e2 reaches the app as written (no re-serialising)."""
    fresh = _fresh_headers(api)
    raw = b'{"amount": 1.10e2}'
    answer = api.post("/api/v1/balance/deposit", content=raw, headers={**fresh, "Content-Type": "application/json"})
    assert answer.status_code == 201
    assert api.get("/api/v1/balance", headers=fresh).json()["current_balance"] == "110.00"


def _fresh_headers(api: httpx.Client) -> dict[str, str]:
    body = registration()
    assert api.post("/api/v1/auth/register", json=body).status_code == 201
    token = api.post("/api/v1/auth/login", json={"username": body["username"], "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {token['access_token']}"}


def _bad_tokens(signing_key: ec.EllipticCurvePrivateKey, revoked: str) -> dict[str, str | None]:
    valid = mint(signing_key, "nobody_in_particular")
    header, payload, signature = valid.split(".")
    tampered = ".".join([header, payload, ("A" if signature[0] != "A" else "B") + signature[1:]])
    return {
        "missing": None,
        "malformed": "not-a-jwt",
        "expired": mint(signing_key, "nobody_in_particular", iat=int(time.time()) - 7200,
                        exp=int(time.time()) - 3600),
        "tampered": tampered,
        "foreign_key": mint(ec.generate_private_key(ec.SECP256R1()), "nobody_in_particular"),
        "revoked": revoked,
    }


PROTECTED = [(method, spec.path) for spec in ROUTES if spec.auth for method in spec.methods]


def test_every_protected_route_refuses_every_bad_token(api: httpx.Client, signing_key: Any) -> None:
    victim = _fresh_headers(api)
    assert api.post("/api/v1/auth/logout", headers=victim).status_code == 200
    revoked = victim["Authorization"].removeprefix("Bearer ")
    for kind, token in _bad_tokens(signing_key, revoked).items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        for method, template in PROTECTED:
            path = template.replace("{order_id}", "ord_0123456789").replace("{asset_id}", "BTC")
            answer = api.request(method, path, headers=headers, json={} if method in ("POST", "PUT") else None)
            assert answer.status_code == 401, (kind, method, path, answer.text)
            body = answer.json()
            assert set(body) == GATEWAY_ERROR_KEYS and body["code"] == "AUTH_001", (kind, path)


def test_unknown_routes_and_bad_json(api: httpx.Client, account: dict[str, Any]) -> None:
    for method, path in [("GET", "/api/v1/nope"), ("GET", "/"), ("DELETE", "/api/v1/balance"),
                         ("GET", "/api/v2/balance")]:
        answer = api.request(method, path)
        assert answer.status_code == 404 and answer.headers["content-type"] == "application/json"
        assert answer.json()["code"] == "SVC_001"
    bad = api.post("/api/v1/auth/login", content=b"{not json", headers={"Content-Type": "application/json"})
    assert bad.status_code == 400 and bad.json()["code"] == "SVC_001"


def test_headers_on_every_response(api: httpx.Client, account: dict[str, Any]) -> None:
    for answer in (api.get("/api/v1/inventory/assets"), api.get("/api/v1/nope"), api.get("/health"),
                   api.get("/api/v1/balance", headers=account["headers"]), api.get("/api/v1/balance")):
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Referrer-Policy"] == "no-referrer"
        assert "default-src 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Request-ID"]
    listing = api.get("/api/v1/inventory/assets")
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(listing.headers.keys())
    private = api.get("/api/v1/auth/profile", headers=_fresh_headers(api))
    assert private.headers["Cache-Control"] == "no-store"


def test_request_id_is_returned_and_reaches_the_upstream_logs(api: httpx.Client, server_logs: Any) -> None:
    forwarded = REVALIDATE  # not answered from the gateway's cache: the upstream must see it
    answer = api.get("/api/v1/inventory/assets/ETH", headers={"X-Request-ID": "e2e-trace-0001", **forwarded})
    assert answer.headers["X-Request-ID"] == "e2e-trace-0001"
    generated = api.get("/api/v1/inventory/assets/ETH", headers=forwarded).headers["X-Request-ID"]
    assert len(generated) == 32

    def ids_logged() -> tuple[bool, bool]:
        log = (server_logs / "inventory.log").read_text()
        return "e2e-trace-0001" in log, generated in log

    wait_until(ids_logged, all, timeout=5, what="the client's and the generated request id in the inventory log")


def test_cors_for_configured_origins_only(api: httpx.Client) -> None:
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Authorization"}
    allowed = api.options("/api/v1/orders", headers={"Origin": "http://localhost:3000", **preflight})
    assert allowed.status_code == 204
    assert allowed.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert allowed.headers["Access-Control-Allow-Credentials"] == "true"
    refused = api.options("/api/v1/orders", headers={"Origin": "https://evil.example", **preflight})
    assert "Access-Control-Allow-Origin" not in refused.headers
    simple = api.get("/api/v1/inventory/assets", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in simple.headers


def test_health_aggregates_the_upstreams(api: httpx.Client) -> None:
    health = api.get("/health")
    assert health.status_code == 200
    body = health.json()
    assert body["service"] == "gateway"
    for name in ("auth", "user", "inventory", "order", "insights", "redis"):
        assert body["checks"][name] == "ok"
