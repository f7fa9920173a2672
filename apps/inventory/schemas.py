from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from apps.common.models import AssetItem
from apps.inventory.seed import availability


class AssetSummary(BaseModel):
    """An asset as the listing shows it: every key always present, values may be null."""

    asset_id: str
    name: str
    description: str | None
    category: str | None
    price_usd: float
    is_active: bool
    symbol: str
    image: str | None
    market_cap_rank: int | None
    price_change_percentage_24h: float | None
    market_cap: float | None
    total_volume_24h: float | None

    @classmethod
    def of(cls, item: AssetItem, price: Decimal) -> AssetSummary:
        return cls.model_validate(_listing_fields(item, price))


class AssetDetail(AssetSummary):
    availability_status: Literal["available", "unavailable"]
    price_change_24h: float | None
    price_change_percentage_7d: float | None
    price_change_percentage_30d: float | None
    high_24h: float | None
    low_24h: float | None
    circulating_supply: float | None
    total_supply: float | None
    max_supply: float | None
    ath: float | None
    ath_change_percentage: float | None
    ath_date: str | None
    atl: float | None
    atl_change_percentage: float | None
    atl_date: str | None
    last_updated: str | None

    @classmethod
    def of(cls, item: AssetItem, price: Decimal) -> AssetDetail:
        stored = cls.model_fields.keys() - _LISTING_KEYS - {"availability_status"}
        fields = {name: getattr(item, name) for name in stored}
        fields["availability_status"] = availability(bool(item.is_active))
        return cls.model_validate({**_listing_fields(item, price), **fields})


_LISTING_KEYS = frozenset(AssetSummary.model_fields)


def _listing_fields(item: AssetItem, price: Decimal) -> dict[str, object]:
    fields = {name: getattr(item, name) for name in _LISTING_KEYS}
    fields["price_usd"] = float(price)
    return fields


class AssetListing(BaseModel):
    data: list[AssetSummary]
    total_count: int
    """Assets in the catalogue, active or not."""
    active_count: int
    """Active assets in the catalogue."""


class AssetEnvelope(BaseModel):
    data: AssetDetail
