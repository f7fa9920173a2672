"""One ASGI middleware for request ids, access logs and HTTP metrics; with tracing on, it also names the server
span (which encloses it) after the route template and records an unhandled error on it."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable

from opentelemetry import trace
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from apps.common.logs import request_id_var
from apps.common.metrics import HttpMetrics

_WELL_FORMED_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
UNMATCHED_ROUTE = "unmatched"

access_log = logging.getLogger("access")
log = logging.getLogger(__name__)


def incoming_request_id(headers: list[tuple[bytes, bytes]]) -> str:
    """The client's X-Request-ID when it is well formed, otherwise a fresh one."""
    for name, value in headers:
        if name == b"x-request-id":
            candidate = value.decode("latin-1")
            if _WELL_FORMED_REQUEST_ID.match(candidate):
                return candidate
            break
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    route = scope.get("route")
    return getattr(route, "path", UNMATCHED_ROUTE) if route is not None else UNMATCHED_ROUTE


def _name_server_span(method: str, route: str, request_id: str) -> None:
    span = trace.get_current_span()
    if span.is_recording():
        span.update_name(f"{method} {route}")
        span.set_attributes({"http.route": route, "cnop.request_id": request_id})


def _internal_error() -> Response:
    return JSONResponse({"detail": "Internal error", "code": "internal_error"}, status_code=500)


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, service: str, metrics: HttpMetrics,
                 internal_error: Callable[[], Response] = _internal_error):
        self.app = app
        self.service = service
        self.metrics = metrics
        self.internal_error = internal_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = incoming_request_id(scope["headers"])
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status = 500
        started_answer = False

        async def send_with_request_id(message: Message) -> None:
            nonlocal status, started_answer
            if message["type"] == "http.response.start":
                status = message["status"]
                started_answer = True
                _name_server_span(scope["method"], route_template(scope), request_id)  # it ends with the body
                handled_ms = (time.perf_counter() - started) * 1000
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                    (b"server-timing", f"{self.service};dur={handled_ms:.2f}".encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, send_with_request_id)
        except Exception as exc:
            trace.get_current_span().record_exception(exc)
            if started_answer:  # nothing else can be said on this connection
                raise
            # A bug, never an expected answer: logged with its traceback, answered in JSON with the request id.
            log.exception("unhandled error on %s %s", scope["method"], route_template(scope))
            await self.internal_error()(scope, receive, send_with_request_id)
        finally:
            elapsed = time.perf_counter() - started
            route = route_template(scope)
            self.metrics.observe(self.service, scope["method"], route, status, elapsed)
            access_log.info(
                "%s %s %s",
                scope["method"],
                route,
                status,
                extra={"fields": {"status": status, "duration_ms": round(elapsed * 1000, 2)}},
            )
            request_id_var.reset(token)
