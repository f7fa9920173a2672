"""Minting tokens with the test signing key, valid or deliberately broken."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from apps.common.ids import time_ordered_id
from apps.common.tokens import public_jwk


def mint(key: ec.EllipticCurvePrivateKey, username: str, **overrides: Any) -> str:
    """A token as the auth app issues it; pass ``uid`` (a user's id) for a token its account accepts."""
    now = int(time.time())
    claims = {"sub": username, "uid": time_ordered_id(), "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex,
              "iss": "cnop-auth", "aud": "cnop-api", **overrides}
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": public_jwk(key.public_key())["kid"]})
