"""The insights use case: gather the portfolio, answer an empty one at once, else the cache or an analyst."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from starlette.concurrency import run_in_threadpool

from apps.common.clock import utc_now
from apps.common.market import MarketData
from apps.insights.aggregation import PortfolioFacts, gather, portfolio_hash
from apps.insights.analysts import Analyst
from apps.insights.cache import CachedAnalysis, InsightsCache
from apps.insights.errors import ModelFailure, ProviderNotConfigured
from apps.insights.metrics import InsightsMetrics

EMPTY_PORTFOLIO_SUMMARY = (
    "Your portfolio is empty. Deposit USD to get started, then buy an asset to receive an analysis of your "
    "holdings."
)
NO_MODEL = "none"


@dataclass(frozen=True)
class InsightResult:
    summary: str
    generated_at: datetime
    model: str
    cached: bool


class PortfolioInsights:
    def __init__(self, analyst: Analyst | None, provider_choice: str, cache: InsightsCache, market: MarketData,
                 metrics: InsightsMetrics, price_digits: int):
        self.analyst = analyst
        self.provider_choice = provider_choice
        self.cache = cache
        self.market = market
        self.metrics = metrics
        self.price_digits = price_digits

    async def for_user(self, username: str) -> InsightResult:
        """DynamoDB and Redis are read in worker threads; the model call awaits without holding a thread."""
        facts = await run_in_threadpool(gather, username, self.market)
        if facts.is_empty:
            return InsightResult(EMPTY_PORTFOLIO_SUMMARY, utc_now(), NO_MODEL, cached=False)
        analyst = self._configured_analyst()
        state = portfolio_hash(facts, self.price_digits)
        cached = await run_in_threadpool(self.cache.lookup, username, state, analyst.model)
        if cached is not None:
            return InsightResult(cached.summary, cached.generated_at, cached.model, cached=True)
        analysis = CachedAnalysis(await self._analyse(analyst, facts), analyst.model, utc_now())
        await run_in_threadpool(self.cache.store, username, state, analysis)
        return InsightResult(analysis.summary, analysis.generated_at, analysis.model, cached=False)

    def _configured_analyst(self) -> Analyst:
        if self.analyst is None:
            raise ProviderNotConfigured(
                f"The insights provider '{self.provider_choice}' is not configured on this server, "
                "so portfolio analyses are unavailable"
            )
        return self.analyst

    async def _analyse(self, analyst: Analyst, facts: PortfolioFacts) -> str:
        started = time.perf_counter()
        try:
            return await analyst.analyse(facts)
        except ModelFailure as failure:
            self.metrics.model_error(analyst.provider, failure.kind)
            raise
        finally:
            self.metrics.model_call(analyst.provider, time.perf_counter() - started)
