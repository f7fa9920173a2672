"""Test assets with known prices, written straight into the inventory table and the price cache."""

from __future__ import annotations

import os
from decimal import Decimal

from redis import Redis

from apps.common.market import PriceCache
from apps.common.models import AssetItem


def listed_asset(redis: Redis, price: str, active: bool = True, name: str = "Test Coin") -> str:
    asset_id = "T" + os.urandom(4).hex().upper()
    AssetItem(asset_id, name=name, symbol=asset_id, price_usd=Decimal(price), is_active=active).save()
    PriceCache(redis).publish({asset_id: Decimal(price)})
    return asset_id


def set_price(redis: Redis, asset_id: str, price: str) -> None:
    PriceCache(redis).publish({asset_id: Decimal(price)})
