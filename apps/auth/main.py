"""Run with ``python -m apps.serve auth`` (uvicorn with this factory and the platform's server limits)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from argon2 import PasswordHasher
from fastapi import FastAPI

from apps.auth.accounts import Accounts
from apps.auth.deps import AuthParts
from apps.auth.routes import keys_router, router
from apps.auth.settings import AuthSettings, get_settings
from apps.auth.signing import TokenSigner
from apps.common.service import ServiceContext, create_service_app
from apps.common.services import service


def create_app(settings: AuthSettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    signer = TokenSigner.from_settings(settings)

    @asynccontextmanager
    async def startup(context: ServiceContext) -> AsyncIterator[AuthParts]:
        hasher = PasswordHasher(
            time_cost=settings.password_time_cost,
            memory_cost=settings.password_memory_kib,
            parallelism=settings.password_parallelism,
        )
        accounts = Accounts(context.dynamodb, hasher, settings.password_hashes_at_once)
        yield AuthParts(accounts=accounts, signer=signer)

    return create_service_app(service("auth"), settings, [router, keys_router], startup=startup,
                              keys=signer.key_set())
