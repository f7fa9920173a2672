"""Dependency panels: DynamoDB and Redis per operation, the Redis server itself, the price feed's freshness."""

from __future__ import annotations

from grafana_foundation_sdk.builders import stat, timeseries

from dashboards.config import CONFIG
from dashboards.panels.common import graph, single_stat
from dashboards.queries import dependencies, redis

NAMES = {"dynamodb": "DynamoDB", "redis": "Redis"}
MAX_AGE = CONFIG.thresholds.price_feed_max_age_seconds


def latency(dependency: str) -> timeseries.Panel:
    return graph(
        f"{NAMES[dependency]} latency by operation", "Call duration per operation (p50 and p95), selected services.",
        "s", [dependencies.latency_by_operation(dependency, 0.5), dependencies.latency_by_operation(dependency, 0.95)],
    )


def calls(dependency: str) -> timeseries.Panel:
    return graph(f"{NAMES[dependency]} calls by operation", "Calls per second, by service and operation.", "ops",
                 [dependencies.calls_by_operation(dependency)], stacked=True)


def errors(dependency: str) -> timeseries.Panel:
    return graph(
        f"{NAMES[dependency]} errors by operation", "Failed calls per second, by service and operation.", "ops",
        [dependencies.errors_by_operation(dependency)], stacked=True, event_only=f"a {NAMES[dependency]} call fails",
    )


def price_feed_age() -> stat.Panel:
    return single_stat(
        "Price feed age", f"Seconds since prices were last published; the stale-feed alert fires above {MAX_AGE} s.",
        "s", [dependencies.price_feed_age()], steps=[(MAX_AGE / 2, "orange"), (MAX_AGE, "red")],
    )


def price_feed_age_over_time() -> timeseries.Panel:
    return graph("Price feed age over time", "Seconds since the last publish; the dashed line is the alert's limit.",
                 "s", [dependencies.price_feed_age()], limit=MAX_AGE)


def price_feed_ticks() -> timeseries.Panel:
    return graph("Price feed ticks by outcome", "Feed ticks per second on every replica, by outcome.", "ops",
                 [dependencies.price_feed_ticks_by_outcome()], stacked=True)


def price_feed_leaders() -> stat.Panel:
    return single_stat("Price feed leaders", "Replicas holding the feed lease: exactly one is healthy.", "none",
                       [dependencies.price_feed_leaders()], steps=[(1, "green"), (2, "orange")], base="red")


def redis_memory() -> timeseries.Panel:
    return graph(
        "Redis memory",
        "Memory Redis uses, and its limit (maxmemory, or the machine's memory where none is set); "
        f"the memory alert fires above {CONFIG.thresholds.redis_memory_ratio:.0%} of the limit.",
        "bytes", [redis.memory_used(), redis.memory_limit()],
    )


def redis_evictions() -> timeseries.Panel:
    return graph("Redis evictions", "Keys evicted per second to stay within maxmemory; any eviction alerts.", "ops",
                 [redis.evictions()], limit=0)


def redis_clients() -> timeseries.Panel:
    return graph("Redis connected clients", "Client connections open on Redis (every app holds a pool).", "none",
                 [redis.connected_clients()])


def redis_commands() -> timeseries.Panel:
    return graph("Redis commands per second", "Commands Redis processed per second, from every client.", "ops",
                 [redis.commands()])
