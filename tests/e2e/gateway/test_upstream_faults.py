"""Review findings on the gateway: 500s from forwarded headers and a circuit breaker that never recovered."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from apps.gateway.breaker import HALF_OPEN, OPEN, CircuitBreaker
from apps.gateway.metrics import GatewayMetrics
from apps.gateway.proxy import Upstream
from apps.gateway.settings import GatewaySettings
from tests.support.metrics import sample_value
from tests.support.upstream_server import StandInUpstream
from tests.support.waiting import wait_until


class FlakyUpstream(StandInUpstream):
    """/health always 200, other paths 500 while ``failing``."""

    def __init__(self) -> None:
        self.failing = False
        super().__init__(status=lambda: 500 if self.failing else 200)


@pytest.fixture
def flaky_upstream() -> Iterator[FlakyUpstream]:
    upstream = FlakyUpstream()
    yield upstream
    upstream.stop()


def test_a_non_ascii_header_value_is_passed_on_and_answered(gateway_url: str) -> None:
    """HTTP allows obs-text in header values: the gateway forwards the bytes and the app answers as usual."""
    with httpx.Client(base_url=gateway_url) as api:
        plain = api.get("/api/v1/inventory/assets/BTC")
        noted = api.get("/api/v1/inventory/assets/BTC", headers={"X-Client-Note": "caf\xe9".encode("latin-1")})
    assert (noted.status_code, noted.json()["data"]["asset_id"]) == (200, "BTC")
    assert noted.json() == plain.json()


def test_a_probe_with_a_non_ascii_header_closes_the_breaker(start_gateway: Any, flaky_upstream: FlakyUpstream) -> None:
    """The half-open probe slot goes to a request carrying a non-ASCII header (the review found such a probe
    raised and left the breaker half-open for good): it is forwarded, succeeds, and closes the circuit."""
    gateway = start_gateway(GATEWAY_INVENTORY_URL=flaky_upstream.url, GATEWAY_BREAKER_FAILURE_THRESHOLD="1",
                            GATEWAY_BREAKER_COOLDOWN_SECONDS="0.3")
    with httpx.Client(base_url=gateway) as api:
        flaky_upstream.failing = True
        failed = api.get("/api/v1/inventory/assets")
        fast_failed = api.get("/api/v1/inventory/assets")
        flaky_upstream.failing = False
        time.sleep(0.5)  # waits out the breaker's 0.3 s cool-down: only then is a probe let through
        probe = api.get("/api/v1/inventory/assets", headers={"X-Client-Note": "caf\xe9".encode("latin-1")})
        after = [api.get("/api/v1/inventory/assets") for _ in range(5)]
        metrics = api.get("/metrics").text
    assert failed.status_code == 500, "the upstream's own 5xx, passed on: the circuit opens"
    assert (fast_failed.status_code, fast_failed.headers["X-Circuit-State"]) == (503, "open")
    assert (probe.status_code, probe.json()) == (200, {"data": []})
    assert [(a.status_code, "X-Circuit-State" in a.headers) for a in after] == [(200, False)] * 5
    assert sample_value(metrics, "gateway_circuit_breaker_state", upstream="inventory") == 0
    assert sample_value(metrics, "gateway_circuit_breaker_transitions_total", upstream="inventory",
                        to_state="closed") == 1


class HangingServer:
    """Accepts connections on 127.0.0.1, reads what is sent, and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.requests_received = 0
        self._held: list[socket.socket] = []
        threading.Thread(target=self._accept, name="hanging-server", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.sock.accept()
            except OSError:
                return  # closed
            self._held.append(connection)
            if connection.recv(65536):
                self.requests_received += 1

    def close(self) -> None:
        self.sock.close()
        for connection in self._held:
            connection.close()


def test_breaker_recovers_after_a_cancelled_probe(platform_settings: Any) -> None:
    from prometheus_client import CollectorRegistry

    hanging = HangingServer()
    clock = [0.0]
    breaker = CircuitBreaker("inventory", failure_threshold=1, cooldown_seconds=1.0, half_open_successes=1,
                             clock=lambda: clock[0])
    settings = GatewaySettings(**{**platform_settings.model_dump(), "read_timeout_seconds": 30.0})
    upstream = Upstream("inventory", hanging.url, settings, breaker, GatewayMetrics(CollectorRegistry()))

    async def scenario() -> None:
        breaker.record_failure()
        assert breaker.state == OPEN
        clock[0] = 2.0
        probe = asyncio.create_task(upstream.forward("GET", "/inventory/assets", [], b""))
        await asyncio.to_thread(wait_until, lambda: hanging.requests_received, timeout=10,
                                what="the probe's request to reach the upstream")
        assert breaker.state == HALF_OPEN
        probe.cancel()
        with pytest.raises(asyncio.CancelledError):
            await probe
        await upstream.close()

    try:
        asyncio.run(scenario())
    finally:
        hanging.close()
    clock[0] = 1000.0
    assert breaker.allow(), f"breaker stuck in {breaker.state} with a probe that will never finish"
