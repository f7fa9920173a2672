"""Token issuing: the one place that holds the private key."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from apps.auth.settings import AuthSettings
from apps.common.tokens import ALGORITHM, KeySet, public_jwk

log = logging.getLogger(__name__)


class TokenSigner:
    def __init__(self, key: ec.EllipticCurvePrivateKey, issuer: str, audience: str, ttl_seconds: int):
        self._key = key
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.jwk = public_jwk(key.public_key())

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> TokenSigner:
        if settings.jwt_private_key is None:
            log.warning("no AUTH_JWT_PRIVATE_KEY: generated a signing key for this local process only")
            key: Any = ec.generate_private_key(ec.SECP256R1())
        else:
            key = load_pem_private_key(settings.jwt_private_key.get_secret_value().encode(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("AUTH_JWT_PRIVATE_KEY must be a P-256 (ES256) private key")
        return cls(key, settings.jwt_issuer, settings.jwt_audience, settings.token_ttl_seconds)

    def issue(self, username: str, user_id: str) -> str:
        now = int(time.time())
        claims = {
            "sub": username,
            "uid": user_id,
            "iat": now,
            "exp": now + self.ttl_seconds,
            "jti": uuid.uuid4().hex,
            "iss": self.issuer,
            "aud": self.audience,
        }
        return jwt.encode(claims, self._key, algorithm=ALGORITHM, headers={"kid": self.jwk["kid"]})

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [self.jwk]}

    def key_set(self) -> KeySet:
        keys = KeySet()
        keys.add(self._key.public_key())
        return keys
