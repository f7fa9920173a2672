"""The insights app: its DynamoDB cache, and the model calls behind it."""

from __future__ import annotations

from dashboards.config import CONFIG
from dashboards.promql import ENVIRONMENT, RATE_INTERVAL, Query, quantile, ratio, series, summed_rate


def _insights(metric: str, *matchers: str) -> str:
    return series(metric, CONFIG.selectors.insights, ENVIRONMENT, *matchers)


def cache_hit_ratio() -> Query:
    hits = summed_rate([], _insights("insights_cache_lookups_total", 'result="hit"'), RATE_INTERVAL)
    lookups = summed_rate([], _insights("insights_cache_lookups_total"), RATE_INTERVAL)
    return Query(ratio(hits, lookups), "hit ratio")


def cache_lookups_by_result() -> Query:
    return Query(summed_rate(["result"], _insights("insights_cache_lookups_total"), RATE_INTERVAL), "{{result}}")


def cache_writes_by_result() -> Query:
    return Query(summed_rate(["result"], _insights("insights_cache_writes_total"), RATE_INTERVAL), "{{result}}")


def model_latency(q: float) -> Query:
    buckets = _insights("insights_model_latency_seconds_bucket")
    return Query(quantile(q, ["provider"], buckets, RATE_INTERVAL), f"p{round(q * 100)} {{{{provider}}}}")


def model_calls_by_provider() -> Query:
    calls = _insights("insights_model_latency_seconds_count")
    return Query(summed_rate(["provider"], calls, RATE_INTERVAL), "{{provider}}")


def model_errors_by_kind() -> Query:
    failed = _insights("insights_model_errors_total")
    return Query(summed_rate(["provider", "kind"], failed, RATE_INTERVAL), "{{provider}} {{kind}}")
