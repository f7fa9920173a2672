"""Scenarios: a name, where it sends, how many clients, and a factory for each request.

A new measurement (say the gateway's overhead: one cheap read sent direct and through the gateway) is
a new request factory and two more ``Scenario`` entries; the runner and the report stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from apps.gateway.response_cache import REVALIDATE
from ops.bench.fixtures import BenchUser, Fixtures
from ops.bench.stack import TRACED_GATEWAY


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
    timing_metrics: tuple[str, ...] = ("app",)
    """Server-Timing entries holding the server's handling time, first found wins."""


@dataclass(frozen=True)
class ScenarioOptions:
    requests: int
    concurrency: int
    deposit_amount: str = "0.01"
    order_quantity: str = "0.001"


def balance_read(users: Sequence[BenchUser]) -> RequestFactory:
    """The cheapest authenticated request: token check plus one consistent GetItem."""

    def make(client: int, sequence: int) -> BenchRequest:
        return BenchRequest("GET", "/balance", headers=users[client % len(users)].headers)

    return make


def deposit(users: Sequence[BenchUser], amount: str) -> RequestFactory:
    """Client k always acts as user k (mod the users), so a user never races itself unless shared."""

    def make(client: int, sequence: int) -> BenchRequest:
        user = users[client % len(users)]
        return BenchRequest("POST", "/balance/deposit", json={"amount": amount}, headers=user.headers)

    return make


def market_buy(users: Sequence[BenchUser], asset_id: str, quantity: str, path: str = "/orders") -> RequestFactory:
    def make(client: int, sequence: int) -> BenchRequest:
        user = users[client % len(users)]
        body = {"order_type": "market_buy", "asset_id": asset_id, "quantity": quantity}
        return BenchRequest("POST", path, json=body, headers=user.headers)

    return make


def default_scenarios(
    urls: Mapping[str, str], fixtures: Fixtures, options: ScenarioOptions
) -> list[Scenario]:
    """A cheap read as the floor, then each write sequentially (latency), spread over users
    (throughput) and on one user (contention), all sent straight to the app that serves them."""

    def direct(name: str, service: str, factory: RequestFactory, concurrency: int, what: str) -> Scenario:
        # the apps name their Server-Timing entry after themselves; older builds call it "app"
        return Scenario(name, urls[service], factory, concurrency, options.requests, what, (service, "app"))

    everyone = fixtures.users
    shapes = (
        ("sequential", 1, everyone, "one client"),
        ("concurrent", options.concurrency, everyone, f"{len(everyone)} users, one per client"),
        ("one-user", options.concurrency, everyone[:1], "every client on the same user (per-user lock)"),
    )
    buy_quantity = options.order_quantity
    return [
        direct("balance-read-sequential", "user", balance_read(everyone), 1, "GET /balance, one client"),
        *(direct(f"deposit-{shape}", "user", deposit(users, options.deposit_amount), concurrency,
                 f"POST /balance/deposit, {what}") for shape, concurrency, users, what in shapes),
        *(direct(f"market-buy-{shape}", "order", market_buy(users, fixtures.asset_id, buy_quantity),
                 concurrency, f"POST /orders market_buy, {what}") for shape, concurrency, users, what in shapes),
    ]


def asset_read(path: str, *, revalidate: bool = False) -> RequestFactory:
    """A cheap public read: the inventory app answers it from its in-process catalogue cache, the gateway from
    its response cache while the inventory's ``max-age`` lasts; ``revalidate`` asks every cache on the way for a
    fresh answer (``Cache-Control: no-cache``), so the gateway forwards each one."""
    headers = dict(REVALIDATE) if revalidate else {}

    def make(client: int, sequence: int) -> BenchRequest:
        return BenchRequest("GET", path, headers=headers)

    return make


def authenticated_read(users: Sequence[BenchUser], path: str) -> RequestFactory:
    def make(client: int, sequence: int) -> BenchRequest:
        return BenchRequest("GET", path, headers=users[client % len(users)].headers)

    return make


def gateway_comparison(urls: Mapping[str, str], fixtures: Fixtures, options: ScenarioOptions) -> list[Scenario]:
    """The same reads sent straight to the app and through the gateway, in the same run: the pairs
    ``<read>-<shape>-direct`` / ``<read>-<shape>-gateway`` give the gateway's overhead as ratios."""
    asset_path = f"/inventory/assets/{fixtures.asset_id}"
    reads = (
        ("asset-read", "inventory", asset_read(asset_path), asset_read(f"/api/v1{asset_path}"), "public"),
        ("asset-read-uncached", "inventory", asset_read(asset_path, revalidate=True),
         asset_read(f"/api/v1{asset_path}", revalidate=True), "uncached public"),
        ("balance-read", "user", authenticated_read(fixtures.users, "/balance"),
         authenticated_read(fixtures.users, "/api/v1/balance"), "authenticated"),
    )
    scenarios = []
    for read, service, direct_factory, gateway_factory, kind in reads:
        for shape, concurrency in (("sequential", 1), ("concurrent", options.concurrency)):
            what = f"{kind} GET, {concurrency} client(s)"
            scenarios += [
                Scenario(f"{read}-{shape}-direct", urls[service], direct_factory, concurrency, options.requests,
                         f"{what}, straight to the {service} app", (service,)),
                Scenario(f"{read}-{shape}-gateway", urls["gateway"], gateway_factory, concurrency,
                         options.requests, f"{what}, through the gateway", ("gateway",)),
            ]
    return scenarios


TRACED_PATHS = {"market-buy": "/api/v1/orders", "balance-read": "/api/v1/balance"}
"""What the tracing comparison sends through both gateways; the traced one fronts traced copies of their apps."""


def tracing_comparison(urls: Mapping[str, str], fixtures: Fixtures,
                       options: ScenarioOptions) -> list[tuple[Scenario, Scenario]]:
    """The same requests through the untraced gateway and through the traced one (``TRACED_GATEWAY``, in front of
    traced copies of the apps that serve them), in the same run: the pairs ``<request>-<shape>-untraced`` /
    ``-traced`` give what tracing every request costs (run them in turns: ``run_in_turns``)."""
    requests = (
        ("market-buy", market_buy(fixtures.users, fixtures.asset_id, options.order_quantity,
                                  TRACED_PATHS["market-buy"]), f"POST {TRACED_PATHS['market-buy']} market_buy"),
        ("balance-read", authenticated_read(fixtures.users, TRACED_PATHS["balance-read"]),
         f"GET {TRACED_PATHS['balance-read']}"),
    )
    pairs = []
    for request, factory, what in requests:
        for shape, concurrency in (("sequential", 1), ("concurrent", options.concurrency)):
            untraced, traced = (
                Scenario(f"{request}-{shape}-{variant}", urls[gateway], factory, concurrency, options.requests,
                         f"{what}, {concurrency} client(s), through the {variant} gateway", ("gateway",))
                for variant, gateway in (("untraced", "gateway"), ("traced", TRACED_GATEWAY))
            )
            pairs.append((untraced, traced))
    return pairs
