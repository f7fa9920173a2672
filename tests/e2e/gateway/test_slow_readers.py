"""Clients that stop reading their answers are dropped; a client's next request trickling in while the server
still answers its last one does not cost that answer."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ops.raw_http import RawConnection
from tests.support.upstream_server import StandInUpstream

WRITE_TIMEOUT = 1.0
HEADER_TIMEOUT = 1.0
UPSTREAM_DELAY = 2.5


@pytest.fixture(scope="module")
def slow_upstream() -> Iterator[StandInUpstream]:
    upstream = StandInUpstream(delay=UPSTREAM_DELAY)
    yield upstream
    upstream.stop()


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def test_a_client_that_never_reads_its_answers_is_dropped(start_gateway: Any) -> None:
    gateway = start_gateway(SERVER_WRITE_TIMEOUT_SECONDS=str(WRITE_TIMEOUT))
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", port_of(gateway)))
    request = b"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    asked = 1000  # answers of tens of kilobytes each: far more than the kernel's socket buffers hold
    try:
        sock.sendall(request * asked)
        time.sleep(WRITE_TIMEOUT + 2)
        sock.settimeout(10)
        received, closed = b"", False
        while not closed:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                closed = True
                continue
            received += chunk
            closed = not chunk
    finally:
        sock.close()
    assert closed, "the connection was still open"
    assert received.count(b"HTTP/1.1 200") < asked, "every answer was delivered after all"


def test_a_next_request_trickling_in_does_not_cost_the_answer_in_flight(
    start_gateway: Any, slow_upstream: StandInUpstream
) -> None:
    gateway = start_gateway(SERVER_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT), GATEWAY_INVENTORY_URL=slow_upstream.url)
    with RawConnection(port_of(gateway), timeout=UPSTREAM_DELAY + 10) as connection:
        connection.send(b"GET /api/v1/inventory/assets HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\nGET /api/v1/inv")
        answer = connection.answer()  # the upstream takes longer than the header deadline of the next request
        assert answer.status == 200 and answer.json() == {"data": []}
        cut_off = connection.answer()
        assert cut_off.status == 408, "the unfinished next request is still cut off, once the answer is out"
        assert connection.closed_by_peer()
