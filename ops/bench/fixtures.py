"""What the scenarios need before they run: funded users with tokens, and one asset with a fixed price."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

import httpx
from redis import Redis

from apps.common.market import PriceCache
from apps.common.models import AssetItem
from ops.accounts import Account, SignUpFailed, registration, sign_up

log = logging.getLogger(__name__)

class PreparationError(RuntimeError):
    """The stack refused a set-up request; the message carries its answer."""


BenchUser = Account


@dataclass(frozen=True)
class Fixtures:
    users: list[BenchUser]
    probe_user: BenchUser
    """Used only by the in-process probes, so they never contend with the HTTP scenarios."""
    asset_id: str
    price: Decimal


def _expect(response: httpx.Response, status: int, what: str) -> httpx.Response:
    if response.status_code != status:
        answer = f"{response.status_code}: {response.text[:300]}"
        raise PreparationError(f"{what}: expected {status}, got {answer}")
    return response


def register_and_login(auth: httpx.Client, username: str) -> BenchUser:
    try:
        return sign_up(auth, registration(username, first_name="Bench", last_name="User"))
    except SignUpFailed as exc:
        raise PreparationError(str(exc)) from exc


def fund(user_app: httpx.Client, user: BenchUser, amount: Decimal) -> None:
    response = user_app.post("/balance/deposit", json={"amount": str(amount)}, headers=user.headers)
    _expect(response, 201, f"fund {user.username}")


def list_asset(redis: Redis, asset_id: str, price: Decimal) -> None:
    AssetItem(asset_id, name="Bench Coin", symbol=asset_id, price_usd=price, is_active=True).save()
    PriceCache(redis).publish({asset_id: price})


def prepare(
    urls: dict[str, str], redis: Redis, user_count: int, funding: Decimal, asset_id: str, price: Decimal
) -> Fixtures:
    """Registers ``user_count`` users plus a probe user through the auth app and funds them all."""
    list_asset(redis, asset_id, price)
    with (
        httpx.Client(base_url=urls["auth"], trust_env=False, timeout=30.0) as auth,
        httpx.Client(base_url=urls["user"], trust_env=False, timeout=30.0) as user_app,
    ):
        users = [register_and_login(auth, f"bench_user_{n:03d}") for n in range(user_count + 1)]
        for user in users:
            fund(user_app, user, funding)
    log.info("prepared %d funded users and asset %s at %s USD", len(users), asset_id, price)
    return Fixtures(users=users[:-1], probe_user=users[-1], asset_id=asset_id, price=price)
