"""Trader journey: register, log in, deposit, then browse, buy and sell, check the portfolio, the history
and the insights, with think time between steps.

The trader keeps its own view of cash and holdings, so it only places orders the account can afford:
any 4xx or 5xx here is unexpected and counts as an error.
"""

from __future__ import annotations

import random
import time
from decimal import ROUND_DOWN, Decimal

from locust import task
from locust.exception import StopUser

from loadtests.users import Account, AccountUser

STEP = Decimal("0.001")
ORDER_USD = Decimal("25")
FIRST_DEPOSIT = Decimal("2000")
TOP_UP = Decimal("1000")
DAILY_DEPOSITS = Decimal("9000")
"""Stays under the user app's default daily deposit limit (10,000)."""
INSIGHTS_EVERY_S = 30.0
"""One insights request per trader per 30 s at most: the local per-client insights limit is 120 a minute."""


class TraderUser(AccountUser):
    weight = 4

    def on_start(self) -> None:
        super().on_start()
        self.account: Account = self.sign_up("trader")
        self.cash = Decimal("0")
        self.deposited = Decimal("0")
        self.holdings: dict[str, Decimal] = {}
        self.orders: list[str] = []
        self.last_insights = -INSIGHTS_EVERY_S
        listing = self.call("GET", "/api/v1/inventory/assets?limit=50", (200,))
        self.prices = {a["asset_id"]: Decimal(str(a["price_usd"])) for a in (listing.data() or [])
                       if a.get("is_active") and a.get("price_usd") and a["price_usd"] >= 1}
        if not self.prices:
            raise StopUser()
        self.deposit(FIRST_DEPOSIT)

    def deposit(self, amount: Decimal) -> None:
        answer = self.call("POST", "/api/v1/balance/deposit", (201,), headers=self.account.headers,
                           json={"amount": float(amount)})
        if answer.status == 201:
            self.cash += amount
            self.deposited += amount

    @task(4)
    def browse_catalogue(self) -> None:
        self.call("GET", f"/api/v1/inventory/assets?limit={random.choice((10, 20, 50))}", (200,))

    @task(4)
    def view_asset(self) -> None:
        asset_id = random.choice(list(self.prices))
        answer = self.call("GET", f"/api/v1/inventory/assets/{asset_id}", (200,),
                           name="/api/v1/inventory/assets/{asset_id}")
        data = answer.data()
        if isinstance(data, dict) and data.get("price_usd"):
            self.prices[asset_id] = Decimal(str(data["price_usd"]))

    @task(3)
    def buy(self) -> None:
        if self.cash < ORDER_USD * 4:
            if self.deposited + TOP_UP <= DAILY_DEPOSITS:
                self.deposit(TOP_UP)
            elif self._held():
                self.sell()
            else:
                self.portfolio()
            return
        asset_id = random.choice(list(self.prices))
        quantity = max(STEP, (ORDER_USD / self.prices[asset_id]).quantize(STEP, ROUND_DOWN))
        self.order("market_buy", asset_id, quantity)

    @task(2)
    def sell(self) -> None:
        held = self._held()
        if not held:
            self.portfolio()
            return
        asset_id = random.choice(held)
        quantity = (self.holdings[asset_id] / 2).quantize(STEP, ROUND_DOWN)
        self.order("market_sell", asset_id, quantity)

    def _held(self) -> list[str]:
        return [asset for asset, quantity in self.holdings.items() if quantity >= 2 * STEP]

    def order(self, order_type: str, asset_id: str, quantity: Decimal) -> None:
        answer = self.call("POST", "/api/v1/orders", (201,), headers=self.account.headers,
                           json={"order_type": order_type, "asset_id": asset_id, "quantity": str(quantity)})
        order = answer.data()
        if answer.status != 201 or not isinstance(order, dict):
            return
        total = Decimal(str(order["total_amount"]))
        sign = 1 if order_type == "market_buy" else -1
        self.cash -= sign * total
        self.holdings[asset_id] = self.holdings.get(asset_id, Decimal("0")) + sign * quantity
        self.orders = [order["order_id"], *self.orders[:19]]

    @task(3)
    def portfolio(self) -> None:
        self.call("GET", "/api/v1/portfolio", (200,), headers=self.account.headers)

    @task(2)
    def balance(self) -> None:
        self.call("GET", "/api/v1/balance", (200,), headers=self.account.headers)

    @task(1)
    def cash_history(self) -> None:
        self.call("GET", "/api/v1/balance/transactions?limit=20", (200,), headers=self.account.headers)

    @task(1)
    def order_history(self) -> None:
        self.call("GET", "/api/v1/orders?limit=20", (200,), headers=self.account.headers)

    @task(1)
    def order_detail(self) -> None:
        if self.orders:
            self.call("GET", f"/api/v1/orders/{random.choice(self.orders)}", (200,),
                      name="/api/v1/orders/{order_id}", headers=self.account.headers)

    @task(1)
    def asset_history(self) -> None:
        if self.holdings:
            asset_id = random.choice(list(self.holdings))
            self.call("GET", f"/api/v1/assets/{asset_id}/transactions", (200,),
                      name="/api/v1/assets/{asset_id}/transactions", headers=self.account.headers)
            self.call("GET", f"/api/v1/balance/asset/{asset_id}", (200,),
                      name="/api/v1/balance/asset/{asset_id}", headers=self.account.headers)

    @task(1)
    def profile(self) -> None:
        self.call("GET", "/api/v1/auth/profile", (200,), headers=self.account.headers)

    @task(1)
    def insights(self) -> None:
        if time.monotonic() - self.last_insights < INSIGHTS_EVERY_S:
            self.portfolio()
            return
        self.last_insights = time.monotonic()
        self.call("GET", "/api/v1/insights/portfolio", (200,), headers=self.account.headers)
