"""Two signing keys live at once: a rotation logs nobody out, and the probes the kubelet uses call nothing."""

from __future__ import annotations

import importlib

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from pydantic import ValidationError

from apps.auth.settings import AuthSettings
from apps.auth.signing import TokenSigner
from apps.common.services import SERVICES, Service, public_entry
from apps.common.tokens import InvalidToken, KeySet, TokenVerifier, public_jwk

ISSUER, AUDIENCE = "cnop-auth", "cnop-api"


def private_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: ec.EllipticCurvePrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signer(current: ec.EllipticCurvePrivateKey, other: ec.EllipticCurvePrivateKey | None) -> TokenSigner:
    settings = AuthSettings(environment="prod", jwt_public_key=public_pem(current),
                            jwt_private_key=private_pem(current),
                            jwt_next_private_key=private_pem(other) if other else None)
    return TokenSigner.from_settings(settings)


@pytest.fixture
def old() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture
def new() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def verifier_from_pems(*keys: ec.EllipticCurvePrivateKey) -> TokenVerifier:
    """What every app builds from ``JWT_PUBLIC_KEY`` when the stack gives it both public keys."""
    return TokenVerifier(KeySet.from_pem("".join(public_pem(key) for key in keys)), ISSUER, AUDIENCE, 86400)


def test_the_jwks_publishes_the_signing_key_first_and_the_next_one(old: ec.EllipticCurvePrivateKey,
                                                                   new: ec.EllipticCurvePrivateKey) -> None:
    published = signer(old, new).jwks()["keys"]
    assert published == [public_jwk(old.public_key()), public_jwk(new.public_key())]
    assert all("d" not in key for key in published)


def test_tokens_are_signed_with_the_current_key_only(old: ec.EllipticCurvePrivateKey,
                                                     new: ec.EllipticCurvePrivateKey) -> None:
    token = signer(old, new).issue("alice_1", "01J0ALICE")
    assert jwt.get_unverified_header(token)["kid"] == public_jwk(old.public_key())["kid"]
    with pytest.raises(InvalidToken, match="unknown_key"):
        verifier_from_pems(new).decode(token)


def test_a_rotation_logs_nobody_out(old: ec.EllipticCurvePrivateKey, new: ec.EllipticCurvePrivateKey) -> None:
    before = signer(old, None).issue("alice_1", "01J0ALICE")
    # 1. publish the next key: verifiers trust both, the old key still signs
    during = signer(old, new).issue("bob_1", "01J0BOB")
    both = verifier_from_pems(old, new)
    assert [both.decode(t).username for t in (before, during)] == ["alice_1", "bob_1"]
    # 2. switch: the new key signs, the old one stays published until its tokens have expired
    switched = signer(new, old)
    after = switched.issue("carol_1", "01J0CAROL")
    published = KeySet()
    published.load_jwks(switched.jwks())
    from_jwks = TokenVerifier(published, ISSUER, AUDIENCE, 86400)
    assert [from_jwks.decode(t).username for t in (before, during, after)] == ["alice_1", "bob_1", "carol_1"]
    assert [both.decode(t).username for t in (before, after)] == ["alice_1", "carol_1"]
    # 3. retire the old key: what it signed is refused, what the new one signed is not
    retired = verifier_from_pems(new)
    assert retired.decode(after).username == "carol_1"
    with pytest.raises(InvalidToken, match="unknown_key"):
        retired.decode(before)


def test_a_next_key_without_a_signing_key_is_refused(new: ec.EllipticCurvePrivateKey) -> None:
    with pytest.raises(ValidationError, match="AUTH_JWT_NEXT_PRIVATE_KEY needs AUTH_JWT_PRIVATE_KEY"):
        AuthSettings(jwt_next_private_key=private_pem(new))


def test_a_next_key_that_is_not_p256_is_refused(old: ec.EllipticCurvePrivateKey) -> None:
    other = ec.generate_private_key(ec.SECP384R1())
    settings = AuthSettings(jwt_private_key=private_pem(old), jwt_next_private_key=private_pem(other))
    with pytest.raises(ValueError, match="AUTH_JWT_NEXT_PRIVATE_KEY must be a P-256"):
        TokenSigner.from_settings(settings)


def test_public_keys_that_are_not_pem_are_refused() -> None:
    with pytest.raises(ValueError, match="PEM"):
        KeySet.from_pem("not a key")


@pytest.mark.parametrize("entry", SERVICES, ids=[entry.name for entry in SERVICES])
def test_the_probe_answers_without_any_dependency(entry: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """No lifespan runs here (no DynamoDB, no Redis, no upstream): the probe still answers 200, so a
    dependency's blip never unreadies every pod; the deep check is a different path."""
    monkeypatch.setenv("ENVIRONMENT", "localstack")
    app = importlib.import_module(f"apps.{entry.name}.main").create_app()
    client = TestClient(app)  # not entered: the lifespan, and with it every client, never starts
    answer = client.get(entry.probe_path)
    assert (answer.status_code, answer.json()) == (200, {"status": "ready", "service": entry.name})
    assert entry.probe_path != entry.health_path
    assert entry.health_path in {getattr(route, "path", None) for route in app.routes}
    assert public_entry().probe_path == entry.probe_path
