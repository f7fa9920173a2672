"""Alerts reach people: on a live local stack (the real rules and routes, the waits of one alert shortened in
this test's settings), an app that stops is notified to the ticket receiver, with its runbook, and its
return is notified as resolved. The receiver is a small HTTP server in this test. On the same stack, every
runbook's local checks run as written."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from apps.common.services import SERVICES
from dashboards.config import CONFIG
from ops.demo.alerting import ALERT, QUICK_ALERTS, alert_act
from ops.servers import REPO
from ops.stack import runner
from ops.stack.alert_receiver import AlertReceiver
from ops.stack.config import PORTS, StackSettings
from tests.unit.monitoring.runbook_support import RUNBOOKS, runbook_blocks

APP = "insights"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[StackSettings, AlertReceiver]]:
    with AlertReceiver() as receiver:
        settings = StackSettings.on_free_ports(
            tmp_path_factory.mktemp("alerting"), aws_backend="dynamodb-local", redis_backend="redis-server",
            alert_page_url=f"{receiver.url}/page", alert_ticket_url=f"{receiver.url}/ticket", **QUICK_ALERTS)
        runner.up(settings)
        try:
            yield settings, receiver
        finally:
            assert runner.down(settings) == []


def test_a_stopped_app_is_notified_with_its_runbook_and_resolved_when_it_is_back(
    stack: tuple[StackSettings, AlertReceiver]
) -> None:
    settings, receiver = stack
    assert "alert-receiver" not in {row.component.name for row in runner.status(settings)}, \
        "with both webhooks given, the stack runs no receiver of its own"
    said: list[str] = []
    firing, resolved = alert_act(settings, receiver.notifications, app=APP, say=said.append, timeout=60)

    assert firing.notification.route == "ticket" and firing.notification.payload["receiver"] == "ticket"
    assert firing.notification.status == "firing"
    assert firing.alert["labels"] == {"alertname": ALERT, "severity": "warning", "job": APP, "service": APP,
                                      "environment": "localstack",
                                      "instance": f"127.0.0.1:{settings.app_port(APP)}"}
    runbook = firing.alert["annotations"]["runbook_url"]
    assert runbook == CONFIG.runbook_url(ALERT) and runbook.endswith(f"docs/runbooks/{ALERT}.md")
    assert (RUNBOOKS / f"{ALERT}.md").exists()

    assert resolved.notification.route == "ticket" and resolved.notification.status == "resolved"
    assert resolved.alert["labels"] == firing.alert["labels"] and resolved.alert["status"] == "resolved"
    assert [n for n in receiver.notifications() if n.route == "page"] == [], "nothing here pages"
    assert any(f"FIRING {ALERT}" in line for line in said)
    print(f"alert delivery: firing {firing.after_seconds:.1f}s after the stop, "
          f"resolved {resolved.after_seconds:.1f}s after the restart began")


def _on_this_stack(commands: str, settings: StackSettings) -> str:
    """The runbooks name the default ports (``make up``'s); this stack runs on others."""
    defaults = {StackSettings.model_fields[f"{name}_port"].default: getattr(settings, f"{name}_port")
                for name in PORTS}
    defaults |= {entry.port: settings.app_port(entry.name) for entry in SERVICES}
    return re.sub(r"127\.0\.0\.1:(\d+)\b", lambda m: f"127.0.0.1:{defaults.get(int(m[1]), int(m[1]))}", commands)


def test_every_runbooks_local_checks_work_as_written(stack: tuple[StackSettings, AlertReceiver]) -> None:
    settings, _ = stack
    environment = {**os.environ, "STACK_RUN_DIR": str(settings.run_dir)}

    def failure(runbook: str, commands: str) -> str | None:
        done = subprocess.run(["bash", "-euo", "pipefail", "-c", _on_this_stack(commands, settings)], cwd=REPO,
                              env=environment, capture_output=True, text=True, timeout=60, check=False)
        return f"{runbook}: exit {done.returncode}: {done.stderr[-500:]}" if done.returncode else None

    checks = runbook_blocks(fixes=False)
    assert checks
    with ThreadPoolExecutor(max_workers=4) as pool:
        failed = [f for f in pool.map(lambda check: failure(*check), checks) if f]
    assert failed == []
