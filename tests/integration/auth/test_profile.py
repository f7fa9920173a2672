"""The auth app's profile: token refusal, reading, and the partial update with its rules."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient

from apps.common.ids import time_ordered_id
from apps.common.models import EmailClaimItem
from apps.common.settings import PlatformSettings
from tests.support.users import TestUser, register_and_login, registration, unique_username, years_ago

UNSET = object()


def segment(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


@dataclass
class Minter:
    """Tokens for one user, valid by default; each bad token changes exactly one thing."""

    key: ec.EllipticCurvePrivateKey
    kid: str
    username: str
    user_id: str
    issuer: str
    audience: str

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        claims = {"sub": self.username, "uid": self.user_id, "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex,
                  "iss": self.issuer, "aud": self.audience, **changes}
        return {name: value for name, value in claims.items() if value is not UNSET}

    def token(self, key: ec.EllipticCurvePrivateKey | None = None, kid: Any = UNSET, **changes: Any) -> str:
        """Signed with ``key`` (default: the app's); ``kid=None`` leaves the kid out of the header."""
        headers = {"kid": self.kid if kid is UNSET else kid} if kid is not None else None
        return jwt.encode(self.claims(**changes), key or self.key, algorithm="ES256", headers=headers)

    def unsigned(self, header: dict[str, Any], signature: bytes = b"signature") -> str:
        body = f"{segment(header)}.{segment(self.claims())}"
        return f"{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tampered_signature(token: str) -> str:
    body, signature = token.rsplit(".", 1)
    swapped = "A" if signature[10] != "A" else "B"  # a middle character: every bit of it is signature
    return f"{body}.{signature[:10]}{swapped}{signature[11:]}"


def tampered_payload(token: str, minter: Minter) -> str:
    header, _, signature = token.split(".")
    return f"{header}.{segment(minter.claims(sub='someone_else'))}.{signature}"


def hs256_with_public_key(minter: Minter) -> str:
    """The algorithm-confusion attack: HMAC keyed with the (public) PEM of the real key."""
    secret = minter.key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    body = f"{segment({'alg': 'HS256', 'kid': minter.kid})}.{segment(minter.claims())}"
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def foreign_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


HOUR = 3600
BAD_CREDENTIALS: dict[str, Callable[[Minter, str], dict[str, str]]] = {
    "no-header": lambda m, real: {},
    "basic-scheme": lambda m, real: {"Authorization": "Basic dXNlcjpwYXNz"},
    "empty-bearer": lambda m, real: {"Authorization": "Bearer "},
    "malformed": lambda m, real: bearer("not.a.jwt"),
    "two-segments": lambda m, real: bearer(real.rsplit(".", 1)[0]),
    "expired": lambda m, real: bearer(m.token(iat=int(time.time()) - 2 * HOUR, exp=int(time.time()) - HOUR)),
    "tampered-signature": lambda m, real: bearer(tampered_signature(real)),
    "tampered-payload": lambda m, real: bearer(tampered_payload(real, m)),
    "wrong-issuer": lambda m, real: bearer(m.token(iss="someone-else")),
    "wrong-audience": lambda m, real: bearer(m.token(aud="another-api")),
    "foreign-key-real-kid": lambda m, real: bearer(m.token(key=foreign_key())),
    "foreign-key-own-kid": lambda m, real: bearer(m.token(key=foreign_key(), kid="foreign")),
    "no-kid": lambda m, real: bearer(m.token(kid=None)),
    "alg-none": lambda m, real: bearer(m.unsigned({"alg": "none", "kid": m.kid}, b"")),
    "alg-hs256-public-key": lambda m, real: bearer(hs256_with_public_key(m)),
    "no-jti": lambda m, real: bearer(m.token(jti=UNSET)),
    "no-exp": lambda m, real: bearer(m.token(exp=UNSET)),
    "no-iat": lambda m, real: bearer(m.token(iat=UNSET)),
    "no-sub": lambda m, real: bearer(m.token(sub=UNSET)),
    "no-uid": lambda m, real: bearer(m.token(uid=UNSET)),
    "another-accounts-uid": lambda m, real: bearer(m.token(uid=time_ordered_id())),
    "a-year-long-lifetime": lambda m, real: bearer(m.token(exp=int(time.time()) + 365 * 24 * HOUR)),
    "issued-in-the-future": lambda m, real: bearer(
        m.token(iat=int(time.time()) + HOUR, exp=int(time.time()) + 2 * HOUR)
    ),
}


@pytest.fixture
def user(auth_app: Any) -> TestUser:
    return register_and_login(auth_app)


@pytest.fixture
def minter(
    auth_app: Any, signing_key: ec.EllipticCurvePrivateKey, platform_settings: PlatformSettings, user: TestUser
) -> Minter:
    [served] = auth_app.get("/.well-known/jwks.json").json()["keys"]
    return Minter(signing_key, served["kid"], user.username, user.user_id, platform_settings.jwt_issuer,
                  platform_settings.jwt_audience)


def profile(auth: Any, user: TestUser) -> dict[str, Any]:
    response = auth.get("/auth/profile", headers=user.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def update(auth: Any, user: TestUser, **changes: Any) -> Any:
    return auth.put("/auth/profile", headers=user.headers, json=changes)


# --- tokens ------------------------------------------------------------------------------------------


def test_a_token_minted_like_the_app_does_is_accepted(auth_app: Any, minter: Minter) -> None:
    """The baseline of the refusals below: each of them differs from this token in one thing."""
    assert auth_app.get("/auth/profile", headers=bearer(minter.token())).json()["username"] == minter.username


@pytest.mark.parametrize("method", ["GET", "PUT"])
@pytest.mark.parametrize("credentials", BAD_CREDENTIALS.values(), ids=BAD_CREDENTIALS.keys())
def test_the_profile_refuses_bad_credentials_with_401(
    auth_app: Any, user: TestUser, minter: Minter, method: str, credentials: Callable[..., dict[str, str]]
) -> None:
    response = auth_app.request(method, "/auth/profile", headers=credentials(minter, user.token),
                                json={"first_name": "Mallory"} if method == "PUT" else None)
    assert response.status_code == 401, response.text
    assert response.json().keys() == {"detail", "code"}
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"
    assert profile(auth_app, user)["first_name"] == "Ada"


@pytest.mark.parametrize("kid", [["x"], 7, {"k": "v"}], ids=["list", "number", "object"])
def test_a_non_string_kid_is_401_not_a_crash(auth_app: Any, minter: Minter, kid: Any) -> None:
    quiet = TestClient(auth_app.app, raise_server_exceptions=False)
    response = quiet.get("/auth/profile", headers=bearer(minter.unsigned({"alg": "ES256", "kid": kid})))
    assert response.status_code == 401


def test_a_well_signed_token_for_an_account_that_does_not_exist_is_401(auth_app: Any, minter: Minter) -> None:
    response = auth_app.get("/auth/profile", headers=bearer(minter.token(sub=unique_username("ghost"))))
    assert response.status_code == 401
    assert response.json() == {"detail": "This token's account no longer exists", "code": "not_authenticated"}


# --- reading -----------------------------------------------------------------------------------------


def test_the_profile_has_exactly_the_contract_fields(auth_app: Any, user: TestUser) -> None:
    body = profile(auth_app, user)
    assert body.keys() == {"username", "email", "first_name", "last_name", "phone", "date_of_birth",
                           "marketing_emails_consent", "created_at", "updated_at"}
    assert body["username"] == user.username
    assert body["email"] == f"{user.username}@example.com"


# --- updating ----------------------------------------------------------------------------------------


@pytest.fixture
def full_user(auth_app: Any) -> TestUser:
    body = registration(phone="5551234567", date_of_birth="1990-05-17", marketing_emails_consent=True)
    assert auth_app.post("/auth/register", json=body).status_code == 201
    login = auth_app.post("/auth/login", json={"username": body["username"], "password": body["password"]})
    return TestUser(body["username"].lower(), login.json()["access_token"])


def test_an_update_answers_the_contract_shape_with_the_new_profile(auth_app: Any, full_user: TestUser) -> None:
    response = update(auth_app, full_user, phone="555 000 1111")
    assert response.status_code == 200
    body = response.json()
    assert body.keys() == {"message", "user"}
    assert body["message"] == "Profile updated successfully"
    assert body["user"] == profile(auth_app, full_user)


def test_omitted_and_null_fields_keep_their_value(auth_app: Any, full_user: TestUser) -> None:
    before = profile(auth_app, full_user)
    assert update(auth_app, full_user, last_name="byron").status_code == 200
    nulls = dict.fromkeys(("email", "phone", "first_name", "last_name", "date_of_birth"))
    assert update(auth_app, full_user, **nulls).status_code == 200
    after = profile(auth_app, full_user)
    assert after["last_name"] == "Byron"
    unchanged = ("username", "email", "first_name", "phone", "date_of_birth", "marketing_emails_consent",
                 "created_at")
    assert {name: after[name] for name in unchanged} == {name: before[name] for name in unchanged}


def test_every_updatable_field_is_normalised_like_at_registration(auth_app: Any, full_user: TestUser) -> None:
    email = f"{unique_username()}@example.com"
    changes = {"email": email.upper(), "phone": "+44 (20) 7946-0958", "first_name": "  mary ann ",
               "last_name": "o'brien-smith", "date_of_birth": "1985-01-31"}
    user = update(auth_app, full_user, **changes).json()["user"]
    assert user["email"] == email
    assert user["phone"] == "442079460958"
    assert (user["first_name"], user["last_name"]) == ("Mary Ann", "O'Brien-Smith")
    assert user["date_of_birth"] == "1985-01-31"
    assert profile(auth_app, full_user) == user


def test_an_update_moves_updated_at_but_not_created_at(auth_app: Any, full_user: TestUser) -> None:
    before = profile(auth_app, full_user)
    after = update(auth_app, full_user, first_name="Grace").json()["user"]
    assert after["updated_at"] > before["updated_at"]
    assert after["updated_at"].endswith("Z")
    assert after["created_at"] == before["created_at"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("email", "not-an-email"),
        ("email", ""),
        ("email", "<script>@example.com"),
        ("phone", "123"),
        ("phone", "<b>5551234567</b>"),
        ("first_name", ""),
        ("first_name", "   "),
        ("first_name", "Grace1"),
        ("first_name", "a" * 51),
        ("last_name", ""),
        ("last_name", "  "),
        ("last_name", "javascript:alert(1)"),
        ("last_name", "<script>alert(1)</script>"),
        ("date_of_birth", years_ago(13, days=1)),
        ("date_of_birth", years_ago(121)),
        ("date_of_birth", "not-a-date"),
    ],
)
def test_an_invalid_field_is_422_and_changes_nothing(
    auth_app: Any, full_user: TestUser, field: str, value: str
) -> None:
    before = profile(auth_app, full_user)
    response = update(auth_app, full_user, **{field: value})
    assert response.status_code == 422, response.text
    assert ["body", field] in [error["loc"][:2] for error in response.json()["detail"]]
    assert profile(auth_app, full_user) == before


@pytest.mark.parametrize("respell", [str.lower, str.upper], ids=["same", "other-case"])
def test_another_users_email_is_409(auth_app: Any, user: TestUser, full_user: TestUser, respell: Any) -> None:
    before = profile(auth_app, full_user)
    response = update(auth_app, full_user, email=respell(f"{user.username}@example.com"))
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"
    assert response.json().keys() == {"detail", "code"}
    assert profile(auth_app, full_user) == before


def test_an_email_claimed_by_a_registration_in_flight_is_409(auth_app: Any, full_user: TestUser) -> None:
    email = f"{unique_username()}@example.com"
    EmailClaimItem(EmailClaimItem.key_for(email), owner=unique_username()).save()
    response = update(auth_app, full_user, email=email)
    assert response.status_code == 409
    assert response.json()["code"] == "email_taken"


def test_setting_ones_own_email_again_is_not_a_conflict(auth_app: Any, full_user: TestUser) -> None:
    own = profile(auth_app, full_user)["email"]
    response = update(auth_app, full_user, email=own.upper())
    assert response.status_code == 200
    assert response.json()["user"]["email"] == own


def test_changing_the_email_frees_the_old_one_and_takes_the_new_one(auth_app: Any, full_user: TestUser) -> None:
    old = profile(auth_app, full_user)["email"]
    new = f"{unique_username()}@example.com"
    assert update(auth_app, full_user, email=new).status_code == 200
    assert auth_app.post("/auth/register", json={**registration(), "email": old}).status_code == 201
    taken = auth_app.post("/auth/register", json={**registration(), "email": new})
    assert taken.status_code == 409
    assert taken.json()["code"] == "email_taken"
    claim = EmailClaimItem.find(EmailClaimItem.key_for(new), consistent=True)
    assert claim is not None and claim.owner == full_user.username


def test_an_email_can_be_changed_back_after_being_given_up(auth_app: Any, full_user: TestUser) -> None:
    original = profile(auth_app, full_user)["email"]
    assert update(auth_app, full_user, email=f"{unique_username()}@example.com").status_code == 200
    response = update(auth_app, full_user, email=original)
    assert response.status_code == 200
    assert response.json()["user"]["email"] == original


def test_the_update_ignores_fields_that_are_not_updatable(auth_app: Any, full_user: TestUser) -> None:
    before = profile(auth_app, full_user)
    response = update(auth_app, full_user, username="hijacked_name", marketing_emails_consent=False)
    assert response.status_code == 200
    after = response.json()["user"]
    assert after["username"] == before["username"]
    assert after["marketing_emails_consent"] is True
