"""Token abuse: every protected route with no token, a malformed one, a tampered, expired, unsigned or
foreign-key token, an HMAC-with-the-public-key forgery and a revoked token; then another user's order ids.
Every one of these requests must be refused, and the victim's balance must not move.
"""

from __future__ import annotations

import json
from typing import Any

from loadtests.forgery import forged_tokens, load_key
from loadtests.options import option
from loadtests.scripted import ScriptedUser, observe
from loadtests.users import Account, synthetic_address
from ops.accounts import account_id

ORDER_ROUTE = "/api/v1/orders/{order_id}"


def _targets(order_id: str) -> list[tuple[str, str, str | None, Any]]:
    return [
        ("GET", "/api/v1/balance", None, None),
        ("GET", "/api/v1/portfolio", None, None),
        ("GET", "/api/v1/auth/profile", None, None),
        ("POST", "/api/v1/balance/withdraw", None, {"amount": 100}),
        ("POST", "/api/v1/orders", None, {"order_type": "market_sell", "asset_id": "ETH", "quantity": "0.01"}),
        ("GET", f"/api/v1/orders/{order_id}", ORDER_ROUTE, None),
    ]


class TokenAbuseUser(ScriptedUser):
    def script(self) -> None:
        key = load_key(option(self.environment, "cnop_signing_key"))
        self.client_address = synthetic_address()
        victim = self.sign_up("victim")
        self.call("POST", "/api/v1/balance/deposit", (201,), headers=victim.headers, json={"amount": 500})
        bought = self.call("POST", "/api/v1/orders", (201,), headers=victim.headers,
                           json={"order_type": "market_buy", "asset_id": "ETH", "quantity": "0.01"}).data()
        order_id = str(bought["order_id"]) if isinstance(bought, dict) else "ord_missing_0000"
        before = self._balance(victim)
        attacker = self.sign_up("attacker")

        cases: dict[str, str | None] = {"none": None, "wrong_scheme": "Basic dmljdGltOnNlY3JldA=="}
        forged = forged_tokens(key, victim.username, account_id(victim.token), attacker.token)
        cases |= {name: f"Bearer {token}" for name, token in forged.items()}
        for case, authorization in cases.items():
            self._refused_everywhere(case, {"Authorization": authorization} if authorization else {}, order_id)

        revoked = Account(attacker.username, str(self.login(attacker.username).body["access_token"]))
        self.call("POST", "/api/v1/auth/logout", (200,), headers=revoked.headers)
        self._refused_everywhere("revoked", revoked.headers, order_id)

        for kind, path, name, expect in (
            ("foreign_order", f"/api/v1/orders/{order_id}", ORDER_ROUTE, (404,)),
            ("foreign_listing", "/api/v1/orders", None, (200,)),
            ("foreign_history", "/api/v1/assets/ETH/transactions", "/api/v1/assets/{asset_id}/transactions", (200,)),
        ):
            reply = self.call("GET", path, expect, name=name, headers=attacker.headers)
            observe(kind, reply, leaked=order_id in json.dumps(reply.body))
        after = self._balance(victim)
        observe("victim_balance", self.call("GET", "/api/v1/balance", (200,), headers=victim.headers),
                before=before, after=after)

    def _refused_everywhere(self, case: str, headers: dict[str, str], order_id: str) -> None:
        for method, path, name, body in _targets(order_id):
            reply = self.call(method, path, (401,), name=name, headers=headers, json=body)
            observe("abuse", reply, case=case, route=name or path, method=method)

    def _balance(self, account: Account) -> str | None:
        body = self.call("GET", "/api/v1/balance", (200,), headers=account.headers).body
        return str(body.get("current_balance")) if isinstance(body, dict) else None
