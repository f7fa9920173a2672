"""The workload of ``make chaos``: the trader journey, and a sentinel that keeps presenting a token it logged
out (it must never be served, whatever Redis goes through) beside a live one. Every request goes to the
journal (loadtests/journal.py), which the chaos verdicts read."""

from __future__ import annotations

import time

from locust import constant, task
from locust.exception import StopUser

from loadtests import hooks, journal, trader  # noqa: F401 - the run-wide listeners: gates, cap, the journal
from loadtests.users import Account, AccountUser

REVOKED, LIVE = "sentinel: revoked token", "sentinel: live token"
LOGOUT_ATTEMPTS = 20


class ChaosTrader(trader.TraderUser):  # the module, not the class: Locust would run the base class too
    weight = 6


class RevocationSentinel(AccountUser):
    weight = 1
    fixed_count = 1
    wait_time = constant(0.2)

    def on_start(self) -> None:
        super().on_start()
        self.revoked: Account = self.sign_up("revoked")
        self._log_out(self.revoked)
        self.live: Account = self.sign_up("live")

    def _log_out(self, account: Account) -> None:
        """Until the platform says the token is revoked: a 503 asks to retry (a restarted Redis, say)."""
        for _ in range(LOGOUT_ATTEMPTS):
            answer = self.call("POST", "/api/v1/auth/logout", (200,), headers=account.headers)
            if answer.status == 200:
                return
            time.sleep(float(answer.headers.get("retry-after", "1")))
        raise StopUser()

    @task
    def ask(self) -> None:
        self.call("GET", "/api/v1/balance", (401,), name=REVOKED, headers=self.revoked.headers)
        self.call("GET", "/api/v1/balance", (200,), name=LIVE, headers=self.live.headers)
