"""DynamoDB and Redis as every app sees them, and the price feed that keeps Redis' prices fresh."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.promql import ENVIRONMENT, RATE_INTERVAL, SERVICE, Query, quantile, series, summed_rate


def _calls(metric: str, dependency: str) -> str:
    return series(metric, CONFIG.selectors.apps, ENVIRONMENT, SERVICE, f'dependency="{dependency}"')


def latency_by_operation(dependency: str, q: float) -> Query:
    buckets = _calls("dependency_request_duration_seconds_bucket", dependency)
    legend = f"p{round(q * 100)} {{{{operation}}}}"
    return Query(quantile(q, ["operation"], buckets, RATE_INTERVAL), legend, exemplars=True)


def calls_by_operation(dependency: str) -> Query:
    calls = _calls("dependency_request_duration_seconds_count", dependency)
    return Query(summed_rate(["service", "operation"], calls, RATE_INTERVAL), "{{service}} {{operation}}")


def errors_by_operation(dependency: str) -> Query:
    failed = _calls("dependency_errors_total", dependency)
    return Query(summed_rate(["service", "operation"], failed, RATE_INTERVAL), "{{service}} {{operation}}")


def _feed(metric: str) -> str:
    return series(metric, CONFIG.selectors.inventory, ENVIRONMENT)


def price_feed_age() -> Query:
    published = _feed("inventory_price_feed_last_publish_timestamp_seconds")
    return Query(f"time() - max({published})", "age")


def price_feed_ticks_by_outcome() -> Query:
    return Query(summed_rate(["outcome"], _feed("inventory_price_feed_ticks_total"), RATE_INTERVAL), "{{outcome}}")


def price_feed_leaders() -> Query:
    return Query(f"sum({_feed('inventory_price_feed_leader')})", "leaders")
