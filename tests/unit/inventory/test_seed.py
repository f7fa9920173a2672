"""The shipped seed file, its validation, and how assets are ordered and shown: no servers."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError

from apps.common.asset_catalogue import market_cap_order
from apps.common.models import AssetItem
from apps.inventory.schemas import AssetDetail, AssetSummary
from apps.inventory.seed import SeedAsset, load_seed_assets


def _raw_document() -> dict[str, Any]:
    text = resources.files("apps.inventory").joinpath("data", "assets.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def test_seed_file_is_a_realistic_snapshot() -> None:
    assets = load_seed_assets()
    ids = {asset.asset_id for asset in assets}
    assert len(assets) >= 24
    assert {"BTC", "ETH", "SOL", "XRP", "ADA", "DOGE", "DOT", "AVAX", "LINK", "LTC"} <= ids
    assert 1 <= sum(1 for asset in assets if not asset.is_active) <= 2
    ranks = [asset.market_cap_rank for asset in assets if asset.market_cap_rank is not None]
    assert len(ranks) == len(set(ranks))
    assert all(asset.market_data_id for asset in assets)


def test_every_asset_of_the_file_spells_out_every_field() -> None:
    fields = set(SeedAsset.model_fields)
    assert fields >= set(AssetDetail.model_fields)
    assert all(set(entry) == fields for entry in _raw_document()["assets"])


def test_prices_are_read_exactly() -> None:
    shib = next(asset for asset in load_seed_assets() if asset.asset_id == "SHIB")
    assert shib.price_usd == Decimal("0.00002571")
    assert shib.to_item().price_usd == Decimal("0.00002571")


def _document_with(**changes: Any) -> str:
    document = _raw_document()
    document["assets"][0].update(changes)
    return json.dumps(document)


@pytest.mark.parametrize(
    "changes",
    [
        {"availability_status": "unavailable"},
        {"asset_id": "btc"},
        {"asset_id": "BTC-X"},
        {"price_usd": 0},
        {"unknown_field": 1},
    ],
)
def test_an_inconsistent_seed_file_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        load_seed_assets(_document_with(**changes))


def test_a_seed_file_listing_an_asset_twice_is_refused() -> None:
    document = _raw_document()
    document["assets"].append(document["assets"][0])
    with pytest.raises(ValueError, match="twice"):
        load_seed_assets(json.dumps(document))


def test_assets_are_ordered_by_rank_with_unranked_last() -> None:
    items = [AssetItem(asset_id, market_cap_rank=rank) for asset_id, rank in
             [("NEW", None), ("ETH", 2), ("AAA", None), ("BTC", 1), ("DOT", 14)]]
    assert [item.asset_id for item in sorted(items, key=market_cap_order)] == ["BTC", "ETH", "DOT", "AAA", "NEW"]


def test_views_of_an_item_show_every_field_with_the_given_price() -> None:
    btc = next(asset for asset in load_seed_assets() if asset.asset_id == "BTC").to_item()
    summary = AssetSummary.of(btc, Decimal("70000.5")).model_dump()
    detail = AssetDetail.of(btc, Decimal("70000.5")).model_dump()
    assert summary["price_usd"] == detail["price_usd"] == 70000.5
    assert set(detail) - set(summary) == set(AssetDetail.model_fields) - set(AssetSummary.model_fields)
    assert detail["availability_status"] == "available"
    assert isinstance(detail["circulating_supply"], int)
