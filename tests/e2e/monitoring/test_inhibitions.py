"""A cause silences its symptoms: the generated Alertmanager configuration, loaded by a real Alertmanager,
marks exactly the symptoms of a firing cause as inhibited, and notifies only what is not."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from dashboards.alerting import alertmanager_config, to_yaml
from dashboards.config import Notifications
from dashboards.receivers import Receivers, Webhook
from ops.servers import ServerProcess, free_port, start_alertmanager
from ops.stack.alert_receiver import AlertReceiver
from tests.support.waiting import wait_until

Labels = dict[str, str]
Key = tuple[tuple[str, str], ...]

CASES: dict[str, tuple[Labels, Labels, Labels]] = {  # cause -> a symptom it silences, a look-alike it does not
    "target down silences the burn rates of its service": (
        {"alertname": "PlatformTargetDown", "severity": "warning", "service": "order", "job": "order"},
        {"alertname": "HttpAvailabilityBudgetBurnFast", "severity": "critical", "service": "order",
         "slo": "availability"},
        {"alertname": "HttpAvailabilityBudgetBurnFast", "severity": "critical", "service": "user",
         "slo": "availability"},
    ),
    "Redis down silences the limiter's alert": (
        {"alertname": "RedisDown", "severity": "critical", "job": "redis"},
        {"alertname": "GatewayRateLimiterUnavailable", "severity": "warning", "action": "allowed"},
        {"alertname": "GatewayRateLimitStorm", "severity": "warning"},
    ),
    "Redis down silences the login-block alert": (
        {"alertname": "RedisDown", "severity": "critical", "job": "redis"},
        {"alertname": "GatewayLoginBlockSpike", "severity": "warning"},
        {"alertname": "GatewayCircuitBreakerOpen", "severity": "warning", "upstream": "order"},
    ),
    "Redis down silences Redis call errors, not DynamoDB's": (
        {"alertname": "RedisDown", "severity": "critical", "job": "redis"},
        {"alertname": "DependencyErrorRate", "severity": "warning", "dependency": "redis", "service": "gateway",
         "operation": "admission"},
        {"alertname": "DependencyErrorRate", "severity": "warning", "dependency": "dynamodb", "service": "order",
         "operation": "GetItem"},
    ),
    "a fast burn silences the slow burn of the same objective": (
        {"alertname": "HttpLatencyBudgetBurnFast", "severity": "critical", "service": "order", "slo": "latency"},
        {"alertname": "HttpLatencyBudgetBurnSlow", "severity": "warning", "service": "order", "slo": "latency"},
        {"alertname": "HttpAvailabilityBudgetBurnSlow", "severity": "warning", "service": "order",
         "slo": "availability"},
    ),
}


def _in(environment: str, labels: Labels) -> Labels:
    """Each case in its own environment, so one case's cause cannot silence another's alerts."""
    return {**labels, "environment": environment}


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, AlertReceiver]]:
    folder = tmp_path_factory.mktemp("alertmanager")
    with AlertReceiver() as receiver:
        receivers = Receivers(page=[Webhook(url=f"{receiver.url}/page")],
                              ticket=[Webhook(url=f"{receiver.url}/ticket")])
        config = folder / "alertmanager.yml"
        config.write_text(to_yaml(alertmanager_config(
            receivers, notifications=Notifications(group_wait="1s", group_interval="1s"))))
        server = start_alertmanager(free_port(), config, folder / "data", folder / "alertmanager.log")
        try:
            yield server, receiver
        finally:
            server.stop()


def _post(port: int, alerts: list[Labels]) -> None:
    now = datetime.datetime.now(datetime.UTC)
    body = [{"labels": labels, "annotations": {"summary": labels["alertname"]}, "startsAt": now.isoformat(),
             "endsAt": (now + datetime.timedelta(minutes=10)).isoformat()} for labels in alerts]
    assert httpx.post(f"http://127.0.0.1:{port}/api/v2/alerts", json=body, trust_env=False).status_code == 200


def _inhibited(port: int) -> dict[Key, bool]:
    alerts: list[dict[str, Any]] = httpx.get(f"http://127.0.0.1:{port}/api/v2/alerts", trust_env=False).json()
    return {tuple(sorted(a["labels"].items())): bool(a["status"]["inhibitedBy"]) for a in alerts}


def test_each_cause_silences_its_symptom_and_nothing_else(alertmanager: tuple[ServerProcess, AlertReceiver]) -> None:
    server, receiver = alertmanager
    expected: dict[Key, bool] = {}
    for number, (cause, symptom, look_alike) in enumerate(CASES.values()):
        environment = f"case-{number}"
        _post(server.port, [_in(environment, cause), _in(environment, symptom), _in(environment, look_alike)])
        expected[tuple(sorted(_in(environment, cause).items()))] = False
        expected[tuple(sorted(_in(environment, symptom).items()))] = True
        expected[tuple(sorted(_in(environment, look_alike).items()))] = False

    wait_until(lambda: _inhibited(server.port), lambda seen: seen == expected, timeout=10, every=0.2,
               what="Alertmanager to mark exactly the symptoms inhibited")

    def notified() -> set[Key]:
        return {tuple(sorted(a["labels"].items())) for n in receiver.notifications() for a in n.alerts}

    not_silenced = {labels for labels, inhibited in expected.items() if not inhibited}
    wait_until(notified, lambda seen: seen >= not_silenced, timeout=15, every=0.2,
               what="a notification for every alert not inhibited")
    assert notified() == not_silenced, "an inhibited alert was notified"
