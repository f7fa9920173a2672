"""JWT verification with the auth app's public key.

Only the auth app signs (ES256). Everyone else verifies here; revocations are checked beside this
(``apps.common.revocations``, and the gateway's admission script).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from jwt.algorithms import ECAlgorithm

ALGORITHM = "ES256"
PEM_BLOCK = re.compile(r"-----BEGIN PUBLIC KEY-----.+?-----END PUBLIC KEY-----", re.DOTALL)
REQUIRED_CLAIMS = ("sub", "uid", "iat", "exp", "jti", "iss", "aud")


class InvalidToken(Exception):
    """A token that must be refused; ``reason`` is a bounded label (metrics, logs)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Claims:
    username: str
    user_id: str
    """The account's immutable id: a token names the account, not only its (re-usable) username."""
    jti: str
    expires_at: int


def public_jwk(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    """The key as a JWK with its RFC 7638 thumbprint as ``kid``."""
    jwk: dict[str, str] = ECAlgorithm.to_jwk(key, as_dict=True)
    required = {name: jwk[name] for name in ("crv", "kty", "x", "y")}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
    return {**required, "kid": kid, "use": "sig", "alg": ALGORITHM}


class KeySet:
    """Public keys by ``kid``; an unknown ``kid`` triggers at most one refresh per interval."""

    def __init__(self, fetch: Callable[[], dict[str, Any]] | None = None, min_refresh_seconds: float = 5.0):
        self._keys: dict[str, ec.EllipticCurvePublicKey] = {}
        self._fetch = fetch
        self._min_refresh = min_refresh_seconds
        self._last_refresh = -min_refresh_seconds
        self._lock = threading.Lock()

    @classmethod
    def from_pem(cls, pem: str) -> KeySet:
        """One or more PEM public keys, one after the other: while a signing key is rotated, the current one
        and the next (or previous) one are both trusted."""
        blocks = PEM_BLOCK.findall(pem)
        if not blocks:
            raise ValueError("JWT public key must be a PEM (P-256) public key")
        keys = cls()
        for block in blocks:
            key = load_pem_public_key(block.encode())
            if not isinstance(key, ec.EllipticCurvePublicKey):
                raise ValueError("JWT public key must be an EC (P-256) key")
            keys.add(key)
        return keys

    def add(self, key: ec.EllipticCurvePublicKey) -> None:
        self._keys[public_jwk(key)["kid"]] = key

    def load_jwks(self, document: dict[str, Any]) -> None:
        """Adds every P-256 key of the document; entries of other kinds (OKP, RSA) are skipped."""
        for entry in document.get("keys", []):
            if not isinstance(entry, dict) or entry.get("kty") != "EC" or entry.get("crv") != "P-256":
                continue
            try:
                key = ECAlgorithm.from_jwk(entry)
            except (jwt.InvalidKeyError, ValueError, KeyError, TypeError):
                continue
            if isinstance(key, ec.EllipticCurvePublicKey):
                self.add(key)

    def refresh(self) -> None:
        if self._fetch is None:
            return
        with self._lock:
            if time.monotonic() - self._last_refresh < self._min_refresh:
                return
            self._last_refresh = time.monotonic()
            self.load_jwks(self._fetch())

    def get(self, kid: object) -> ec.EllipticCurvePublicKey:
        if kid is None:
            raise InvalidToken("unknown_key")
        if not isinstance(kid, str):
            raise InvalidToken("malformed")
        if kid not in self._keys:
            self.refresh()
        key = self._keys.get(kid)
        if key is None:
            raise InvalidToken("unknown_key")
        return key

    def __len__(self) -> int:
        return len(self._keys)


VERIFIED_TOKENS_KEPT = 10_000
"""Tokens whose signature and claims a verifier remembers having checked (a few MB at most)."""


class TokenVerifier:
    """Signature and claims checked once per token: the claims of a token already verified are remembered,
    keyed by a hash of the token, until it expires (a key is never withdrawn from a KeySet, so what was
    verified stays verified; whether the token is revoked is not remembered: each request asks)."""

    def __init__(self, keys: KeySet, issuer: str, audience: str, max_lifetime_seconds: int,
                 leeway_seconds: int = 5, clock: Callable[[], float] = time.time,
                 remembered: int = VERIFIED_TOKENS_KEPT):
        self.keys = keys
        self.issuer = issuer
        self.audience = audience
        self.max_lifetime = max_lifetime_seconds
        self.leeway = leeway_seconds
        self._clock = clock
        self._remembered = remembered
        self._verified: dict[bytes, Claims] = {}
        self._remembering = threading.Lock()  # the apps verify in worker threads too

    def decode(self, token: str) -> Claims:
        digest = hashlib.blake2b(token.encode(), digest_size=16).digest()
        claims = self._verified.get(digest)
        if claims is None:
            claims = self._verify(token)
            with self._remembering:
                while self._verified and len(self._verified) >= self._remembered:
                    del self._verified[next(iter(self._verified))]  # the oldest
                if self._remembered > 0:
                    self._verified[digest] = claims
        elif self._clock() >= claims.expires_at + self.leeway:  # what PyJWT's own check would say now
            self._verified.pop(digest, None)
            raise InvalidToken("expired")
        return claims

    def _verify(self, token: str) -> Claims:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("malformed") from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("malformed")
        key = self.keys.get(header.get("kid"))
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": list(REQUIRED_CLAIMS)},
            )
        except jwt.ExpiredSignatureError as exc:
            raise InvalidToken("expired") from exc
        except jwt.InvalidSignatureError as exc:
            raise InvalidToken("bad_signature") from exc
        except jwt.DecodeError as exc:
            raise InvalidToken("malformed") from exc
        except jwt.InvalidTokenError as exc:
            raise InvalidToken("invalid_claims") from exc
        if not all(isinstance(payload[name], str) and payload[name] for name in ("sub", "uid", "jti")):
            raise InvalidToken("invalid_claims")
        issued_at, expires_at = payload["iat"], payload["exp"]
        if not all(isinstance(value, int) and not isinstance(value, bool) for value in (issued_at, expires_at)):
            raise InvalidToken("invalid_claims")
        if issued_at > self._clock() + self.leeway or expires_at - issued_at > self.max_lifetime:
            raise InvalidToken("invalid_lifetime")  # issued in the future, or for longer than any token lives
        return Claims(username=payload["sub"], user_id=payload["uid"], jti=payload["jti"], expires_at=expires_at)


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise InvalidToken("missing")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken("malformed")
    return token.strip()
