"""The price feed against redis-server and DynamoDB Local: publishing, persisting, the leader lease,
failures, and the feed running inside the app."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator, Mapping
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry
from redis import Redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from apps.common.market import PRICES_KEY, PriceCache
from apps.common.models import AssetItem
from apps.common.settings import PlatformSettings
from apps.inventory.lease import PRICE_FEED_LEASE_KEY, LeaderLease
from apps.inventory.main import create_app
from apps.inventory.price_feed import FeedMetrics, PriceFeed
from apps.inventory.price_sources import PriceSource, PriceSourceError, SimulatedPrices
from apps.inventory.settings import InventorySettings
from ops.servers import free_port
from tests.conftest import app_settings
from tests.support.waiting import wait_until

_PUBLISHED = 'inventory_price_feed_ticks_total{outcome="published"}'


class FixedPrices:
    """A source that sets every asset to one price."""

    def __init__(self, price: str):
        self.price = Decimal(price)
        self.closed = False

    async def next_prices(self, current: Mapping[str, Decimal]) -> dict[str, Decimal]:
        return {asset_id: self.price for asset_id in current}

    async def aclose(self) -> None:
        self.closed = True


class FlakyPrices(FixedPrices):
    """Fails its first two calls (once as expected, once unexpectedly), then answers; signals call 4."""

    def __init__(self, price: str):
        super().__init__(price)
        self.calls = 0
        self.fourth_call = asyncio.Event()

    async def next_prices(self, current: Mapping[str, Decimal]) -> dict[str, Decimal]:
        self.calls += 1
        if self.calls == 1:
            raise PriceSourceError("market data request failed: HTTP 503")
        if self.calls == 2:
            raise RuntimeError("a bug in a source")
        if self.calls == 4:
            self.fourth_call.set()
        return await super().next_prices(current)


@pytest.fixture
def scratch_asset(tables: PlatformSettings, redis_client: Redis) -> Iterator[str]:
    """An active asset of the table that only this test uses."""
    asset_id = "Z" + os.urandom(4).hex().upper()
    AssetItem(asset_id, name="Scratch", symbol=asset_id, price_usd=Decimal("100.00")).save()
    yield asset_id
    AssetItem(asset_id).delete()
    redis_client.hdel(PRICES_KEY, asset_id)


def _feed(redis: Redis, source: PriceSource, prices: Mapping[str, Decimal], lease_key: str,
          persist_every_ticks: int = 1000, interval_seconds: float = 0.001) -> PriceFeed:
    return PriceFeed(
        source=source,
        cache=PriceCache(redis),
        lease=LeaderLease(redis, ttl_seconds=30, key=lease_key),
        active_prices=lambda: prices,
        metrics=FeedMetrics(CollectorRegistry()),
        interval_seconds=interval_seconds,
        persist_every_ticks=persist_every_ticks,
    )


def _lease_key() -> str:
    return f"test:lease:{os.urandom(4).hex()}"


def _ticks(feed: PriceFeed, outcome: str) -> float:
    return feed.metrics.registry.get_sample_value("inventory_price_feed_ticks_total", {"outcome": outcome}) or 0


def _leading(feed: PriceFeed) -> float | None:
    return feed.metrics.registry.get_sample_value("inventory_price_feed_leader")


def test_feed_publishes_every_tick_and_persists_every_nth(redis_client: Redis, scratch_asset: str) -> None:
    start = {scratch_asset: Decimal("100.00")}
    expected = SimulatedPrices(seed=7, volatility=0.01)
    feed = _feed(redis_client, SimulatedPrices(seed=7, volatility=0.01), start, _lease_key(),
                 persist_every_ticks=2)
    cache = PriceCache(redis_client)

    async def scenario() -> None:
        assert await feed.tick() == "published"
        first = expected.step(start)
        assert cache.get(scratch_asset) == first[scratch_asset]
        assert AssetItem.get(scratch_asset, consistent_read=True).price_usd == Decimal("100.00")
        assert await feed.tick() == "published"
        second = expected.step(first)
        assert cache.get(scratch_asset) == second[scratch_asset]
        stored = AssetItem.get(scratch_asset, consistent_read=True)
        assert stored.price_usd == second[scratch_asset]
        assert stored.last_updated is not None and stored.last_updated.endswith("Z")
        await feed.close()

    asyncio.run(scenario())


def test_only_the_lease_holder_publishes(redis_client: Redis, scratch_asset: str) -> None:
    key = _lease_key()
    start = {scratch_asset: Decimal("100.00")}
    first = _feed(redis_client, FixedPrices("11"), start, key)
    second = _feed(redis_client, FixedPrices("12"), start, key)
    cache = PriceCache(redis_client)

    async def scenario() -> None:
        assert await first.tick() == "published"
        assert await second.tick() == "follower"
        assert await first.tick() == "published"
        assert await second.tick() == "follower"
        assert cache.get(scratch_asset) == Decimal("11")
        await first.close()
        assert await second.tick() == "published"
        assert cache.get(scratch_asset) == Decimal("12")
        assert (_leading(first), _leading(second)) == (0, 1)
        await second.close()

    asyncio.run(scenario())
    assert redis_client.get(key) is None


def test_feed_loop_survives_a_failing_source(redis_client: Redis, scratch_asset: str,
                                             caplog: pytest.LogCaptureFixture) -> None:
    source = FlakyPrices("42")
    feed = _feed(redis_client, source, {scratch_asset: Decimal("100.00")}, _lease_key())

    async def scenario() -> None:
        task = asyncio.create_task(feed.run())
        await asyncio.wait_for(source.fourth_call.wait(), timeout=60)  # a bound against hanging
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await feed.close()

    asyncio.run(scenario())
    assert _ticks(feed, "failed") == 2
    assert _ticks(feed, "published") >= 1
    failures = [record for record in caplog.records if record.getMessage().startswith("price feed tick failed")]
    assert [record.levelname for record in failures] == ["WARNING", "ERROR"]
    assert PriceCache(redis_client).get(scratch_asset) == Decimal("42")
    assert source.closed


def test_feed_survives_redis_being_down(scratch_asset: str) -> None:
    unreachable = Redis(port=free_port(), socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0),
                        decode_responses=True)
    feed = _feed(unreachable, FixedPrices("1"), {scratch_asset: Decimal("100.00")}, _lease_key())

    async def scenario() -> None:
        assert await feed.tick() == "failed"
        assert await feed.tick() == "failed"
        await feed.close()

    asyncio.run(scenario())
    assert _ticks(feed, "failed") == 2


def test_app_runs_the_feed_and_stops_it_at_shutdown(tables: PlatformSettings, redis_client: Redis) -> None:
    snapshot = redis_client.hgetall(PRICES_KEY)
    settings = app_settings(InventorySettings, tables, price_interval_seconds=0.01, price_seed=3,
                            price_persist_every_ticks=1000)
    try:
        with TestClient(create_app(settings)) as client:
            wait_until(lambda: _PUBLISHED in client.get("/metrics").text, timeout=60, every=0.01,
                       what="the price feed to publish")
            assert redis_client.get(PRICE_FEED_LEASE_KEY) is not None
        assert redis_client.get(PRICE_FEED_LEASE_KEY) is None
    finally:
        redis_client.delete(PRICES_KEY)
        if snapshot:
            redis_client.hset(PRICES_KEY, mapping=snapshot)
