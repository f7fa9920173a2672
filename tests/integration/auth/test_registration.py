"""The auth app's registration rules, against real DynamoDB Local and redis-server.

Login, logout and the JWKS are in ``test_auth_sessions.py``; the profile and token refusal in
``test_auth_profile.py``.
"""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest

from apps.common.models import BalanceItem, EmailClaimItem, UserItem
from tests.support.users import PASSWORD, registration, unique_username, years_ago

LEAKS = ("Traceback", 'File "', "Error:", "Exception", "pynamodb", "botocore", "redis")


def register(auth: Any, **fields: Any) -> Any:
    """A valid registration of a fresh user, with ``fields`` replaced (even by empty values)."""
    return auth.post("/auth/register", json={**registration(), **fields})


def profile_of(auth: Any, username: str, password: str = PASSWORD) -> dict[str, Any]:
    login = auth.post("/auth/login", json={"username": username, "password": password})
    assert login.status_code == 200, login.text
    response = auth.get("/auth/profile", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_rejected(response: Any, field: str) -> None:
    """A 422 in FastAPI's list shape that names ``field`` and leaks nothing internal."""
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    assert isinstance(errors, list)
    assert all({"loc", "msg", "type"} <= error.keys() for error in errors)
    assert ["body", field] in [error["loc"][:2] for error in errors], errors
    assert not any(leak in response.text for leak in LEAKS), response.text


def assert_conflict(response: Any, code: str) -> None:
    assert response.status_code == 409, response.text
    body = response.json()
    assert body.keys() == {"detail", "code"}
    assert body["code"] == code
    assert isinstance(body["detail"], str) and body["detail"]


# --- the created account ---------------------------------------------------------------------------


def test_register_answers_201_with_the_contract_message(auth_app: Any) -> None:
    response = register(auth_app)
    assert response.status_code == 201
    assert response.json() == {"message": "User registered successfully"}


def test_a_minimal_registration_has_a_complete_profile(auth_app: Any) -> None:
    body = registration()
    assert auth_app.post("/auth/register", json=body).status_code == 201
    profile = profile_of(auth_app, body["username"])
    assert profile.keys() == {
        "username", "email", "first_name", "last_name", "phone", "date_of_birth",
        "marketing_emails_consent", "created_at", "updated_at",
    }
    assert profile["username"] == body["username"].lower()
    assert profile["email"] == body["email"].lower()
    assert (profile["first_name"], profile["last_name"]) == ("Ada", "Lovelace")
    assert profile["phone"] is None and profile["date_of_birth"] is None
    assert profile["marketing_emails_consent"] is False
    assert profile["created_at"] == profile["updated_at"]
    assert profile["created_at"].endswith("Z")


def test_every_accepted_optional_field_is_stored(auth_app: Any) -> None:
    born = years_ago(30)
    body = registration(phone="+1 (555) 123-4567", date_of_birth=born, marketing_emails_consent=True)
    assert auth_app.post("/auth/register", json=body).status_code == 201
    profile = profile_of(auth_app, body["username"])
    assert profile["phone"] == "15551234567"
    assert profile["date_of_birth"] == born
    assert profile["marketing_emails_consent"] is True


def test_registration_creates_a_zero_usd_balance(auth_app: Any) -> None:
    username = unique_username()
    assert register(auth_app, username=username).status_code == 201
    balance = BalanceItem.find(username)
    assert balance is not None
    assert balance.current_balance == Decimal("0.00")


def test_the_password_is_stored_only_as_an_argon2id_hash(auth_app: Any) -> None:
    username = unique_username()
    assert register(auth_app, username=username).status_code == 201
    user = UserItem.find(username)
    assert user is not None
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_a_failed_registration_writes_nothing(auth_app: Any) -> None:
    username = unique_username()
    email = f"{username}@example.com"
    assert_rejected(register(auth_app, username=username, email=email, first_name="Ada1"), "first_name")
    assert UserItem.find(username) is None
    assert BalanceItem.find(username) is None
    assert EmailClaimItem.find(EmailClaimItem.key_for(email)) is None


@pytest.mark.parametrize("missing", ["username", "email", "password", "first_name", "last_name"])
def test_every_required_field_is_required(auth_app: Any, missing: str) -> None:
    body = registration()
    del body[missing]
    assert_rejected(auth_app.post("/auth/register", json=body), missing)


# --- username ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username",
    ["abcde", "a" * 31, "has-dash", "has space", "dotted.name", "ünïcode_name", "semi;colon", ""],
)
def test_usernames_outside_the_pattern_are_422(auth_app: Any, username: str) -> None:
    assert_rejected(register(auth_app, username=username), "username")


@pytest.mark.parametrize("length", [6, 30])
def test_usernames_of_the_boundary_lengths_are_accepted(auth_app: Any, length: int) -> None:
    username = f"u{os.urandom(15).hex()}"[:length]
    response = register(auth_app, username=username)
    assert response.status_code == 201, response.text


def test_a_mixed_case_username_is_stored_lower_case_and_logs_in_in_any_case(auth_app: Any) -> None:
    username = unique_username("MiXed")
    assert register(auth_app, username=username).status_code == 201
    assert UserItem.find(username.lower()) is not None
    for spelling in (username, username.lower(), username.upper()):
        assert profile_of(auth_app, spelling)["username"] == username.lower()


@pytest.mark.parametrize("respell", [str.lower, str.upper], ids=["same", "other-case"])
def test_a_taken_username_is_409_whatever_its_case(auth_app: Any, respell: Any) -> None:
    username = unique_username("Taken")
    assert register(auth_app, username=username).status_code == 201
    again = register(auth_app, username=respell(username))
    assert_conflict(again, "username_taken")


# --- email -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["not-an-email", "missing-domain@", "@example.com", "two@@example.com", "a b@example.com", "",
              "one@letter.c", "no@dot", "digit@tld.c0m"]
)
def test_invalid_emails_are_422(auth_app: Any, email: str) -> None:
    assert_rejected(register(auth_app, email=email), "email")


def test_the_email_is_stored_lower_case(auth_app: Any) -> None:
    username = unique_username()
    assert register(auth_app, username=username, email=f"{username.upper()}@Example.COM").status_code == 201
    assert profile_of(auth_app, username)["email"] == f"{username.lower()}@example.com"


@pytest.mark.parametrize("respell", [str.lower, str.upper], ids=["same", "other-case"])
def test_a_taken_email_is_409_whatever_its_case(auth_app: Any, respell: Any) -> None:
    email = f"{unique_username()}@example.com"
    assert register(auth_app, email=email).status_code == 201
    assert_conflict(register(auth_app, email=respell(email)), "email_taken")


def test_an_email_claimed_by_a_registration_in_flight_is_taken(auth_app: Any) -> None:
    email = f"{unique_username()}@example.com"
    EmailClaimItem(EmailClaimItem.key_for(email), owner=unique_username()).save()
    assert_conflict(register(auth_app, email=email), "email_taken")


# --- password ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["Abcdefg1!xy", "Abcdefgh1!" + "x" * 11, "abcdefgh1!xy", "ABCDEFGH1!XY", "Abcdefghi!xy", "Abcdefgh1xyz",
     "Abcdefgh1~xy"],
    ids=["11-chars", "21-chars", "no-upper", "no-lower", "no-digit", "no-symbol", "symbol-outside-the-set"],
)
def test_weak_passwords_are_422(auth_app: Any, password: str) -> None:
    assert_rejected(register(auth_app, password=password), "password")


@pytest.mark.parametrize("password", ["Abcdefgh1!xy", "Abcdefgh1!" + "x" * 10], ids=["12-chars", "20-chars"])
def test_passwords_of_the_boundary_lengths_are_accepted(auth_app: Any, password: str) -> None:
    username = unique_username()
    assert register(auth_app, username=username, password=password).status_code == 201
    assert profile_of(auth_app, username, password)["username"] == username.lower()


@pytest.mark.parametrize("symbol", list("!@#$%^&*()-_=+"))
def test_every_listed_symbol_satisfies_the_symbol_rule(auth_app: Any, symbol: str) -> None:
    assert register(auth_app, password=f"Abcdefgh1{symbol}xy").status_code == 201


# --- names -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [("ada", "Ada"), ("mary ann", "Mary Ann"), ("o'brien", "O'Brien"), ("smith-JONES", "Smith-Jones"),
     ("josé", "José"), ("  ada  ", "Ada"), ("z", "Z"), ("a" * 50, "A" + "a" * 49)],
)
@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_names_are_stored_title_cased(auth_app: Any, field: str, given: str, stored: str) -> None:
    body = registration(**{field: given})
    assert auth_app.post("/auth/register", json=body).status_code == 201
    assert profile_of(auth_app, body["username"])[field] == stored


@pytest.mark.parametrize(
    "name", ["", "   ", "a" * 51, "Ada1", "Ada_Lovelace", "Ada.", "Ada!", "-", "'"],
)
@pytest.mark.parametrize("field", ["first_name", "last_name"])
def test_invalid_names_are_422(auth_app: Any, field: str, name: str) -> None:
    assert_rejected(register(auth_app, **{field: name}), field)


# --- phone and date of birth -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [("5551234567", "5551234567"), ("(555) 123-4567", "5551234567"), ("+44 20 7946 0958 123", "442079460958123")],
)
def test_phones_are_stored_as_digits(auth_app: Any, given: str, stored: str) -> None:
    body = registration(phone=given)
    assert auth_app.post("/auth/register", json=body).status_code == 201
    assert profile_of(auth_app, body["username"])["phone"] == stored


@pytest.mark.parametrize("phone", ["555-123-456", "1234567890123456", "", "no digits at all",
                                   "\u0665\u0665\u0665\u0661\u0662\u0663\u0664\u0665\u0666\u0667",
                                   "555.123.4567", "555/123/4567"])
def test_phones_without_10_to_15_digits_are_422(auth_app: Any, phone: str) -> None:
    assert_rejected(register(auth_app, phone=phone), "phone")


@pytest.mark.parametrize(
    "born", [years_ago(13), years_ago(120), years_ago(121, days=1)], ids=["13-today", "120-today", "turns-121"]
)
def test_ages_from_13_to_120_are_accepted(auth_app: Any, born: str) -> None:
    body = registration(date_of_birth=born)
    assert auth_app.post("/auth/register", json=body).status_code == 201
    assert profile_of(auth_app, body["username"])["date_of_birth"] == born


@pytest.mark.parametrize(
    "born",
    [years_ago(13, days=1), years_ago(121), years_ago(0, days=1), "2000-13-01", "yesterday"],
    ids=["13-tomorrow", "121-today", "future", "bad-month", "not-a-date"],
)
def test_ages_outside_13_to_120_are_422(auth_app: Any, born: str) -> None:
    assert_rejected(register(auth_app, date_of_birth=born), "date_of_birth")


# --- markup ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "<script>alert(1)</script>"),
        ("first_name", "<b>Ada</b>"),
        ("last_name", "javascript:alert(1)"),
        ("last_name", "<img src=x onerror=alert(1)>"),
        ("phone", "<script>5551234567</script>"),
        ("phone", "javascript:5551234567"),
        ("phone", "5551234567 onclick=go"),
        ("email", "<script>@example.com"),
        ("email", "onclick=go@example.com"),
        ("username", "<script>x"),
    ],
)
def test_markup_in_any_text_field_is_422(auth_app: Any, field: str, value: str) -> None:
    assert_rejected(register(auth_app, **{field: value}), field)


def test_markup_in_the_password_is_422(auth_app: Any) -> None:
    assert_rejected(register(auth_app, password="<b>Passw0rd!</b>"), "password")
