"""The asset catalogue as the apps read it: every asset of the inventory table from a briefly cached scan.

The inventory app answers its listings from it (refreshed in the request that finds it stale, so a listing
is never older than its TTL); the user, order and insights apps look assets up in it through
``apps.common.market.MarketData`` (refreshed in the background, so no request waits for the scan).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from apps.common.errors import NotFound
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
    catalogue comes back without a restart. With ``in_background``, a request that finds the snapshot stale
    is answered from it while one thread scans again, unless it is older than ``STALE_LIMIT`` TTLs (the scans
    keep failing): then the request scans itself, and fails as a read of the table would.
    """

    STALE_LIMIT = 3

    def __init__(self, ttl_seconds: float, refill: Callable[[], int] | None = None,
                 clock: Callable[[], float] = time.monotonic, in_background: bool = False):
        self.ttl_seconds = ttl_seconds
        self.in_background = in_background
        self._refill = refill
        self._clock = clock
        self._snapshot: Snapshot | None = None
        self._refresh = threading.Lock()

    def assets(self) -> tuple[AssetItem, ...]:
        return self._current().assets

    def get(self, asset_id: str) -> AssetItem:
        item = self.find(asset_id)
        if item is None:
            raise AssetNotFound(f"Asset {asset_id} not found")
        return item

    def find(self, asset_id: str) -> AssetItem | None:
        return self._current().by_id.get(asset_id)

    def active_prices(self) -> dict[str, Decimal]:
        """The stored price of every active asset (what the price feed starts from)."""
        return {item.asset_id: item.price_usd for item in self.assets() if item.is_active}

    def _current(self) -> Snapshot:
        snapshot = self._snapshot
        if snapshot is not None and self._age(snapshot) < self.ttl_seconds:
            return snapshot
        if snapshot is not None and self.in_background and self._age(snapshot) < self.STALE_LIMIT * self.ttl_seconds:
            if self._refresh.acquire(blocking=False):  # one scan at a time
                threading.Thread(target=self._refresh_then_release, name="catalogue-refresh", daemon=True).start()
            return snapshot
        with self._refresh:  # one scan at a time; requests arriving meanwhile reuse its result
            snapshot = self._snapshot
            if snapshot is None or self._age(snapshot) >= self.ttl_seconds:
                snapshot = self._scan()
                self._snapshot = snapshot
            return snapshot

    def _refresh_then_release(self) -> None:
        try:
            self._snapshot = self._scan()
        except Exception as exc:  # the snapshot stays until STALE_LIMIT; a later request tries again
            log.warning("catalogue: refresh failed: %s", type(exc).__name__)
        finally:
            self._refresh.release()

    def _scan(self) -> Snapshot:
        items = list(AssetItem.scan())
        if not items and self._refill is not None:
            log.warning("inventory: the table is empty: seeded %d assets again", self._refill())
            items = list(AssetItem.scan(consistent_read=True))
        return Snapshot.of(items, self._clock())

    def _age(self, snapshot: Snapshot) -> float:
        return self._clock() - snapshot.taken_at
