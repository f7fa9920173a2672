"""Scenarios: a name, where it sends, how many clients, and a factory for each request.

A new measurement (say the gateway's overhead: one cheap read sent direct and through the gateway) is
a new request factory and two more ``Scenario`` entries; the runner and the report stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from ops.bench.fixtures import BenchUser, Fixtures


@dataclass(frozen=True)
class BenchRequest:
    method: str
    path: str
    json: dict[str, Any] | None = None
    headers: Mapping[str, str] = field(default_factory=dict)


class RequestFactory(Protocol):
    def __call__(self, client: int, sequence: int) -> BenchRequest:
        """The ``sequence``-th request of a run, sent by virtual client number ``client``."""
        ...


@dataclass(frozen=True)
class Scenario:
    name: str
    base_url: str
    make_request: RequestFactory
    concurrency: int
    requests: int
    what: str = ""


@dataclass(frozen=True)
class ScenarioOptions:
    requests: int
    concurrency: int
    deposit_amount: str = "0.01"
    order_quantity: str = "0.001"


def deposit(users: Sequence[BenchUser], amount: str) -> RequestFactory:
    """Client k always acts as user k (mod the users), so a user never races itself unless shared."""

    def make(client: int, sequence: int) -> BenchRequest:
        user = users[client % len(users)]
        return BenchRequest("POST", "/balance/deposit", json={"amount": amount}, headers=user.headers)

    return make


def market_buy(users: Sequence[BenchUser], asset_id: str, quantity: str) -> RequestFactory:
    def make(client: int, sequence: int) -> BenchRequest:
        user = users[client % len(users)]
        body = {"order_type": "market_buy", "asset_id": asset_id, "quantity": quantity}
        return BenchRequest("POST", "/orders", json=body, headers=user.headers)

    return make


def default_scenarios(
    urls: Mapping[str, str], fixtures: Fixtures, options: ScenarioOptions
) -> list[Scenario]:
    """Each write sequentially (latency), spread over users (throughput) and on one user (contention)."""
    everyone = fixtures.users
    one_user = fixtures.users[:1]
    shapes = (
        ("sequential", 1, everyone, "one client"),
        ("concurrent", options.concurrency, everyone, f"{len(everyone)} users, one per client"),
        ("one-user", options.concurrency, one_user, "every client on the same user (per-user lock)"),
    )
    scenarios: list[Scenario] = []
    for suffix, concurrency, users, what in shapes:
        scenarios.append(Scenario(
            f"deposit-{suffix}", urls["user"], deposit(users, options.deposit_amount),
            concurrency, options.requests, f"POST /balance/deposit, {what}",
        ))
    for suffix, concurrency, users, what in shapes:
        buy = market_buy(users, fixtures.asset_id, options.order_quantity)
        scenarios.append(Scenario(
            f"market-buy-{suffix}", urls["order"], buy,
            concurrency, options.requests, f"POST /orders market_buy, {what}",
        ))
    return scenarios
