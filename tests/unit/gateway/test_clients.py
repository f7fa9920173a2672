"""Who is calling, as the gateway decides it (``apps.gateway.clients``): the client address behind proxies,
and token keys fetched again, sparingly, for an unknown ``kid``. The JWKS comes from a small HTTP server on
127.0.0.1, the way the auth app serves it."""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from apps.common.tokens import Claims, InvalidToken, KeySet, TokenVerifier, public_jwk
from apps.gateway.clients import ClientAddresses, GatewayTokens

TRUSTED = ["10.0.0.0/8", "127.0.0.1", "fd00::/8"]
PROXY = "10.0.0.5"

# (peer, X-Forwarded-For, the client the gateway decides on)
ADDRESSES = {
    "no header: the peer": (PROXY, None, PROXY),
    "empty header: the peer": (PROXY, "", PROXY),
    "one hop behind a trusted proxy": (PROXY, "198.51.100.1", "198.51.100.1"),
    "an untrusted peer's header is ignored": ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
    "the rightmost untrusted hop, not a forged leftmost one": (PROXY, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
    "trusted hops on the right are skipped": (PROXY, "198.51.100.1, 203.0.113.7, 10.1.2.3, 127.0.0.1",
                                              "203.0.113.7"),
    "every hop trusted: the peer": (PROXY, "10.1.1.1, 10.2.2.2", PROXY),
    "spaces and empty entries are dropped": (PROXY, " , 198.51.100.1 ,, 10.9.9.9 ,", "198.51.100.1"),
    "only separators: the peer": (PROXY, " , ,", PROXY),
    "a malformed deciding hop: the peer, never the text": (PROXY, "198.51.100.1, not-an-address", PROXY),
    "a malformed hop left of the deciding one is not read": (PROXY, "garbage, 198.51.100.1", "198.51.100.1"),
    "an address with a port is malformed": (PROXY, "198.51.100.1:4711", PROXY),
    "an address with a zone is not an address we trust": (PROXY, "198.51.100.1, 10.0.0.1%eth0", PROXY),
    "IPv6 is written in its canonical form": (PROXY, "2001:DB8:0:0::1", "2001:db8::1"),
    "a trusted IPv6 proxy hop": (PROXY, "2001:db8::7, fd00::1", "2001:db8::7"),
    "a peer that is not an address": ("unknown", "198.51.100.1", "unknown"),
}


@pytest.mark.parametrize(("peer", "forwarded_for", "client"), ADDRESSES.values(), ids=ADDRESSES.keys())
def test_the_client_address_behind_trusted_proxies(peer: str, forwarded_for: str | None, client: str) -> None:
    assert ClientAddresses(TRUSTED).resolve(peer, forwarded_for) == client


def test_without_trusted_proxies_the_header_is_never_read() -> None:
    addresses = ClientAddresses([])
    assert addresses.resolve(PROXY, "198.51.100.1") == PROXY
    assert addresses.resolve("127.0.0.1", "198.51.100.1, 203.0.113.7") == "127.0.0.1"


# --- JWKS refresh for an unknown kid ------------------------------------------------------------------------

ISSUER, AUDIENCE = "cnop-auth", "cnop-api"


class JwksServer:
    """Serves ``document`` at /.well-known/jwks.json (or ``status`` when it is not 200); counts the GETs."""

    def __init__(self) -> None:
        self.document: dict[str, Any] = {"keys": []}
        self.status = 200
        self.fetches = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.fetches += 1
                body = json.dumps(owner.document if owner.status == 200 else {"error": "down"}).encode()
                self.send_response(owner.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/.well-known/jwks.json"
        threading.Thread(target=self._server.serve_forever, name="jwks", daemon=True).start()

    def serve(self, *keys: ec.EllipticCurvePrivateKey) -> None:
        self.document = {"keys": [public_jwk(key.public_key()) for key in keys]}

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def jwks() -> Iterator[JwksServer]:
    server = JwksServer()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def known_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="module")
def rotated_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def token(key: ec.EllipticCurvePrivateKey, username: str = "alice_1") -> str:
    now = int(time.time())
    claims = {"sub": username, "uid": "01J0USER", "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex,
              "iss": ISSUER, "aud": AUDIENCE}
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": public_jwk(key.public_key())["kid"]})


def verify_all(tokens_class: type[GatewayTokens], known: ec.EllipticCurvePrivateKey, url: str | None,
               *tokens: str) -> list[Claims | str]:
    """Verifies each token in turn with one GatewayTokens that knows only ``known``: claims or refusal reason."""

    async def scenario() -> list[Claims | str]:
        keys = KeySet()
        keys.add(known.public_key())
        async with httpx.AsyncClient(timeout=2.0) as http:
            gateway_tokens = tokens_class(TokenVerifier(keys, ISSUER, AUDIENCE, 86400), url, http)
            outcomes: list[Claims | str] = []
            for each in tokens:
                try:
                    outcomes.append(await gateway_tokens.verify(each))
                except InvalidToken as refused:
                    outcomes.append(refused.reason)
            return outcomes

    return asyncio.run(scenario())


def test_a_known_kid_never_fetches_the_keys(jwks: JwksServer, known_key: ec.EllipticCurvePrivateKey) -> None:
    jwks.serve(known_key)
    [claims] = verify_all(GatewayTokens, known_key, jwks.url, token(known_key, "alice_1"))
    assert isinstance(claims, Claims) and claims.username == "alice_1"
    assert jwks.fetches == 0


def test_an_unknown_kid_fetches_the_keys_once_and_then_verifies(
    jwks: JwksServer, known_key: ec.EllipticCurvePrivateKey, rotated_key: ec.EllipticCurvePrivateKey
) -> None:
    """A key rotated in at the auth app: the first token signed with it brings the new JWKS."""
    jwks.serve(known_key, rotated_key)
    outcomes = verify_all(GatewayTokens, known_key, jwks.url,
                          token(rotated_key, "bob_rotated"), token(rotated_key, "carol_rotated"))
    assert [o.username if isinstance(o, Claims) else o for o in outcomes] == ["bob_rotated", "carol_rotated"]
    assert jwks.fetches == 1, "the second token's kid is known by then"


def test_forged_kids_fetch_at_most_once_per_interval(
    jwks: JwksServer, known_key: ec.EllipticCurvePrivateKey, rotated_key: ec.EllipticCurvePrivateKey
) -> None:
    """A flood of tokens with made-up kids cannot turn into a flood of JWKS requests to the auth app."""
    jwks.serve(known_key, rotated_key)
    forgeries = [token(ec.generate_private_key(ec.SECP256R1())) for _ in range(10)]
    outcomes = verify_all(GatewayTokens, known_key, jwks.url, *forgeries, token(rotated_key, "dave_rotated"))
    assert outcomes[:10] == ["unknown_key"] * 10
    assert isinstance(outcomes[10], Claims), "the one fetch brought every key the auth app serves"
    assert jwks.fetches == 1


class ShortIntervalTokens(GatewayTokens):
    """The gateway's tokens with a refresh interval a test can wait out (GatewayTokens takes no clock)."""

    MIN_REFRESH_SECONDS = 0.3


def test_after_the_interval_an_unknown_kid_fetches_again(
    jwks: JwksServer, known_key: ec.EllipticCurvePrivateKey, rotated_key: ec.EllipticCurvePrivateKey
) -> None:
    jwks.serve(known_key)

    async def scenario() -> list[Claims | str]:
        keys = KeySet()
        keys.add(known_key.public_key())
        async with httpx.AsyncClient(timeout=2.0) as http:
            gateway_tokens = ShortIntervalTokens(TokenVerifier(keys, ISSUER, AUDIENCE, 86400), jwks.url, http)
            outcomes: list[Claims | str] = []
            for wait_out_the_interval in (False, True):
                if wait_out_the_interval:
                    jwks.serve(known_key, rotated_key)
                    await asyncio.sleep(ShortIntervalTokens.MIN_REFRESH_SECONDS + 0.1)  # the window under test
                try:
                    outcomes.append(await gateway_tokens.verify(token(rotated_key, "erin_rotated")))
                except InvalidToken as refused:
                    outcomes.append(refused.reason)
            return outcomes

    refused, accepted = asyncio.run(scenario())
    assert refused == "unknown_key"
    assert isinstance(accepted, Claims) and accepted.username == "erin_rotated"
    assert jwks.fetches == 2


def test_a_failed_fetch_refuses_the_token_and_still_counts_against_the_interval(
    jwks: JwksServer, known_key: ec.EllipticCurvePrivateKey, rotated_key: ec.EllipticCurvePrivateKey
) -> None:
    """The auth app answering 500 is not a reason to ask it again on every request."""
    jwks.serve(known_key, rotated_key)
    jwks.status = 500
    outcomes = verify_all(GatewayTokens, known_key, jwks.url, token(rotated_key), token(rotated_key))
    assert outcomes == ["unknown_key", "unknown_key"]
    assert jwks.fetches == 1


def test_without_a_jwks_url_an_unknown_kid_is_refused_without_fetching(
    known_key: ec.EllipticCurvePrivateKey, rotated_key: ec.EllipticCurvePrivateKey
) -> None:
    assert verify_all(GatewayTokens, known_key, None, token(rotated_key)) == ["unknown_key"]
