"""The catalogue as requests read it: a briefly cached scan of the inventory table, plus current prices."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from redis.exceptions import RedisError

from apps.common.errors import NotFound
from apps.common.market import PriceCache
from apps.common.models import AssetItem

log = logging.getLogger(__name__)


class AssetNotFound(NotFound):
    code = "asset_not_found"


def market_cap_order(item: AssetItem) -> tuple[bool, float, str]:
    """Sort key: by market-cap rank, unranked assets last, ties by id."""
    rank = item.market_cap_rank
    return rank is None, rank if rank is not None else 0, item.asset_id


@dataclass(frozen=True)
class Snapshot:
    assets: tuple[AssetItem, ...]
    by_id: Mapping[str, AssetItem]
    taken_at: float

    @classmethod
    def of(cls, items: list[AssetItem], taken_at: float) -> Snapshot:
        ordered = tuple(sorted(items, key=market_cap_order))
        return cls(ordered, {item.asset_id: item for item in ordered}, taken_at)


class Catalogue:
    """Every asset, sorted by market-cap rank; the table is scanned at most once per ``ttl_seconds``.

    A table found empty (recreated after DynamoDB lost its data) is seeded again with ``refill``, so the
    catalogue comes back without a restart.
    """

    def __init__(self, ttl_seconds: float, refill: Callable[[], int] | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.ttl_seconds = ttl_seconds
        self._refill = refill
        self._clock = clock
        self._snapshot: Snapshot | None = None
        self._refresh = threading.Lock()

    def assets(self) -> tuple[AssetItem, ...]:
        return self._current().assets

    def get(self, asset_id: str) -> AssetItem:
        item = self._current().by_id.get(asset_id)
        if item is None:
            raise AssetNotFound(f"Asset {asset_id} not found")
        return item

    def active_prices(self) -> dict[str, Decimal]:
        """The stored price of every active asset (what the price feed starts from)."""
        return {item.asset_id: item.price_usd for item in self.assets() if item.is_active}

    def _current(self) -> Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._fresh(snapshot):
            return snapshot
        with self._refresh:  # one scan at a time; requests arriving meanwhile reuse its result
            snapshot = self._snapshot
            if snapshot is None or not self._fresh(snapshot):
                items = list(AssetItem.scan())
                if not items and self._refill is not None:
                    log.warning("inventory: the table is empty: seeded %d assets again", self._refill())
                    items = list(AssetItem.scan(consistent_read=True))
                snapshot = Snapshot.of(items, self._clock())
                self._snapshot = snapshot
            return snapshot

    def _fresh(self, snapshot: Snapshot) -> bool:
        return self._clock() - snapshot.taken_at < self.ttl_seconds


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
