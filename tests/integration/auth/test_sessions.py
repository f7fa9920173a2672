"""The auth app's login, logout (revocation in Redis), JWKS and error bodies, against real servers."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from redis import Redis

from apps.common.revocation_keys import revoked_key
from apps.common.revocations import BEYOND_LEEWAY_SECONDS, Revocations
from apps.common.settings import PlatformSettings
from apps.common.tokens import Claims, public_jwk
from tests.support.users import PASSWORD, TestUser, register_and_login, registration, unique_username

CONTRACT_CLAIMS = {"sub", "iat", "exp", "jti", "iss", "aud"}


@pytest.fixture
def user(auth_app: Any) -> TestUser:
    return register_and_login(auth_app)


def login(auth: Any, username: str, password: str = PASSWORD) -> Any:
    return auth.post("/auth/login", json={"username": username, "password": password})


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def served_key(auth: Any, kid: str) -> Any:
    jwks = auth.get("/.well-known/jwks.json").json()
    [entry] = [key for key in jwks["keys"] if key["kid"] == kid]
    return jwt.PyJWK(entry).key


def verified(auth: Any, token: str, settings: PlatformSettings) -> dict[str, Any]:
    """The token's claims, checked with the public key the auth app serves."""
    claims: dict[str, Any] = jwt.decode(
        token,
        served_key(auth, jwt.get_unverified_header(token)["kid"]),
        algorithms=["ES256"],
        audience=settings.jwt_audience,
        issuer=settings.jwt_issuer,
        options={"require": sorted(CONTRACT_CLAIMS)},
    )
    return claims


# --- login -------------------------------------------------------------------------------------------


def test_login_answers_a_bearer_token_of_the_default_lifetime(auth_app: Any) -> None:
    body = registration()
    assert auth_app.post("/auth/register", json=body).status_code == 201
    response = login(auth_app, body["username"])
    assert response.status_code == 200
    token = response.json()
    assert token.keys() == {"access_token", "token_type", "expires_in"}
    assert token["token_type"] == "bearer"
    assert token["expires_in"] == 3600


def test_the_token_carries_the_contract_claims(
    auth_app: Any, user: TestUser, platform_settings: PlatformSettings
) -> None:
    claims = verified(auth_app, user.token, platform_settings)
    assert claims.keys() >= CONTRACT_CLAIMS
    assert claims["sub"] == user.username
    assert claims["iss"] == platform_settings.jwt_issuer
    assert claims["aud"] == platform_settings.jwt_audience
    assert claims["exp"] - claims["iat"] == 3600
    assert isinstance(claims["jti"], str) and claims["jti"]


def test_the_token_is_es256_with_the_kid_of_the_served_key(auth_app: Any, user: TestUser) -> None:
    header = jwt.get_unverified_header(user.token)
    assert header["alg"] == "ES256"
    [served] = auth_app.get("/.well-known/jwks.json").json()["keys"]
    assert header["kid"] == served["kid"]


def test_each_login_gets_its_own_jti(auth_app: Any, user: TestUser, platform_settings: PlatformSettings) -> None:
    again = login(auth_app, user.username).json()["access_token"]
    first, second = (verified(auth_app, token, platform_settings) for token in (user.token, again))
    assert first["jti"] != second["jti"]


def test_unknown_user_and_wrong_password_get_the_same_401(auth_app: Any, user: TestUser) -> None:
    unknown = login(auth_app, unique_username("ghost"))
    wrong = login(auth_app, user.username, "Wr0ng!Password")
    wrong_case = login(auth_app, user.username, PASSWORD.swapcase())
    for refused in (unknown, wrong, wrong_case):
        assert refused.status_code == 401
        assert refused.json() == unknown.json()
        assert refused.headers["www-authenticate"] == "Bearer"
    assert unknown.json()["code"] == "invalid_credentials"
    assert unknown.json().keys() == {"detail", "code"}


@pytest.mark.parametrize(
    "body",
    [
        {"username": "short", "password": PASSWORD},
        {"username": "a" * 31, "password": PASSWORD},
        {"username": "bad-name!", "password": PASSWORD},
        {"username": "valid_name", "password": "Sh0rt!pass1"},
        {"username": "valid_name", "password": "Too!L0ng" + "x" * 13},
        {"username": "valid_name"},
        {"password": PASSWORD},
        {"username": 12345678, "password": PASSWORD},
        {},
    ],
    ids=["username-5", "username-31", "username-pattern", "password-11", "password-21", "no-password",
         "no-username", "username-not-string", "empty"],
)
def test_logins_that_could_never_match_an_account_are_422(auth_app: Any, body: dict[str, Any]) -> None:
    response = auth_app.post("/auth/login", json=body)
    assert response.status_code == 422
    assert isinstance(response.json()["detail"], list)


# --- JWKS --------------------------------------------------------------------------------------------


def test_jwks_serves_the_public_half_of_the_signing_key(
    auth_app: Any, signing_key: ec.EllipticCurvePrivateKey
) -> None:
    response = auth_app.get("/.well-known/jwks.json")
    assert response.status_code == 200
    [served] = response.json()["keys"]
    assert served == public_jwk(signing_key.public_key())
    assert (served["kty"], served["crv"], served["alg"], served["use"]) == ("EC", "P-256", "ES256", "sig")
    assert "d" not in served


# --- logout ------------------------------------------------------------------------------------------


def test_logout_answers_the_contract_message_and_revokes_the_token(auth_app: Any, user: TestUser) -> None:
    response = auth_app.post("/auth/logout", headers=user.headers)
    assert response.status_code == 200
    assert response.json() == {"message": "Logged out successfully"}
    refused = auth_app.get("/auth/profile", headers=user.headers)
    assert refused.status_code == 401
    assert refused.json()["code"] == "not_authenticated"


def test_a_revoked_token_cannot_log_out_again(auth_app: Any, user: TestUser) -> None:
    assert auth_app.post("/auth/logout", headers=user.headers).status_code == 200
    again = auth_app.post("/auth/logout", headers=user.headers)
    assert again.status_code == 401
    assert again.json()["code"] == "not_authenticated"


def test_logout_accepts_an_optional_body(auth_app: Any, user: TestUser) -> None:
    response = auth_app.post("/auth/logout", headers=user.headers, json={"reason": "done"})
    assert response.status_code == 200
    assert auth_app.get("/auth/profile", headers=user.headers).status_code == 401


def test_logout_revokes_only_that_token(auth_app: Any, user: TestUser) -> None:
    other_session = bearer(login(auth_app, user.username).json()["access_token"])
    assert auth_app.post("/auth/logout", headers=user.headers).status_code == 200
    assert auth_app.get("/auth/profile", headers=other_session).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not.a.jwt"}, {"Authorization": "Basic eDp5"}])
def test_logout_needs_a_valid_token(auth_app: Any, headers: dict[str, str]) -> None:
    response = auth_app.post("/auth/logout", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_the_revoked_jti_is_kept_no_longer_than_the_token_can_be_used(
    auth_app: Any, user: TestUser, redis_client: Redis, platform_settings: PlatformSettings
) -> None:
    claims = verified(auth_app, user.token, platform_settings)
    key = revoked_key(claims["jti"])
    assert not redis_client.exists(key)
    usable_for = claims["exp"] - int(time.time()) + BEYOND_LEEWAY_SECONDS
    assert auth_app.post("/auth/logout", headers=user.headers).status_code == 200
    assert redis_client.exists(key)
    assert 0 < redis_client.pttl(key) <= usable_for * 1000


def test_revoking_a_token_just_past_its_expiry_still_records_it_for_the_leeway(
    redis_client: Redis, tables: PlatformSettings
) -> None:
    revocations = Revocations(redis_client, tables.jwt_max_lifetime_seconds)
    claims = Claims(username="nobody_at_all", user_id="01J0NOBODY", jti=uuid.uuid4().hex,
                    expires_at=int(time.time()) - 3)
    revocations.revoke(claims)
    assert revocations.is_revoked(claims.jti)
    assert 0 < redis_client.pttl(revoked_key(claims.jti)) <= BEYOND_LEEWAY_SECONDS * 1000


# --- error bodies ------------------------------------------------------------------------------------


INTERNALS = ("Traceback", 'File "', "Exception", "Error(", "InvalidToken", "NotAuthenticated", "pynamodb",
             "botocore", "redis", "jwt.")


def error_responses(auth: Any, user: TestUser) -> list[Any]:
    taken = registration(user.username)
    return [
        auth.post("/auth/register", json=taken),
        auth.post("/auth/register", json={**registration(), "email": f"{user.username}@example.com"}),
        auth.post("/auth/register", json={**registration(), "password": "weak"}),
        auth.post("/auth/register", content=b"{not json", headers={"Content-Type": "application/json"}),
        login(auth, user.username, "Wr0ng!Password"),
        auth.post("/auth/login", json={"username": "x"}),
        auth.get("/auth/profile"),
        auth.get("/auth/profile", headers=bearer("garbage")),
        auth.put("/auth/profile", headers=user.headers, json={"first_name": " "}),
        auth.post("/auth/logout", headers={"Authorization": "Bearer"}),
    ]


def test_error_bodies_have_the_contract_shape_and_no_internals(auth_app: Any, user: TestUser) -> None:
    responses = error_responses(auth_app, user)
    assert [response.status_code for response in responses] == [409, 409, 422, 422, 401, 422, 401, 401, 422, 401]
    for response in responses:
        body = response.json()
        if response.status_code == 422:
            assert all({"loc", "msg", "type"} <= error.keys() for error in body["detail"]), body
        else:
            assert body.keys() == {"detail", "code"}, body
            assert isinstance(body["detail"], str) and isinstance(body["code"], str)
        assert not any(internal in response.text for internal in INTERNALS), response.text


@pytest.mark.parametrize(("method", "path", "status", "code"), [("GET", "/auth/login", 405, "method_not_allowed"),
                                                                ("GET", "/auth/no-such-route", 404, "not_found")])
def test_unrouted_requests_get_the_app_error_shape(auth_app: Any, method: str, path: str, status: int,
                                                   code: str) -> None:
    response = auth_app.request(method, path)
    assert response.status_code == status
    assert response.json().keys() == {"detail", "code"}
    assert response.json()["code"] == code


def test_a_request_id_comes_back_on_errors_too(auth_app: Any) -> None:
    response = auth_app.get("/auth/profile", headers={"X-Request-ID": "test-request-0001"})
    assert response.status_code == 401
    assert response.headers["x-request-id"] == "test-request-0001"


def test_a_token_header_of_unexpected_types_is_a_401_that_leaks_nothing(auth_app: Any) -> None:
    """A ``kid`` that is a list, not a string: refused as a malformed token, never a 500. Through a client that
    does not re-raise, so a crash would show as the 500 a real caller would see rather than as an exception."""
    quiet = TestClient(auth_app.app, raise_server_exceptions=False)
    header = base64.urlsafe_b64encode(b'{"alg":"ES256","kid":[1]}').rstrip(b"=").decode()
    response = quiet.get("/auth/profile", headers=bearer(f"{header}.e30.c2ln"))
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid or expired token",
                                                             "code": "not_authenticated"})
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert not any(internal in response.text for internal in INTERNALS), response.text
