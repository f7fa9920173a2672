"""Forwarding to the apps: pooled keep-alive connections (apps/gateway/upstream_http.py), bounded timeouts,
bodies and header bytes passed through as they are."""

from __future__ import annotations

import re
import time
from urllib.parse import urlsplit

from opentelemetry import propagate
from opentelemetry.trace import SpanKind, StatusCode, Tracer
from starlette.responses import Response

from apps.common.logs import request_id_var
from apps.common.metrics import trace_exemplar
from apps.common.tracing import TRACE_CONTEXT_HEADERS
from apps.gateway.breaker import CircuitBreaker
from apps.gateway.errors import UPSTREAM_UNAVAILABLE, gateway_error
from apps.gateway.metrics import GatewayMetrics
from apps.gateway.settings import GatewaySettings
from apps.gateway.upstream_http import Answer, UpstreamError, UpstreamPool, UpstreamTimeout

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding", "expect",
}
# The trace context too: a client's is never trusted (apps/common/tracing.py); the gateway's own is added
# when tracing is on.
_NOT_FORWARDED = {name.encode() for name in HOP_BY_HOP | TRACE_CONTEXT_HEADERS
                  | {"x-request-id", "x-forwarded-for", "x-authenticated-user"}}
# Response headers the gateway sets itself.
_REPLACED_RESPONSE_HEADERS = {name.encode() for name in HOP_BY_HOP | {"x-request-id", "server", "date"}}
_NOT_IN_A_REQUEST_TARGET = re.compile(rb"[^\x21-\x7e]")


class Upstream:
    def __init__(self, name: str, base_url: str, settings: GatewaySettings, breaker: CircuitBreaker,
                 metrics: GatewayMetrics, tracer: Tracer | None = None):
        address = urlsplit(base_url)
        if address.scheme != "http" or not address.hostname or address.path.strip("/"):
            raise ValueError(f"upstream {name}: {base_url!r} is not http://host[:port]")
        self.name = name
        self.base_url = base_url.rstrip("/")
        self.breaker = breaker
        self.metrics = metrics
        self.tracer = tracer
        self.pool = UpstreamPool(address.hostname, address.port or 80,
                                 max_connections=settings.max_connections_per_upstream,
                                 connect_timeout=settings.connect_timeout_seconds,
                                 read_timeout=settings.read_timeout_seconds,
                                 idle_seconds=settings.upstream_idle_seconds)

    async def forward(self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Response:
        if not self.breaker.allow():
            self.metrics.breaker_rejections.labels(self.name).inc()
            return gateway_error(
                503, UPSTREAM_UNAVAILABLE, f"Circuit open for the {self.name} service: failing fast, retry later",
                headers={"Retry-After": str(self.breaker.retry_after_seconds()), "X-Circuit-State": "open"},
            )
        started = time.perf_counter()
        try:
            answer = await self._send(method, target, headers, body)
        except UpstreamError as exc:
            self.breaker.record_failure()
            self.metrics.upstream_duration.labels(self.name, "error").observe(time.perf_counter() - started,
                                                                              exemplar=trace_exemplar())
            reason = "timed out" if isinstance(exc, UpstreamTimeout) else "is unreachable"
            return gateway_error(503, UPSTREAM_UNAVAILABLE, f"The {self.name} service {reason}",
                                 headers={"Retry-After": "1"})
        except BaseException:
            self.breaker.abandon()  # cancelled or failed before any answer: free a half-open probe
            raise
        self.metrics.upstream_duration.labels(self.name, f"{answer.status // 100}xx").observe(
            time.perf_counter() - started, exemplar=trace_exemplar()
        )
        if answer.status >= 500:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
        response = Response(content=answer.body, status_code=answer.status)
        response.raw_headers = [
            *[(name, value) for name, value in answer.headers if name.lower() not in _REPLACED_RESPONSE_HEADERS],
            (b"content-length", str(len(answer.body)).encode()),
        ]
        return response

    async def get(self, path: str, timeout: float) -> Answer:
        """A GET of the gateway's own (a health check, the API descriptions): outside the breaker and traces."""
        return await self.pool.request("GET", path, [], timeout=timeout)

    async def close(self) -> None:
        await self.pool.close()

    async def _send(self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes) -> Answer:
        if self.tracer is None:
            return await self.pool.request(method, target, headers, body)
        attributes: dict[str, str | int] = {"http.request.method": method, "url.full": f"{self.base_url}{target}",
                      "server.address": self.pool.host, "server.port": self.pool.port}
        with self.tracer.start_as_current_span(method, kind=SpanKind.CLIENT, attributes=attributes) as span:
            context: dict[str, str] = {}
            propagate.inject(context)  # this span's traceparent: the app's server span is its child
            traced = [*headers, *((name.encode(), value.encode()) for name, value in context.items())]
            answer = await self.pool.request(method, target, traced, body)
            span.set_attribute("http.response.status_code", answer.status)
            if answer.status >= 500:
                span.set_status(StatusCode.ERROR)
            return answer


def request_target(path: str, query: str) -> str:
    """What goes on the request line upstream: the matched path (already percent-encoded) and the client's
    query, with any byte a request line cannot carry percent-encoded (the same query to any server)."""
    if not query:
        return path
    raw = query.encode("latin-1")
    if _NOT_IN_A_REQUEST_TARGET.search(raw):
        raw = _NOT_IN_A_REQUEST_TARGET.sub(lambda byte: b"%%%02X" % byte[0][0], raw)
    return f"{path}?{raw.decode('ascii')}"


def upstream_headers(
    incoming: list[tuple[bytes, bytes]], client: str, username: str | None
) -> list[tuple[bytes, bytes]]:
    """The client's headers as the bytes it sent (HTTP allows obs-text: nothing is re-encoded), less
    hop-by-hop ones and those only the gateway may set."""
    headers = [(name, value) for name, value in incoming if name.lower() not in _NOT_FORWARDED]
    headers.append((b"x-request-id", request_id_var.get().encode()))
    headers.append((b"x-forwarded-for", client.encode()))
    if username is not None:
        headers.append((b"x-authenticated-user", username.encode()))
    return headers
