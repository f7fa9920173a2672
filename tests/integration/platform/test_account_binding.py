"""A token is good only for the account it was issued to: the check every app runs, and the confirmation in
Redis that the apps share (apps/common/security.py: ``AccountBinding``)."""

from __future__ import annotations

from typing import Any

import pytest
from redis import Redis

from apps.common.models import UserItem
from apps.common.security import AccountBinding
from apps.common.settings import PlatformSettings
from tests.support.users import TestUser, register_and_login

ANOTHER_ACCOUNT_ID = "01JZZZZZZZZZZZZZZZZZZZZZZZ"


@pytest.fixture
def user(auth_app: Any, redis_client: Redis) -> TestUser:
    user = register_and_login(auth_app)
    redis_client.delete(confirmation_key(user))
    return user


def confirmation_key(user: TestUser) -> str:
    return f"{AccountBinding.PREFIX}{user.username}"


def order_history(order_app: Any, user: TestUser) -> int:
    return int(order_app.get("/orders", headers=user.headers).status_code)


def test_one_confirmation_serves_every_app_until_it_lapses(auth_app: Any, user_app: Any, order_app: Any,
                                                           user: TestUser, redis_client: Redis,
                                                           tables: PlatformSettings) -> None:
    """Once one app has read the account, the others trust its confirmation for its lifetime
    (TOKEN_ACCOUNT_CHECK_SECONDS, the documented window) without reading the item themselves: shown by
    deleting the item, which any read would notice. Once the confirmation lapses, the token is refused."""
    assert auth_app.get("/auth/profile", headers=user.headers).status_code == 200
    assert redis_client.get(confirmation_key(user)) == UserItem.find(user.username).user_id
    assert 0 < redis_client.pttl(confirmation_key(user)) <= tables.token_account_check_seconds * 1000

    UserItem.find(user.username).delete()
    assert order_history(order_app, user) == 200
    assert user_app.get("/balance", headers=user.headers).status_code == 200

    redis_client.delete(confirmation_key(user))  # as when it lapses
    assert order_history(order_app, user) == 401
    assert user_app.get("/balance", headers=user.headers).status_code == 401
    assert auth_app.get("/auth/profile", headers=user.headers).status_code == 401
    assert redis_client.get(confirmation_key(user)) is None  # a refusal confirms nothing


def test_a_confirmation_of_another_account_id_is_not_trusted(order_app: Any, user: TestUser,
                                                             redis_client: Redis) -> None:
    redis_client.set(confirmation_key(user), ANOTHER_ACCOUNT_ID, px=5000)
    assert order_history(order_app, user) == 200  # read again: the item still has the token's id
    assert redis_client.get(confirmation_key(user)) == UserItem.find(user.username).user_id

    UserItem.find(user.username).delete()
    redis_client.set(confirmation_key(user), ANOTHER_ACCOUNT_ID, px=5000)
    answer = order_app.get("/orders", headers=user.headers)
    assert answer.status_code == 401
    assert answer.json() == {"detail": "This token's account no longer exists", "code": "not_authenticated"}
    assert redis_client.get(confirmation_key(user)) == ANOTHER_ACCOUNT_ID  # a refusal confirms nothing
