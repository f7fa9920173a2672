"""The offline analyst, the choice of provider and the mapping of Gemini's errors: pure logic, no servers."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal
from typing import Any

import pytest
from google.genai import errors
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from apps.common.money import usd
from apps.common.portfolio import Holding, PortfolioSnapshot
from apps.insights.aggregation import OrderFact, PortfolioFacts
from apps.insights.analysts import OfflineAnalyst, choose_analyst, rule_based_summary
from apps.insights.errors import ModelRateLimited, ModelTimeout
from apps.insights.gemini import GeminiAnalyst, _api_failure
from apps.insights.settings import InsightsSettings
from tests.unit.insights.test_aggregation import facts, holding, order


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1000000"), places=2)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("100000"), places=6)
prices = st.none() | st.decimals(min_value=Decimal("0.000001"), max_value=Decimal("100000"), places=6)
asset_ids = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=10)


@st.composite
def portfolios(draw: Any) -> PortfolioFacts:
    held = []
    for asset_id in draw(st.lists(asset_ids, max_size=12, unique=True)):
        quantity, price = draw(quantities), draw(prices)
        held.append(Holding(asset_id, quantity, price, usd(quantity * price) if price is not None else Decimal(0)))
    held.sort(key=lambda h: (-h.market_value, h.asset_id))
    cash = draw(amounts) if not held else draw(st.just(Decimal("0.00")) | amounts)
    orders = [OrderFact(f"o{i}", draw(st.sampled_from(["market_buy", "market_sell"])), draw(asset_ids),
                        draw(quantities), draw(amounts), draw(amounts), f"2026-11-29T12:00:{i:02d}Z")
              for i in range(draw(st.integers(0, 10)))]
    return PortfolioFacts(PortfolioSnapshot(cash, tuple(held)), tuple(orders))


@given(portfolios())
def test_offline_analysis_is_two_to_four_sentences_and_deterministic(portfolio: PortfolioFacts) -> None:
    text = rule_based_summary(portfolio)
    assert 2 <= len(sentences(text)) <= 4, text
    assert rule_based_summary(portfolio) == text


def test_offline_analysis_covers_concentration_cash_and_activity() -> None:
    text = rule_based_summary(facts(holdings=(holding("BTC", "1", "9000"), holding("ETH", "0.1", "3000"))))
    assert text.startswith("BTC dominates your 10250.00 USD portfolio at 87.80% of its value")
    assert "Cash is only 9.27% of the total (950.00 USD)" in text
    assert "1 was a buy and 1 was a sell; the most recent was a market buy of 0.01 BTC at 67750 USD." in text
    assert OfflineAnalyst.model == "offline-rules-v1"
    assert asyncio.run(OfflineAnalyst().analyse(facts())) == rule_based_summary(facts())


def test_offline_analysis_of_cash_only_and_unpriced_holdings() -> None:
    cash_only = rule_based_summary(facts(holdings=(), orders=()))
    assert cash_only == ("Your portfolio is all cash: 950.00 USD and no crypto holdings yet, so it does not move "
                         "with the market. You have not placed any orders yet.")
    unpriced = rule_based_summary(facts(holdings=(holding("BTC", "1", "100"), holding("X", "5", None)),
                                              orders=(order("o-01"),)))
    assert unpriced.endswith("1 holding has no current price and counts as zero in these figures.")


def settings(**values: Any) -> InsightsSettings:
    return InsightsSettings(**{"gemini_api_key": None, "gemini_base_url": "http://127.0.0.1:9", **values})


@pytest.mark.parametrize(("values", "chosen"), [
    ({}, OfflineAnalyst),
    ({"provider": "offline", "gemini_api_key": SecretStr("k")}, OfflineAnalyst),
    ({"gemini_api_key": SecretStr("k")}, GeminiAnalyst),
    ({"provider": "gemini", "gemini_api_key": SecretStr("k")}, GeminiAnalyst),
    ({"provider": "gemini"}, type(None)),
    ({"provider": "gemini", "gemini_api_key": SecretStr("  ")}, type(None)),
])
def test_choose_analyst(values: dict[str, Any], chosen: type) -> None:
    analyst = choose_analyst(settings(**values))
    assert isinstance(analyst, chosen)
    if analyst is not None:
        asyncio.run(analyst.aclose())


def test_the_key_comes_from_its_exact_env_name_and_stays_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_GEMINI_API_KEY", "secret-from-env")
    monkeypatch.setenv("INSIGHTS_GEMINI_MODEL", "gemini-other")
    loaded = InsightsSettings()
    assert loaded.gemini_api_key is not None and loaded.gemini_api_key.get_secret_value() == "secret-from-env"
    assert loaded.gemini_model == "gemini-other" and "secret-from-env" not in repr(loaded)


def google_error(code: int, status: str, details: list[dict[str, str]] | None = None) -> errors.APIError:
    body: dict[str, Any] = {"error": {"code": code, "message": "m", "status": status}}
    if details is not None:
        body["error"]["details"] = details
    exception_class = errors.ClientError if code < 500 else errors.ServerError
    return exception_class(code, body)


@pytest.mark.parametrize(("error", "status", "kind"), [
    (google_error(429, "RESOURCE_EXHAUSTED"), 429, "rate_limited"),
    (google_error(504, "DEADLINE_EXCEEDED"), 504, "timeout"),
    (google_error(500, "INTERNAL"), 502, "upstream_error"),
    (google_error(503, "UNAVAILABLE"), 502, "upstream_error"),
    (google_error(400, "INVALID_ARGUMENT"), 502, "rejected"),
    (google_error(403, "PERMISSION_DENIED"), 502, "rejected"),
])
def test_google_errors_map_to_statuses_and_kinds(error: errors.APIError, status: int, kind: str) -> None:
    failure = _api_failure(error)
    assert (failure.status_code, failure.kind) == (status, kind)


def test_a_rate_limit_passes_on_googles_retry_delay() -> None:
    retry_info = {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "12.5s"}
    limited = _api_failure(google_error(429, "RESOURCE_EXHAUSTED", [retry_info]))
    assert isinstance(limited, ModelRateLimited) and limited.headers == {"Retry-After": "12"}
    assert _api_failure(google_error(429, "RESOURCE_EXHAUSTED")).headers == {}
    assert isinstance(_api_failure(google_error(408, "DEADLINE_EXCEEDED")), ModelTimeout)
