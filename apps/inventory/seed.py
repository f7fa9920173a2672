"""The catalogue's seed: a market snapshot shipped with the app, written to an empty (or partial) table."""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from importlib import resources
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pynamodb.exceptions import PutError

from apps.common.models import AssetItem
from apps.common.validation import ASSET_ID_PATTERN

log = logging.getLogger(__name__)

SEED_FILE = "assets.json"


class SeedAsset(BaseModel):
    """One asset of the data file: every field of the contract's detail, plus its market-data id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    asset_id: str = Field(pattern=ASSET_ID_PATTERN)
    symbol: str
    name: str
    description: str | None
    category: str | None
    image: str | None
    market_data_id: str | None
    """The asset's id at the live market-data source (CoinGecko's coin id)."""
    price_usd: Decimal = Field(gt=0)
    is_active: bool
    availability_status: Literal["available", "unavailable"]
    market_cap_rank: int | None
    market_cap: float | None
    total_volume_24h: float | None
    price_change_24h: float | None
    price_change_percentage_24h: float | None
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

    @model_validator(mode="after")
    def _consistent(self) -> SeedAsset:
        if self.asset_id != self.asset_id.upper():
            raise ValueError(f"asset id {self.asset_id} must be upper-case")
        if self.availability_status != availability(self.is_active):
            raise ValueError(f"{self.asset_id}: availability_status disagrees with is_active")
        return self

    def to_item(self) -> AssetItem:
        """The table item; availability is derived from ``is_active`` and never stored."""
        stored = self.model_dump(exclude={"asset_id", "market_data_id", "availability_status"})
        fields: dict[str, Any] = {name: _whole(value) for name, value in stored.items()}
        return AssetItem(self.asset_id, **fields)


def availability(is_active: bool) -> Literal["available", "unavailable"]:
    return "available" if is_active else "unavailable"


def _whole(value: object) -> object:
    """Integral floats (supplies, market caps) stored as integers, so they read back as ints."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def load_seed_assets(text: str | None = None) -> list[SeedAsset]:
    """The shipped snapshot (or ``text`` in its format); decimals parsed exactly, ids unique."""
    if text is None:
        text = resources.files("apps.inventory").joinpath("data", SEED_FILE).read_text(encoding="utf-8")
    document = json.loads(text, parse_float=Decimal)
    assets = [SeedAsset.model_validate(entry) for entry in document["assets"]]
    ids = [asset.asset_id for asset in assets]
    if len(set(ids)) != len(ids):
        raise ValueError("the seed file lists an asset id twice")
    return assets


def seed_inventory(assets: list[SeedAsset]) -> int:
    """Writes every seed asset missing from the table; never touches one that exists. Returns the count.

    Each put is conditional on the item's absence, so replicas starting together cannot overwrite each
    other or a price the feed has moved since.
    """
    present = {item.asset_id for item in AssetItem.scan(attributes_to_get=["asset_id"])}
    written = 0
    for asset in assets:
        if asset.asset_id in present:
            continue
        try:
            asset.to_item().save(condition=AssetItem.asset_id.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            continue
        written += 1
    return written
