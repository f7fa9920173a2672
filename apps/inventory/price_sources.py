"""Where new prices come from: a deterministic simulated random walk, or a CoinGecko-compatible API."""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Protocol

import httpx

from apps.inventory.seed import SeedAsset
from apps.inventory.settings import InventorySettings

log = logging.getLogger(__name__)

SIGNIFICANT_DIGITS = 6


class PriceSourceError(Exception):
    """The source could not produce prices this time; the feed logs it and tries again next tick."""


class PriceSource(Protocol):
    async def next_prices(self, current: Mapping[str, Decimal]) -> dict[str, Decimal]:
        """New prices for some or all of ``current``'s assets (assets left out keep their price)."""
        ...

    async def aclose(self) -> None: ...


def round_price(value: Decimal) -> Decimal:
    """Six significant digits and at least cents: 67750.12, 0.448213, 0.0000257134. Never zero."""
    if value <= 0:
        raise ValueError(f"a price must be positive, got {value}")
    places = max(2, SIGNIFICANT_DIGITS - 1 - value.adjusted())
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


class SimulatedPrices:
    """A geometric random walk, one log-normal step per asset and tick, in asset-id order.

    Deterministic: the same seed and the same start prices give the same sequence. Pegged assets
    (stablecoins) do not wander: each tick is a small deviation from their first price.
    """

    def __init__(self, seed: int, volatility: float, pegged: Iterable[str] = ()):
        self.volatility = volatility
        self.pegged = frozenset(pegged)
        self._random = random.Random(seed)
        self._pegs: dict[str, Decimal] = {}

    def step(self, current: Mapping[str, Decimal]) -> dict[str, Decimal]:
        moved: dict[str, Decimal] = {}
        for asset_id in sorted(current):
            factor = Decimal(repr(math.exp(self.volatility * self._random.gauss(0.0, 1.0))))
            start = self._pegs.setdefault(asset_id, current[asset_id]) if asset_id in self.pegged \
                else current[asset_id]
            moved[asset_id] = round_price(start * factor)
        return moved

    async def next_prices(self, current: Mapping[str, Decimal]) -> dict[str, Decimal]:
        return self.step(current)

    async def aclose(self) -> None:
        return None


class CoinGeckoPrices:
    """``GET {base}/simple/price?ids=...&vs_currencies=usd``; only assets with a market-data id move."""

    def __init__(self, client: httpx.AsyncClient, market_ids: Mapping[str, str]):
        self.client = client
        self.market_ids = dict(market_ids)

    @classmethod
    def from_settings(cls, settings: InventorySettings, market_ids: Mapping[str, str]) -> CoinGeckoPrices:
        headers = {"Accept": "application/json"}
        if settings.market_data_api_key is not None:
            headers["x-cg-demo-api-key"] = settings.market_data_api_key.get_secret_value()
        client = httpx.AsyncClient(
            base_url=settings.market_data_url, timeout=settings.market_data_timeout_seconds, headers=headers
        )
        return cls(client, market_ids)

    async def next_prices(self, current: Mapping[str, Decimal]) -> dict[str, Decimal]:
        wanted = {self.market_ids[a]: a for a in current if a in self.market_ids}
        if not wanted:
            return {}
        params = {"ids": ",".join(sorted(wanted)), "vs_currencies": "usd"}
        try:
            response = await self.client.get("/simple/price", params=params)
            response.raise_for_status()
            body = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise PriceSourceError(f"market data request failed: {_reason(exc)}") from exc
        prices = _usd_prices(body, wanted)
        if not prices:
            raise PriceSourceError("market data answer held no usable USD price")
        return prices

    async def aclose(self) -> None:
        await self.client.aclose()


def _reason(exc: Exception) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    return type(exc).__name__


def _usd_prices(body: object, wanted: Mapping[str, str]) -> dict[str, Decimal]:
    if not isinstance(body, dict):
        return {}
    prices: dict[str, Decimal] = {}
    for market_id, asset_id in wanted.items():
        entry = body.get(market_id)
        usd = entry.get("usd") if isinstance(entry, dict) else None
        if isinstance(usd, int | float) and not isinstance(usd, bool) and math.isfinite(usd) and usd > 0:
            prices[asset_id] = round_price(Decimal(repr(usd)))
    return prices


def price_source(settings: InventorySettings, seed: Iterable[SeedAsset]) -> PriceSource:
    """The configured source; the seed file says which assets are pegged and their market-data ids."""
    assets = list(seed)
    if settings.price_source == "coingecko":
        ids = {a.asset_id: a.market_data_id for a in assets if a.market_data_id}
        log.info("price source: %s for %d assets", settings.market_data_url, len(ids))
        return CoinGeckoPrices.from_settings(settings, ids)
    pegged = [a.asset_id for a in assets if a.category == "stablecoin"]
    log.info("price source: simulated walk, seed %d", settings.price_seed)
    return SimulatedPrices(settings.price_seed, settings.price_volatility, pegged)
