"""A small shared cache for the public reads an app marks cacheable (RFC 9111, the part the platform needs).

Stored: answers to GET on routes without authentication, status 200, whose ``Cache-Control`` says ``public``
and ``max-age=N`` (N > 0), and none of ``private``, ``no-store``, ``no-cache``; without ``Vary`` or
``Set-Cookie``. Kept min(N, ``GATEWAY_RESPONSE_CACHE_MAX_SECONDS``) seconds, keyed by what is forwarded (the
matched path and the query), at most ``GATEWAY_RESPONSE_CACHE_ENTRIES`` answers of at most
``GATEWAY_RESPONSE_CACHE_MAX_BODY_BYTES`` each. Served with an ``Age`` header. A request saying
``Cache-Control: no-cache`` is forwarded (and its answer stored). Rate limits apply to every request: the
cache is consulted after admission.

The inventory marks its catalogue reads ``public, max-age=1`` (``INVENTORY_PUBLIC_MAX_AGE_SECONDS``): a price
shown at most a second older than the feed's latest tick (every 2 s), and the gateway answers most catalogue
reads without a hop (docs/performance.md).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import Response

REVALIDATE: dict[str, str] = {"Cache-Control": "no-cache"}
"""Request headers that ask the gateway for a fresh answer from the app rather than its stored copy."""

_REFUSED_DIRECTIVES = frozenset({"private", "no-store", "no-cache"})
_NOT_STORED_HEADERS = frozenset({b"server-timing", b"age"})
"""The app's timing of the request that was stored is not this request's; the age is the cache's to say."""


@dataclass(frozen=True, slots=True)
class _Stored:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    stored_at: float
    fresh_until: float


def freshness_seconds(headers: list[tuple[bytes, bytes]]) -> int:
    """How long a shared cache may serve this answer by its headers alone: 0 when it may not store it."""
    directives: dict[str, str] = {}
    for name, value in headers:
        lowered = name.lower()
        if lowered in (b"vary", b"set-cookie"):
            return 0
        if lowered == b"cache-control":
            for part in value.decode("latin-1").split(","):
                key, _, argument = part.strip().lower().partition("=")
                directives[key] = argument.strip('"')
    if "public" not in directives or _REFUSED_DIRECTIVES & directives.keys():
        return 0
    try:
        return max(0, int(directives.get("s-maxage") or directives.get("max-age", "0")))
    except ValueError:
        return 0


def asks_to_revalidate(request_headers: list[tuple[bytes, bytes]]) -> bool:
    return any(name.lower() == b"cache-control" and b"no-cache" in value.lower()
               for name, value in request_headers)


class ResponseCache:
    def __init__(self, entries: int, max_seconds: float, max_body_bytes: int,
                 clock: Callable[[], float] = time.monotonic):
        self.entries = entries
        self.max_seconds = max_seconds
        self.max_body_bytes = max_body_bytes
        self._clock = clock
        self._stored: OrderedDict[str, _Stored] = OrderedDict()

    @property
    def enabled(self) -> bool:
        return self.entries > 0 and self.max_seconds > 0

    def get(self, target: str) -> Response | None:
        stored = self._stored.get(target)
        if stored is None:
            return None
        now = self._clock()
        if now >= stored.fresh_until:
            del self._stored[target]
            return None
        response = Response(content=stored.body, status_code=stored.status)
        response.raw_headers = [*stored.headers, (b"age", str(int(now - stored.stored_at)).encode())]
        return response

    def store(self, target: str, response: Response) -> None:
        if response.status_code != 200 or len(response.body) > self.max_body_bytes:
            return
        seconds = min(freshness_seconds(response.raw_headers), self.max_seconds)
        if seconds <= 0:
            return
        now = self._clock()
        headers = [(name, value) for name, value in response.raw_headers if name.lower() not in _NOT_STORED_HEADERS]
        self._stored[target] = _Stored(200, headers, bytes(response.body), now, now + seconds)
        self._stored.move_to_end(target)
        while len(self._stored) > self.entries:
            self._stored.popitem(last=False)  # the oldest stored
