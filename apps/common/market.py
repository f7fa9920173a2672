"""Asset look-ups and current prices, as the user, order and insights apps read them.

The inventory app's price feed publishes every current price to one Redis hash; readers take the price
from there and fall back to the catalogue's stored price when Redis has none. Catalogue entries are
cached in-process for a few seconds: they change rarely, and orders read them on every request.
"""

from __future__ import annotations

import time
from decimal import Decimal

from redis import Redis

from apps.common.asset_catalogue import Catalogue
from apps.common.models import AssetItem

PRICES_KEY = "cnop:prices"
PRICES_UPDATED_KEY = "cnop:prices:updated_at"


class PriceCache:
    """The Redis hash of current prices: written by the price feed, read by everyone."""

    def __init__(self, redis: Redis):
        self.redis = redis

    def publish(self, prices: dict[str, Decimal], at: float | None = None) -> None:
        pipe = self.redis.pipeline(transaction=True)
        pipe.hset(PRICES_KEY, mapping={asset: format(price, "f") for asset, price in prices.items()})
        pipe.set(PRICES_UPDATED_KEY, str(time.time() if at is None else at))
        pipe.execute()

    def get(self, asset_id: str) -> Decimal | None:
        return self.get_many([asset_id]).get(asset_id)

    def get_many(self, asset_ids: list[str]) -> dict[str, Decimal]:
        """The cached prices of these assets, in one round trip; assets without one are left out."""
        if not asset_ids:
            return {}
        values = self.redis.hmget(PRICES_KEY, asset_ids)
        return {asset: Decimal(str(value)) for asset, value in zip(asset_ids, values, strict=True)
                if value is not None}

    def get_all(self) -> dict[str, Decimal]:
        raw: dict[str, str] = self.redis.hgetall(PRICES_KEY)  # type: ignore[assignment]
        return {asset: Decimal(value) for asset, value in raw.items()}

    def updated_at(self) -> float | None:
        value = self.redis.get(PRICES_UPDATED_KEY)
        return float(str(value)) if value is not None else None


class MarketData:
    """Assets from the catalogue (one scan every ``catalogue_ttl_seconds``, refreshed in the background: an
    order or a holding's name costs no read of its own), prices from the Redis hash."""

    MAX_UNLISTED = 10_000

    def __init__(self, redis: Redis, catalogue_ttl_seconds: float = 5.0):
        self.prices = PriceCache(redis)
        self.catalogue = Catalogue(catalogue_ttl_seconds, in_background=True)
        self._unlisted: dict[str, tuple[float, AssetItem | None]] = {}

    def asset(self, asset_id: str) -> AssetItem | None:
        """The asset, or None. An id the catalogue's snapshot lacks (an asset newer than the snapshot, or no
        asset at all) is read by itself, and the answer remembered for as long as a snapshot lasts."""
        listed = self.catalogue.find(asset_id)
        if listed is not None:
            return listed
        seen = self._unlisted.get(asset_id)
        if seen is not None and time.monotonic() - seen[0] < self.catalogue.ttl_seconds:
            return seen[1]
        item = AssetItem.find(asset_id)
        if len(self._unlisted) >= self.MAX_UNLISTED:
            self._unlisted.clear()
        self._unlisted[asset_id] = (time.monotonic(), item)
        return item

    def price(self, asset_id: str, asset: AssetItem | None = None) -> Decimal | None:
        cached = self.prices.get(asset_id)
        if cached is not None:
            return cached
        return self._stored_price(asset_id, asset)

    def prices_of(self, asset_ids: list[str]) -> dict[str, Decimal | None]:
        """``price`` of each asset, the cached ones read in one round trip."""
        cached = self.prices.get_many(asset_ids)
        return {asset_id: cached[asset_id] if asset_id in cached else self._stored_price(asset_id)
                for asset_id in asset_ids}

    def _stored_price(self, asset_id: str, asset: AssetItem | None = None) -> Decimal | None:
        asset = asset or self.asset(asset_id)
        return asset.price_usd if asset is not None else None
