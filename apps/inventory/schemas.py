from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel

from apps.common.models import AssetItem
from apps.inventory.seed import availability

Number = int | float
"""A JSON number as stored: whole quantities (supplies, market caps) stay integers."""


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
    price_change_percentage_24h: Number | None
    market_cap: Number | None
    total_volume_24h: Number | None

    @classmethod
    def of(cls, item: AssetItem, price: Decimal) -> AssetSummary:
        return cls.model_validate(_listing_fields(item, price))


class AssetDetail(AssetSummary):
    availability_status: Literal["available", "unavailable"]
    price_change_24h: Number | None
    price_change_percentage_7d: Number | None
    price_change_percentage_30d: Number | None
    high_24h: Number | None
    low_24h: Number | None
    circulating_supply: Number | None
    total_supply: Number | None
    max_supply: Number | None
    ath: Number | None
    ath_change_percentage: Number | None
    ath_date: str | None
    atl: Number | None
    atl_change_percentage: Number | None
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
