"""Token issuing: the one place that holds the private keys.

One key signs; a second one may be published beside it (``AUTH_JWT_NEXT_PRIVATE_KEY``), so a rotation is
three deploys and logs nobody out: publish the next key, switch signing to it (the old one stays published
until the tokens it signed have expired), then retire the old one.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from pydantic import SecretStr

from apps.auth.settings import AuthSettings
from apps.common.tokens import ALGORITHM, KeySet, public_jwk

log = logging.getLogger(__name__)


class TokenSigner:
    def __init__(self, key: ec.EllipticCurvePrivateKey, issuer: str, audience: str, ttl_seconds: int,
                 also_published: Sequence[ec.EllipticCurvePublicKey] = ()):
        self._key = key
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        self.jwk = public_jwk(key.public_key())
        self._published = [key.public_key(), *(k for k in also_published if public_jwk(k) != self.jwk)]

    @classmethod
    def from_settings(cls, settings: AuthSettings) -> TokenSigner:
        if settings.jwt_private_key is None:
            log.warning("no AUTH_JWT_PRIVATE_KEY: generated a signing key for this local process only")
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            key = _p256(settings.jwt_private_key, "AUTH_JWT_PRIVATE_KEY")
        published = []
        if settings.jwt_next_private_key is not None:
            published.append(_p256(settings.jwt_next_private_key, "AUTH_JWT_NEXT_PRIVATE_KEY").public_key())
        return cls(key, settings.jwt_issuer, settings.jwt_audience, settings.token_ttl_seconds, published)

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
        """The signing key first, then the other published one."""
        return {"keys": [public_jwk(key) for key in self._published]}

    def key_set(self) -> KeySet:
        keys = KeySet()
        for key in self._published:
            keys.add(key)
        return keys


def _p256(pem: SecretStr, variable: str) -> ec.EllipticCurvePrivateKey:
    key: Any = load_pem_private_key(pem.get_secret_value().encode(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise ValueError(f"{variable} must be a P-256 (ES256) private key")
    return key
