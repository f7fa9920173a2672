"""The price feed: every tick the lease holder moves the active assets' prices and publishes them.

Prices go to the Redis cache every tick and to the inventory table every few ticks. A tick that fails
(source, Redis or DynamoDB) is logged and counted; the loop carries on until it is cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge
from pynamodb.exceptions import PynamoDBException, UpdateError
from redis.exceptions import RedisError

from apps.common.clock import now_iso
from apps.common.market import PriceCache
from apps.common.models import AssetItem
from apps.inventory.lease import LeaderLease
from apps.inventory.price_sources import PriceSource, PriceSourceError

log = logging.getLogger(__name__)

TickOutcome = Literal["published", "idle", "follower", "failed"]
ActivePrices = Callable[[], Mapping[str, Decimal]]


class FeedMetrics:
    def __init__(self, registry: CollectorRegistry):
        self.registry = registry
        self.ticks = Counter(
            "inventory_price_feed_ticks", "Price feed ticks by outcome", ["outcome"], registry=registry
        )
        self.leader = Gauge(
            "inventory_price_feed_leader", "1 while this replica holds the price feed lease",
            registry=registry,
        )
        self.last_publish = Gauge(
            "inventory_price_feed_last_publish_timestamp_seconds",
            "Unix time of this replica's last successful publish (the feed's age is time() minus the max)",
            registry=registry,
        )


def persist_prices(prices: Mapping[str, Decimal]) -> int:
    """Stores price and time on every asset that still exists; returns how many were stored."""
    stamp = now_iso()
    stored = 0
    for asset_id, price in prices.items():
        try:
            AssetItem(asset_id).update(
                actions=[AssetItem.price_usd.set(price), AssetItem.last_updated.set(stamp)],
                condition=AssetItem.asset_id.exists(),
            )
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            continue
        stored += 1
    return stored


def publish_stored_prices(active_prices: ActivePrices, cache: PriceCache) -> int:
    """Publishes the table's price of every active asset the cache lacks, so prices exist from the start.

    Prices already cached are left alone: they are at least as new as the table's (a running feed wrote
    them), and a restarting replica must not set them back.
    """
    cached = cache.get_all()
    missing = {asset_id: price for asset_id, price in active_prices().items() if asset_id not in cached}
    if missing:
        cache.publish(missing)
    return len(missing)


class PriceFeed:
    def __init__(
        self,
        source: PriceSource,
        cache: PriceCache,
        lease: LeaderLease,
        active_prices: ActivePrices,
        metrics: FeedMetrics,
        interval_seconds: float,
        persist_every_ticks: int,
        persist: Callable[[Mapping[str, Decimal]], int] = persist_prices,
    ):
        self.source = source
        self.cache = cache
        self.lease = lease
        self.active_prices = active_prices
        self.metrics = metrics
        self.interval_seconds = interval_seconds
        self.persist_every_ticks = persist_every_ticks
        self.persist = persist
        self.leading = False
        self.published_ticks = 0

    async def run(self) -> None:
        """Ticks until cancelled."""
        while True:
            await self.tick()
            await asyncio.sleep(self.interval_seconds)

    async def tick(self) -> TickOutcome:
        try:
            outcome = await self._tick()
        except (PriceSourceError, RedisError, PynamoDBException) as exc:
            log.warning("price feed tick failed: %s: %s", type(exc).__name__, exc)
            outcome = "failed"
        except Exception:  # any other failure is logged in full, and the feed still carries on
            log.exception("price feed tick failed")
            outcome = "failed"
        self.metrics.ticks.labels(outcome).inc()
        return outcome

    async def close(self) -> None:
        """Gives the lease up (so another replica takes over at once) and closes the source."""
        try:
            if self.leading:
                await asyncio.to_thread(self.lease.release)
        except Exception as exc:  # shutting down: the lease will expire by itself
            log.warning("price feed: could not release the lease: %s", type(exc).__name__)
        finally:
            self.leading = False
            self.metrics.leader.set(0)
            await self.source.aclose()
            log.info("price feed: stopped")

    async def _tick(self) -> TickOutcome:
        if not await self._hold_lease():
            return "follower"
        current = await asyncio.to_thread(self._current_prices)
        if not current:
            return "idle"
        moved = await self.source.next_prices(current)
        prices = {**current, **{a: p for a, p in moved.items() if a in current}}
        if not await self._hold_lease():  # the fetch was slow and another replica took over
            return "follower"
        await asyncio.to_thread(self.cache.publish, prices)
        self.metrics.last_publish.set_to_current_time()
        self.published_ticks += 1
        if self.published_ticks % self.persist_every_ticks == 0:
            stored = await asyncio.to_thread(self.persist, prices)
            log.debug("price feed: stored %d prices", stored)
        return "published"

    async def _hold_lease(self) -> bool:
        leading = await asyncio.to_thread(self.lease.hold)
        self._set_leading(leading)
        return leading

    def _set_leading(self, leading: bool) -> None:
        if leading != self.leading:
            log.info("price feed: %s", "leading" if leading else "following")
        self.leading = leading
        self.metrics.leader.set(1 if leading else 0)

    def _current_prices(self) -> dict[str, Decimal]:
        """The active assets' latest published prices, or their stored prices when none is cached."""
        cached = self.cache.get_all()
        return {asset_id: cached.get(asset_id, stored) for asset_id, stored in self.active_prices().items()}
