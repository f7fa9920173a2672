"""``make security``'s probes of what an adversarial review once broke: each a short, exact request sequence
with a verdict (the Locust scenarios measure behaviour under load; these pin single answers).

| probe | the finding it guards |
|---|---|
| revoked token across Redis losing its data | a logged-out token worked again after a Redis restart |
| nested JSON | a 2 KB body nested 1,000 levels answered 500 |
| body limits | 50 MB bodies were read whole and forwarded; bodies on GET were accepted |
| login guard per name | one good login to an own account reset the failures against a victim |
| concurrent guesses | a burst of guesses was checked in full before the block |
| dot segments, trailing slashes | `/balance/asset/..` reached `/balance`; `/balance/` redirected to the Host given |
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

import httpx

from ops.accounts import GATEWAY_PREFIX, PASSWORD, registration, sign_up, unique_username
from ops.loadtest.report import Check
from ops.raw_http import RawAnswer, RawConnection

NESTED = b'{"amount": 1, "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
POST_ROUTES = ("/api/v1/auth/register", "/api/v1/auth/login", "/api/v1/balance/deposit", "/api/v1/orders")
DOT_SEGMENTS = ("/api/v1/balance/asset/..", "/api/v1/inventory/assets/.", "/api/v1/balance/asset/%2e%2e",
                "/api/v1/inventory/assets/%2E")
TRAILING_SLASHES = ("/api/v1/balance/", "/api/v1/inventory/assets/", "/api/v1/orders/")


def _port(url: str) -> int:
    return int(urlsplit(url).port or 80)


def _signed_up(api: httpx.Client, prefix: str) -> tuple[str, dict[str, str]]:
    account = sign_up(api, registration(unique_username(prefix)), prefix=GATEWAY_PREFIX)
    return account.username, account.headers


def _gateway_refusal(answer: RawAnswer, status: int) -> bool:
    try:
        body = answer.json()
    except ValueError:
        return False
    return answer.status == status and body.get("code") == "SVC_001" and bool(answer.headers.get("x-request-id"))


def revocation_across_redis_loss(gateway: str, lose_redis_data: Callable[[], None] | None) -> Check:
    name = "a revoked token stays revoked when Redis restarts without its data"
    if lose_redis_data is None:
        return Check(name, True, "not run: the run does not own this stack's Redis (run without HOST to include it)")
    with httpx.Client(base_url=gateway, timeout=10, trust_env=False) as api:
        _, revoked = _signed_up(api, "revoked")
        _, kept = _signed_up(api, "kept")
        api.post("/api/v1/auth/logout", headers=revoked).raise_for_status()
        lose_redis_data()
        seen: list[int] = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and (not seen or seen[-1] in (503, -1)):
            try:
                seen.append(api.get("/api/v1/balance", headers=revoked).status_code)
            except httpx.TransportError:
                seen.append(-1)
            time.sleep(0.1)
        kept_status = api.get("/api/v1/balance", headers=kept).status_code
    retries = sum(1 for status in seen if status in (503, -1))
    passed = bool(seen) and seen[-1] == 401 and 200 not in seen and kept_status == 200
    return Check(name, passed, f"after the restart: {retries} answers asking to retry, then {seen[-1] if seen else '-'}"
                               f" for the revoked token (never 200); a live token: {kept_status}")


def nested_json(gateway: str, token_headers: dict[str, str]) -> Check:
    answers = []
    with RawConnection(_port(gateway)) as connection:
        for path in POST_ROUTES:
            for body in (NESTED, NESTED.decode().encode("utf-16")):  # Python's json would guess UTF-16
                answers.append(connection.request("POST", path, {**token_headers, "Content-Type": "application/json"},
                                                  body))
        reused = connection.request("GET", "/api/v1/inventory/assets/BTC")
    passed = all(_gateway_refusal(answer, 400) for answer in answers) and reused.status == 200
    return Check("JSON nested 1,000 deep (UTF-8 or UTF-16) is 400 SVC_001 on every POST route, the connection "
                 "stays usable", passed,
                 f"{[answer.status for answer in answers]}; the next request on the same connection: {reused.status}")


def body_limits(gateway: str, token_headers: dict[str, str], max_body: int) -> Check:
    with RawConnection(_port(gateway)) as connection:
        head = "".join(f"{k}: {v}\r\n" for k, v in token_headers.items())
        connection.send(f"POST /api/v1/balance/deposit HTTP/1.1\r\nHost: 127.0.0.1\r\n{head}"
                        "Content-Type: application/json\r\nContent-Length: 52428800\r\n\r\n".encode())
        announced = connection.answer()
    streamed, sent = _streamed_until_refused(gateway)
    with RawConnection(_port(gateway)) as connection:
        on_read = connection.request("GET", "/api/v1/balance", token_headers, b'{"amount": 1}')
    passed = (_gateway_refusal(announced, 413) and streamed is not None and _gateway_refusal(streamed, 413)
              and sent < 4 * max_body and _gateway_refusal(on_read, 400))
    return Check("bodies over the limit are 413 before they are read whole; a body on a GET is 400", passed,
                 f"50 MB announced: {announced.status} at once; chunked: "
                 f"{streamed.status if streamed else 'no answer'} after {sent} bytes (limit {max_body}); "
                 f"GET with a body: {on_read.status}")


def _streamed_until_refused(gateway: str) -> tuple[RawAnswer | None, int]:
    chunk, sent = b"x" * 8192, 0
    with RawConnection(_port(gateway)) as connection:
        connection.send(b"POST /api/v1/auth/register HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        connection.sock.settimeout(0.05)
        while sent < 50 * 2**20:
            try:
                connection.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                return connection.answer(), sent
            except TimeoutError:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
    return None, sent


def login_guard_per_name(open_gateway: str, guard_gateway: str, max_failures: int) -> Check:
    """Guesses at a victim, each run of them followed by a good login to the attacker's own account."""
    client = {"X-Forwarded-For": f"198.18.{os.urandom(1)[0]}.{os.urandom(1)[0] or 1}"}
    with httpx.Client(base_url=open_gateway, timeout=10, trust_env=False) as api:
        victim, _ = _signed_up(api, "victim")
        own, _ = _signed_up(api, "attacker")
    guess = {"username": victim, "password": "Wr0ng!Passw0rd"}
    statuses: list[int] = []
    with httpx.Client(base_url=guard_gateway, timeout=10, trust_env=False, headers=client) as api:
        while len(statuses) < 3 * max_failures and 403 not in statuses:
            for _ in range(max_failures - 1):
                statuses.append(api.post("/api/v1/auth/login", json=guess).status_code)
            statuses.append(api.post("/api/v1/auth/login", json={"username": own, "password": PASSWORD}).status_code)
    wrong_before_block = statuses[:statuses.index(403)].count(401) if 403 in statuses else None
    return Check("a good login to another account does not clear the failures against a victim",
                 wrong_before_block == max_failures,
                 f"blocked after {wrong_before_block} wrong passwords (limit {max_failures}), "
                 f"with good logins of the attacker's own account in between: {statuses}")


def concurrent_guesses(open_gateway: str, guard_gateway: str, max_failures: int) -> Check:
    """Twenty guesses at once from one client: no more than the limit may reach the password check."""
    client = {"X-Forwarded-For": f"198.19.{os.urandom(1)[0]}.{os.urandom(1)[0] or 1}"}
    with httpx.Client(base_url=open_gateway, timeout=10, trust_env=False) as api:
        victim, _ = _signed_up(api, "burst")
    guess = {"username": victim, "password": "Wr0ng!Passw0rd"}
    with httpx.Client(base_url=guard_gateway, timeout=30, trust_env=False, headers=client,
                      limits=httpx.Limits(max_connections=25)) as api, ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda _: api.post("/api/v1/auth/login", json=guess).status_code, range(20)))
    checked = statuses.count(401)
    return Check("a burst of concurrent guesses gets no more password checks than the limit",
                 checked <= max_failures and set(statuses) <= {401, 403, 429},
                 f"{checked} of 20 concurrent guesses checked (limit {max_failures}); answers {sorted(statuses)}")


def paths(gateway: str, token_headers: dict[str, str]) -> Check:
    answers: dict[str, RawAnswer] = {}
    with RawConnection(_port(gateway)) as connection:
        for path in DOT_SEGMENTS:
            answers[path] = connection.request("GET", path, token_headers)
        for path in TRAILING_SLASHES:
            head = "".join(f"{k}: {v}\r\n" for k, v in token_headers.items())
            connection.send(f"GET {path} HTTP/1.1\r\nHost: evil.example\r\n{head}\r\n".encode())
            answers[path] = connection.answer()
    passed = all(_gateway_refusal(answer, 404) and "location" not in answer.headers for answer in answers.values())
    return Check("dot segments and trailing slashes are 404, never forwarded or redirected", passed,
                 ", ".join(f"{path} {answer.status}" for path, answer in answers.items()))


def hardening_checks(open_gateway: str, guard_gateway: str, login_max_failures: int, max_body: int,
                     lose_redis_data: Callable[[], None] | None) -> list[Check]:
    with httpx.Client(base_url=open_gateway, timeout=10, trust_env=False) as api:
        _, token_headers = _signed_up(api, "prober")
    return [
        nested_json(open_gateway, token_headers),
        body_limits(open_gateway, token_headers, max_body),
        login_guard_per_name(open_gateway, guard_gateway, login_max_failures),
        concurrent_guesses(open_gateway, guard_gateway, login_max_failures),
        paths(open_gateway, token_headers),
        revocation_across_redis_loss(open_gateway, lose_redis_data),
    ]
