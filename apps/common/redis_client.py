"""Redis client factories: bounded timeouts, pooled connections, URL (and password) from settings."""

from __future__ import annotations

from typing import Any, cast

from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from apps.common.dependency_metrics import DependencyMetrics, InstrumentedAsyncRedis, InstrumentedRedis
from apps.common.settings import PlatformSettings


def _options(settings: PlatformSettings, retry: type[Retry] | type[AsyncRetry]) -> dict[str, Any]:
    """A pooled connection that Redis closed (a restart, a failover) is dialled again once, at once; a
    timeout is not retried (a slow Redis must not cost a request several timeouts)."""
    return {
        "socket_timeout": settings.redis_timeout_seconds,
        "socket_connect_timeout": settings.redis_timeout_seconds,
        "retry": retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
    }


def make_redis(settings: PlatformSettings, metrics: DependencyMetrics | None = None) -> InstrumentedRedis:
    """The apps' client (sync: their handlers run in the thread pool), answers decoded to str."""
    client = cast(InstrumentedRedis, InstrumentedRedis.from_url(
        settings.redis_url.get_secret_value(), **_options(settings, Retry), health_check_interval=30,
        max_connections=128, decode_responses=True,
    ))
    client.dependency_metrics = metrics
    return client


def make_async_redis(settings: PlatformSettings, metrics: DependencyMetrics | None = None) -> InstrumentedAsyncRedis:
    """The gateway's client (async, on its event loop)."""
    client = cast(InstrumentedAsyncRedis, InstrumentedAsyncRedis.from_url(
        settings.redis_url.get_secret_value(), **_options(settings, AsyncRetry), max_connections=256,
    ))
    client.dependency_metrics = metrics
    return client
