"""Traces across the platform (OpenTelemetry): one trace per request, from the gateway through an app into
DynamoDB and Redis, exported over OTLP/HTTP.

Off unless ``OTEL_EXPORTER_OTLP_ENDPOINT`` names a receiver, and then nothing is instrumented at all (no
middleware, no wrapped client): an untraced process only looks at the (empty) current span for its log lines
and exemplars. On, each service adds its hops to the trace:

- its server span, from the ASGI instrumentation as the outermost middleware (``ObservabilityMiddleware``
  names it after the route template), child of the caller's W3C ``traceparent``. Not at the public entry:
  the gateway drops a client's ``traceparent``, ``tracestate`` and ``baggage`` and starts every trace
  itself, so no client can force sampling, choose trace ids or attach itself to our traces;
- client spans of the gateway's forwards (apps/gateway/proxy.py, which carry its ``traceparent`` upstream), of
  its Redis client, and of botocore (every DynamoDB call, PynamoDB's shared connection included).

Sampling is parent-based: the gateway samples ``OTEL_TRACES_SAMPLER_ARG`` of the requests and the apps
follow its decision; a dependency call outside any request (the revocation watcher, the price feed, a health
check) starts no trace. One traced service per process: botocore is instrumented process-wide.

The ASGI instrumentation is added as middleware rather than through ``FastAPIInstrumentor``: the platform's
middleware already resolves the route template and answers unhandled errors, and at the gateway the trace
context must be dropped by a middleware that runs before the server span starts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, TypeVar

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.metrics import NoOpMeterProvider
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    TraceIdRatioBased,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.trace.span import TraceState
from opentelemetry.util.types import Attributes
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis import Redis
from redis.asyncio import Redis as AsyncRedis
from starlette.applications import Starlette
from starlette.types import ASGIApp, Receive, Scope, Send

TRACE_CONTEXT_HEADERS = frozenset({"traceparent", "tracestate", "baggage"})
"""W3C trace context and baggage: what a caller says about the trace its request belongs to."""

RedisClient = TypeVar("RedisClient", Redis, AsyncRedis)


class TracingSettings(BaseSettings):
    """The OpenTelemetry SDK's own variable names, so a collector's usual configuration applies as it is."""

    model_config = SettingsConfigDict(env_prefix="OTEL_", extra="ignore", frozen=True)

    exporter_otlp_endpoint: str | None = None
    """Base URL of an OTLP/HTTP receiver (a collector, Tempo, Jaeger); spans go to ``<url>/v1/traces``.
    Unset or empty: tracing is off."""
    traces_sampler_arg: float = Field(1.0, ge=0.0, le=1.0)
    """Share of requests traced, decided where a trace starts (the gateway); the apps follow the decision."""
    bsp_schedule_delay: int = Field(5000, gt=0)
    """Milliseconds between two exports of finished spans (they leave in batches, off the request path)."""

    @field_validator("exporter_otlp_endpoint")
    @classmethod
    def _an_http_url_or_nothing(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        if not re.match(r"^https?://[^/\s]+", value.strip()):
            raise ValueError(f"an http(s) URL, not {value!r}")
        return value.strip().rstrip("/")


@lru_cache
def tracing_settings() -> TracingSettings:
    return TracingSettings()


class RequestRoots(Sampler):
    """Traces start at a server's edge: a root span that is not a server's (a Redis or DynamoDB call made by a
    background task or a health check) is not recorded; a request's root gets the ratio's decision."""

    def __init__(self, ratio: float):
        self.ratio = TraceIdRatioBased(ratio)

    def should_sample(self, parent_context: Context | None, trace_id: int, name: str,
                      kind: SpanKind | None = None, attributes: Attributes = None,
                      links: Sequence[Link] | None = None, trace_state: TraceState | None = None) -> SamplingResult:
        if kind is not SpanKind.SERVER:
            return SamplingResult(Decision.DROP)
        return self.ratio.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"RequestRoots{{{self.ratio.get_description()}}}"


class DropIncomingTraceContext:
    """Outside the server span at the public entry: a client's trace context is not ours to join."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = [(name, value) for name, value in scope["headers"]
                       if name.decode("latin-1").lower() not in TRACE_CONTEXT_HEADERS]
            scope = {**scope, "headers": headers}
        await self.app(scope, receive, send)


def _method_only(scope: Scope) -> tuple[str, dict[str, Any]]:
    """The span's first name; ``ObservabilityMiddleware`` renames it after the route template once routed."""
    return str(scope.get("method", "HTTP")), {}


class Tracing:
    """One service's tracing: a tracer provider exporting over OTLP, or none at all (tracing off)."""

    def __init__(self, provider: TracerProvider | None = None):
        self.provider = provider
        self._botocore = False

    @property
    def enabled(self) -> bool:
        return self.provider is not None

    def instrument_app(self, app: Starlette, untraced_paths: Iterable[str], *, trust_incoming: bool = True) -> None:
        """Call after the app's own middleware: the server span must enclose all of it."""
        if self.provider is None:
            return
        app.add_middleware(
            OpenTelemetryMiddleware,
            excluded_urls=",".join(f"{re.escape(path)}$" for path in untraced_paths),
            default_span_details=_method_only,
            tracer_provider=self.provider,
            meter_provider=NoOpMeterProvider(),  # the apps' metrics are Prometheus's (apps/common/metrics.py)
            exclude_spans=["receive", "send"],
        )
        if not trust_incoming:
            app.add_middleware(DropIncomingTraceContext)

    def instrument_redis(self, client: RedisClient) -> RedisClient:
        if self.provider is not None:
            RedisInstrumentor.instrument_client(client, tracer_provider=self.provider)
        return client

    def tracer(self, name: str) -> trace.Tracer | None:
        """For spans of a service's own making (the gateway's forwards); None with tracing off."""
        return self.provider.get_tracer(name) if self.provider is not None else None

    def instrument_botocore(self) -> None:
        """Every botocore client of the process, PynamoDB's shared connection included."""
        if self.provider is not None and not self._botocore:
            BotocoreInstrumentor().instrument(  # type: ignore[no-untyped-call]
                tracer_provider=self.provider, meter_provider=NoOpMeterProvider())
            self._botocore = True

    def shutdown(self) -> None:
        """Sends the spans still waiting, then stops exporting (the end of the app's lifespan)."""
        if self._botocore:
            BotocoreInstrumentor().uninstrument()  # type: ignore[no-untyped-call]
            self._botocore = False
        if self.provider is not None:
            self.provider.shutdown()


def tracer_provider(service: str, environment: str, sample_ratio: float) -> TracerProvider:
    """Spans named after the catalogue's service; parent-based sampling with request roots only."""
    resource = Resource.create({"service.name": service, "service.namespace": "cnop",
                                "deployment.environment.name": environment})
    return TracerProvider(resource=resource, sampler=ParentBased(root=RequestRoots(sample_ratio)))


def start_tracing(service: str, environment: str, settings: TracingSettings) -> Tracing:
    """``service``'s tracing, exporting to the configured endpoint; off (and free) without one."""
    if settings.exporter_otlp_endpoint is None:
        return Tracing()
    provider = tracer_provider(service, environment, settings.traces_sampler_arg)
    exporter = OTLPSpanExporter(endpoint=f"{settings.exporter_otlp_endpoint}/v1/traces")
    provider.add_span_processor(BatchSpanProcessor(exporter, schedule_delay_millis=settings.bsp_schedule_delay))
    tracing = Tracing(provider)
    tracing.instrument_botocore()
    return tracing
