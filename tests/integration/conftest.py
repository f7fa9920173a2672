"""Fixtures the integration tests of several apps share."""

from __future__ import annotations

from typing import Any

import pytest

from apps.common.settings import PlatformSettings
from tests.support.market import listed_asset
from tests.support.trading import buy, deposit
from tests.support.users import TestUser, register_and_login


@pytest.fixture(scope="module")
def coin(tables: PlatformSettings, redis_client: Any) -> str:
    return listed_asset(redis_client, "20.00")


@pytest.fixture
def investor(auth_app: Any, user_app: Any, order_app: Any, coin: str) -> TestUser:
    """1000 USD deposited, then 2.5 of the coin bought at 20: 950 cash, 50 in the coin."""
    user = register_and_login(auth_app)
    deposit(user_app, user, 1000)
    buy(order_app, user, coin, "2.5")
    return user
