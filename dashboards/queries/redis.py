"""The Redis server as its exporter sees it: memory against its limit, evictions, clients, commands."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.promql import ENVIRONMENT, RATE_INTERVAL, Query, series, sum_by, summed_rate

BY_INSTANCE = ("instance",)


def _redis(metric: str) -> str:
    return series(metric, CONFIG.selectors.redis, ENVIRONMENT)


def memory_used() -> Query:
    return Query(sum_by(BY_INSTANCE, _redis("redis_memory_used_bytes")), "used {{instance}}")


def memory_limit() -> Query:
    """``maxmemory`` where one is set, else the machine's memory (the exporter's system metrics)."""
    limit = f"{_redis('redis_memory_max_bytes')} > 0 or {_redis('redis_total_system_memory_bytes')}"
    return Query(sum_by(BY_INSTANCE, limit), "limit {{instance}}")


def evictions() -> Query:
    return Query(summed_rate(BY_INSTANCE, _redis("redis_evicted_keys_total"), RATE_INTERVAL), "evicted {{instance}}")


def connected_clients() -> Query:
    return Query(sum_by(BY_INSTANCE, _redis("redis_connected_clients")), "{{instance}}")


def commands() -> Query:
    return Query(summed_rate(BY_INSTANCE, _redis("redis_commands_processed_total"), RATE_INTERVAL), "{{instance}}")
