"""The walkthrough's last act: an app stops, Prometheus finds its target down, Alertmanager notifies the
receiver with the alert's runbook; the app comes back and the resolution follows. Each wait is bounded.

The stack ``make demo`` starts has the real rules and routes with the waits of one alert shortened
(``QUICK_ALERTS``); with the real ones (``for: 5m``, a 30 s group wait) the act would take six minutes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from dashboards.rules.platform_alerts import target_down
from ops.stack import runner
from ops.stack.alert_receiver import Notification
from ops.stack.config import StackSettings

ALERT = target_down().alert
QUICK_ALERTS: dict[str, Any] = {
    "alert_for": {ALERT: "5s"},
    "notifications": {"group_wait": "1s", "group_interval": "2s"},
    "scrape_interval": "1s",
    "evaluation_interval": "1s",
}
"""Stack settings for a demo or a test of alert delivery: scrape and evaluate every second, fire the
target-down alert after 5 s instead of 5 minutes, notify a second after it fires."""


class AlertNotDelivered(RuntimeError):
    pass


@dataclass(frozen=True)
class Delivery:
    notification: Notification
    alert: dict[str, Any]
    """The one alert of the notification about the stopped app."""
    after_seconds: float


def stack_notifications(settings: StackSettings) -> Callable[[], list[Notification]]:
    """What the stack's own alert receiver has received so far."""

    def received() -> list[Notification]:
        answer = httpx.get(f"{settings.alert_receiver_url}/notifications", timeout=5, trust_env=False)
        return [Notification.from_json(raw) for raw in answer.json()]

    return received


def _delivered(received: Callable[[], list[Notification]], app: str, status: str, since: float,
               timeout: float) -> Delivery:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for notification in received():
            for alert in notification.alerts:
                labels = alert.get("labels", {})
                if (notification.received_at >= since and alert.get("status") == status
                        and labels.get("alertname") == ALERT and labels.get("service") == app):
                    return Delivery(notification, alert, notification.received_at - since)
        time.sleep(0.25)
    raise AlertNotDelivered(f"no {status} {ALERT} for {app} reached the receiver within {timeout:.0f}s "
                            "(`make logs COMPONENT=alertmanager`, `make logs COMPONENT=prometheus`)")


def alert_act(settings: StackSettings, received: Callable[[], list[Notification]], app: str = "insights",
              say: Callable[[str], None] = print, timeout: float = 60.0) -> tuple[Delivery, Delivery]:
    """Stops ``app``, waits for the firing notification, restarts ``app``, waits for the resolved one."""
    say(f"== alerts reach people: {app} stops, as a crash would")
    stopped_at = time.time()
    runner.stop(settings, app)
    firing = _delivered(received, app, "firing", stopped_at, timeout)
    say(f"ok delivered {firing.after_seconds:.1f}s after the stop:")
    for line in firing.notification.lines():
        say(f"   {line}")
    say(f"== {app} restarts (make restart COMPONENT={app})")
    restarted_at = time.time()
    runner.restart(settings, app)
    resolved = _delivered(received, app, "resolved", restarted_at, timeout)
    say(f"ok resolution delivered {resolved.after_seconds:.1f}s after the restart began:")
    for line in resolved.notification.lines():
        say(f"   {line}")
    return firing, resolved
