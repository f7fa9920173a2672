"""The security run's checks that are not one scenario's: the breaker's counters, schemathesis with a
registered user's fresh tokens, and "no 5xx outside the deliberate breaker period" across every step."""

from __future__ import annotations

import httpx

from ops.accounts import GATEWAY_PREFIX, registration, sign_up, unique_username
from ops.loadtest.crosscheck import gateway_sample
from ops.loadtest.fuzz import FuzzResult, fuzz
from ops.loadtest.report import Check, StepReport
from ops.loadtest.slice import SecuritySlice
from ops.loadtest.verdicts import server_errors
from ops.tokens import mint

BREAKER_STEP = "security-breaker"
FUZZ_CLIENT = "198.18.255.254"
"""A synthetic address of its own: schemathesis' random logins never touch a real client's guard state."""


def breaker_state(gateway_url: str) -> tuple[float, float]:
    """The inventory breaker's rejections so far and its state (0 closed, 1 open, 2 half-open)."""
    rejected = gateway_sample(gateway_url, "gateway_circuit_breaker_rejections_total", upstream="inventory")
    return rejected, gateway_sample(gateway_url, "gateway_circuit_breaker_state", upstream="inventory")


def fuzz_check(slice_: SecuritySlice, examples: int) -> FuzzResult:
    gateway = slice_.gateway_url("open")
    headers = {"X-Forwarded-For": FUZZ_CLIENT}
    with httpx.Client(base_url=gateway, headers=headers, timeout=30, trust_env=False) as api:
        account = sign_up(api, registration(unique_username("fuzz")), prefix=GATEWAY_PREFIX)
        api.post("/api/v1/balance/deposit", json={"amount": 1000}, headers=account.headers).raise_for_status()
    return fuzz(gateway, lambda: mint(slice_.keys.private_key, account.username, account.user_id), headers, examples)


def no_server_errors_check(steps: list[StepReport], fuzzed: FuzzResult) -> Check:
    """The lock's backpressure (503 account_busy with Retry-After, the contract's answer when one account's
    lock cannot be had in time) is counted apart; any other 5xx outside the breaker's window fails."""
    outside: dict[str, int] = {}
    backpressure = 0
    for step in steps:
        if step.name == BREAKER_STEP:
            continue
        summary = step.summary or {}
        busy = int(summary.get("backpressure_503", 0))
        backpressure += busy
        outside[step.name] = server_errors(summary.get("statuses", [])) - busy
    breaker = next((step for step in steps if step.name == BREAKER_STEP), None)
    bounded = breaker is not None and all(check.passed for check in breaker.checks if "5xx" in check.name)
    total = sum(outside.values()) + len(fuzzed.server_errors)
    return Check("no 5xx outside the deliberate breaker period", total == 0 and bounded,
                 f"5xx per step {outside}, schemathesis {len(fuzzed.server_errors)}; account_busy backpressure "
                 f"{backpressure}; breaker step's 5xx {'confined to the stop' if bounded else 'NOT confined'}")
