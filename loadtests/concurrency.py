"""Concurrency on one account: many clients of the same user buy, sell and withdraw at the same moment.

Refusals the ledger's conditions produce (not enough cash or holdings, a daily limit) are correct answers,
and so is the contract's answer when the account's lock cannot be had in time (503 ``account_busy`` with
Retry-After: backpressure, recorded and counted apart); anything else is an error. The money invariants
checked after the run say the rest.
"""

from __future__ import annotations

import random
from typing import Any

from gevent.lock import Semaphore
from locust import task

from loadtests.scripted import observe
from loadtests.users import Account, AccountUser, Reply

REFUSALS = {"insufficient_balance", "insufficient_asset_balance", "daily_limit_exceeded"}
shared: dict[str, Account] = {}
_creating = Semaphore()


def ledger_refusal_or_backpressure(status: int, body: Any, headers: dict[str, str]) -> str | None:
    code = body.get("code") if isinstance(body, dict) else None
    if status == 422 and code not in REFUSALS:
        return f"422 for another reason: {code}"
    if status == 503 and (code != "account_busy" or "retry-after" not in headers):
        return f"503 that is not the lock's backpressure: {code}"
    return None


class SharedAccountUser(AccountUser):
    def on_start(self) -> None:
        super().on_start()
        with _creating:
            if "account" not in shared:
                account = self.sign_up("shared")
                self.call("POST", "/api/v1/balance/deposit", (201,), headers=account.headers, json={"amount": 3000})
                shared["account"] = account
        self.account = shared["account"]

    def write(self, path: str, body: dict[str, Any]) -> None:
        reply: Reply = self.call("POST", path, (201, 422, 503), headers=self.account.headers, json=body,
                                 judge=ledger_refusal_or_backpressure)
        if reply.status == 503:
            observe("account_busy", reply, path=path)

    @task(3)
    def buy(self) -> None:
        self.write("/api/v1/orders", {"order_type": "market_buy", "asset_id": "ETH",
                                      "quantity": random.choice(("0.01", "0.05"))})

    @task(2)
    def sell(self) -> None:
        self.write("/api/v1/orders", {"order_type": "market_sell", "asset_id": "ETH",
                                      "quantity": random.choice(("0.01", "0.05"))})

    @task(2)
    def withdraw(self) -> None:
        self.write("/api/v1/balance/withdraw", {"amount": random.choice((5, 50, 400))})

    @task(1)
    def balance(self) -> None:
        self.call("GET", "/api/v1/balance", (200,), headers=self.account.headers)
