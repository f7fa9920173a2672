"""Minting tokens with the test signing key, valid or deliberately broken."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from apps.common.tokens import public_jwk


def mint(key: ec.EllipticCurvePrivateKey, username: str, **overrides: Any) -> str:
    now = int(time.time())
    claims = {"sub": username, "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex,
              "iss": "cnop-auth", "aud": "cnop-api", **overrides}
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": public_jwk(key.public_key())["kid"]})
