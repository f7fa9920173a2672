"""Tokens an attacker could present: minted with the security slice's own key (expired, wrong audience...)
or with no valid signature at all (tampered, unsigned, another key, HMAC with the public key)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from apps.common.tokens import public_jwk
from ops.tokens import claims, mint


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_key(pem_path: str) -> ec.EllipticCurvePrivateKey:
    with open(pem_path, "rb") as handle:
        key = serialization.load_pem_private_key(handle.read(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("the signing key is not an EC key")
    return key


def tampered_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(_unb64(signature))
    raw[0] ^= 0x01
    return f"{header}.{payload}.{_b64(bytes(raw))}"


def tampered_payload(token: str, **changes: Any) -> str:
    header, payload, signature = token.split(".")
    body = {**json.loads(_unb64(payload)), **changes}
    return f"{header}.{_b64(json.dumps(body).encode())}.{signature}"


def unsigned(username: str, user_id: str) -> str:
    header = _b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    return f"{header}.{_b64(json.dumps(claims(username, user_id)).encode())}."


def hmac_with_public_key(key: ec.EllipticCurvePrivateKey, username: str, user_id: str) -> str:
    """The algorithm-confusion attack: HS256 signed with the (public) verification key as the secret."""
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    kid = public_jwk(key.public_key())["kid"]
    signing_input = ".".join(_b64(json.dumps(part).encode()) for part in
                             ({"alg": "HS256", "typ": "JWT", "kid": kid}, claims(username, user_id)))
    signature = hmac.new(public, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def forged_tokens(key: ec.EllipticCurvePrivateKey, victim: str, victim_id: str, valid_token: str) -> dict[str, str]:
    """Every kind of bad token, by name; each names the victim's account as its subject and differs from a
    token the victim could use in one thing only."""
    now = int(time.time())
    return {
        "malformed": "not.a.token",
        "garbage": uuid.uuid4().hex,
        "tampered_signature": tampered_signature(valid_token),
        "tampered_subject": tampered_payload(valid_token, sub=victim, uid=victim_id),
        "expired": mint(key, victim, victim_id, iat=now - 7200, exp=now - 3600),
        "expired_a_minute_ago": mint(key, victim, victim_id, iat=now - 3660, exp=now - 60),
        "wrong_audience": mint(key, victim, victim_id, aud="another-api"),
        "wrong_issuer": mint(key, victim, victim_id, iss="someone-else"),
        "missing_jti": mint(key, victim, victim_id, jti=None),
        "foreign_key": mint(ec.generate_private_key(ec.SECP256R1()), victim, victim_id),
        "unsigned": unsigned(victim, victim_id),
        "hmac_with_public_key": hmac_with_public_key(key, victim, victim_id),
        "lifetime_of_a_year": mint(key, victim, victim_id, exp=now + 365 * 86400),
    }
