"""Items of the inventory table: one per asset, with every field of the public contract."""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute

from apps.common.models.attributes import DecimalAttribute, TableModel
from apps.common.tables import INVENTORY


class AssetItem(TableModel):
    definition = INVENTORY

    class Meta:
        table_name = INVENTORY.logical_name

    asset_id = UnicodeAttribute(hash_key=True)
    name = UnicodeAttribute()
    symbol = UnicodeAttribute()
    description = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    image = UnicodeAttribute(null=True)
    is_active = BooleanAttribute(default=True)
    price_usd = DecimalAttribute()
    market_cap_rank = NumberAttribute(null=True)
    price_change_24h = NumberAttribute(null=True)
    price_change_percentage_24h = NumberAttribute(null=True)
    price_change_percentage_7d = NumberAttribute(null=True)
    price_change_percentage_30d = NumberAttribute(null=True)
    market_cap = NumberAttribute(null=True)
    total_volume_24h = NumberAttribute(null=True)
    high_24h = NumberAttribute(null=True)
    low_24h = NumberAttribute(null=True)
    circulating_supply = NumberAttribute(null=True)
    total_supply = NumberAttribute(null=True)
    max_supply = NumberAttribute(null=True)
    ath = NumberAttribute(null=True)
    ath_change_percentage = NumberAttribute(null=True)
    ath_date = UnicodeAttribute(null=True)
    atl = NumberAttribute(null=True)
    atl_change_percentage = NumberAttribute(null=True)
    atl_date = UnicodeAttribute(null=True)
    last_updated = UnicodeAttribute(null=True)
