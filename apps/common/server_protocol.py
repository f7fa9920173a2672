"""uvicorn's httptools protocol with read deadlines and a connection cap, so slow clients cannot hold connections.

uvicorn's only timer is the keep-alive timeout between requests; a client that trickles its headers or body
was never cut off. This protocol adds, per connection (values from ``ServerSettings``):

- headers: a request's line and headers must be complete ``header_timeout_seconds`` after the connection
  opened (the first request, so a connection that sends nothing counts too) or after the request's first
  byte (later requests on a keep-alive connection). A request that has begun is answered 408 and closed; a
  connection that has sent no byte of a request is closed without an answer, as the keep-alive timeout does.
- body: the whole body must arrive ``body_timeout_seconds`` after the headers: a deadline, not an idle timer,
  so trickling one byte at a time does not extend it. 408 if no answer has started, then the connection is
  closed and the app sees the client disconnect.
- answers: a client that stops reading while answers pile up (the transport's buffer over its high-water
  mark) has ``write_timeout_seconds`` to start reading again; then the connection is dropped.
- cap: a connection beyond ``max_connections`` open in this process is closed when it is accepted, before
  a byte is read. uvicorn's ``limit_concurrency`` is not used: it answers 503 only once headers are complete,
  which a slow client never sends.

Time in which the server itself stopped reading (flow control: pipelined requests queued, a large body not
yet consumed by the app) or is still answering an earlier request on the connection is not held against
the client: the deadline starts again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any, ClassVar

from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.server import ServerState

from apps.common.server_settings import ServerSettings

log = logging.getLogger(__name__)


class GuardedHttpProtocol(HttpToolsProtocol):
    """Use ``guarded_protocol(settings)``, which binds the limits; this base class has none."""

    limits: ClassVar[ServerSettings]
    refused: ClassVar[int] = 0
    reported_at: ClassVar[float] = float("-inf")

    def __init__(self, config: Config, server_state: ServerState, app_state: dict[str, Any],
                 _loop: asyncio.AbstractEventLoop | None = None) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.deadline: asyncio.TimerHandle | None = None
        self.write_deadline: asyncio.TimerHandle | None = None
        self.inside_message = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if self._over_the_cap():
            transport.close()
            return
        self._await_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        self._cancel_write_deadline()
        super().connection_lost(exc)

    def pause_writing(self) -> None:
        """The client stopped reading and the answers pile up: it has ``write_timeout_seconds`` to drain them."""
        super().pause_writing()
        if self.write_deadline is None:
            self.write_deadline = self.loop.call_later(self.limits.write_timeout_seconds, self._reads_too_slow)

    def resume_writing(self) -> None:
        self._cancel_write_deadline()
        super().resume_writing()

    def _reads_too_slow(self) -> None:
        self.write_deadline = None
        self.transport.abort()  # what is buffered cannot be delivered: drop it with the connection

    def _cancel_write_deadline(self) -> None:
        if self.write_deadline is not None:
            self.write_deadline.cancel()
            self.write_deadline = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self.inside_message and self._no_request_in_flight():
            self._await_headers()  # bytes that start no request (blank lines) must not hold the connection either

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.inside_message = True
        self._await_headers()

    def on_headers_complete(self) -> None:
        self._cancel_deadline()
        super().on_headers_complete()
        if not (self.parser.should_upgrade() and self._should_upgrade()):
            self._set_deadline(self.limits.body_timeout_seconds, self._body_too_slow)

    def handle_websocket_upgrade(self) -> None:
        self._cancel_deadline()  # the connection now belongs to uvicorn's WebSocket protocol
        super().handle_websocket_upgrade()

    def on_message_complete(self) -> None:
        self._cancel_deadline()
        self.inside_message = False
        super().on_message_complete()

    def _over_the_cap(self) -> bool:
        if len(self.connections) <= self.limits.max_connections:
            return False
        cls = type(self)
        cls.refused += 1
        if self.loop.time() - cls.reported_at >= 60:  # once a minute at most: refusals come in floods
            log.warning("connection cap of %d reached: closed %d new connections since the last report",
                        self.limits.max_connections, cls.refused)
            cls.refused, cls.reported_at = 0, self.loop.time()
        return True

    def _no_request_in_flight(self) -> bool:
        return not self.pipeline and (self.cycle is None or self.cycle.response_complete)

    def _await_headers(self) -> None:
        """Keeps a deadline already running: a request's first byte does not extend its connection's first one."""
        if self.deadline is None:
            self._set_deadline(self.limits.header_timeout_seconds, self._headers_too_slow)

    def _headers_too_slow(self) -> None:
        self.deadline = None
        if self.flow.read_paused or not self._no_request_in_flight():
            self._await_headers()  # the server is still busy with an earlier request: not the client's time
            return
        self._cut_off(b"Request headers not received in time" if self.inside_message and self._no_request_in_flight()
                      else None)

    def _body_too_slow(self) -> None:
        self.deadline = None
        if self.flow.read_paused:
            self._set_deadline(self.limits.body_timeout_seconds, self._body_too_slow)
            return
        cycle = self.cycle
        answer = not self.pipeline and not cycle.response_started
        cycle.disconnected = True  # the app's receive() sees the client go; anything it still sends is dropped
        cycle.message_event.set()
        self._cut_off(b"Request body not received in time" if answer else None)

    def _cut_off(self, reason: bytes | None) -> None:
        if self.transport.is_closing():
            return
        if reason is not None:
            self.transport.write(request_timeout(reason, self.server_state.default_headers))
        self._close()

    def timeout_keep_alive_handler(self) -> None:
        if not self.transport.is_closing():
            self._close()

    def _close(self) -> None:
        """Closes once what is buffered is delivered, or after the write deadline whatever is left: a client
        that never reads would otherwise keep a closing connection open for ever."""
        self.transport.close()
        if self.write_deadline is None:
            self.write_deadline = self.loop.call_later(self.limits.write_timeout_seconds, self._reads_too_slow)

    def _set_deadline(self, seconds: float, expire: Callable[[], None]) -> None:
        self._cancel_deadline()
        if not self.transport.is_closing():
            self.deadline = self.loop.call_later(seconds, expire)

    def _cancel_deadline(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None


def request_timeout(reason: bytes, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    headers = [name + b": " + value + b"\r\n" for name, value in default_headers]
    return b"".join([STATUS_LINE[408], *headers, b"content-type: text/plain; charset=utf-8\r\n",
                     b"content-length: %d\r\nconnection: close\r\n\r\n" % len(reason), reason])


def guarded_protocol(settings: ServerSettings) -> type[GuardedHttpProtocol]:
    """The protocol class for ``uvicorn.Config(http=...)``, bound to these limits."""

    class BoundGuardedHttpProtocol(GuardedHttpProtocol):
        limits = settings

    return BoundGuardedHttpProtocol
