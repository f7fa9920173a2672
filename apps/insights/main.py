"""Run with ``python -m apps.serve insights`` (uvicorn with this factory and the platform's server limits)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from apps.common.market import MarketData
from apps.common.service import ServiceContext, create_service_app
from apps.common.services import service
from apps.insights.analysts import choose_analyst
from apps.insights.cache import InsightsCache
from apps.insights.deps import InsightsParts
from apps.insights.metrics import InsightsMetrics
from apps.insights.routes import router
from apps.insights.service import PortfolioInsights
from apps.insights.settings import InsightsSettings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: InsightsSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    registered: list[InsightsMetrics] = []  # registered once per app, even if the lifespan runs again

    @asynccontextmanager
    async def startup(context: ServiceContext) -> AsyncIterator[InsightsParts]:
        if not registered:
            registered.append(InsightsMetrics(context.registry))
        metrics = registered[0]
        analyst = choose_analyst(settings)
        if analyst is None:
            log.warning("insights: INSIGHTS_PROVIDER=%s but GOOGLE_GEMINI_API_KEY is not set: analyses answer 503",
                        settings.provider)
        else:
            log.info("insights: provider %s, model %s", analyst.provider, analyst.model)
        insights = PortfolioInsights(
            analyst=analyst,
            provider_choice=settings.provider,
            cache=InsightsCache(settings.cache_ttl_seconds, metrics),
            market=MarketData(context.redis),
            metrics=metrics,
            price_digits=settings.cache_price_digits,
        )
        try:
            yield InsightsParts(insights=insights)
        finally:
            if analyst is not None:
                await analyst.aclose()

    return create_service_app(service("insights"), settings, [router], startup=startup)
