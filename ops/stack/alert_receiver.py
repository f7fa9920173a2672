"""The local stand-in for a pager and a chat channel: an HTTP server on 127.0.0.1 that takes Alertmanager's
webhook notifications (``POST /page``, ``POST /ticket``), logs a line per alert and gives back everything it
got (``GET /notifications``), so ``make logs COMPONENT=alert-receiver``, the demo and the tests can show it.

    python -m ops.stack.alert_receiver --port 9095

Standard library only: it is one more process of the local stack and should cost next to nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

log = logging.getLogger("alert-receiver")
SHOWN_LABELS = ("service", "severity", "route", "instance")


@dataclass(frozen=True)
class Notification:
    """One webhook call: the path it came to (the Alertmanager receiver's name) and Alertmanager's payload."""

    route: str
    received_at: float
    payload: dict[str, Any]

    @property
    def status(self) -> str:
        return str(self.payload.get("status", ""))

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return list(self.payload.get("alerts", []))

    def lines(self) -> list[str]:
        """``ticket: FIRING PlatformTargetDown {service=insights, severity=warning}: summary; runbook: URL``."""
        found = []
        for alert in self.alerts:
            labels = dict(alert.get("labels", {}))
            name = labels.pop("alertname", "?")
            shown = ", ".join(f"{key}={labels[key]}" for key in sorted(labels) if key in SHOWN_LABELS)
            notes = alert.get("annotations", {})
            found.append(f"{self.route}: {str(alert.get('status', '')).upper()} {name} {{{shown}}}: "
                         f"{notes.get('summary', '')}; runbook: {notes.get('runbook_url', '-')}")
        return found

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Notification:
        return cls(raw["route"], raw["received_at"], raw["payload"])


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.received: list[Notification] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            payload = json.loads(body)
        except json.JSONDecodeError:
            self._answer(400, {"error": "not JSON"})
            return
        notification = Notification(self.path.strip("/") or "-", time.time(), payload)
        with self.server.lock:
            self.server.received.append(notification)
        for line in notification.lines():
            log.info("%s", line)
        self._answer(200, {"status": "received"})

    def do_GET(self) -> None:
        if self.path == "/-/healthy":
            self._answer(200, {"status": "ok"})
        elif self.path == "/notifications":
            with self.server.lock:
                received = [asdict(n) for n in self.server.received]
            self._answer(200, received)
        else:
            self._answer(404, {"error": "POST a notification to /<receiver>; GET /notifications"})

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Requests are not logged; the notifications are."""


class AlertReceiver:
    """The receiver in a background thread (tests): ``with AlertReceiver() as receiver: receiver.url``."""

    def __init__(self, port: int = 0) -> None:
        self._server = _Server(port)
        self._thread = threading.Thread(target=self._server.serve_forever, name="alert-receiver", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def notifications(self) -> list[Notification]:
        with self._server.lock:
            return list(self._server.received)

    def __enter__(self) -> AlertReceiver:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ops.stack.alert_receiver", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    server = _Server(args.port)
    log.info("alert receiver on %s:%d", *server.server_address[:2])
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
