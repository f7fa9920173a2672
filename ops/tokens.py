"""Tokens as the auth app issues them, minted with a key the caller owns: valid ones for tests and for
schemathesis' requests, and the raw material of forged ones (the token-abuse scenario, the refusal tests).

The one place tests and load runs mint tokens; ``ops.accounts.account_id`` reads an issued token's account.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from apps.common.ids import time_ordered_id
from apps.common.tokens import public_jwk

ISSUER, AUDIENCE = "cnop-auth", "cnop-api"


def claims(username: str, user_id: str | None = None, **overrides: Any) -> dict[str, Any]:
    """The claims of a ten-minute token of ``username``'s account (``user_id``; another, unknown account's
    when None). An override of None drops the claim."""
    now = int(time.time())
    base = {"sub": username, "uid": user_id or time_ordered_id(), "iat": now, "exp": now + 600,
            "jti": uuid.uuid4().hex, "iss": ISSUER, "aud": AUDIENCE}
    return {name: value for name, value in {**base, **overrides}.items() if value is not None}


def mint(key: ec.EllipticCurvePrivateKey, username: str, user_id: str | None = None, **overrides: Any) -> str:
    kid = public_jwk(key.public_key())["kid"]
    return jwt.encode(claims(username, user_id, **overrides), key, algorithm="ES256", headers={"kid": kid})
