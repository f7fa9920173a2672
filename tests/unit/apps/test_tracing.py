"""Tracing in one process (apps/common/tracing.py): off and free without an endpoint; on, a server span named after
the route template, the trace id in the access log line and as the latency histogram's exemplar (OpenMetrics
only), parent-based sampling that starts traces only at a server, and a caller's trace context joined or not."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from prometheus_client import CollectorRegistry
from prometheus_client.openmetrics.parser import text_string_to_metric_families
from pydantic import ValidationError
from redis import Redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from apps.common.logs import JsonFormatter
from apps.common.metrics import HttpMetrics, exposition
from apps.common.middleware import ObservabilityMiddleware
from apps.common.tracing import Tracing, TracingSettings, start_tracing, tracer_provider

# The Accept header of a Prometheus 2.x scrape (3.x asks for OpenMetrics first too)
OPENMETRICS = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,"
               "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
CALLER_TRACE_ID = 0x4BF92F3577B34DA6A3CE929D0E0E4736
CALLER_SPAN_ID = 0x00F067AA0BA902B7
CALLER_TRACEPARENT = f"00-{CALLER_TRACE_ID:032x}-{CALLER_SPAN_ID:016x}-01"


@pytest.mark.parametrize(("given", "endpoint"), [
    (None, None), ("", None), ("  ", None), ("http://tempo:4318/", "http://tempo:4318"),
    ("https://otlp.example:443", "https://otlp.example:443"),
])
def test_the_endpoint_is_an_http_url_or_tracing_is_off(given: str | None, endpoint: str | None) -> None:
    assert TracingSettings(exporter_otlp_endpoint=given).exporter_otlp_endpoint == endpoint


@pytest.mark.parametrize("given", ["tempo:4318", "grpc://tempo:4317", "http://"])
def test_an_endpoint_that_is_no_http_url_is_refused(given: str) -> None:
    with pytest.raises(ValidationError):
        TracingSettings(exporter_otlp_endpoint=given)


def test_without_an_endpoint_nothing_is_instrumented() -> None:
    tracing = start_tracing("unit", "localstack", TracingSettings())
    app = Starlette()
    tracing.instrument_app(app, ["/metrics"], trust_incoming=False)
    client = tracing.instrument_redis(Redis())
    assert not tracing.enabled
    assert app.user_middleware == []
    assert not getattr(client, "_is_instrumented_by_opentelemetry", False)
    tracing.shutdown()


def _parent(kind: str) -> Context | None:
    if kind == "none":
        return None
    flags = TraceFlags(TraceFlags.SAMPLED if kind == "sampled" else TraceFlags.DEFAULT)
    return trace.set_span_in_context(NonRecordingSpan(SpanContext(CALLER_TRACE_ID, CALLER_SPAN_ID, True, flags)))


SAMPLING = [  # (parent, span kind, ratio) -> recorded?
    ("none", SpanKind.SERVER, 1.0, True),     # a request: the ratio decides
    ("none", SpanKind.SERVER, 0.0, False),
    ("none", SpanKind.CLIENT, 1.0, False),    # a Redis or DynamoDB call outside any request
    ("none", SpanKind.INTERNAL, 1.0, False),
    ("sampled", SpanKind.SERVER, 0.0, True),  # the gateway decided: the apps follow, whatever their ratio
    ("sampled", SpanKind.CLIENT, 0.0, True),
    ("unsampled", SpanKind.SERVER, 1.0, False),
    ("unsampled", SpanKind.CLIENT, 1.0, False),
]


@pytest.mark.parametrize(("parent", "kind", "ratio", "recorded"), SAMPLING)
def test_traces_start_at_a_server_and_the_caller_s_decision_is_followed(parent: str, kind: SpanKind, ratio: float,
                                                                       recorded: bool) -> None:
    sampler = tracer_provider("unit", "localstack", ratio).sampler
    result = sampler.should_sample(_parent(parent), CALLER_TRACE_ID, "span", kind)
    assert (result.decision is Decision.RECORD_AND_SAMPLE) is recorded


async def item(request: Request) -> Response:
    logging.getLogger("unit.handler").info("handling")
    return PlainTextResponse("ok")


async def broken(_: Request) -> Response:
    raise RuntimeError("a bug")


class Traced:
    def __init__(self, trust_incoming: bool):
        self.exporter = InMemorySpanExporter()
        provider = tracer_provider("unit", "localstack", 1.0)
        provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.tracing = Tracing(provider)
        self.registry = CollectorRegistry()
        self.app = Starlette(routes=[Route("/items/{item_id}", item), Route("/broken", broken)])
        self.app.add_middleware(ObservabilityMiddleware, service="unit", metrics=HttpMetrics(self.registry))
        self.tracing.instrument_app(self.app, ["/metrics"], trust_incoming=trust_incoming)

    def spans(self) -> tuple[ReadableSpan, ...]:
        return self.exporter.get_finished_spans()


@pytest.fixture
def traced() -> Iterator[Traced]:
    app = Traced(trust_incoming=True)
    yield app
    app.tracing.shutdown()


@pytest.fixture
def log_lines() -> Iterator[list[dict[str, object]]]:
    """Formatted as they are written (the formatter reads the current span then), parsed back."""
    lines: list[dict[str, object]] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(json.loads(self.format(record)))

    handler = Keep()
    handler.setFormatter(JsonFormatter("unit"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.INFO)
    yield lines
    root.removeHandler(handler)
    root.setLevel(previous)


def test_the_server_span_is_named_after_the_route_template_and_carries_the_request_id(traced: Traced) -> None:
    with TestClient(traced.app) as client:
        answer = client.get("/items/a1b2c3", headers={"X-Request-ID": "req-0123456789"})
    [span] = traced.spans()
    assert answer.status_code == 200
    assert span.name == "GET /items/{item_id}"
    assert span.kind is SpanKind.SERVER
    assert span.attributes is not None
    assert (span.attributes["http.route"], span.attributes["cnop.request_id"]) == ("/items/{item_id}",
                                                                                   "req-0123456789")


def test_every_log_line_of_a_traced_request_carries_its_trace_and_span_ids(
    traced: Traced, log_lines: list[dict[str, object]]
) -> None:
    with TestClient(traced.app) as client:
        client.get("/items/a1b2c3", headers={"X-Request-ID": "req-0123456789"})
    [span] = traced.spans()
    mine = [line for line in log_lines if line["request_id"] == "req-0123456789"]
    assert [line["logger"] for line in mine] == ["unit.handler", "access"]
    assert all((line["trace_id"], line["span_id"], line["trace_sampled"])
               == (f"{span.context.trace_id:032x}", f"{span.context.span_id:016x}", True) for line in mine)


def test_outside_a_traced_request_log_lines_have_no_trace_fields(log_lines: list[dict[str, object]]) -> None:
    logging.getLogger("unit").info("no request")
    assert "trace_id" not in log_lines[-1] and "span_id" not in log_lines[-1]


def _bucket_exemplars(registry: CollectorRegistry) -> list[dict[str, str]]:
    body, content_type = exposition(registry, OPENMETRICS)
    assert content_type.startswith("application/openmetrics-text; version=1.0.0")
    return [dict(sample.exemplar.labels) for family in text_string_to_metric_families(body.decode())
            for sample in family.samples
            if sample.name == "http_request_duration_seconds_bucket" and sample.exemplar is not None]


def test_the_latency_histogram_carries_the_trace_id_as_an_openmetrics_exemplar(traced: Traced) -> None:
    assert _bucket_exemplars(traced.registry) == []
    with TestClient(traced.app) as client:
        client.get("/items/a1b2c3")
    [span] = traced.spans()
    assert _bucket_exemplars(traced.registry) == [{"trace_id": f"{span.context.trace_id:032x}"}]
    classic, content_type = exposition(traced.registry, None)
    assert content_type.startswith("text/plain; version=0.0.4")
    assert b"trace_id" not in classic


def test_an_unhandled_error_is_recorded_on_the_server_span(traced: Traced) -> None:
    with TestClient(traced.app, raise_server_exceptions=False) as client:
        assert client.get("/broken").status_code == 500
    [span] = traced.spans()
    assert span.name == "GET /broken"
    assert [event.name for event in span.events] == ["exception"]
    assert span.status.status_code is trace.StatusCode.ERROR


def test_untraced_paths_make_no_span(traced: Traced) -> None:
    traced.app.add_route("/metrics", lambda _: PlainTextResponse(""))
    with TestClient(traced.app) as client:
        client.get("/metrics")
    assert traced.spans() == ()


@pytest.mark.parametrize("trust_incoming", [True, False])
def test_a_caller_s_trace_context_is_joined_only_where_it_is_trusted(trust_incoming: bool) -> None:
    app = Traced(trust_incoming)
    with TestClient(app.app) as client:
        client.get("/items/a1b2c3", headers={"traceparent": CALLER_TRACEPARENT, "tracestate": "caller=1"})
    [span] = app.spans()
    app.tracing.shutdown()
    joined = span.context.trace_id == CALLER_TRACE_ID
    assert joined is trust_incoming
    assert (span.parent is not None and span.parent.span_id == CALLER_SPAN_ID) is trust_incoming
