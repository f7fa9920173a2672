"""A local stand-in for Gemini's REST API, for driving the real google-genai SDK in tests.

It speaks ``POST /v1beta/models/{model}:generateContent`` on 127.0.0.1 with Gemini's request and response
JSON shapes and can be told how to answer: a summary, a reply too slow for the client's timeout, Google's
429 and 500 error bodies, or a 200 without any text.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Behaviour = Literal["success", "slow", "rate_limited", "server_error", "empty"]

GENERATE_CONTENT_PATH = re.compile(r"^/v1beta/models/(?P<model>[A-Za-z0-9._-]+):generateContent$")
ERRORS: dict[str, tuple[int, str, str]] = {
    "rate_limited": (429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
    "server_error": (500, "INTERNAL", "An internal error has occurred. Please retry or report it."),
}
RETRY_DELAY_SECONDS = 37
"""What the 429 answer's ``google.rpc.RetryInfo`` asks the client to wait."""


@dataclass(frozen=True)
class ReceivedRequest:
    model: str
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def prompt(self) -> str:
        return "".join(part.get("text", "") for content in self.body.get("contents", [])
                       for part in content.get("parts", []))

    @property
    def generation_config(self) -> dict[str, Any]:
        config: dict[str, Any] = self.body.get("generationConfig", {})
        return config


@dataclass
class FakeGemini:
    """Answers every request according to ``behaviour``; records what it received."""

    behaviour: Behaviour = "success"
    reply: str = "Your portfolio is doing fine. Keep an eye on concentration."
    slow_seconds: float = 5.0
    received: list[ReceivedRequest] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _released: threading.Event = field(default_factory=threading.Event)

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def answer(self, behaviour: Behaviour, reply: str | None = None) -> None:
        self.behaviour = behaviour
        if reply is not None:
            self.reply = reply
        self.received.clear()

    def start(self) -> FakeGemini:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                fake._handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="fake-gemini", daemon=True).start()
        return self

    def stop(self) -> None:
        self._released.set()  # wakes handlers still sleeping in a slow reply
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        matched = GENERATE_CONTENT_PATH.match(request.path.split("?", 1)[0])
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length) if length else b"{}"
        if matched is None:
            _send(request, 404, _error_body(404, "NOT_FOUND", f"no route for {request.path}"))
            return
        model = matched["model"]
        self.received.append(ReceivedRequest(model, {k.lower(): v for k, v in request.headers.items()},
                                             json.loads(raw)))
        if self.behaviour == "slow" and self._released.wait(self.slow_seconds):
            return  # stopped while sleeping: nobody is waiting for the answer any more
        if self.behaviour in ERRORS:
            status, code_name, message = ERRORS[self.behaviour]
            _send(request, status, _error_body(status, code_name, message))
            return
        text = "" if self.behaviour == "empty" else self.reply
        _send(request, 200, _success_body(model, text))


def _success_body(model: str, text: str) -> dict[str, Any]:
    parts = [{"text": text}] if text else []
    return {
        "candidates": [{"content": {"parts": parts, "role": "model"}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {"promptTokenCount": 120, "candidatesTokenCount": 40, "totalTokenCount": 160},
        "modelVersion": model,
        "responseId": "fake-response",
    }


def _error_body(code: int, status: str, message: str) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if code == 429:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                             "retryDelay": f"{RETRY_DELAY_SECONDS}s"}]
    return {"error": error}


def _send(request: BaseHTTPRequestHandler, status: int, body: dict[str, Any]) -> None:
    payload = json.dumps(body).encode()
    try:
        request.send_response(status)
        request.send_header("Content-Type", "application/json; charset=UTF-8")
        request.send_header("Content-Length", str(len(payload)))
        request.end_headers()
        request.wfile.write(payload)
    except (BrokenPipeError, ConnectionResetError):
        return  # the client gave up (its timeout): nothing to answer
