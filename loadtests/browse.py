"""Public browsing: anonymous visitors reading the catalogue and asset pages, now and then a stale link."""

from __future__ import annotations

import os
import random

from locust import task

from loadtests.users import ApiUser

POPULAR = ("BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "LINK", "DOT", "LTC", "AVAX")


class BrowserUser(ApiUser):
    weight = 1

    @task(3)
    def catalogue(self) -> None:
        self.call("GET", f"/api/v1/inventory/assets?limit={random.choice((10, 25, 50, 100))}", (200,))

    @task(1)
    def whole_catalogue(self) -> None:
        self.call("GET", "/api/v1/inventory/assets?active_only=false&limit=250", (200,))

    @task(6)
    def asset_page(self) -> None:
        asset_id = random.choice(POPULAR)
        self.call("GET", f"/api/v1/inventory/assets/{asset_id.lower() if random.random() < 0.2 else asset_id}",
                  (200,), name="/api/v1/inventory/assets/{asset_id}")

    @task(1)
    def stale_link(self) -> None:
        """An asset that does not exist: a 404 is the right answer."""
        self.call("GET", f"/api/v1/inventory/assets/ZZ{os.urandom(3).hex().upper()}", (404,),
                  name="/api/v1/inventory/assets/{asset_id}")
