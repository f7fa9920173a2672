"""Test users: the one registration and sign-up of ``ops.accounts``, and birth dates of a given age."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ops.accounts import PASSWORD, Account, registration, sign_up, unique_username

__all__ = ["PASSWORD", "TestUser", "register_and_login", "registration", "unique_username", "years_ago"]


class TestUser(Account):
    __test__ = False  # not a pytest test class


def register_and_login(auth: Any, username: str | None = None) -> TestUser:
    """Through the auth app itself (a TestClient or a client of its process)."""
    account = sign_up(auth, registration(username))
    return TestUser(account.username, account.token)


def years_ago(years: int, days: int = 0) -> str:
    """The ISO date of the day ``years`` ago (plus ``days``): a birth date of that age."""
    today = date.today()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # today is 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return (anniversary + timedelta(days=days)).isoformat()
