"""What the gateway refuses before forwarding anything: over-nested and oversized bodies, bodies on reads,
dot segments and trailing slashes; on a real gateway process, spoken to byte by byte where it matters."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest

from apps.gateway.headers import SECURITY_HEADERS
from ops.raw_http import RawAnswer, RawConnection
from tests.support.users import PASSWORD, TestUser, registration

MAX_BODY = 65536
NESTED = b'{"amount": 1, "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
POST_ROUTES = ["/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/balance/deposit", "/api/v1/orders"]


def port_of(url: str) -> int:
    return int(urlsplit(url).port or 80)


@pytest.fixture(scope="module")
def trader(gateway_url: str) -> TestUser:
    account = registration()
    with httpx.Client(base_url=gateway_url) as api:
        assert api.post("/api/v1/auth/register", json=account).status_code == 201
        login = api.post("/api/v1/auth/login", json={"username": account["username"], "password": PASSWORD})
        user = TestUser(account["username"], login.json()["access_token"])
        assert api.post("/api/v1/balance/deposit", json={"amount": 100}, headers=user.headers).status_code == 201
    return user


def balance(gateway_url: str, user: TestUser) -> str:
    return str(httpx.get(f"{gateway_url}/api/v1/balance", headers=user.headers).json()["current_balance"])


def assert_gateway_refusal(answer: RawAnswer, status: int) -> None:
    assert answer.status == status, answer.body
    assert answer.headers["content-type"] == "application/json"
    assert answer.json()["code"] == "SVC_001" and answer.json()["error"] == "SVC_001"
    assert answer.headers["x-request-id"]
    assert {name.decode(): value.decode() for name, value in SECURITY_HEADERS}.items() <= answer.headers.items()


@pytest.mark.parametrize("path", POST_ROUTES)
def test_deeply_nested_json_is_400_and_the_connection_stays_usable(
    gateway_url: str, trader: TestUser, path: str
) -> None:
    with RawConnection(port_of(gateway_url)) as connection:
        refused = connection.request("POST", path, {"Authorization": f"Bearer {trader.token}",
                                                    "Content-Type": "application/json"}, NESTED)
        again = connection.request("GET", "/api/v1/balance", {"Authorization": f"Bearer {trader.token}"})
    assert_gateway_refusal(refused, 400)
    assert "nested deeper than" in refused.json()["message"]
    assert again.status == 200, "the same keep-alive connection answers the next request"
    assert again.json()["current_balance"] == "100.00"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32-le"])
def test_json_in_another_encoding_than_utf8_is_400_not_a_parser_guess(gateway_url: str, encoding: str) -> None:
    """Python's json guesses UTF-16 and UTF-32 from the bytes; a nesting check over the bytes did not see
    these brackets, and a 1,000-deep body in UTF-16 once reached the parser (500)."""
    body = ('{"username": "\u2200", "x": ' + "[" * 1000 + "]" * 1000 + "}").encode(encoding)
    with RawConnection(port_of(gateway_url)) as connection:
        answer = connection.request("POST", "/api/v1/auth/login", {"Content-Type": "application/json"}, body)
    assert_gateway_refusal(answer, 400)
    assert answer.json()["message"] == "Request body must be UTF-8 encoded JSON"


def test_a_content_length_of_thousands_of_digits_is_not_a_500(gateway_url: str) -> None:
    """Python refuses to read integers of over 4,300 digits; the length below is 2."""
    with RawConnection(port_of(gateway_url)) as connection:
        connection.send(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        b"Content-Length: " + b"0" * 5000 + b"2\r\n\r\n{}")
        answer = connection.answer()
    assert answer.status == 422, answer.body


def test_a_body_declared_too_large_is_413_without_being_sent(gateway_url: str, trader: TestUser) -> None:
    with RawConnection(port_of(gateway_url)) as connection:
        connection.send(b"POST /api/v1/balance/deposit HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        b"Authorization: Bearer " + trader.token.encode() + b"\r\n"
                        b"Content-Type: application/json\r\nContent-Length: 52428800\r\n\r\n")
        refused = connection.answer()  # 50 MB announced, not a byte of it sent: the answer comes anyway
        assert refused.headers["connection"] == "close"
        assert connection.closed_by_peer()
    assert_gateway_refusal(refused, 413)
    assert balance(gateway_url, trader) == "100.00"


def test_a_chunked_body_is_cut_off_as_it_passes_the_limit(gateway_url: str, trader: TestUser) -> None:
    chunk = b"x" * 8192
    sent = 0
    with RawConnection(port_of(gateway_url)) as connection:
        connection.send(b"POST /api/v1/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        refused: RawAnswer | None = None
        connection.sock.settimeout(0.05)
        while refused is None and sent < 50 * 2**20:
            try:
                connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                refused = connection.answer()
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
    assert refused is not None, f"no answer after {sent} bytes"
    assert_gateway_refusal(refused, 413)
    assert sent < 4 * MAX_BODY, f"the gateway read {sent} bytes before refusing"


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_body_on_a_read_is_400(gateway_url: str, trader: TestUser, method: str) -> None:
    with RawConnection(port_of(gateway_url)) as connection:
        refused = connection.request(method, "/api/v1/balance", {"Authorization": f"Bearer {trader.token}"},
                                     b'{"amount": 1}')
    assert_gateway_refusal(refused, 400)


@pytest.mark.parametrize("path", [
    "/api/v1/balance/asset/..", "/api/v1/inventory/assets/.", "/api/v1/balance/asset/%2e%2e",
    "/api/v1/inventory/assets/%2E", "/api/v1/balance/asset/.%2e",
])
def test_dot_segments_name_no_route(gateway_url: str, trader: TestUser, path: str) -> None:
    with RawConnection(port_of(gateway_url)) as connection:
        answer = connection.request("GET", path, {"Authorization": f"Bearer {trader.token}"})
    assert_gateway_refusal(answer, 404)


@pytest.mark.parametrize("path", ["/api/v1/balance/", "/api/v1/inventory/assets/", "/api/v1/orders/"])
def test_a_trailing_slash_is_404_never_a_redirect_to_the_callers_host(
    gateway_url: str, trader: TestUser, path: str
) -> None:
    with RawConnection(port_of(gateway_url)) as connection:
        connection.send(f"GET {path} HTTP/1.1\r\nHost: evil.example\r\n"
                        f"Authorization: Bearer {trader.token}\r\n\r\n".encode())
        answer = connection.answer()
    assert_gateway_refusal(answer, 404)
    assert "location" not in answer.headers
