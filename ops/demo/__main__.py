"""``make demo``: bring the local stack up (if it is not), walk through every API, show an alert delivered
and resolved, then show a live status view until Ctrl-C, which stops the stack it started. Without a
terminal it stops after the walkthrough."""

from __future__ import annotations

import logging
import sys
import time

from ops.demo.alerting import QUICK_ALERTS, AlertNotDelivered, alert_act, stack_notifications
from ops.demo.walkthrough import WalkthroughFailed, run
from ops.stack import runner
from ops.stack.config import StackSettings
from ops.stack.monitoring import uses_alert_receiver

log = logging.getLogger("demo")


def _live_status(settings: StackSettings) -> None:
    print("\nThe stack is up. Live status below; Ctrl-C stops it.")
    while True:
        view = runner.format_status(runner.status(settings), settings)
        print("\033[2J\033[H" + time.strftime("%H:%M:%S ") + "cnop local stack (Ctrl-C to stop)\n" + view,
              flush=True)
        time.sleep(2)


def _alerts(settings: StackSettings, started_here: bool) -> None:
    running = {row.component.name for row in runner.status(settings) if row.running}
    if not started_here:
        print("\n(alert act skipped: this stack was started by `make up`, whose target-down alert waits the "
              "real 5 minutes; `make down`, then `make demo`)")
    elif not uses_alert_receiver(settings) or not {"alertmanager", "alert-receiver", "prometheus"} <= running:
        print("\n(alert act skipped: it needs Prometheus, Alertmanager and the stack's own alert receiver)")
    else:
        print()
        alert_act(settings, stack_notifications(settings))


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="demo: %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = StackSettings()
    started_here = not runner.status(settings)
    try:
        if started_here:
            settings = StackSettings(**QUICK_ALERTS)
            state = runner.up(settings)
            log.info("stack healthy after %.1fs", state.ready_seconds)
        print(runner.format_status(runner.status(settings), settings), "\n")
        run(settings.gateway_url)
        _alerts(settings, started_here)
        print(f"\nPrometheus: http://127.0.0.1:{settings.prometheus_port}  Alertmanager: "
              f"http://127.0.0.1:{settings.alertmanager_port}  gateway: {settings.gateway_url}  "
              f"logs: {settings.logs_dir}")
        if sys.stdin.isatty():
            _live_status(settings)
    except KeyboardInterrupt:
        print()
    except (runner.StackError, WalkthroughFailed, AlertNotDelivered) as exc:
        log.error("%s", exc)
        return 1
    finally:
        if started_here:
            runner.down(settings)
            log.info("stack stopped")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
