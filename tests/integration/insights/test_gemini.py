"""The Gemini provider through the real google-genai SDK, against a local fake of Gemini's REST API.

Nothing leaves 127.0.0.1: the app's base URL points at ``tests.support.fake_gemini``, which answers as told
(a summary, too slowly, 429, 500, no text) and records what the SDK sent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from apps.common.settings import PlatformSettings
from tests.conftest import app_settings
from tests.support.fake_gemini import RETRY_DELAY_SECONDS, Behaviour, FakeGemini
from tests.support.trading import cache_items, insights, metric
from tests.support.users import TestUser

API_KEY = "fake-gemini-key-0123456789"  # not a real key; asserted never to reach a body or a log line
MODEL = "gemini-test-model"
MAX_OUTPUT_TOKENS = 200
MAX_PROMPT_CHARS = 1500


@pytest.fixture(scope="module")
def fake_gemini() -> Iterator[FakeGemini]:
    fake = FakeGemini(slow_seconds=5.0).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def gemini_app(tables: PlatformSettings, fake_gemini: FakeGemini) -> Iterator[Any]:
    """``auto`` with a key set chooses Gemini; half a second is the whole budget of a call."""
    from apps.insights.main import create_app
    from apps.insights.settings import InsightsSettings

    settings = app_settings(
        InsightsSettings, tables, provider="auto", gemini_api_key=SecretStr(API_KEY),
        gemini_base_url=fake_gemini.base_url, gemini_model=MODEL, gemini_timeout_seconds=0.5,
        max_output_tokens=MAX_OUTPUT_TOKENS, max_prompt_chars=MAX_PROMPT_CHARS,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_gemini_writes_the_analysis_from_a_bounded_prompt(gemini_app: Any, fake_gemini: FakeGemini,
                                                          investor: TestUser, coin: str) -> None:
    fake_gemini.answer("success", "  Your portfolio is  mostly cash.\nThe coin is a small position.  ")
    first = insights(gemini_app, investor)
    assert first == first | {"summary": "Your portfolio is mostly cash. The coin is a small position.",
                             "model": MODEL, "cached": False}

    [request] = fake_gemini.received
    assert request.model == MODEL and request.headers["x-goog-api-key"] == API_KEY
    assert request.generation_config["maxOutputTokens"] == MAX_OUTPUT_TOKENS
    assert "2 to 4" in request.body["systemInstruction"]["parts"][0]["text"]
    assert len(request.prompt) <= MAX_PROMPT_CHARS
    for fact in ("Total value: 1000.00", "Cash: 950.00", f"- {coin}: quantity 2.5", f"market_buy 2.5 {coin}"):
        assert fact in request.prompt

    second = insights(gemini_app, investor)
    assert second == first | {"cached": True}
    assert len(fake_gemini.received) == 1
    assert [item.model for item in cache_items(investor.username)] == [MODEL]


def test_an_offline_answer_is_not_reused_as_geminis(insights_app: Any, gemini_app: Any, fake_gemini: FakeGemini,
                                                    investor: TestUser) -> None:
    fake_gemini.answer("success", "A Gemini view. Of the same portfolio.")
    assert insights(insights_app, investor)["model"] == "offline-rules-v1"
    data = insights(gemini_app, investor)
    assert (data["model"], data["cached"]) == (MODEL, False)
    assert len(fake_gemini.received) == 1


@pytest.mark.parametrize(
    ("behaviour", "status", "code", "kind"),
    [
        ("slow", 504, "insights_model_timeout", "timeout"),
        ("rate_limited", 429, "insights_rate_limited", "rate_limited"),
        ("server_error", 502, "insights_model_error", "upstream_error"),
        ("empty", 502, "insights_model_error", "bad_answer"),
    ],
)
def test_model_failures_are_clear_errors_counted_once(
    gemini_app: Any, fake_gemini: FakeGemini, investor: TestUser, caplog: pytest.LogCaptureFixture,
    behaviour: Behaviour, status: int, code: str, kind: str,
) -> None:
    errors_before = metric(gemini_app, "insights_model_errors_total", provider="gemini", kind=kind)
    calls_before = metric(gemini_app, "insights_model_latency_seconds_count", provider="gemini")
    fake_gemini.answer(behaviour)
    with caplog.at_level(logging.DEBUG):
        response = gemini_app.get("/insights/portfolio", headers=investor.headers)

    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["detail"] and set(body) == {"detail", "code"}
    assert "insights: gemini" in caplog.text  # the failure is logged, and the log holds no key
    assert API_KEY not in response.text and API_KEY not in caplog.text
    if status == 429:
        assert response.headers["Retry-After"] == str(RETRY_DELAY_SECONDS)
    assert len(fake_gemini.received) == 1  # one attempt: the SDK retried nothing
    assert metric(gemini_app, "insights_model_errors_total", provider="gemini", kind=kind) == errors_before + 1
    assert metric(gemini_app, "insights_model_latency_seconds_count", provider="gemini") == calls_before + 1
    assert cache_items(investor.username) == []
