"""Run with ``python -m apps.serve inventory`` (uvicorn with this factory and the platform's server limits)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from redis.exceptions import RedisError

from apps.common.asset_catalogue import Catalogue
from apps.common.market import PriceCache
from apps.common.service import ServiceContext, create_service_app
from apps.common.services import service
from apps.inventory.deps import InventoryParts
from apps.inventory.lease import LeaderLease
from apps.inventory.price_feed import FeedMetrics, PriceFeed, publish_stored_prices
from apps.inventory.price_sources import price_source
from apps.inventory.quotes import Quotes
from apps.inventory.routes import router
from apps.inventory.seed import SeedAsset, load_seed_assets, seed_inventory
from apps.inventory.settings import InventorySettings, get_settings

log = logging.getLogger(__name__)


def create_app(settings: InventorySettings | None = None) -> FastAPI:
    settings = settings or get_settings()
    seed = load_seed_assets()
    feed_metrics: list[FeedMetrics] = []  # registered once per app, even if the lifespan runs again

    @asynccontextmanager
    async def startup(context: ServiceContext) -> AsyncIterator[InventoryParts]:
        seeded = await asyncio.to_thread(seed_inventory, seed)
        log.info("inventory: seeded %d of %d assets", seeded, len(seed))
        catalogue = Catalogue(settings.catalogue_cache_seconds, refill=lambda: seed_inventory(seed))
        cache = PriceCache(context.redis)
        parts = InventoryParts(catalogue=catalogue, quotes=Quotes(cache),
                               public_max_age_seconds=settings.public_max_age_seconds)
        await _publish_stored_prices(catalogue, cache)
        if not settings.price_feed_enabled:
            log.info("inventory: price feed disabled")
            yield parts
            return
        if not feed_metrics:
            feed_metrics.append(FeedMetrics(context.registry))
        feed = _price_feed(settings, seed, context, catalogue, feed_metrics[0])
        task = asyncio.create_task(feed.run(), name="price-feed")
        try:
            yield parts
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await feed.close()

    return create_service_app(service("inventory"), settings, [router], startup=startup)


async def _publish_stored_prices(catalogue: Catalogue, cache: PriceCache) -> None:
    try:
        published = await asyncio.to_thread(publish_stored_prices, catalogue.active_prices, cache)
    except RedisError as exc:  # the feed (or the next start) publishes once Redis is back
        log.warning("inventory: could not publish stored prices: %s", type(exc).__name__)
        return
    log.info("inventory: published %d stored prices", published)


def _price_feed(
    settings: InventorySettings,
    seed: list[SeedAsset],
    context: ServiceContext,
    catalogue: Catalogue,
    metrics: FeedMetrics,
) -> PriceFeed:
    return PriceFeed(
        source=price_source(settings, seed),
        cache=PriceCache(context.redis),
        lease=LeaderLease(context.redis, settings.price_lease_seconds),
        active_prices=catalogue.active_prices,
        metrics=metrics,
        interval_seconds=settings.price_interval_seconds,
        persist_every_ticks=settings.price_persist_every_ticks,
    )
