"""The inventory app against DynamoDB Local and redis-server: seeding, listing, detail, cached prices."""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis import Redis

from apps.common.asset_catalogue import Catalogue
from apps.common.market import PRICES_KEY, PriceCache
from apps.common.models import AssetItem
from apps.common.settings import PlatformSettings
from apps.inventory.main import create_app
from apps.inventory.seed import SeedAsset, load_seed_assets, seed_inventory
from apps.inventory.settings import InventorySettings
from tests.conftest import app_settings
from tests.support.waiting import wait_until

LISTING_KEYS = {
    "asset_id", "name", "description", "category", "price_usd", "is_active", "symbol", "image",
    "market_cap_rank", "price_change_percentage_24h", "market_cap", "total_volume_24h",
}
DETAIL_KEYS = LISTING_KEYS | {
    "availability_status", "price_change_24h", "price_change_percentage_7d", "price_change_percentage_30d",
    "high_24h", "low_24h", "circulating_supply", "total_supply", "max_supply", "ath", "ath_change_percentage",
    "ath_date", "atl", "atl_change_percentage", "atl_date", "last_updated",
}


@pytest.fixture
def saved_prices(redis_client: Redis) -> Iterator[Redis]:
    """The shared price cache, restored after the test whatever it wrote."""
    snapshot = redis_client.hgetall(PRICES_KEY)
    yield redis_client
    redis_client.delete(PRICES_KEY)
    if snapshot:
        redis_client.hset(PRICES_KEY, mapping=snapshot)


def _scratch_assets(count: int) -> list[SeedAsset]:
    template = load_seed_assets()[0]
    return [template.model_copy(update={"asset_id": "Z" + os.urandom(4).hex().upper()}) for _ in range(count)]


def _table() -> dict[str, AssetItem]:
    return {item.asset_id: item for item in AssetItem.scan(consistent_read=True)}


def _assert_market_cap_order(assets: list[dict[str, Any]]) -> None:
    ranks = [asset["market_cap_rank"] for asset in assets]
    ranked = [rank for rank in ranks if rank is not None]
    assert ranked == sorted(ranked)
    assert ranks == ranked + [None] * (len(ranks) - len(ranked))


def test_first_start_seeds_every_asset_of_the_data_file(inventory_app: TestClient) -> None:
    seed = load_seed_assets()
    table = _table()
    assert len(seed) >= 20
    for asset in seed:
        assert table[asset.asset_id].name == asset.name
        assert table[asset.asset_id].symbol == asset.symbol


def test_seeding_again_adds_nothing(inventory_app: TestClient) -> None:
    before = len(_table())
    assert seed_inventory(load_seed_assets()) == 0
    assert len(_table()) == before


def test_seeding_never_overwrites_a_price_that_moved(tables: PlatformSettings) -> None:
    [asset] = _scratch_assets(1)
    try:
        assert seed_inventory([asset]) == 1
        AssetItem(asset.asset_id).update(actions=[AssetItem.price_usd.set(Decimal("123.45"))])
        assert seed_inventory([asset]) == 0
        assert AssetItem.get(asset.asset_id, consistent_read=True).price_usd == Decimal("123.45")
    finally:
        AssetItem(asset.asset_id).delete()


def test_concurrent_seeding_writes_each_asset_once(tables: PlatformSettings) -> None:
    assets = _scratch_assets(3)
    try:
        with ThreadPoolExecutor(4) as pool:
            written = list(pool.map(seed_inventory, [assets] * 4))
        assert sum(written) == 3
    finally:
        for asset in assets:
            AssetItem(asset.asset_id).delete()


def test_listing_shows_active_assets_by_market_cap_rank(inventory_app: TestClient) -> None:
    response = inventory_app.get("/inventory/assets")
    assert response.status_code == 200
    body = response.json()
    table = _table()
    assert set(body) == {"data", "total_count", "active_count"}
    assert body["total_count"] == len(table)
    assert body["active_count"] == sum(1 for item in table.values() if item.is_active)
    assert 20 <= len(body["data"]) <= 50
    assert all(set(asset) == LISTING_KEYS for asset in body["data"])
    assert all(asset["is_active"] for asset in body["data"])
    assert all(isinstance(asset["price_usd"], float) for asset in body["data"])
    _assert_market_cap_order(body["data"])
    assert [asset["asset_id"] for asset in body["data"][:2]] == ["BTC", "ETH"]


def test_listing_limit_keeps_the_top_ranked(inventory_app: TestClient) -> None:
    everything = inventory_app.get("/inventory/assets").json()["data"]
    top = inventory_app.get("/inventory/assets", params={"limit": 3}).json()["data"]
    assert top == everything[:3]
    assert inventory_app.get("/inventory/assets", params={"limit": 250}).status_code == 200


@pytest.mark.parametrize("limit", ["0", "251", "-1", "ten"])
def test_listing_limit_out_of_range_is_422(inventory_app: TestClient, limit: str) -> None:
    response = inventory_app.get("/inventory/assets", params={"limit": limit})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "limit"]


def test_listing_of_all_assets_includes_inactive_ones(inventory_app: TestClient) -> None:
    body = inventory_app.get("/inventory/assets", params={"active_only": "false", "limit": 250}).json()
    listed = {asset["asset_id"]: asset for asset in body["data"]}
    assert len(body["data"]) == min(body["total_count"], 250)
    assert listed["MATIC"]["is_active"] is False
    assert listed["FTT"]["is_active"] is False
    _assert_market_cap_order(body["data"])
    active = inventory_app.get("/inventory/assets", params={"limit": 250}).json()
    assert "MATIC" not in {asset["asset_id"] for asset in active["data"]}
    assert active["total_count"] == body["total_count"]


def test_detail_has_every_field_and_upper_cases_the_id(inventory_app: TestClient) -> None:
    response = inventory_app.get("/inventory/assets/btc")
    assert response.status_code == 200
    detail = response.json()["data"]
    btc = next(asset for asset in load_seed_assets() if asset.asset_id == "BTC")
    assert set(detail) == DETAIL_KEYS
    assert detail["asset_id"] == "BTC"
    assert detail["availability_status"] == "available"
    assert detail["max_supply"] == 21_000_000
    assert detail["ath"] == btc.ath
    assert detail["ath_date"] == btc.ath_date
    assert inventory_app.get("/inventory/assets/eth").json()["data"]["max_supply"] is None


def test_detail_of_an_inactive_asset_says_unavailable(inventory_app: TestClient) -> None:
    detail = inventory_app.get("/inventory/assets/Matic").json()["data"]
    assert (detail["is_active"], detail["availability_status"]) == (False, "unavailable")


@pytest.mark.parametrize("asset_id", ["BTC-USD", "ABCDEFGHIJK", "bt_c", "b%20c"])
def test_malformed_asset_id_is_422(inventory_app: TestClient, asset_id: str) -> None:
    response = inventory_app.get(f"/inventory/assets/{asset_id}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "asset_id"]


def test_unknown_asset_is_404_with_a_code(inventory_app: TestClient) -> None:
    response = inventory_app.get("/inventory/assets/nope42")
    assert response.status_code == 404
    assert response.json() == {"detail": "Asset NOPE42 not found", "code": "asset_not_found"}


def test_prices_come_from_the_price_cache(inventory_app: TestClient, saved_prices: Redis) -> None:
    PriceCache(saved_prices).publish({"ETH": Decimal("1234.5")})
    listed = {a["asset_id"]: a for a in inventory_app.get("/inventory/assets").json()["data"]}
    assert listed["ETH"]["price_usd"] == 1234.5
    assert inventory_app.get("/inventory/assets/ETH").json()["data"]["price_usd"] == 1234.5

    saved_prices.hdel(PRICES_KEY, "ETH")
    stored = float(_table()["ETH"].price_usd)
    listed = {a["asset_id"]: a for a in inventory_app.get("/inventory/assets").json()["data"]}
    assert listed["ETH"]["price_usd"] == stored
    assert inventory_app.get("/inventory/assets/ETH").json()["data"]["price_usd"] == stored


def test_start_up_publishes_stored_prices_it_lacks(tables: PlatformSettings, saved_prices: Redis) -> None:
    saved_prices.delete(PRICES_KEY)
    PriceCache(saved_prices).publish({"BTC": Decimal("1.23")})
    settings = app_settings(InventorySettings, tables, price_feed_enabled=False)
    with TestClient(create_app(settings)) as client:
        assert client.get("/health").status_code == 200
    cached = PriceCache(saved_prices).get_all()
    table = _table()
    assert cached.pop("BTC") == Decimal("1.23")
    assert cached == {a: item.price_usd for a, item in table.items() if item.is_active and a != "BTC"}


def test_catalogue_is_cached_for_its_ttl(inventory_app: TestClient) -> None:
    now = [0.0]
    catalogue = Catalogue(ttl_seconds=2.0, clock=lambda: now[0])
    before = {item.asset_id for item in catalogue.assets()}
    [asset] = _scratch_assets(1)
    try:
        seed_inventory([asset])
        now[0] = 1.9
        assert {item.asset_id for item in catalogue.assets()} == before
        now[0] = 2.0
        assert asset.asset_id in {item.asset_id for item in catalogue.assets()}
    finally:
        AssetItem(asset.asset_id).delete()


def test_a_background_catalogue_answers_from_its_snapshot_while_one_thread_scans_again(
    inventory_app: TestClient,
) -> None:
    now = [0.0]
    catalogue = Catalogue(ttl_seconds=2.0, clock=lambda: now[0], in_background=True)
    before = {item.asset_id for item in catalogue.assets()}
    newer, newest = _scratch_assets(2)
    try:
        seed_inventory([newer])
        now[0] = 2.5  # stale: this answer is the old snapshot, and a scan starts beside it
        assert {item.asset_id for item in catalogue.assets()} == before
        wait_until(lambda: catalogue.find(newer.asset_id), timeout=10, what="the background scan's snapshot")

        seed_inventory([newest])
        now[0] = 2.5 + Catalogue.STALE_LIMIT * 2.0  # too stale to answer from: this request scans itself
        assert catalogue.find(newest.asset_id) is not None
    finally:
        for asset in (newer, newest):
            AssetItem(asset.asset_id).delete()


def test_health_and_metrics(inventory_app: TestClient) -> None:
    health = inventory_app.get("/health")
    assert health.json() == {"status": "healthy", "service": "inventory",
                             "checks": {"dynamodb": "ok", "redis": "ok"}}
    metrics = inventory_app.get("/metrics").text
    assert 'route="/inventory/assets/{asset_id}"' in metrics
