"""Run with ``python -m apps.serve user`` (uvicorn with this factory and the platform's server limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from apps.common.ledger import Ledger
from apps.common.locks import UserLocks
from apps.common.market import MarketData
from apps.common.service import ServiceContext, create_service_app
from apps.common.services import service
from apps.user.cashier import Cashier
from apps.user.deps import UserParts
from apps.user.metrics import BalanceMetrics
from apps.user.routes import router
from apps.user.settings import UserSettings, get_settings


def create_app(settings: UserSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def startup(context: ServiceContext) -> AsyncIterator[UserParts]:
        locks = UserLocks(context.redis, settings.lock_ttl_ms, settings.lock_wait_ms)
        cashier = Cashier(Ledger(context.dynamodb), locks, settings, BalanceMetrics(context.registry))
        yield UserParts(cashier=cashier, market=MarketData(context.redis))

    return create_service_app(service("user"), settings, [router], startup=startup)
