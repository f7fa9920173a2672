"""The headers the gateway sends upstream (``apps.gateway.proxy.upstream_headers``): what only the gateway may
say (who the user is, who the client is, the request id) is never taken from the client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from apps.common.logs import request_id_var
from apps.gateway.proxy import upstream_headers

Headers = list[tuple[bytes, bytes]]


@pytest.fixture(autouse=True)
def request_id() -> Iterator[str]:
    token = request_id_var.set("gateway-request-0001")
    yield "gateway-request-0001"
    request_id_var.reset(token)


def values(headers: Headers, name: bytes) -> list[bytes]:
    return [value for key, value in headers if key.lower() == name]


@pytest.mark.parametrize("spelling", [b"x-authenticated-user", b"X-Authenticated-User", b"X-AUTHENTICATED-USER"])
def test_a_client_sent_authenticated_user_is_dropped_on_public_routes(spelling: bytes) -> None:
    sent = upstream_headers([(spelling, b"admin"), (b"accept", b"application/json")], "198.51.100.1", None)
    assert values(sent, b"x-authenticated-user") == []
    assert values(sent, b"accept") == [b"application/json"]


def test_a_client_sent_authenticated_user_is_replaced_by_the_token_s_user() -> None:
    incoming = [(b"x-authenticated-user", b"admin"), (b"X-Authenticated-User", b"root")]
    sent = upstream_headers(incoming, "198.51.100.1", "alice_1")
    assert values(sent, b"x-authenticated-user") == [b"alice_1"]


def test_forwarded_for_and_request_id_are_the_gateway_s_own() -> None:
    incoming = [(b"x-forwarded-for", b"6.6.6.6"), (b"X-Request-ID", b"client-chosen-id")]
    sent = upstream_headers(incoming, "198.51.100.1", None)
    assert values(sent, b"x-forwarded-for") == [b"198.51.100.1"]
    assert values(sent, b"x-request-id") == [b"gateway-request-0001"]


def test_hop_by_hop_headers_stay_behind_and_the_rest_pass_as_sent() -> None:
    incoming = [
        (b"host", b"api.example"), (b"connection", b"keep-alive, x-secret"), (b"keep-alive", b"timeout=5"),
        (b"transfer-encoding", b"chunked"), (b"content-length", b"12"), (b"te", b"trailers"),
        (b"upgrade", b"websocket"), (b"proxy-authorization", b"Basic Zm9vOmJhcg=="),
        (b"accept-encoding", b"gzip"),
        (b"authorization", b"Bearer abc.def.ghi"), (b"content-type", b"application/json"),
        (b"x-client-note", "caf\xe9".encode("latin-1")),
    ]
    sent = upstream_headers(incoming, "198.51.100.1", "alice_1")
    assert sent == [
        (b"authorization", b"Bearer abc.def.ghi"), (b"content-type", b"application/json"),
        (b"x-client-note", b"caf\xe9"),
        (b"x-request-id", b"gateway-request-0001"), (b"x-forwarded-for", b"198.51.100.1"),
        (b"x-authenticated-user", b"alice_1"),
    ]
