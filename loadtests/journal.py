"""One line per request, for runs that judge every answer in time (``make chaos``): when it was sent, how
long it took, the route, the status, the error code of a refusal, whether a 503 said when to retry, whether
the circuit was open, and the exception of a request that got no answer. Written only with --cnop-journal.
"""

from __future__ import annotations

import json
from typing import IO, Any

from locust import events
from locust.env import Environment

from loadtests.options import listen, option

_sink: dict[str, IO[str]] = {}


@listen(events.test_start)
def _open(environment: Environment, **_: Any) -> None:
    path = option(environment, "cnop_journal")
    if path:
        _sink["file"] = open(path, "a", buffering=1)  # noqa: SIM115 - closed when Locust quits


@listen(events.request)
def _record(request_type: str, name: str, response_time: float, response: Any = None, exception: Any = None,
            start_time: float | None = None, **_: Any) -> None:
    sink = _sink.get("file")
    if sink is None:
        return
    status = int(getattr(response, "status_code", 0) or 0)
    headers = getattr(response, "headers", None) or {}
    entry = {"t": round(start_time or 0.0, 3), "ms": round(response_time or 0.0, 1), "m": request_type, "n": name,
             "s": status, "c": _code(response) if status >= 400 else None, "ra": "Retry-After" in headers,
             "co": headers.get("X-Circuit-State") == "open", "e": type(exception).__name__ if status == 0 else None}
    sink.write(json.dumps(entry) + "\n")


def _code(response: Any) -> str | None:
    try:
        body = response.json()
    except Exception:  # an answer that is not JSON has no code
        return None
    return str(body.get("code")) if isinstance(body, dict) and body.get("code") is not None else None


@listen(events.quitting)
def _close(**_: Any) -> None:
    sink = _sink.pop("file", None)
    if sink is not None:
        sink.close()
