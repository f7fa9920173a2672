"""The gateway answers the catalogue reads the inventory marks ``public, max-age=1`` from its cache for that
second, and never anything else: real gateway and inventory processes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apps.gateway.response_cache import REVALIDATE
from tests.support.market import listed_asset, set_price
from tests.support.metrics import sample_value
from tests.support.users import PASSWORD, registration
from tests.support.waiting import wait_until

HITS = "gateway_response_cache_lookups_total"


@pytest.fixture(scope="module")
def api(gateway_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gateway_url, timeout=30) as client:
        yield client


def hits(api: httpx.Client) -> float:
    return sample_value(api.get("/metrics").text, HITS, result="hit")


def price_of(answer: httpx.Response) -> str:
    return str(answer.json()["data"]["price_usd"])


def test_a_catalogue_read_is_answered_from_the_cache_until_its_max_age(api: httpx.Client, redis_client: Any) -> None:
    coin = listed_asset(redis_client, "40")
    path = f"/api/v1/inventory/assets/{coin}"
    wait_until(lambda: api.get(path, headers=REVALIDATE), lambda a: a.status_code == 200,
               timeout=10, what="the inventory to list the new asset")  # its catalogue is itself cached
    first = api.get(path, headers=REVALIDATE)
    assert first.headers["cache-control"] == "public, max-age=1" and "age" not in first.headers
    before = hits(api)

    set_price(redis_client, coin, "41")
    cached = api.get(path)
    assert (cached.status_code, price_of(cached), cached.headers["age"]) == (200, price_of(first), "0")
    assert cached.headers["x-request-id"] != first.headers["x-request-id"], "the gateway's own answer"
    assert "x-ratelimit-remaining" in cached.headers, "rate limits apply to cached answers too"
    assert hits(api) == before + 1

    fresh = api.get(path, headers=REVALIDATE)
    assert price_of(fresh) != price_of(first) and "age" not in fresh.headers
    later = wait_until(lambda: api.get(path), lambda a: price_of(a) == price_of(fresh), timeout=5,
                       what="the cached answer to expire after its max-age")
    assert later.status_code == 200


def test_not_found_answers_and_authenticated_reads_are_never_cached(api: httpx.Client) -> None:
    for _ in range(2):
        missing = api.get("/api/v1/inventory/assets/NOPE404")
        assert missing.status_code == 404 and "age" not in missing.headers
    body = registration()
    assert api.post("/api/v1/auth/register", json=body).status_code == 201
    token = api.post("/api/v1/auth/login", json={"username": body["username"], "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    for _ in range(2):
        balance = api.get("/api/v1/balance", headers=headers)
        assert balance.status_code == 200 and "age" not in balance.headers
        assert "cache-control" in balance.headers and balance.headers["cache-control"] == "no-store"
