"""Forwarding to the apps: pooled keep-alive connections, bounded timeouts, bodies passed through as bytes."""

from __future__ import annotations

import time

import httpx
from starlette.responses import Response

from apps.common.logs import request_id_var
from apps.common.metrics import trace_exemplar
from apps.common.tracing import TRACE_CONTEXT_HEADERS
from apps.gateway.breaker import CircuitBreaker
from apps.gateway.errors import UPSTREAM_UNAVAILABLE, gateway_error
from apps.gateway.metrics import GatewayMetrics
from apps.gateway.settings import GatewaySettings

HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailers",
    "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding",
}
# The trace context too: a client's is never trusted (apps/common/tracing.py); the gateway's own is sent by
# the httpx instrumentation when tracing is on.
_NOT_FORWARDED = {name.encode() for name in HOP_BY_HOP | TRACE_CONTEXT_HEADERS
                  | {"x-request-id", "x-forwarded-for", "x-authenticated-user"}}
# Response headers the gateway sets itself.
REPLACED_RESPONSE_HEADERS = HOP_BY_HOP | {"x-request-id", "server", "date"}


class Upstream:
    def __init__(self, name: str, base_url: str, settings: GatewaySettings, breaker: CircuitBreaker,
                 metrics: GatewayMetrics):
        self.name = name
        self.breaker = breaker
        self.metrics = metrics
        self.client = httpx.AsyncClient(
            base_url=base_url,
            timeout=httpx.Timeout(settings.read_timeout_seconds, connect=settings.connect_timeout_seconds),
            limits=httpx.Limits(max_connections=settings.max_connections_per_upstream,
                                max_keepalive_connections=settings.max_connections_per_upstream),
        )

    async def forward(self, method: str, path_and_query: str, headers: list[tuple[bytes, bytes]],
                      body: bytes) -> Response:
        if not self.breaker.allow():
            self.metrics.breaker_rejections.labels(self.name).inc()
            return gateway_error(
                503, UPSTREAM_UNAVAILABLE, f"Circuit open for the {self.name} service: failing fast, retry later",
                headers={"Retry-After": str(self.breaker.retry_after_seconds()), "X-Circuit-State": "open"},
            )
        started = time.perf_counter()
        try:
            request = self.client.build_request(method, path_and_query, headers=headers, content=body)
            answer = await self.client.send(request)
        except BaseException as exc:
            if not isinstance(exc, httpx.HTTPError):
                self.breaker.abandon()  # cancelled or failed before any answer: free a half-open probe
                raise
            self.breaker.record_failure()
            self.metrics.upstream_duration.labels(self.name, "error").observe(time.perf_counter() - started,
                                                                              exemplar=trace_exemplar())
            reason = "timed out" if isinstance(exc, httpx.TimeoutException) else "is unreachable"
            return gateway_error(503, UPSTREAM_UNAVAILABLE, f"The {self.name} service {reason}",
                                 headers={"Retry-After": "1"})
        self.metrics.upstream_duration.labels(self.name, f"{answer.status_code // 100}xx").observe(
            time.perf_counter() - started, exemplar=trace_exemplar()
        )
        if answer.status_code >= 500:
            self.breaker.record_failure()
        else:
            self.breaker.record_success()
        passed = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in REPLACED_RESPONSE_HEADERS]
        response = Response(content=answer.content, status_code=answer.status_code)
        response.raw_headers = [
            *[(k.encode("latin-1"), v.encode("latin-1")) for k, v in passed],
            (b"content-length", str(len(answer.content)).encode()),
        ]
        return response

    async def close(self) -> None:
        await self.client.aclose()


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
