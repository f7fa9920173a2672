"""The narrated walkthrough (DEMO-001): every public API through the gateway, then the guard rails.

Each step prints what it called, the status, the key fields of the answer and the latency, and checks
the status it expects: a walkthrough that does not behave fails loudly.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

PASSWORD = "Demo!Passw0rd42"


class WalkthroughFailed(RuntimeError):
    pass


@dataclass
class StepResult:
    title: str
    method: str
    path: str
    status: int
    millis: float
    summary: str


@dataclass
class Walkthrough:
    client: httpx.Client
    say: Callable[[str], None] = print
    results: list[StepResult] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def call(self, title: str, method: str, path: str, expect: int, keys: tuple[str, ...] = (),
             auth: bool = True, **kwargs: Any) -> Any:
        headers = {**(self.headers if auth else {}), **kwargs.pop("headers", {})}
        started = time.perf_counter()
        answer = self.client.request(method, path, headers=headers, **kwargs)
        millis = (time.perf_counter() - started) * 1000
        body = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
        summary = _summary(body, keys)
        self.results.append(StepResult(title, method, path, answer.status_code, millis, summary))
        mark = "ok " if answer.status_code == expect else "!! "
        self.say(f"{mark}{title:<34} {method:<4} {path:<44} {answer.status_code} {millis:7.1f} ms  {summary}")
        if answer.status_code != expect:
            raise WalkthroughFailed(f"{title}: expected {expect}, got {answer.status_code}: {answer.text[:300]}")
        return body


def _summary(body: Any, keys: tuple[str, ...]) -> str:
    data = body.get("data", body) if isinstance(body, dict) else body
    if isinstance(data, list):
        return f"{len(data)} items" + (f", first: {_pick(data[0], keys)}" if data and keys else "")
    return _pick(data, keys) if isinstance(data, dict) else ""


def _pick(item: dict[str, Any], keys: tuple[str, ...]) -> str:
    return ", ".join(f"{key}={item.get(key)!r}" for key in keys if key in item)


def run(gateway_url: str, say: Callable[[str], None] = print) -> list[StepResult]:
    username = f"demo_{os.urandom(4).hex()}"
    with httpx.Client(base_url=gateway_url, timeout=30, trust_env=False) as client:
        walk = Walkthrough(client, say)
        say(f"== the workflow, as user {username}, through the gateway at {gateway_url}")
        walk.call("register", "POST", "/api/v1/auth/register", 201, ("message",), auth=False, json={
            "username": username, "email": f"{username}@example.com", "password": PASSWORD,
            "first_name": "Demo", "last_name": "Trader"})
        token = walk.call("log in", "POST", "/api/v1/auth/login", 200, ("token_type", "expires_in"), auth=False,
                          json={"username": username, "password": PASSWORD})
        walk.headers = {"Authorization": f"Bearer {token['access_token']}"}
        walk.call("profile", "GET", "/api/v1/auth/profile", 200, ("username", "email", "first_name"))
        walk.call("deposit 5,000 USD", "POST", "/api/v1/balance/deposit", 201, ("message",),
                  json={"amount": 5000})
        walk.call("balance", "GET", "/api/v1/balance", 200, ("current_balance",))
        walk.call("list assets", "GET", "/api/v1/inventory/assets?limit=10", 200,
                  ("asset_id", "price_usd"), auth=False)
        walk.call("one asset and its price", "GET", "/api/v1/inventory/assets/eth", 200,
                  ("asset_id", "name", "price_usd", "price_change_percentage_24h"), auth=False)
        bought = walk.call("market buy 0.5 ETH", "POST", "/api/v1/orders", 201,
                           ("order_id", "price", "total_amount", "status"),
                           json={"order_type": "market_buy", "asset_id": "ETH", "quantity": "0.5"},
                           headers={"Idempotency-Key": f"demo-buy-{username}"})
        walk.call("same buy retried (idempotent)", "POST", "/api/v1/orders", 201, ("order_id", "total_amount"),
                  json={"order_type": "market_buy", "asset_id": "ETH", "quantity": "0.5"},
                  headers={"Idempotency-Key": f"demo-buy-{username}"})
        walk.call("market buy 0.01 BTC", "POST", "/api/v1/orders", 201, ("order_id", "price", "total_amount"),
                  json={"order_type": "market_buy", "asset_id": "BTC", "quantity": "0.01"})
        walk.call("market sell 0.2 ETH", "POST", "/api/v1/orders", 201, ("order_id", "price", "total_amount"),
                  json={"order_type": "market_sell", "asset_id": "ETH", "quantity": "0.2"})
        walk.call("ETH holding", "GET", "/api/v1/balance/asset/ETH", 200, ("quantity", "current_price",
                                                                          "total_value"))
        walk.call("portfolio", "GET", "/api/v1/portfolio", 200, ("usd_balance", "total_value"))
        walk.call("balance history", "GET", "/api/v1/balance/transactions?limit=10", 200, ("total_count",))
        walk.call("order list", "GET", "/api/v1/orders", 200, ("order_id", "order_type", "total_amount"))
        walk.call("order detail", "GET", f"/api/v1/orders/{bought['data']['order_id']}", 200,
                  ("order_id", "status", "created_at"))
        walk.call("ETH transactions", "GET", "/api/v1/assets/ETH/transactions", 200,
                  ("transaction_type", "quantity"))
        walk.call("AI insights", "GET", "/api/v1/insights/portfolio", 200, ("model", "cached", "summary"))
        walk.call("AI insights again (cached)", "GET", "/api/v1/insights/portfolio", 200, ("model", "cached"))

        say("== the guard rails")
        walk.call("bad token", "GET", "/api/v1/balance", 401, ("code", "message"), auth=False,
                  headers={"Authorization": "Bearer not.a.token"})
        walk.call("withdraw beyond the balance", "POST", "/api/v1/balance/withdraw", 422, ("code", "detail"),
                  json={"amount": 4999})
        walk.call("buy beyond the balance", "POST", "/api/v1/orders", 422, ("code", "detail"),
                  json={"order_type": "market_buy", "asset_id": "ETH", "quantity": "2.5"})
        walk.call("sell more than held", "POST", "/api/v1/orders", 422, ("code", "detail"),
                  json={"order_type": "market_sell", "asset_id": "BTC", "quantity": "0.05"})
        _burst_until_limited(walk, say)
        walk.call("log out (token revoked)", "POST", "/api/v1/auth/logout", 200, ("message",))
        walk.call("revoked token refused", "GET", "/api/v1/balance", 401, ("code",))
        return walk.results


def _burst_until_limited(walk: Walkthrough, say: Callable[[str], None], cap: int = 400) -> None:
    """A short burst on the insights route (local limit: 120 a minute per client) meets a 429."""
    for sent in range(1, cap + 1):
        answer = walk.client.get("/api/v1/insights/portfolio", headers=walk.headers)
        if answer.status_code == 429:
            say(f"ok {'burst of insights requests':<34} GET  {'/api/v1/insights/portfolio':<44} 429 "
                f"after {sent} requests  Retry-After={answer.headers.get('Retry-After')}, "
                f"X-RateLimit-Limit={answer.headers.get('X-RateLimit-Limit')}")
            walk.results.append(StepResult("burst meets the rate limit", "GET", "/api/v1/insights/portfolio",
                                           429, 0.0, f"after {sent} requests"))
            return
    raise WalkthroughFailed(f"{cap} insights requests in a burst never met a 429")
