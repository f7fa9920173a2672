"""The gateway's HTTP/1.1 client for its upstreams: a pool of keep-alive connections per upstream, responses read
by httptools (the parser uvicorn reads requests with), header bytes passed through untouched.

Why not a general client: on the bench machine httpx spent about 0.7 ms of CPU on each proxied request and
aiohttp 0.15 ms (re-encoding obs-text header bytes as UTF-8 on the way); this pool spends about 0.06 ms
(docs/performance.md). Its peers are the platform's own apps behind uvicorn, so it needs only what they
speak: requests with a ``Content-Length`` body, answers with a length or chunked, keep-alive or close.

Guarantees:
- at most ``max_connections`` open connections; a request waits for one at most ``connect_timeout``;
- a connection idle for ``idle_seconds`` is closed rather than reused: set it below the apps' own keep-alive
  (``SERVER_KEEP_ALIVE_SECONDS``) so the pool never writes to a connection the app is closing;
- the whole answer within ``read_timeout`` of the request being written, or :class:`UpstreamTimeout` and the
  connection closed (an answer may still be on its way: nothing else will read it);
- a reused connection that closes before any byte of the answer is retried once on a new connection for
  GET (the app cannot have acted on it); any other failure is :class:`UpstreamUnreachable` or
  :class:`UpstreamProtocolError`, and the connection is never reused.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass
from typing import cast

import httptools

RETRIED_METHODS = frozenset({"GET"})


class UpstreamError(Exception):
    """No usable answer from the upstream."""


class UpstreamTimeout(UpstreamError):
    pass


class UpstreamUnreachable(UpstreamError):
    pass


class UpstreamProtocolError(UpstreamError):
    pass


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    """As received: names in the upstream's case."""
    body: bytes


class _Connection(asyncio.Protocol):
    """One keep-alive connection: one request at a time, its answer parsed as bytes arrive."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.closed = False
        self.idle_since = time.monotonic()
        self.received_any = False
        self.keep_alive = False
        """What the answer's headers said (HTTP/1.1 without ``Connection: close``): read when they end, as
        httptools forgets it with the message."""
        self._answer: asyncio.Future[Answer] | None = None
        self._headers: list[tuple[bytes, bytes]] = []
        self._body: list[bytes] = []

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports are not asyncio's classes

    def data_received(self, data: bytes) -> None:
        self.received_any = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(UpstreamProtocolError(f"malformed answer: {exc}"))
            self.close()

    def eof_received(self) -> bool:
        return False  # close the transport: a half-closed upstream answers nothing more

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.received_any:
            self._fail(UpstreamProtocolError("the upstream closed the connection in the middle of its answer"))
        else:
            self._fail(UpstreamUnreachable("the upstream closed the connection without answering"))

    # httptools callbacks
    def on_message_begin(self) -> None:
        self._headers = []
        self._body = []

    def on_header(self, name: bytes, value: bytes) -> None:
        self._headers.append((name, value))

    def on_headers_complete(self) -> None:
        self.keep_alive = self.parser.should_keep_alive()

    def on_body(self, body: bytes) -> None:
        self._body.append(body)

    def on_message_complete(self) -> None:
        status = self.parser.get_status_code()
        if status < 200:  # an interim answer (100 Continue...): the real one follows
            return
        if self._answer is not None and not self._answer.done():
            self._answer.set_result(Answer(status, self._headers, b"".join(self._body)))

    # the pool's side
    def send(self, request: bytes) -> asyncio.Future[Answer]:
        assert self.transport is not None
        self._answer = asyncio.get_running_loop().create_future()
        self.received_any = self.keep_alive = False
        self.transport.write(request)
        return self._answer

    def reusable(self) -> bool:
        return not self.closed and self.keep_alive

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _fail(self, error: UpstreamError) -> None:
        if self._answer is not None and not self._answer.done():
            self._answer.set_exception(error)


class UpstreamPool:
    def __init__(self, host: str, port: int, *, max_connections: int, connect_timeout: float,
                 read_timeout: float, idle_seconds: float):
        self.host, self.port = host, port
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.idle_seconds = idle_seconds
        self._host_header = f"host: {host}:{port}\r\n".encode()
        self._slots = asyncio.Semaphore(max_connections)
        self._idle: deque[_Connection] = deque()
        self._open: set[_Connection] = set()

    async def request(self, method: str, target: str, headers: list[tuple[bytes, bytes]],
                      body: bytes = b"", *, timeout: float | None = None) -> Answer:
        """``target`` is the path and query as sent (already percent-encoded); ``headers`` exclude Host and
        Content-Length, which the pool writes."""
        message = self._serialize(method, target, headers, body)
        await self._acquire_slot()
        try:
            connection, reused = await self._connection()
            try:
                return await self._exchange(connection, message, timeout)
            except UpstreamUnreachable:
                if not (reused and method in RETRIED_METHODS):
                    raise
            return await self._exchange(await self._new_connection(), message, timeout)
        finally:
            self._slots.release()

    async def close(self) -> None:
        for connection in list(self._open):
            connection.close()
        self._idle.clear()
        self._open.clear()

    async def _acquire_slot(self) -> None:
        if not self._slots.locked():
            await self._slots.acquire()
            return
        try:
            await asyncio.wait_for(self._slots.acquire(), self.connect_timeout)
        except TimeoutError:
            raise UpstreamTimeout("no free connection to the upstream") from None

    def _serialize(self, method: str, target: str, headers: list[tuple[bytes, bytes]], body: bytes) -> bytes:
        lines = [f"{method} {target} HTTP/1.1\r\n".encode("latin-1"), self._host_header]
        for name, value in headers:
            lines += (name, b": ", value, b"\r\n")
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(b"content-length: %d\r\n" % len(body))
        lines.append(b"\r\n")
        lines.append(body)
        return b"".join(lines)

    async def _connection(self) -> tuple[_Connection, bool]:
        """The most recently used live connection that has not idled too long, or a new one."""
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self.idle_seconds:
                return connection, True
            self._discard(connection)
        return await self._new_connection(), False

    async def _new_connection(self) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            _, connection = await asyncio.wait_for(
                loop.create_connection(_Connection, self.host, self.port), self.connect_timeout)
        except TimeoutError:
            raise UpstreamTimeout("connecting to the upstream timed out") from None
        except OSError as exc:
            raise UpstreamUnreachable(f"cannot connect to the upstream: {exc.strerror or exc}") from None
        self._open.add(connection)
        return connection

    async def _exchange(self, connection: _Connection, message: bytes, timeout: float | None) -> Answer:
        answer = connection.send(message)
        timer = asyncio.get_running_loop().call_later(
            self.read_timeout if timeout is None else timeout, _time_out, answer)
        done = False
        try:
            result = await answer
            done = True
            return result
        finally:
            timer.cancel()
            if done and connection.reusable():
                connection.idle_since = time.monotonic()
                self._idle.append(connection)
            else:  # failed, cancelled or told to close: nothing else may read from it
                self._discard(connection)

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        self._open.discard(connection)


def _time_out(answer: asyncio.Future[Answer]) -> None:
    if not answer.done():
        answer.set_exception(UpstreamTimeout("the upstream did not answer in time"))
