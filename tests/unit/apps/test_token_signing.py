"""Token issuing (``apps.auth.signing``) and the auth settings that choose the signing key: no servers."""

from __future__ import annotations

import re
from collections.abc import Callable

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pydantic import ValidationError

from apps.auth.settings import AuthSettings
from apps.auth.signing import TokenSigner
from apps.common.tokens import KeySet, TokenVerifier, public_jwk

ENVIRONMENT_KEYS = ("ENVIRONMENT", "AUTH_JWT_PRIVATE_KEY", "AUTH_TOKEN_TTL_SECONDS", "JWT_PUBLIC_KEY", "JWKS_URL",
                    "JWT_ISSUER", "JWT_AUDIENCE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the process environment: start every test from none of the keys they look at."""
    for name in ENVIRONMENT_KEYS:
        monkeypatch.delenv(name, raising=False)


def private_pem(key: PrivateKeyTypes) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


@pytest.fixture
def signer(signing_key: ec.EllipticCurvePrivateKey) -> TokenSigner:
    return TokenSigner(signing_key, issuer="test-issuer", audience="test-audience", ttl_seconds=900)


# --- TokenSigner ---------------------------------------------------------------------------------


def test_issued_tokens_carry_every_contract_claim_and_the_account_id(signer: TokenSigner) -> None:
    token = signer.issue("alice_1", "01J0ALICE")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims.keys() == {"sub", "uid", "iat", "exp", "jti", "iss", "aud"}
    assert (claims["sub"], claims["uid"]) == ("alice_1", "01J0ALICE")
    assert (claims["iss"], claims["aud"]) == ("test-issuer", "test-audience")
    assert claims["exp"] - claims["iat"] == 900
    assert re.fullmatch(r"[0-9a-f]{32}", claims["jti"])


def test_issued_tokens_are_es256_with_the_kid_of_the_key(
    signer: TokenSigner, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    header = jwt.get_unverified_header(signer.issue("alice_1", "01J0ALICE"))
    assert header["alg"] == "ES256"
    assert header["kid"] == public_jwk(signing_key.public_key())["kid"]


def test_every_token_gets_a_fresh_jti(signer: TokenSigner) -> None:
    tokens = [signer.issue("alice_1", "01J0ALICE") for _ in range(20)]
    jtis = {jwt.decode(token, options={"verify_signature": False})["jti"] for token in tokens}
    assert len(jtis) == 20


def test_issued_tokens_verify_with_the_published_keys(signer: TokenSigner) -> None:
    token = signer.issue("alice_1", "01J0ALICE")
    from_key_set = TokenVerifier(signer.key_set(), "test-issuer", "test-audience", 86400).decode(token)
    published = KeySet()
    published.load_jwks(signer.jwks())
    from_jwks = TokenVerifier(published, "test-issuer", "test-audience", 86400).decode(token)
    assert from_key_set == from_jwks
    assert from_jwks.username == "alice_1"


def test_the_jwks_publishes_only_the_public_key(
    signer: TokenSigner, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    assert signer.jwks() == {"keys": [public_jwk(signing_key.public_key())]}
    assert "d" not in signer.jwks()["keys"][0]


# --- AuthSettings and TokenSigner.from_settings --------------------------------------------------


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_outside_the_local_stack_a_signing_key_is_required(
    environment: str, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    with pytest.raises(ValidationError, match="AUTH_JWT_PRIVATE_KEY"):
        AuthSettings(environment=environment, jwt_public_key=public_pem(signing_key))


def test_prod_with_a_signing_key_signs_with_that_key(signing_key: ec.EllipticCurvePrivateKey) -> None:
    settings = AuthSettings(environment="prod", jwt_private_key=private_pem(signing_key),
                            jwt_public_key=public_pem(signing_key))
    signer = TokenSigner.from_settings(settings)
    assert signer.jwk == public_jwk(signing_key.public_key())


def test_the_signing_key_is_read_from_auth_jwt_private_key(
    monkeypatch: pytest.MonkeyPatch, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "prod")
    monkeypatch.setenv("JWT_PUBLIC_KEY", public_pem(signing_key))
    monkeypatch.setenv("AUTH_JWT_PRIVATE_KEY", private_pem(signing_key))
    settings = AuthSettings()
    assert settings.jwt_private_key is not None
    assert settings.jwt_private_key.get_secret_value() == private_pem(signing_key)
    assert private_pem(signing_key) not in repr(settings)


def test_the_local_stack_without_a_key_generates_one() -> None:
    settings = AuthSettings(environment="localstack")
    assert settings.jwt_private_key is None
    first, second = TokenSigner.from_settings(settings), TokenSigner.from_settings(settings)
    assert first.jwk["crv"] == "P-256"
    assert first.jwk["kid"] != second.jwk["kid"]
    verifier = TokenVerifier(first.key_set(), settings.jwt_issuer, settings.jwt_audience, 86400)
    assert verifier.decode(first.issue("alice_1", "01J0ALICE")).username == "alice_1"


def test_the_signer_takes_issuer_audience_and_lifetime_from_settings(
    signing_key: ec.EllipticCurvePrivateKey,
) -> None:
    settings = AuthSettings(jwt_private_key=private_pem(signing_key), jwt_issuer="iss-x", jwt_audience="aud-y",
                            token_ttl_seconds=120)
    token = TokenSigner.from_settings(settings).issue("alice_1", "01J0ALICE")
    claims = jwt.decode(token, options={"verify_signature": False})
    assert (claims["iss"], claims["aud"], claims["exp"] - claims["iat"]) == ("iss-x", "aud-y", 120)


def test_the_default_token_lifetime_is_an_hour() -> None:
    assert AuthSettings().token_ttl_seconds == 3600


@pytest.mark.parametrize("ttl", [59, 86401, 0, -1])
def test_token_lifetimes_outside_a_minute_to_a_day_are_refused(ttl: int) -> None:
    with pytest.raises(ValidationError):
        AuthSettings(token_ttl_seconds=ttl)


@pytest.mark.parametrize(
    "other_key",
    [
        lambda: ec.generate_private_key(ec.SECP384R1()),
        lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        lambda: ed25519.Ed25519PrivateKey.generate(),
    ],
    ids=["p384", "rsa", "ed25519"],
)
def test_a_signing_key_that_is_not_p256_is_refused(other_key: Callable[[], PrivateKeyTypes]) -> None:
    settings = AuthSettings(jwt_private_key=private_pem(other_key()))
    with pytest.raises(ValueError, match="P-256"):
        TokenSigner.from_settings(settings)
