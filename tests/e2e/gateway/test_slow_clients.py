"""Slow clients are cut off: header and body deadlines and the connection cap, on real gateway processes.

Raw sockets play the slow client. Every read has a deadline of the configured limit plus ``GRACE``: a server
without the limit leaves the socket open and the read times out, which fails the test.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import resource
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from ops.servers import REPO, ServerProcess, app_command, free_port, wait_healthy
from tests.support.users import PASSWORD, registration
from tests.support.waiting import wait_until

HEADER_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0
GRACE = 3.0  # scheduling slack on a busy machine, not a performance bound
TRICKLE_EVERY = 0.2  # far below either limit: an idle timer would never fire, only a deadline does
CAP = 3
STALLED_REGISTRATION = (b"POST /api/v1/auth/register HTTP/1.1\r\nHost: gateway\r\n"
                        b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")


@pytest.fixture(scope="module")
def strict_port(start_gateway: Any) -> int:
    return _port(start_gateway(SERVER_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT),
                               SERVER_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT)))


@pytest.fixture(scope="module")
def capped_port(start_gateway: Any) -> int:
    return _port(start_gateway(SERVER_MAX_CONNECTIONS=str(CAP)))


def _port(url: str) -> int:
    port = urlsplit(url).port
    assert port is not None
    return port


@pytest.fixture
def connect() -> Iterator[Any]:
    opened: list[socket.socket] = []

    def open_socket(port: int) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", port), timeout=GRACE)
        opened.append(sock)
        return sock

    yield open_socket
    for sock in opened:
        sock.close()


def read_until_closed(sock: socket.socket, within: float) -> bytes:
    """Everything the server sends until it closes the connection; fails if it is still open after ``within``."""
    sock.settimeout(within)
    received = b""
    try:
        while chunk := sock.recv(4096):
            received += chunk
    except TimeoutError:
        pytest.fail(f"the server kept the connection open for {within:.0f}s (received {received!r})")
    except ConnectionResetError:
        pass
    return received


def trickle_until_closed(sock: socket.socket, data: bytes, within: float) -> bytes:
    """Sends ``data`` a byte every ``TRICKLE_EVERY`` seconds until the server closes; fails past ``within``."""
    deadline = time.monotonic() + within
    received = b""
    sock.settimeout(TRICKLE_EVERY)
    for byte in data:
        if time.monotonic() > deadline:
            pytest.fail(f"the server kept a trickling connection open for {within:.0f}s")
        try:
            sock.sendall(bytes([byte]))
            chunk = sock.recv(4096)
        except TimeoutError:
            continue
        except (BrokenPipeError, ConnectionResetError):
            return received
        if not chunk:
            return received
        received += chunk
    pytest.fail("the trickle ran out of bytes before the server closed the connection")


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


def test_a_connection_that_sends_nothing_is_closed_without_an_answer(strict_port: int, connect: Any) -> None:
    sock = connect(strict_port)
    assert read_until_closed(sock, HEADER_TIMEOUT + GRACE) == b""


def test_headers_trickled_a_byte_at_a_time_are_answered_408_and_closed(strict_port: int, connect: Any) -> None:
    sock = connect(strict_port)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: gateway\r\n")
    answer = trickle_until_closed(sock, b"X-Slow: " + b"a" * 1000, HEADER_TIMEOUT + GRACE)
    assert status_of(answer) == 408
    assert b"connection: close" in answer.lower()


def test_a_stalled_body_is_answered_408_and_closed(strict_port: int, connect: Any) -> None:
    sock = connect(strict_port)
    sock.sendall(STALLED_REGISTRATION)
    answer = read_until_closed(sock, BODY_TIMEOUT + GRACE)
    assert status_of(answer) == 408
    assert answer.endswith(b"Request body not received in time")


def test_a_body_trickled_a_byte_at_a_time_is_cut_off_at_the_deadline(strict_port: int, connect: Any) -> None:
    sock = connect(strict_port)
    sock.sendall(STALLED_REGISTRATION)
    answer = trickle_until_closed(sock, b'"' + b"a" * 98, BODY_TIMEOUT + GRACE)
    assert status_of(answer) == 408


def test_blank_lines_after_a_request_do_not_hold_the_kept_alive_connection(strict_port: int, connect: Any) -> None:
    sock = connect(strict_port)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: gateway\r\n\r\n")
    answer = http.client.HTTPResponse(sock)
    answer.begin()
    assert (answer.status, answer.will_close) == (200, False)
    answer.read()
    assert trickle_until_closed(sock, b"\r\n" * 100, HEADER_TIMEOUT + GRACE) == b""


def test_requests_on_a_kept_alive_connection_are_served_after_idling_past_the_header_timeout(
    strict_port: int,
) -> None:
    api = http.client.HTTPConnection("127.0.0.1", strict_port, timeout=GRACE)
    body = registration()
    try:
        api.request("GET", "/health")
        assert api.getresponse().read() and api.sock is not None
        kept_alive = api.sock
        time.sleep(HEADER_TIMEOUT + 0.5)  # idle between requests is the keep-alive timeout's business (5 s)
        api.request("POST", "/api/v1/auth/register", json.dumps(body), {"Content-Type": "application/json"})
        registered = api.getresponse()
        assert (registered.status, registered.read()) == (201, b'{"message":"User registered successfully"}')
        login = {"username": body["username"], "password": PASSWORD}
        api.request("POST", "/api/v1/auth/login", json.dumps(login), {"Content-Type": "application/json"})
        logged_in = api.getresponse()
        assert logged_in.status == 200
        assert json.loads(logged_in.read())["access_token"]
        assert api.sock is kept_alive
    finally:
        api.close()


def test_connections_beyond_the_cap_are_closed_at_once_and_accepted_again_below_it(
    capped_port: int, connect: Any
) -> None:
    held = [connect(capped_port) for _ in range(CAP)]
    assert read_until_closed(connect(capped_port), GRACE) == b""
    held.pop().close()
    assert _health_once_a_slot_frees(capped_port, within=GRACE) == 200
    for sock in held:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n")
        assert status_of(read_until_closed(sock, GRACE)) == 200


def _health_once_a_slot_frees(port: int, within: float) -> int:
    """The server notices the freed slot a moment after the client closes; until then new connections close."""

    def health_status() -> int | None:
        api = http.client.HTTPConnection("127.0.0.1", port, timeout=within)
        try:
            api.request("GET", "/health")
            return api.getresponse().status
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            return None  # closed at once: no slot yet
        finally:
            api.close()

    status: int = wait_until(health_status, lambda answer: answer is not None, timeout=within, every=0.05,
                             what=f"a connection served after one of {CAP} held connections closed")
    return status


def test_the_server_lifts_its_open_files_limit_so_the_cap_can_be_reached(platform_env: dict[str, str]) -> None:
    """Some container runtimes start processes with a soft limit of 1024 files, below the default cap."""
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    if hard <= 256:
        pytest.skip(f"the hard open-files limit here ({hard}) leaves nothing to lift")
    port = free_port()
    process = subprocess.Popen(app_command("gateway", port), cwd=REPO, env={**os.environ, **platform_env},
                               stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                               preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard)))
    server = wait_healthy(ServerProcess("gateway", port, process))
    try:
        limits = Path(f"/proc/{process.pid}/limits").read_text()
        assert re.search(rf"^Max open files\s+{hard}\s+{hard}\s", limits, re.MULTILINE), limits
    finally:
        server.stop()
