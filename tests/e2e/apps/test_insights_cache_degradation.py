"""Graceful degradation: when DynamoDB fails the insights cache's reads and writes, the endpoint still answers.

How the failure is made real, without patching PynamoDB or botocore: the insights app runs as its own
uvicorn process whose ``AWS_ENDPOINT_URL`` is a small proxy in front of the session's DynamoDB Local. The
proxy forwards every request unchanged except those naming an insights cache key (``INSIGHTS#`` in the
body), which it answers with a DynamoDB error: ``AccessDeniedException`` (400, what a missing IAM permission
looks like; not retried) or ``InternalServerError`` (500; botocore retries it and it still fails). So the
portfolio reads reach the real tables and only the cache fails, through the real client stack. A separate
process, because models are bound process-wide (``bind_models``): an in-process app pointed at the proxy
would re-point every other app of the test session.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import httpx
import pytest

from ops.servers import ServerProcess
from tests.support.trading import cache_items, deposit, metric
from tests.support.users import register_and_login

Fault = Literal["access_denied", "internal_error"]
FAULTS: dict[str, tuple[int, str, str]] = {
    "access_denied": (400, "com.amazon.coral.service#AccessDeniedException",
                      "User is not authorized to perform this action on the insights cache"),
    "internal_error": (500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error"),
}
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class CacheFaultProxy:
    """Forwards DynamoDB requests to ``upstream_port``; fails those that touch an insights cache item."""

    def __init__(self, upstream_port: int):
        self.upstream_port = upstream_port
        self.fault: Fault = "access_denied"
        self.refused: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                proxy.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, name="dynamodb-fault-proxy", daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        body = request.rfile.read(int(request.headers.get("Content-Length") or 0))
        if b"INSIGHTS#" in body:
            self.refused.append(request.headers.get("X-Amz-Target", "").rsplit(".", 1)[-1])
            status, error_type, message = FAULTS[self.fault]
            _answer(request, status, [("Content-Type", "application/x-amz-json-1.0")],
                    json.dumps({"__type": error_type, "message": message}).encode())
            return
        upstream = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=10)
        try:
            upstream.putrequest("POST", request.path, skip_host=True, skip_accept_encoding=True)
            for name, value in request.headers.items():  # Host too: it is part of the request's signature
                upstream.putheader(name, value)
            upstream.endheaders(body)
            response = upstream.getresponse()
            _answer(request, response.status, response.getheaders(), response.read())
        finally:
            upstream.close()


def _answer(request: BaseHTTPRequestHandler, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    request.send_response(status)
    for name, value in headers:
        if name.lower() not in HOP_BY_HOP:
            request.send_header(name, value)
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)


@pytest.fixture(scope="module")
def fault_proxy(dynamodb_server: ServerProcess) -> Iterator[CacheFaultProxy]:
    proxy = CacheFaultProxy(dynamodb_server.port)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="module")
def degraded_app(start_service: Any, fault_proxy: CacheFaultProxy) -> Iterator[ServerProcess]:
    server: ServerProcess = start_service("insights", AWS_ENDPOINT_URL=fault_proxy.url, INSIGHTS_PROVIDER="offline")
    yield server
    server.stop()


@pytest.mark.parametrize("fault", ["access_denied", "internal_error"])
def test_insights_answer_from_the_model_when_the_cache_fails(
    fault: Fault, degraded_app: ServerProcess, fault_proxy: CacheFaultProxy, auth_app: Any, user_app: Any
) -> None:
    fault_proxy.fault = fault
    fault_proxy.refused.clear()
    user = register_and_login(auth_app)
    deposit(user_app, user, 500)
    with httpx.Client(base_url=f"http://127.0.0.1:{degraded_app.port}", timeout=30) as app:
        counts = {series: metric(app, f"insights_cache_{series[0]}_total", result=series[1])
                  for series in [("lookups", "error"), ("lookups", "hit"), ("lookups", "miss"), ("writes", "error")]}
        answers = [app.get("/insights/portfolio", headers=user.headers) for _ in range(2)]
        assert [answer.status_code for answer in answers] == [200, 200]
        data = [answer.json()["data"] for answer in answers]
        assert [(d["model"], d["cached"]) for d in data] == [("offline-rules-v1", False)] * 2
        assert "500.00 USD" in data[0]["summary"] and data[1]["summary"] == data[0]["summary"]
        assert {series: metric(app, f"insights_cache_{series[0]}_total", result=series[1]) - count
                for series, count in counts.items()} == {("lookups", "error"): 2, ("lookups", "hit"): 0,
                                                         ("lookups", "miss"): 0, ("writes", "error"): 2}
    assert {"GetItem", "PutItem"} <= set(fault_proxy.refused)
    assert cache_items(user.username) == []
    log = degraded_app.log_path.read_text() if degraded_app.log_path else ""
    assert "insights: cache read failed" in log and "insights: cache write failed" in log
