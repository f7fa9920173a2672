"""Redis client factories: bounded timeouts, pooled connections, URL (and password) from settings."""

from __future__ import annotations

from typing import cast

from apps.common.dependency_metrics import DependencyMetrics, InstrumentedAsyncRedis, InstrumentedRedis
from apps.common.settings import PlatformSettings


def make_redis(settings: PlatformSettings, metrics: DependencyMetrics | None = None) -> InstrumentedRedis:
    client = cast(InstrumentedRedis, InstrumentedRedis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
        health_check_interval=30,
        max_connections=128,
        decode_responses=True,
    ))
    client.dependency_metrics = metrics
    return client


def make_async_redis(settings: PlatformSettings, metrics: DependencyMetrics | None = None) -> InstrumentedAsyncRedis:
    client = cast(InstrumentedAsyncRedis, InstrumentedAsyncRedis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
        max_connections=256,
    ))
    client.dependency_metrics = metrics
    return client
