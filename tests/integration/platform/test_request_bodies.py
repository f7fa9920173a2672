"""Every app refuses oversized, over-nested and misplaced bodies before parsing them, and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from apps.common.settings import PlatformSettings
from tests.support.users import TestUser, register_and_login


@pytest.fixture
def user(auth_app: Any, user_app: Any) -> TestUser:
    user = register_and_login(auth_app)
    assert user_app.post("/balance/deposit", json={"amount": 10}, headers=user.headers).status_code == 201
    return user


def balance_of(user_app: Any, user: TestUser) -> str:
    return str(user_app.get("/balance", headers=user.headers).json()["current_balance"])


def refusal(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["code"]


def test_json_nested_deeper_than_the_limit_is_400(user_app: Any, user: TestUser) -> None:
    body = b'{"amount": 1, "x": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    response = user_app.post("/balance/deposit", content=body, headers=user.headers)
    assert refusal(response) == (400, "body_too_deep")
    assert response.headers["x-request-id"]
    assert balance_of(user_app, user) == "10.00"


def test_json_that_is_not_utf8_is_400(user_app: Any, user: TestUser) -> None:
    body = ('{"amount": 1, "x": ' + "[" * 100 + "]" * 100 + "}").encode("utf-16")
    response = user_app.post("/balance/deposit", content=body, headers=user.headers)
    assert refusal(response) == (400, "body_not_utf8")
    assert balance_of(user_app, user) == "10.00"


def test_a_body_declared_over_the_limit_is_413_before_it_is_read(
    user_app: Any, user: TestUser, platform_settings: PlatformSettings
) -> None:
    padding = "x" * platform_settings.max_body_bytes
    response = user_app.post("/balance/deposit", json={"amount": 1, "padding": padding}, headers=user.headers)
    assert refusal(response) == (413, "body_too_large")
    assert response.headers["connection"] == "close"
    assert balance_of(user_app, user) == "10.00"


def test_a_streamed_body_is_cut_off_once_it_passes_the_limit(
    user_app: Any, user: TestUser, platform_settings: PlatformSettings
) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"amount": 1, "padding": "'
        for _ in range(platform_settings.max_body_bytes // 1024 + 10):
            yield b"x" * 1024
        yield b'"}'

    response = user_app.post("/balance/deposit", content=chunks(), headers=user.headers)
    assert refusal(response) == (413, "body_too_large")
    assert balance_of(user_app, user) == "10.00"


def test_a_body_within_the_limit_is_served(user_app: Any, user: TestUser) -> None:
    response = user_app.post("/balance/deposit", json={"amount": 1, "note": "x" * 60_000}, headers=user.headers)
    assert response.status_code == 201
    assert balance_of(user_app, user) == "11.00"


@pytest.mark.parametrize("method", ["GET", "DELETE", "HEAD"])
def test_methods_without_a_body_refuse_one(user_app: Any, user: TestUser, method: str) -> None:
    response = user_app.request(method, "/balance", content=b'{"amount": 1}', headers=user.headers)
    assert response.status_code == 400
    if method != "HEAD":
        assert response.json() == {"detail": f"{method} requests must not carry a body", "code": "body_not_allowed"}


@pytest.mark.parametrize("path", ["/balance/", "/portfolio/", "/balance/deposit/"])
def test_a_trailing_slash_is_404_not_a_redirect(user_app: Any, user: TestUser, path: str) -> None:
    response = user_app.get(path, headers={**user.headers, "Host": "evil.example"}, follow_redirects=False)
    assert response.status_code == 404
    assert "location" not in response.headers
