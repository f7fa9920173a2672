"""Redis client factory: bounded timeouts, pooled connections, URL (and password) from settings."""

from __future__ import annotations

from redis import Redis

from apps.common.settings import PlatformSettings


def make_redis(settings: PlatformSettings) -> Redis:
    return Redis.from_url(
        settings.redis_url.get_secret_value(),
        socket_timeout=settings.redis_timeout_seconds,
        socket_connect_timeout=settings.redis_timeout_seconds,
        health_check_interval=30,
        max_connections=128,
        decode_responses=True,
    )
