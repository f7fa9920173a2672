"""The CoinGecko-shaped live price source against a market-data server started on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from prometheus_client import CollectorRegistry
from redis import Redis

from apps.common.market import PRICES_KEY, PriceCache
from apps.common.settings import PlatformSettings
from apps.inventory.lease import LeaderLease
from apps.inventory.price_feed import FeedMetrics, PriceFeed
from apps.inventory.price_sources import CoinGeckoPrices, PriceSourceError
from apps.inventory.settings import InventorySettings
from ops.servers import free_port
from tests.conftest import app_settings


class MarketDataHandler(BaseHTTPRequestHandler):
    """A CoinGecko ``/api/v3/simple/price`` look-alike; ``answer`` says how to reply."""

    answer: ClassVar[str] = "prices"
    prices: ClassVar[dict[str, float]] = {}
    seen: ClassVar[list[tuple[str, dict[str, list[str]], str | None]]] = []

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        self.seen.append((url.path, query, self.headers.get("x-cg-demo-api-key")))
        if self.answer == "rate-limited":
            self._reply(429, b'{"status": {"error_code": 429}}')
        elif self.answer == "garbage":
            self._reply(200, b"<html>maintenance</html>")
        else:
            ids = query["ids"][0].split(",")
            body = {coin: {"usd": self.prices[coin]} for coin in ids if coin in self.prices}
            self._reply(200, json.dumps(body).encode())

    def _reply(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def market_data() -> Iterator[str]:
    """A local market-data server on 127.0.0.1; yields its CoinGecko-style base URL."""
    MarketDataHandler.answer = "prices"
    MarketDataHandler.prices = {"bitcoin": 70123.456789, "ethereum": 3500.5}
    MarketDataHandler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), MarketDataHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/v3"
    server.shutdown()
    server.server_close()
    thread.join()


def _live(base_url: str, tables: PlatformSettings, **overrides: Any) -> CoinGeckoPrices:
    settings = app_settings(InventorySettings, tables, market_data_url=base_url, **overrides)
    return CoinGeckoPrices.from_settings(settings, {"BTC": "bitcoin", "ETH": "ethereum", "OLD": "gone-coin"})


def test_live_source_reads_simple_price_answers(market_data: str, tables: PlatformSettings) -> None:
    source = _live(market_data, tables, market_data_api_key="demo-key")
    current = {"BTC": Decimal("1"), "ETH": Decimal("1"), "OLD": Decimal("1"), "DOGE": Decimal("1")}

    async def scenario() -> dict[str, Decimal]:
        try:
            return await source.next_prices(current)
        finally:
            await source.aclose()

    assert asyncio.run(scenario()) == {"BTC": Decimal("70123.46"), "ETH": Decimal("3500.50")}
    [(path, query, api_key)] = MarketDataHandler.seen
    assert path == "/api/v3/simple/price"
    assert query == {"ids": ["bitcoin,ethereum,gone-coin"], "vs_currencies": ["usd"]}
    assert api_key == "demo-key"


@pytest.mark.parametrize(("answer", "reason"), [("rate-limited", "HTTP 429"), ("garbage", "JSONDecodeError")])
def test_live_source_error_answers_raise(market_data: str, tables: PlatformSettings, answer: str,
                                         reason: str) -> None:
    MarketDataHandler.answer = answer
    source = _live(market_data, tables)

    async def scenario() -> None:
        try:
            await source.next_prices({"BTC": Decimal("1")})
        finally:
            await source.aclose()

    with pytest.raises(PriceSourceError, match=reason):
        asyncio.run(scenario())


def test_live_source_without_usable_prices_or_server_raises(market_data: str, tables: PlatformSettings) -> None:
    async def ask(source: CoinGeckoPrices, current: dict[str, Decimal]) -> None:
        try:
            await source.next_prices(current)
        finally:
            await source.aclose()

    with pytest.raises(PriceSourceError, match="no usable USD price"):
        asyncio.run(ask(_live(market_data, tables), {"OLD": Decimal("1")}))
    with pytest.raises(PriceSourceError, match="ConnectError"):
        asyncio.run(ask(_live(f"http://127.0.0.1:{free_port()}/api/v3", tables), {"BTC": Decimal("1")}))


def test_feed_with_the_live_source_publishes_its_prices(market_data: str, redis_client: Redis) -> None:
    asset_id = "Z" + os.urandom(4).hex().upper()
    MarketDataHandler.prices["scratch-coin"] = 0.000123456789
    client = httpx.AsyncClient(base_url=market_data)
    feed = PriceFeed(
        source=CoinGeckoPrices(client, {asset_id: "scratch-coin"}),
        cache=PriceCache(redis_client),
        lease=LeaderLease(redis_client, ttl_seconds=30, key=f"test:lease:{asset_id}"),
        active_prices=lambda: {asset_id: Decimal("100.00")},
        metrics=FeedMetrics(CollectorRegistry()),
        interval_seconds=1,
        persist_every_ticks=1000,
    )

    async def scenario() -> None:
        assert await feed.tick() == "published"
        await feed.close()

    try:
        asyncio.run(scenario())
        assert PriceCache(redis_client).get(asset_id) == Decimal("0.000123457")
        assert client.is_closed
    finally:
        redis_client.hdel(PRICES_KEY, asset_id)
