"""Redis client factories: bounded timeouts, pooled connections, URL (and password) from settings."""

from __future__ import annotations

from typing import Any, cast

from apps.common.dependency_metrics import DependencyMetrics, InstrumentedAsyncRedis, InstrumentedRedis
from apps.common.settings import PlatformSettings


def _options(settings: PlatformSettings) -> dict[str, Any]:
    return {
        "socket_timeout": settings.redis_timeout_seconds,
        "socket_connect_timeout": settings.redis_timeout_seconds,
    }


def make_redis(settings: PlatformSettings, metrics: DependencyMetrics | None = None) -> InstrumentedRedis:
    """The apps' client (sync: their handlers run in the thread pool), answers decoded to str."""
    client = cast(InstrumentedRedis, InstrumentedRedis.from_url(
        settings.redis_url.get_secret_value(), **_options(settings), health_check_interval=30,
        max_connections=128, decode_responses=True,
    ))
    client.dependency_metrics = metrics
    return client


def make_async_redis(settings: PlatformSettings, metrics: DependencyMetrics | None = None) -> InstrumentedAsyncRedis:
    """The gateway's client (async, on its event loop)."""
    client = cast(InstrumentedAsyncRedis, InstrumentedAsyncRedis.from_url(
        settings.redis_url.get_secret_value(), **_options(settings), max_connections=256,
    ))
    client.dependency_metrics = metrics
    return client
