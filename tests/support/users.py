"""Registering and logging in test users through the auth app."""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import jwt

PASSWORD = "Str0ng!Passw0rd"
_counter = itertools.count()


def unique_username(prefix: str = "user") -> str:
    return f"{prefix}_{os.getpid()}_{next(_counter)}_{os.urandom(3).hex()}"[:30]


def registration(username: str | None = None, **fields: Any) -> dict[str, Any]:
    username = username or unique_username()
    return {
        "username": username,
        "email": f"{username}@example.com",
        "password": PASSWORD,
        "first_name": "Ada",
        "last_name": "Lovelace",
        **fields,
    }


@dataclass
class TestUser:
    __test__ = False  # not a pytest test class

    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def user_id(self) -> str:
        """The account's id, as its token carries it."""
        return str(jwt.decode(self.token, options={"verify_signature": False})["uid"])


def register_and_login(auth: Any, username: str | None = None) -> TestUser:
    body = registration(username)
    created = auth.post("/auth/register", json=body)
    assert created.status_code == 201, created.text
    login = auth.post("/auth/login", json={"username": body["username"], "password": PASSWORD})
    assert login.status_code == 200, login.text
    return TestUser(body["username"].lower(), login.json()["access_token"])


def years_ago(years: int, days: int = 0) -> str:
    """The ISO date of the day ``years`` ago (plus ``days``): a birth date of that age."""
    today = date.today()
    try:
        anniversary = today.replace(year=today.year - years)
    except ValueError:  # today is 29 February
        anniversary = today.replace(year=today.year - years, day=28)
    return (anniversary + timedelta(days=days)).isoformat()
