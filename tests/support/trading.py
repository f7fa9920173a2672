"""Short steps the insights tests take through the apps (in-process clients), and what they read back."""

from __future__ import annotations

from typing import Any

from apps.common.models import InsightsCacheItem
from tests.support.metrics import sample_value
from tests.support.users import TestUser


def metric(client: Any, name: str, **labels: str) -> float:
    """A sample of the app's /metrics, 0 when the series does not exist yet."""
    return sample_value(client.get("/metrics").text, name, **labels)


def insights(client: Any, user: TestUser) -> dict[str, Any]:
    response = client.get("/insights/portfolio", headers=user.headers)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def cache_items(username: str) -> list[InsightsCacheItem]:
    return list(InsightsCacheItem.query(username, InsightsCacheItem.cache_key.startswith("INSIGHTS#"),
                                        consistent_read=True))


def deposit(user_app: Any, user: TestUser, amount: int) -> None:
    assert user_app.post("/balance/deposit", json={"amount": amount}, headers=user.headers).status_code == 201


def buy(order_app: Any, user: TestUser, asset_id: str, quantity: str) -> None:
    body = {"order_type": "market_buy", "asset_id": asset_id, "quantity": quantity}
    assert order_app.post("/orders", json=body, headers=user.headers).status_code == 201


