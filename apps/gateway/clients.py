"""Who is calling: the client address (X-Forwarded-For only from trusted proxies) and the token."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable

import httpx

from apps.common.tokens import Claims, InvalidToken, KeySet, TokenVerifier


class ClientAddresses:
    def __init__(self, trusted_proxies: Iterable[str]):
        self._trusted = [ipaddress.ip_network(entry, strict=False) for entry in trusted_proxies]

    def _is_trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.strip())
        except ValueError:
            return False
        return any(ip in network for network in self._trusted)

    def resolve(self, peer: str, forwarded_for: str | None) -> str:
        """The first address, from the right, that is not one of our trusted proxies."""
        if not forwarded_for or not self._is_trusted(peer):
            return peer
        for hop in reversed([part.strip() for part in forwarded_for.split(",") if part.strip()]):
            if not self._is_trusted(hop):
                try:
                    return str(ipaddress.ip_address(hop))
                except ValueError:
                    return peer
        return peer


class GatewayTokens:
    """Local JWT verification; the JWKS is fetched at start-up and again for an unknown ``kid``."""

    MIN_REFRESH_SECONDS = 5.0

    def __init__(self, verifier: TokenVerifier, jwks_url: str | None, http: httpx.AsyncClient):
        self.verifier = verifier
        self.jwks_url = jwks_url
        self.http = http
        self._last_refresh = -self.MIN_REFRESH_SECONDS

    @classmethod
    def create(cls, keys: KeySet, issuer: str, audience: str, max_lifetime_seconds: int,
               jwks_url: str | None) -> GatewayTokens:
        verifier = TokenVerifier(keys, issuer, audience, max_lifetime_seconds)
        return cls(verifier, jwks_url, httpx.AsyncClient(timeout=2.0))

    async def refresh_keys(self) -> bool:
        """Fetches the JWKS, at most once per interval so forged ``kid``s cannot flood the auth app."""
        if self.jwks_url is None or time.monotonic() - self._last_refresh < self.MIN_REFRESH_SECONDS:
            return False
        self._last_refresh = time.monotonic()
        try:
            response = await self.http.get(self.jwks_url)
            response.raise_for_status()
            self.verifier.keys.load_jwks(response.json())
        except (httpx.HTTPError, ValueError):
            return False
        return True

    async def verify(self, token: str) -> Claims:
        try:
            return self.verifier.decode(token)
        except InvalidToken as exc:
            if exc.reason != "unknown_key" or not await self.refresh_keys():
                raise
        return self.verifier.decode(token)
