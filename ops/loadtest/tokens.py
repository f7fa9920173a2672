"""Access tokens minted with a key the run owns (the security slice's): valid ones for schemathesis'
requests, and the raw material of the token-abuse scenario's forgeries."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from apps.common.tokens import public_jwk

ISSUER, AUDIENCE = "cnop-auth", "cnop-api"


def claims(username: str, user_id: str, **overrides: Any) -> dict[str, Any]:
    """The claims the auth app issues to an account (a ten-minute token); a None override drops the claim."""
    now = int(time.time())
    base = {"sub": username, "uid": user_id, "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex, "iss": ISSUER,
            "aud": AUDIENCE}
    return {name: value for name, value in {**base, **overrides}.items() if value is not None}


def mint(key: ec.EllipticCurvePrivateKey, username: str, user_id: str, **overrides: Any) -> str:
    kid = public_jwk(key.public_key())["kid"]
    return jwt.encode(claims(username, user_id, **overrides), key, algorithm="ES256", headers={"kid": kid})


def account_id(token: str) -> str:
    """The account id a token the auth app issued carries (read, not verified: the token is our own)."""
    return str(jwt.decode(token, options={"verify_signature": False})["uid"])
