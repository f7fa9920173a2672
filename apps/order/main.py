"""Run with ``python -m apps.serve order`` (uvicorn with this factory and the platform's server limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from apps.common.ledger import Ledger
from apps.common.locks import UserLocks
from apps.common.market import MarketData
from apps.common.service import ServiceContext, create_service_app
from apps.common.services import service
from apps.order.deps import OrderParts
from apps.order.metrics import OrderMetrics
from apps.order.placing import OrderDesk
from apps.order.routes import router
from apps.order.settings import OrderSettings, get_settings


def create_app(settings: OrderSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def startup(context: ServiceContext) -> AsyncIterator[OrderParts]:
        market = MarketData(context.redis)
        locks = UserLocks(context.redis, settings.lock_ttl_ms, settings.lock_wait_ms)
        desk = OrderDesk(Ledger(context.dynamodb), locks, market, settings, OrderMetrics(context.registry))
        yield OrderParts(desk=desk, market=market)

    return create_service_app(service("order"), settings, [router], startup=startup)
