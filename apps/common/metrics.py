"""Prometheus metrics: the shared HTTP metrics (route templates as labels, base units), the trace id of a sampled
request as the latency histograms' exemplar, and the exposition in the format the scraper asks for."""

from __future__ import annotations

from opentelemetry import trace
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics
from prometheus_client.exposition import choose_encoder

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
"""0.3 s is the latency objective's threshold (dashboards/config.py): the SLI counts that bucket exactly."""


def trace_exemplar() -> dict[str, str] | None:
    """The current trace's id, when the trace is sampled (a trace backend has it, so the link leads somewhere)."""
    context = trace.get_current_span().get_span_context()
    if not context.trace_flags.sampled:
        return None
    return {"trace_id": trace.format_trace_id(context.trace_id)}


def exposition(registry: CollectorRegistry, accept: str | None) -> tuple[bytes, str]:
    """The registry as the scraper's ``Accept`` asks: OpenMetrics (the only text format with exemplars) for
    Prometheus, the classic text format otherwise. Returns the body and its content type."""
    encode, content_type = choose_encoder(accept or "")
    return encode(registry), content_type


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry):
        # no *_created series: they double the series count and nobody reads them
        disable_created_metrics()  # type: ignore[no-untyped-call]
        labels = ("service", "method", "route", "status")
        self.requests = Counter(
            "http_requests_total", "HTTP requests answered", labels, registry=registry
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "Time from request start to response end",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )

    def observe(self, service: str, method: str, route: str, status: int, seconds: float) -> None:
        labels = (service, method, route, str(status))
        self.requests.labels(*labels).inc()
        self.duration.labels(*labels).observe(seconds, exemplar=trace_exemplar())
