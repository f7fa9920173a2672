"""Accounts for tests, benches, load and security runs: the one registration body and the one sign-up.

``sign_up`` speaks to anything with httpx's ``post(path, json=...)`` (an ``httpx.Client``, FastAPI's
``TestClient``), to the auth app itself (``prefix=""``) or through the gateway (``prefix="/api/v1"``).
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Any, Protocol

import jwt

PASSWORD = "Str0ng!Passw0rd"
GATEWAY_PREFIX = "/api/v1"
_counter = itertools.count()


class Answer(Protocol):
    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class Poster(Protocol):
    def post(self, url: str, *, json: Any = ..., headers: Any = ...) -> Answer: ...


def unique_username(prefix: str = "user") -> str:
    """A name no other run or process picks: the pid, a counter and random bits, within the 30-char rule."""
    return f"{prefix}_{os.getpid()}_{next(_counter)}_{os.urandom(3).hex()}"[:30]


def registration(username: str | None = None, **fields: Any) -> dict[str, Any]:
    """A registration body every rule of the contract accepts; ``fields`` change or add fields."""
    username = username or unique_username()
    return {"username": username, "email": f"{username}@example.com", "password": PASSWORD,
            "first_name": "Ada", "last_name": "Lovelace", **fields}


def account_id(token: str) -> str:
    """The account id a token the auth app issued carries (read, not verified: the token is the caller's)."""
    return str(jwt.decode(token, options={"verify_signature": False})["uid"])


@dataclass
class Account:
    username: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def user_id(self) -> str:
        return account_id(self.token)


class SignUpFailed(RuntimeError):
    """Registering or logging in did not answer as the contract says."""


def log_in(client: Poster, username: str, password: str = PASSWORD, prefix: str = "") -> Account:
    login = client.post(f"{prefix}/auth/login", json={"username": username, "password": password})
    if login.status_code != 200:
        raise SignUpFailed(f"login of {username}: {login.status_code} {login.text[:200]}")
    return Account(username.lower(), str(login.json()["access_token"]))


def sign_up(client: Poster, body: dict[str, Any] | None = None, prefix: str = "") -> Account:
    """Registers (``registration()`` unless a body is given) and logs in."""
    body = body or registration()
    created = client.post(f"{prefix}/auth/register", json=body)
    if created.status_code != 201:
        raise SignUpFailed(f"registration of {body['username']}: {created.status_code} {created.text[:200]}")
    return log_in(client, body["username"], body["password"], prefix)
