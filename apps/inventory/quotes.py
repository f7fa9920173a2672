"""Current prices for the inventory's answers (the catalogue itself is ``apps.common.asset_catalogue``)."""

from __future__ import annotations

import logging
from decimal import Decimal

from redis.exceptions import RedisError

from apps.common.market import PriceCache
from apps.common.models import AssetItem

log = logging.getLogger(__name__)


class Quotes:
    """Current prices from the Redis cache; without Redis, callers fall back to the table's prices."""

    def __init__(self, cache: PriceCache):
        self.cache = cache

    def all(self) -> dict[str, Decimal]:
        try:
            return self.cache.get_all()
        except RedisError as exc:
            log.warning("price cache unavailable, answering with stored prices: %s", type(exc).__name__)
            return {}

    def price(self, item: AssetItem) -> Decimal:
        try:
            cached = self.cache.get(item.asset_id)
        except RedisError as exc:
            log.warning("price cache unavailable, answering with stored prices: %s", type(exc).__name__)
            cached = None
        return cached if cached is not None else item.price_usd
