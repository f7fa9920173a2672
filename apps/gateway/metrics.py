"""The gateway's own metrics, beside the shared HTTP metrics. Every label value is bounded."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from apps.common.metrics import LATENCY_BUCKETS
from apps.gateway.breaker import STATE_VALUES


class GatewayMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.upstream_duration = Histogram(
            "gateway_upstream_request_duration_seconds", "Time waiting for an upstream's answer",
            ("upstream", "status_class"), buckets=LATENCY_BUCKETS, registry=registry,
        )
        self.auth_failures = Counter(
            "gateway_auth_failures_total", "Requests refused with 401, by reason", ("reason",), registry=registry
        )
        self.rate_limited = Counter(
            "gateway_rate_limited_total", "Requests refused with 429, by rate-limit group", ("group",),
            registry=registry,
        )
        self.limiter_unavailable = Counter(
            "gateway_rate_limiter_unavailable_total",
            "Requests whose Redis checks could not run, by what the gateway then did",
            ("action",), registry=registry,
        )
        self.login_blocks = Counter(
            "gateway_login_blocks_total", "Clients blocked by the brute-force guard", registry=registry
        )
        self.blocked_requests = Counter(
            "gateway_blocked_requests_total", "Login attempts refused with 403 while blocked", registry=registry
        )
        self.response_cache = Counter(
            "gateway_response_cache_lookups_total",
            "Cacheable public reads, by result: hit (answered by the gateway) or miss (forwarded)",
            ("result",), registry=registry,
        )
        self.breaker_state = Gauge(
            "gateway_circuit_breaker_state", "0 closed, 1 open, 2 half-open", ("upstream",), registry=registry
        )
        self.breaker_transitions = Counter(
            "gateway_circuit_breaker_transitions_total", "Breaker state changes", ("upstream", "from_state",
                                                                                   "to_state"),
            registry=registry,
        )
        self.breaker_rejections = Counter(
            "gateway_circuit_breaker_rejections_total", "Requests failed fast by an open breaker", ("upstream",),
            registry=registry,
        )

    def breaker_moved(self, upstream: str, previous: str, state: str) -> None:
        self.breaker_state.labels(upstream).set(STATE_VALUES[state])
        self.breaker_transitions.labels(upstream, previous, state).inc()
