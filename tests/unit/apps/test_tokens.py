"""Token verification and JWK logic of ``apps.common.tokens``: pure, no servers."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm

from apps.common.tokens import (
    Claims,
    InvalidToken,
    KeySet,
    TokenVerifier,
    bearer_token,
    public_jwk,
)

ISSUER = "test-issuer"
AUDIENCE = "test-audience"
MAX_LIFETIME = 86400
UNSET = object()
# RFC 7517, appendix A.1: an example P-256 public key.
RFC_X = "MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4"
RFC_Y = "4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def kid_of(key: ec.EllipticCurvePrivateKey) -> str:
    return public_jwk(key.public_key())["kid"]


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base = {"sub": "alice_1", "uid": "01J0USER", "iat": now, "exp": now + 600, "jti": "jti-1", "iss": ISSUER,
            "aud": AUDIENCE}
    return {name: value for name, value in {**base, **changes}.items() if value is not UNSET}


def signed(key: ec.EllipticCurvePrivateKey, kid: str | None, **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm="ES256", headers={"kid": kid} if kid else None)


def forged(header: dict[str, Any], signature: bytes = b"signature") -> str:
    """A token PyJWT would refuse to produce: any header, any signature."""
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(claims()).encode()), b64url(signature)])


@pytest.fixture(scope="module")
def key() -> ec.EllipticCurvePrivateKey:
    return new_key()


@pytest.fixture
def verifier(key: ec.EllipticCurvePrivateKey) -> TokenVerifier:
    keys = KeySet()
    keys.add(key.public_key())
    return TokenVerifier(keys, ISSUER, AUDIENCE, MAX_LIFETIME)


def refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(InvalidToken) as refused:
        verifier.decode(token)
    return refused.value.reason


# --- public_jwk ----------------------------------------------------------------------------------


def test_the_kid_is_the_rfc_7638_thumbprint() -> None:
    example = ECAlgorithm.from_jwk({"kty": "EC", "crv": "P-256", "x": RFC_X, "y": RFC_Y})
    assert isinstance(example, ec.EllipticCurvePublicKey)
    canonical = f'{{"crv":"P-256","kty":"EC","x":"{RFC_X}","y":"{RFC_Y}"}}'.encode()
    assert public_jwk(example) == {
        "crv": "P-256", "kty": "EC", "x": RFC_X, "y": RFC_Y,
        "kid": b64url(hashlib.sha256(canonical).digest()), "use": "sig", "alg": "ES256",
    }


def test_the_jwk_round_trips_to_the_same_public_key(key: ec.EllipticCurvePrivateKey) -> None:
    jwk = public_jwk(key.public_key())
    assert "d" not in jwk
    loaded = ECAlgorithm.from_jwk(jwk)
    assert isinstance(loaded, ec.EllipticCurvePublicKey)
    assert loaded.public_numbers() == key.public_key().public_numbers()


def test_kids_are_stable_per_key_and_differ_between_keys(key: ec.EllipticCurvePrivateKey) -> None:
    assert kid_of(key) == kid_of(key)
    assert kid_of(key) != kid_of(new_key())


# --- KeySet --------------------------------------------------------------------------------------


def test_a_key_set_finds_keys_by_kid(key: ec.EllipticCurvePrivateKey) -> None:
    keys = KeySet()
    keys.add(key.public_key())
    assert len(keys) == 1
    assert keys.get(kid_of(key)).public_numbers() == key.public_key().public_numbers()


@pytest.mark.parametrize("kid", ["unknown", None])
def test_an_unknown_or_missing_kid_is_refused(key: ec.EllipticCurvePrivateKey, kid: str | None) -> None:
    keys = KeySet()
    keys.add(key.public_key())
    with pytest.raises(InvalidToken) as refused:
        keys.get(kid)
    assert refused.value.reason == "unknown_key"


def test_a_key_set_loads_a_public_pem(key: ec.EllipticCurvePrivateKey) -> None:
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    keys = KeySet.from_pem(pem.decode())
    assert keys.get(kid_of(key)).public_numbers() == key.public_key().public_numbers()


def test_a_non_ec_pem_is_refused() -> None:
    rsa_pem = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    with pytest.raises(ValueError, match="EC"):
        KeySet.from_pem(rsa_pem.decode())


def test_a_key_set_loads_a_jwks_document(key: ec.EllipticCurvePrivateKey) -> None:
    other = new_key()
    keys = KeySet()
    keys.load_jwks({"keys": [public_jwk(key.public_key()), public_jwk(other.public_key())]})
    assert len(keys) == 2
    assert keys.get(kid_of(other)).public_numbers() == other.public_key().public_numbers()


def test_a_jwks_entry_of_another_key_type_is_skipped(key: ec.EllipticCurvePrivateKey) -> None:
    okp = OKPAlgorithm.to_jwk(ed25519.Ed25519PrivateKey.generate().public_key(), as_dict=True)
    keys = KeySet()
    keys.load_jwks({"keys": [okp, public_jwk(key.public_key())]})
    assert len(keys) == 1


class JwksSource:
    """The auth app's JWKS endpoint as seen by a KeySet: counts fetches, serves what it is given."""

    def __init__(self, *keys: ec.EllipticCurvePrivateKey):
        self.keys = list(keys)
        self.fetches = 0

    def __call__(self) -> dict[str, Any]:
        self.fetches += 1
        return {"keys": [public_jwk(key.public_key()) for key in self.keys]}


def test_an_unknown_kid_fetches_the_jwks(key: ec.EllipticCurvePrivateKey) -> None:
    source = JwksSource(key)
    keys = KeySet(fetch=source)
    assert keys.get(kid_of(key)).public_numbers() == key.public_key().public_numbers()
    keys.get(kid_of(key))
    assert source.fetches == 1


def test_unknown_kids_refresh_at_most_once_per_interval(key: ec.EllipticCurvePrivateKey) -> None:
    source = JwksSource(key)
    keys = KeySet(fetch=source, min_refresh_seconds=3600)
    keys.get(kid_of(key))
    rotated = new_key()
    source.keys.append(rotated)
    for _ in range(3):
        with pytest.raises(InvalidToken):
            keys.get(kid_of(rotated))
    assert source.fetches == 1


def test_without_a_minimum_interval_a_rotated_key_is_found(key: ec.EllipticCurvePrivateKey) -> None:
    source = JwksSource(key)
    keys = KeySet(fetch=source, min_refresh_seconds=0)
    keys.get(kid_of(key))
    rotated = new_key()
    source.keys.append(rotated)
    assert keys.get(kid_of(rotated)).public_numbers() == rotated.public_key().public_numbers()
    assert source.fetches == 2


# --- TokenVerifier -------------------------------------------------------------------------------


def test_a_valid_token_decodes_to_its_claims(verifier: TokenVerifier, key: ec.EllipticCurvePrivateKey) -> None:
    now = int(time.time())
    token = signed(key, kid_of(key), iat=now, exp=now + 600)
    assert verifier.decode(token) == Claims(username="alice_1", user_id="01J0USER", jti="jti-1", expires_at=now + 600)


def test_an_audience_list_containing_ours_is_accepted(
    verifier: TokenVerifier, key: ec.EllipticCurvePrivateKey
) -> None:
    assert verifier.decode(signed(key, kid_of(key), aud=["other", AUDIENCE])).username == "alice_1"


Case = Callable[[ec.EllipticCurvePrivateKey], str]
HOUR = 3600
REFUSALS: dict[str, tuple[Case, str]] = {
    "garbage": (lambda k: "garbage", "malformed"),
    "two-segments": (lambda k: signed(k, kid_of(k)).rsplit(".", 1)[0], "malformed"),
    "alg-none": (lambda k: forged({"alg": "none", "kid": kid_of(k)}, b""), "malformed"),
    "alg-hs256": (lambda k: forged({"alg": "HS256", "kid": kid_of(k)}), "malformed"),
    "alg-es384": (lambda k: forged({"alg": "ES384", "kid": kid_of(k)}), "malformed"),
    "unknown-kid": (lambda k: signed(new_key(), "someone-elses"), "unknown_key"),
    "no-kid": (lambda k: signed(k, None), "unknown_key"),
    "foreign-key-our-kid": (lambda k: signed(new_key(), kid_of(k)), "bad_signature"),
    "garbled-signature": (lambda k: forged({"alg": "ES256", "kid": kid_of(k)}, b"x" * 64), "bad_signature"),
    "expired": (lambda k: signed(k, kid_of(k), iat=int(time.time()) - 2 * HOUR, exp=int(time.time()) - HOUR),
                "expired"),
    "wrong-issuer": (lambda k: signed(k, kid_of(k), iss="other"), "invalid_claims"),
    "wrong-audience": (lambda k: signed(k, kid_of(k), aud="other"), "invalid_claims"),
    "no-sub": (lambda k: signed(k, kid_of(k), sub=UNSET), "invalid_claims"),
    "no-iat": (lambda k: signed(k, kid_of(k), iat=UNSET), "invalid_claims"),
    "no-exp": (lambda k: signed(k, kid_of(k), exp=UNSET), "invalid_claims"),
    "no-jti": (lambda k: signed(k, kid_of(k), jti=UNSET), "invalid_claims"),
    "no-iss": (lambda k: signed(k, kid_of(k), iss=UNSET), "invalid_claims"),
    "no-aud": (lambda k: signed(k, kid_of(k), aud=UNSET), "invalid_claims"),
    "sub-not-a-string": (lambda k: signed(k, kid_of(k), sub=42), "invalid_claims"),
    "jti-not-a-string": (lambda k: signed(k, kid_of(k), jti=42), "invalid_claims"),
    "no-uid": (lambda k: signed(k, kid_of(k), uid=UNSET), "invalid_claims"),
    "uid-not-a-string": (lambda k: signed(k, kid_of(k), uid=7), "invalid_claims"),
    "empty-uid": (lambda k: signed(k, kid_of(k), uid=""), "invalid_claims"),
    "exp-a-year-away": (lambda k: signed(k, kid_of(k), exp=int(time.time()) + 365 * 24 * HOUR), "invalid_lifetime"),
    "lifetime-just-over-the-maximum": (
        lambda k: signed(k, kid_of(k), iat=int(time.time()) - HOUR, exp=int(time.time()) - HOUR + MAX_LIFETIME + 1),
        "invalid_lifetime",
    ),
    "issued-in-the-future": (
        lambda k: signed(k, kid_of(k), iat=int(time.time()) + HOUR, exp=int(time.time()) + 2 * HOUR),
        "invalid_claims",
    ),
}


@pytest.mark.parametrize(("make", "reason"), REFUSALS.values(), ids=REFUSALS.keys())
def test_bad_tokens_are_refused_with_a_bounded_reason(
    verifier: TokenVerifier, key: ec.EllipticCurvePrivateKey, make: Case, reason: str
) -> None:
    assert refusal(verifier, make(key)) == reason


@pytest.mark.parametrize("kid", [["x"], 7], ids=["list", "number"])
def test_a_non_string_kid_is_malformed(verifier: TokenVerifier, kid: Any) -> None:
    assert refusal(verifier, forged({"alg": "ES256", "kid": kid})) == "malformed"


def test_leeway_forgives_a_recent_expiry_only(key: ec.EllipticCurvePrivateKey) -> None:
    keys = KeySet()
    keys.add(key.public_key())
    just_expired = signed(key, kid_of(key), iat=int(time.time()) - HOUR, exp=int(time.time()) - 30)
    lenient = TokenVerifier(keys, ISSUER, AUDIENCE, MAX_LIFETIME, leeway_seconds=120)
    assert lenient.decode(just_expired).username == "alice_1"
    assert refusal(TokenVerifier(keys, ISSUER, AUDIENCE, MAX_LIFETIME, leeway_seconds=0), just_expired) == "expired"


def test_a_token_of_exactly_the_maximum_lifetime_is_accepted(
    verifier: TokenVerifier, key: ec.EllipticCurvePrivateKey
) -> None:
    now = int(time.time())
    assert verifier.decode(signed(key, kid_of(key), iat=now, exp=now + MAX_LIFETIME)).expires_at == now + MAX_LIFETIME


# --- bearer header ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "token"),
    [("Bearer abc.def.ghi", "abc.def.ghi"), ("bearer abc", "abc"), ("BEARER  abc  ", "abc")],
)
def test_bearer_token_extracts_the_token(header: str, token: str) -> None:
    assert bearer_token(header) == token


@pytest.mark.parametrize(
    ("header", "reason"),
    [(None, "missing"), ("", "missing"), ("Bearer", "malformed"), ("Bearer   ", "malformed"),
     ("Basic dXNlcjpwYXNz", "malformed"), ("abc.def.ghi", "malformed")],
)
def test_bearer_token_refuses_other_headers(header: str | None, reason: str) -> None:
    with pytest.raises(InvalidToken) as refused:
        bearer_token(header)
    assert refused.value.reason == reason


def test_a_verified_token_is_remembered_until_it_expires() -> None:
    key, now = new_key(), [time.time()]
    keys = KeySet()
    keys.add(key.public_key())
    remembering = TokenVerifier(keys, ISSUER, AUDIENCE, MAX_LIFETIME, clock=lambda: now[0])
    token = signed(key, kid_of(key), exp=int(now[0]) + 60)
    first = remembering.decode(token)
    assert remembering.decode(token) == first
    now[0] += 64  # within the leeway (5 s): still what PyJWT would accept
    assert remembering.decode(token) == first
    now[0] += 2
    with pytest.raises(InvalidToken) as refused:
        remembering.decode(token)
    assert refused.value.reason == "expired"
    assert not remembering._verified, "forgotten once expired"


def test_remembering_a_token_never_vouches_for_another(key: ec.EllipticCurvePrivateKey,
                                                       verifier: TokenVerifier) -> None:
    remembering = verifier
    token = signed(key, kid_of(key))
    remembering.decode(token)
    header, _, signature = token.split(".")
    altered = ".".join([header, b64url(json.dumps(claims(sub="mallory")).encode()), signature])
    resigned_by_another = signed(new_key(), kid_of(key))
    for impostor in (altered, resigned_by_another, token[:-2] + ("AA" if token[-2:] != "AA" else "BB")):
        with pytest.raises(InvalidToken):
            remembering.decode(impostor)


def test_the_remembered_tokens_are_bounded_oldest_first() -> None:
    key = new_key()
    keys = KeySet()
    keys.add(key.public_key())
    remembering = TokenVerifier(keys, ISSUER, AUDIENCE, MAX_LIFETIME, remembered=2)
    tokens = [signed(key, kid_of(key), jti=f"jti-{n}") for n in range(3)]
    for token in tokens:
        remembering.decode(token)
    assert len(remembering._verified) == 2
    assert [claims.jti for claims in remembering._verified.values()] == ["jti-1", "jti-2"]


def test_a_verifier_may_remember_nothing() -> None:
    key = new_key()
    keys = KeySet()
    keys.add(key.public_key())
    forgetful = TokenVerifier(keys, ISSUER, AUDIENCE, MAX_LIFETIME, remembered=0)
    token = signed(key, kid_of(key))
    assert forgetful.decode(token) == forgetful.decode(token)
    assert not forgetful._verified
