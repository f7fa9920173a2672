"""The insights app on its offline analyst, against real servers: answers, empty portfolios, cache, auth."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from apps.common.settings import PlatformSettings
from tests.conftest import app_settings
from tests.support.trading import buy, cache_items, deposit, insights, metric
from tests.support.users import TestUser, register_and_login

OFFLINE_MODEL = "offline-rules-v1"
DAY_SECONDS = 86400


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


def test_insights_need_a_token(insights_app: Any) -> None:
    response = insights_app.get("/insights/portfolio")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_offline_analyst_describes_the_portfolio(insights_app: Any, investor: TestUser, coin: str) -> None:
    data = insights(insights_app, investor)
    assert data["model"] == OFFLINE_MODEL
    assert data["cached"] is False
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", data["generated_at"])
    assert 2 <= len(sentences(data["summary"])) <= 4
    for fact in (coin, "5.00%", "1000.00 USD", "95.00%", "market buy of 2.5"):
        assert fact in data["summary"]


def test_offline_analyst_is_deterministic(insights_app: Any, auth_app: Any, user_app: Any, order_app: Any,
                                          investor: TestUser, coin: str) -> None:
    twin = register_and_login(auth_app)
    deposit(user_app, twin, 1000)
    buy(order_app, twin, coin, "2.5")
    first, second = insights(insights_app, investor), insights(insights_app, twin)
    assert (first["cached"], second["cached"]) == (False, False)
    assert first["summary"] == second["summary"]


def test_empty_portfolio_asks_for_a_deposit_without_a_model_call(insights_app: Any, auth_app: Any) -> None:
    user = register_and_login(auth_app)
    calls_before = metric(insights_app, "insights_model_latency_seconds_count", provider="offline")
    data = insights(insights_app, user)
    assert "Deposit" in data["summary"] and data["model"] == "none" and data["cached"] is False
    assert metric(insights_app, "insights_model_latency_seconds_count", provider="offline") == calls_before
    assert cache_items(user.username) == []


def test_cache_miss_then_hit_then_new_state_after_a_deposit(insights_app: Any, user_app: Any, investor: TestUser,
                                                             tables: PlatformSettings) -> None:
    hits, misses = (metric(insights_app, "insights_cache_lookups_total", result=r) for r in ("hit", "miss"))
    first = insights(insights_app, investor)
    second = insights(insights_app, investor)
    assert (first["cached"], second["cached"]) == (False, True)
    assert second["summary"] == first["summary"] and second["generated_at"] == first["generated_at"]
    assert metric(insights_app, "insights_cache_lookups_total", result="hit") == hits + 1
    assert metric(insights_app, "insights_cache_lookups_total", result="miss") == misses + 1

    [item] = cache_items(investor.username)
    assert re.fullmatch(r"INSIGHTS#[0-9a-f]{64}", item.cache_key)
    assert (item.summary, item.model) == (first["summary"], OFFLINE_MODEL)
    assert abs(item.expires_at - (time.time() + DAY_SECONDS)) < 300  # a day ahead, give or take the run

    deposit(user_app, investor, 10)
    third = insights(insights_app, investor)
    assert third["cached"] is False and "960.00 USD" in third["summary"]
    assert {i.cache_key for i in cache_items(investor.username)} > {item.cache_key}
    assert len(cache_items(investor.username)) == 2


@pytest.fixture(scope="module")
def forced_gemini_app(tables: PlatformSettings) -> Iterator[Any]:
    from apps.insights.main import create_app
    from apps.insights.settings import InsightsSettings

    settings = app_settings(InsightsSettings, tables, provider="gemini", gemini_api_key=None)
    with TestClient(create_app(settings)) as client:
        yield client


def test_forced_gemini_without_a_key_is_503(forced_gemini_app: Any, investor: TestUser) -> None:
    response = forced_gemini_app.get("/insights/portfolio", headers=investor.headers)
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "insights_provider_not_configured"
    assert "gemini" in body["detail"] and "not configured" in body["detail"]
    assert cache_items(investor.username) == []


def test_forced_gemini_without_a_key_still_answers_an_empty_portfolio(forced_gemini_app: Any,
                                                                      auth_app: Any) -> None:
    data = insights(forced_gemini_app, register_and_login(auth_app))
    assert data["model"] == "none"
