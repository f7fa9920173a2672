"""The insights app's own metrics: cache lookups and writes, model latency and model failures.

Every label takes values from a closed set (cache results, provider names, failure kinds).
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Histogram

from apps.insights.errors import FailureKind

CacheLookupResult = Literal["hit", "miss", "error"]
CacheWriteResult = Literal["ok", "error"]
MODEL_LATENCY_BUCKETS = (0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0)


class InsightsMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.cache_lookups = Counter(
            "insights_cache_lookups_total", "Insights cache lookups by result", ("result",), registry=registry
        )
        self.cache_writes = Counter(
            "insights_cache_writes_total", "Insights cache writes by result", ("result",), registry=registry
        )
        self.model_latency = Histogram(
            "insights_model_latency_seconds",
            "Time one analysis call to a provider took, answered or failed",
            ("provider",),
            buckets=MODEL_LATENCY_BUCKETS,
            registry=registry,
        )
        self.model_errors = Counter(
            "insights_model_errors_total", "Analysis calls that failed, by provider and kind",
            ("provider", "kind"), registry=registry,
        )

    def cache_lookup(self, result: CacheLookupResult) -> None:
        self.cache_lookups.labels(result).inc()

    def cache_write(self, result: CacheWriteResult) -> None:
        self.cache_writes.labels(result).inc()

    def model_call(self, provider: str, seconds: float) -> None:
        self.model_latency.labels(provider).observe(seconds)

    def model_error(self, provider: str, kind: FailureKind) -> None:
        self.model_errors.labels(provider, kind).inc()
