"""A stand-in upstream on 127.0.0.1 for the gateway: ``/health`` answers 200 at once; every other GET answers
``{"data": []}`` with the status ``status()`` says, after ``delay`` seconds."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ops.servers import free_port


class StandInUpstream:
    def __init__(self, status: Callable[[], int] = lambda: 200, delay: float = 0.0):
        self.status = status
        self.delay = delay
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                health = self.path == "/health"
                if not health:
                    time.sleep(owner.delay)
                body = json.dumps({"status": "healthy"} if health else {"data": []}).encode()
                self.send_response(200 if health else owner.status())
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
