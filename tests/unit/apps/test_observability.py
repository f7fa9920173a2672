"""The observability middleware's last resort: a bug still answers JSON with a request id, and is counted."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from apps.common.metrics import HttpMetrics
from apps.common.middleware import ObservabilityMiddleware
from tests.support.metrics import sample_value


async def broken(_: Request) -> Response:
    raise RuntimeError("a bug")


def test_an_unhandled_error_is_a_json_500_with_the_request_id() -> None:
    registry = CollectorRegistry()
    app = Starlette(routes=[Route("/broken", broken)])
    app.add_middleware(ObservabilityMiddleware, service="unit", metrics=HttpMetrics(registry))
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/broken", headers={"X-Request-ID": "req-0123456789"})
    assert answer.status_code == 500
    assert answer.json() == {"detail": "Internal error", "code": "internal_error"}
    assert answer.headers["x-request-id"] == "req-0123456789"
    assert "a bug" not in answer.text
    assert sample_value(generate_latest(registry).decode(), "http_requests_total", route="/broken", status="500") == 1
