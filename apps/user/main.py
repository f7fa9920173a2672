"""Run with ``python -m apps.serve user`` (uvicorn with this factory and the platform's server limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from apps.common.ledger import Ledger
from apps.common.locks import UserLocks
from apps.common.market import MarketData
from apps.common.service import ServiceContext, create_service_app
from apps.common.tables import INVENTORY, USERS
from apps.user.cashier import Cashier
from apps.user.metrics import BalanceMetrics
from apps.user.routes import router
from apps.user.settings import UserSettings, get_settings


def create_app(settings: UserSettings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def startup(_: FastAPI, context: ServiceContext) -> AsyncIterator[None]:
        locks = UserLocks(context.redis, settings.lock_ttl_ms, settings.lock_wait_ms)
        context.extras["cashier"] = Cashier(Ledger(context.dynamodb), locks, settings, BalanceMetrics(context.registry))
        context.extras["market"] = MarketData(context.redis)
        yield

    return create_service_app("user", settings, [router], tables=[USERS, INVENTORY], startup=startup)
