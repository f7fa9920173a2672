"""The gateway's upstream pool (``apps.gateway.upstream_http``) against a scripted HTTP/1.1 server on 127.0.0.1:
what is written on the wire, which connections are reused, and every way an answer can fail."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest

from apps.gateway.upstream_http import (
    UpstreamPool,
    UpstreamProtocolError,
    UpstreamTimeout,
    UpstreamUnreachable,
)

OK = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{\"ok\":true}"


@dataclass
class Received:
    connection: int
    head: bytes
    body: bytes


Script = Callable[[Received, asyncio.StreamWriter], Awaitable[None]]


async def answer_ok(_: Received, writer: asyncio.StreamWriter) -> None:
    writer.write(OK)


@dataclass
class ScriptedServer:
    """Reads each request (head, then a Content-Length body) and lets ``script`` answer it."""

    script: Script = answer_ok
    received: list[Received] = field(default_factory=list)
    connections: int = 0
    port: int = 0
    writers: list[asyncio.StreamWriter] = field(default_factory=list)

    async def serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        self.writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                request = Received(number, head, await reader.readexactly(length))
                self.received.append(request)
                await self.script(request, writer)
                if writer.is_closing():
                    return
                await writer.drain()

    def close_idle_connections(self) -> None:
        for writer in self.writers:
            writer.close()


@contextlib.asynccontextmanager
async def running(server: ScriptedServer) -> AsyncIterator[ScriptedServer]:
    listening = await asyncio.start_server(server.serve, "127.0.0.1", 0)
    server.port = listening.sockets[0].getsockname()[1]
    try:
        yield server
    finally:
        server.close_idle_connections()
        listening.close()


def pool_for(server: ScriptedServer, **changes: float) -> UpstreamPool:
    options = {"max_connections": 4, "connect_timeout": 1.0, "read_timeout": 2.0, "idle_seconds": 4.0, **changes}
    return UpstreamPool("127.0.0.1", server.port, max_connections=int(options["max_connections"]),
                        connect_timeout=options["connect_timeout"], read_timeout=options["read_timeout"],
                        idle_seconds=options["idle_seconds"])


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


def test_requests_are_written_as_given_and_connections_kept_alive() -> None:
    async def scenario() -> None:
        async with running(ScriptedServer()) as server:
            pool = pool_for(server)
            note = (b"x-client-note", "caf\xe9".encode("latin-1"))
            first = await pool.request("POST", "/orders?x=1", [note], b'{"a":1}')
            second = await pool.request("GET", "/balance", [])
            await pool.close()
        assert (first.status, first.body, second.body) == (200, b'{"ok":true}', b'{"ok":true}')
        assert (b"content-type", b"application/json") in first.headers
        assert server.connections == 1, "one connection, reused"
        posted, got = server.received
        assert posted.head.startswith(b"POST /orders?x=1 HTTP/1.1\r\n")
        assert b"\r\nx-client-note: caf\xe9\r\n" in posted.head, "header bytes untouched (obs-text)"
        assert f"\r\nhost: 127.0.0.1:{server.port}\r\n".encode() in posted.head
        assert b"\r\ncontent-length: 7\r\n" in posted.head and posted.body == b'{"a":1}'
        assert got.head.startswith(b"GET /balance HTTP/1.1\r\n") and b"content-length" not in got.head

    run(scenario)


def test_chunked_answers_and_interim_answers_are_read_whole() -> None:
    async def chunked(_: Received, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        writer.write(b"HTTP/1.1 201 Created\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{\"a\"\r\n3\r\n:1}\r\n0\r\n\r\n")

    async def scenario() -> None:
        async with running(ScriptedServer(chunked)) as server:
            pool = pool_for(server)
            answers = [await pool.request("GET", "/x", []) for _ in range(2)]
            await pool.close()
        assert [(a.status, a.body) for a in answers] == [(201, b'{"a":1}')] * 2
        assert server.connections == 1

    run(scenario)


def test_an_answer_that_says_close_is_not_reused() -> None:
    async def closing(_: Received, writer: asyncio.StreamWriter) -> None:
        writer.write(b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 2\r\n\r\n{}")
        writer.close()

    async def scenario() -> None:
        async with running(ScriptedServer(closing)) as server:
            pool = pool_for(server)
            for _ in range(3):
                assert (await pool.request("GET", "/x", [])).body == b"{}"
            await pool.close()
        assert server.connections == 3

    run(scenario)


def test_an_idle_connection_is_retired_before_the_app_closes_it() -> None:
    async def scenario() -> None:
        async with running(ScriptedServer()) as server:
            pool = pool_for(server, idle_seconds=0.05)
            await pool.request("GET", "/x", [])
            await asyncio.sleep(0.1)
            await pool.request("GET", "/x", [])
            await pool.close()
        assert server.connections == 2

    run(scenario)


@pytest.mark.parametrize(("method", "retried"), [("GET", True), ("POST", False)])
def test_a_reused_connection_closed_without_an_answer_is_retried_only_for_a_get(method: str, retried: bool) -> None:
    """The race of an app's keep-alive timeout: the connection closes just as the next request is written."""

    async def closes_on_its_second_request(request: Received, writer: asyncio.StreamWriter) -> None:
        if sum(seen.connection == request.connection for seen in server.received) == 2:
            writer.close()
        else:
            writer.write(OK)

    server = ScriptedServer(closes_on_its_second_request)

    async def scenario() -> None:
        async with running(server):
            pool = pool_for(server)
            await pool.request(method, "/x", [], b"{}")
            if retried:
                assert (await pool.request(method, "/x", [], b"{}")).status == 200
            else:
                with pytest.raises(UpstreamUnreachable):
                    await pool.request(method, "/x", [], b"{}")
            await pool.close()
        assert server.connections == (2 if retried else 1), "a POST is never sent twice"

    run(scenario)


def test_a_connection_the_app_closed_while_idle_is_not_used() -> None:
    async def scenario() -> None:
        async with running(ScriptedServer()) as server:
            pool = pool_for(server)
            await pool.request("POST", "/x", [], b"{}")
            server.close_idle_connections()
            await asyncio.sleep(0.05)
            assert (await pool.request("POST", "/x", [], b"{}")).status == 200
            await pool.close()
        assert server.connections == 2

    run(scenario)


def test_a_slow_answer_times_out_and_its_connection_is_dropped() -> None:
    async def slow_first(request: Received, writer: asyncio.StreamWriter) -> None:
        if request.connection == 1:
            await asyncio.sleep(0.5)
        writer.write(OK)

    async def scenario() -> None:
        async with running(ScriptedServer(slow_first)) as server:
            pool = pool_for(server, read_timeout=0.1)
            with pytest.raises(UpstreamTimeout):
                await pool.request("GET", "/x", [])
            assert (await pool.request("GET", "/x", [])).status == 200, "on a new connection"
            await pool.close()
        assert server.connections == 2

    run(scenario)


def test_a_malformed_or_cut_answer_is_an_error_and_never_reused() -> None:
    answers = iter([b"HTTP/1.1 abc\r\n\r\n", b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\n{\"cut\":"])

    async def broken(_: Received, writer: asyncio.StreamWriter) -> None:
        writer.write(next(answers))
        writer.close()

    async def scenario() -> None:
        async with running(ScriptedServer(broken)) as server:
            pool = pool_for(server)
            for _ in range(2):
                with pytest.raises(UpstreamProtocolError):
                    await pool.request("GET", "/x", [])
            assert not pool._idle
            await pool.close()

    run(scenario)


def test_nothing_listening_is_unreachable() -> None:
    async def scenario() -> None:
        async with running(ScriptedServer()) as server:
            port = server.port
        pool = UpstreamPool("127.0.0.1", port, max_connections=1, connect_timeout=1.0, read_timeout=1.0,
                            idle_seconds=4.0)
        with pytest.raises(UpstreamUnreachable):
            await pool.request("GET", "/x", [])

    run(scenario)


def test_connections_are_bounded_and_a_request_waits_at_most_the_connect_timeout() -> None:
    async def scenario() -> None:
        gate = asyncio.Event()

        async def held(_: Received, writer: asyncio.StreamWriter) -> None:
            await gate.wait()
            writer.write(OK)

        async with running(ScriptedServer(held)) as server:
            pool = pool_for(server, max_connections=2, connect_timeout=0.1, read_timeout=5.0)
            busy = [asyncio.create_task(pool.request("GET", "/x", [])) for _ in range(2)]
            await asyncio.sleep(0.05)
            with pytest.raises(UpstreamTimeout):
                await pool.request("GET", "/x", [])
            waiting = asyncio.create_task(pool.request("GET", "/x", []))
            gate.set()
            answers = await asyncio.gather(*busy, waiting)
            await pool.close()
        assert [a.status for a in answers] == [200, 200, 200]
        assert server.connections == 2, "the third request waited for a free connection"

    run(scenario)


def test_a_cancelled_request_drops_its_connection() -> None:
    async def never(_: Received, writer: asyncio.StreamWriter) -> None:
        await asyncio.sleep(10)

    async def scenario() -> None:
        async with running(ScriptedServer(never)) as server:
            pool = pool_for(server)
            request = asyncio.create_task(pool.request("GET", "/x", []))
            await asyncio.sleep(0.05)
            request.cancel()
            with pytest.raises(asyncio.CancelledError):
                await request
            assert not pool._idle and not pool._open
            assert not pool._slots.locked()
            await pool.close()

    run(scenario)
