"""The live proof: a local stack with Prometheus, real traffic (rejections included), then every dashboard
panel query and every rule expression evaluated through Prometheus' HTTP API. No query may error, and
every panel not documented as event-only or cluster-only must return data."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dashboards.expressions import panel_queries, resolve, rule_expressions
from ops.demo.walkthrough import run
from ops.stack import runner
from ops.stack.config import StackSettings
from tests.support.waiting import wait_until

TRAFFIC_SECONDS = 25


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackSettings]:
    settings = StackSettings.on_free_ports(tmp_path_factory.mktemp("live"), aws_backend="dynamodb-local",
                                           redis_backend="redis-server")
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
            time.sleep(0.2)  # a steady trickle, not a load test: the rates only need samples in every scrape


def _query(prometheus: str, expr: str) -> dict[str, Any]:
    answer = httpx.get(f"{prometheus}/api/v1/query", params={"query": expr}, timeout=10, trust_env=False)
    body: dict[str, Any] = answer.json()
    assert answer.status_code == 200 and body["status"] == "success", f"{expr}: {body}"
    return body


def _wait_for_rules(prometheus: str, timeout: float = 90) -> None:
    """Every rule group has been evaluated at least once (the slowest runs once a minute)."""

    def rules_not_yet_evaluated_and_healthy() -> list[str] | None:
        groups = httpx.get(f"{prometheus}/api/v1/rules", timeout=10, trust_env=False).json()["data"]["groups"]
        rules = [rule for group in groups for rule in group["rules"]]
        if not rules:
            return None
        return [rule["name"] for rule in rules
                if not (rule.get("lastEvaluation", "").startswith("20") and rule["health"] == "ok")]

    wait_until(rules_not_yet_evaluated_and_healthy, lambda pending: pending == [], timeout=timeout, every=2,
               what="every rule evaluated and healthy")


def _panels_without_data(prometheus: str, panels: list[Any], patience: float = 150) -> list[str]:
    """Queries every panel (an error fails at once); panels fed by the once-a-minute 30-day rules may
    need another evaluation after the first scrapes, so empty ones are asked again until ``patience``."""

    def empty_panels() -> list[str]:
        empty = []
        for query in panels:
            body = _query(prometheus, resolve(query.expr, rate_interval="1m", time_range="10m"))
            if not (query.event_only or query.cluster_only) and not body["data"]["result"]:
                empty.append(f"{query.dashboard_uid} / {query.panel_title} / {query.ref_id}")
        return empty

    return wait_until(empty_panels, lambda empty: not empty, timeout=patience, every=5,
                      what="data in every panel (the last answer names the panels still empty)")


def test_every_panel_and_rule_evaluates_against_live_data(stack: StackSettings) -> None:
    prometheus = f"http://127.0.0.1:{stack.prometheus_port}"
    stop = threading.Event()
    traffic = threading.Thread(target=_steady_traffic, args=(stack.gateway_url, stop), daemon=True)
    traffic.start()
    try:
        run(stack.gateway_url, say=lambda line: None)
        time.sleep(TRAFFIC_SECONDS)  # traffic over several scrape intervals, so every rate has two samples
        _wait_for_rules(prometheus)
        panels = panel_queries()
        empty = _panels_without_data(prometheus, panels)
        for rule in rule_expressions():
            _query(prometheus, rule.expr)
    finally:
        stop.set()
        traffic.join(timeout=15)
    with_data = len([q for q in panels if not (q.event_only or q.cluster_only)]) - len(empty)
    print(f"live proof: {len(panels)} panel queries, {with_data} with data, "
          f"{len([q for q in panels if q.event_only])} event-only, {len([q for q in panels if q.cluster_only])} "
          f"cluster-only; {len(rule_expressions())} rules evaluated")
    assert not empty, "panels without data: " + "; ".join(empty)
