"""The live proof: a local stack with Prometheus, real traffic (rejections included), then every dashboard
panel query and every rule expression evaluated through Prometheus' HTTP API. No query may error, and
every panel not documented as event-only must return data."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dashboards.expressions import panel_queries, resolve, rule_expressions
from ops.demo.walkthrough import run
from ops.servers import free_port
from ops.stack import runner
from ops.stack.config import APPS, StackSettings

pytestmark = pytest.mark.e2e

TRAFFIC_SECONDS = 25


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackSettings]:
    ports = {f"{app}_port": free_port() for app in APPS}
    settings = StackSettings(run_dir=tmp_path_factory.mktemp("live"), aws_port=free_port(), redis_port=free_port(),
                             prometheus_port=free_port(), aws_backend="dynamodb-local",
                             redis_backend="redis-server", **ports)
    runner.up(settings)
    try:
        yield settings
    finally:
        runner.down(settings)


def _steady_traffic(gateway: str, stop: threading.Event) -> None:
    """Reads, trades and failed logins for a while, so rates have several scrapes to work with."""
    with httpx.Client(base_url=gateway, timeout=10, trust_env=False) as api:
        while not stop.is_set():
            api.get("/api/v1/inventory/assets?limit=5")
            api.get("/api/v1/inventory/assets/BTC")
            api.post("/api/v1/auth/login", json={"username": "nobody_here", "password": "Wr0ng!Password1"})
            time.sleep(0.2)


def _query(prometheus: str, expr: str) -> dict[str, Any]:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10, trust_env=False)
    body: dict[str, Any] = answer.json()
    assert answer.status_code == 200 and body["status"] == "success", f"{expr}: {body}"
    return body


def _wait_for_rules(prometheus: str, timeout: float = 90) -> None:
    """Every rule group has been evaluated at least once (the slowest runs once a minute)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        groups = httpx.get(f"{prometheus}/api/v1/rules", timeout=10, trust_env=False).json()["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        if rules and all(rule.get("lastEvaluation", "").startswith("20") and rule["health"] == "ok"
                         for rule in rules):
            return
        time.sleep(2)
    raise AssertionError(f"rules not all evaluated and healthy: {[r['name'] for r in rules if r['health'] != 'ok']}")


def _panels_without_data(prometheus: str, panels: list[Any], patience: float = 150) -> list[str]:
    """Queries every panel (an error fails at once); panels fed by the once-a-minute 30-day rules may
    need another evaluation after the first scrapes, so empty ones are asked again until ``patience``."""
    deadline = time.monotonic() + patience
    while True:
        empty = []
        for query in panels:
            body = _query(prometheus, resolve(query.expr, rate_interval="1m", time_range="10m"))
            if not query.event_only and not body["data"]["result"]:
                empty.append(f"{query.dashboard_uid} / {query.panel_title} / {query.ref_id}")
        if not empty or time.monotonic() > deadline:
            return empty
        time.sleep(5)


def test_every_panel_and_rule_evaluates_against_live_data(stack: StackSettings) -> None:
    prometheus = f"http://127.0.0.1:{stack.prometheus_port}"
    stop = threading.Event()
    traffic = threading.Thread(target=_steady_traffic, args=(stack.gateway_url, stop), daemon=True)
    traffic.start()
    try:
        run(stack.gateway_url, say=lambda line: None)
        time.sleep(TRAFFIC_SECONDS)
        _wait_for_rules(prometheus)
        panels = panel_queries()
        empty = _panels_without_data(prometheus, panels)
        for rule in rule_expressions():
            _query(prometheus, rule.expr)
    finally:
        stop.set()
        traffic.join(timeout=15)
    with_data = len([q for q in panels if not q.event_only]) - len(empty)
    print(f"live proof: {len(panels)} panel queries, {with_data} with data, "
          f"{len([q for q in panels if q.event_only])} event-only; {len(rule_expressions())} rules evaluated")
    assert not empty, "panels without data: " + "; ".join(empty)
