from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from apps.common.settings import PlatformSettings

PriceSourceName = Literal["simulated", "coingecko"]


class InventorySettings(PlatformSettings):
    model_config = SettingsConfigDict(
        env_prefix="INVENTORY_", populate_by_name=True, extra="ignore", frozen=True
    )

    catalogue_cache_seconds: float = Field(2.0, ge=0)
    """How long a scan of the inventory table answers listings before the table is read again."""

    public_max_age_seconds: int = Field(1, ge=0, le=60)
    """``Cache-Control: public, max-age`` on catalogue reads: how long the gateway (or any shared cache) may
    answer them without asking again (0: not marked cacheable). Kept below the feed's tick."""

    price_feed_enabled: bool = True
    """Off for tests and stacks that need fixed prices: the table's prices are published once at start."""
    price_source: PriceSourceName = "simulated"
    price_interval_seconds: float = Field(2.0, gt=0, le=3600)
    price_seed: int = 42
    """Seed of the simulated random walk: the same seed and start prices give the same price sequence."""
    price_volatility: float = Field(0.0003, gt=0, le=0.1)
    """Standard deviation of one tick's log return in the simulated walk."""
    price_persist_every_ticks: int = Field(15, ge=1)
    """Prices go to Redis every tick and to DynamoDB every this many ticks."""

    market_data_url: str = "https://api.coingecko.com/api/v3"
    """Base URL of a CoinGecko-compatible API, used when ``price_source`` is ``coingecko``."""
    market_data_timeout_seconds: float = Field(5.0, gt=0, le=60)
    market_data_api_key: SecretStr | None = None
    """Optional CoinGecko demo API key, sent as ``x-cg-demo-api-key``."""

    @property
    def price_lease_seconds(self) -> float:
        """How long a feed leader keeps the lease without renewing: a few ticks plus one slow fetch."""
        return 3 * self.price_interval_seconds + self.market_data_timeout_seconds


@lru_cache
def get_settings() -> InventorySettings:
    return InventorySettings()
