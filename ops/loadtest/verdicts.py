"""Security verdicts, drawn from what the scripted scenarios observed (``loadtests.scripted.observe``):
each observation is a dict with ``kind``, ``status``, ``code``, ``t`` (finish time), ``ms``, ``circuit``,
``rate_headers`` and the scenario's own facts."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ops.loadtest.report import Check

Observation = Mapping[str, Any]
RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")


def _of(observations: Sequence[Observation], *kinds: str) -> list[Observation]:
    return sorted((o for o in observations if o["kind"] in kinds), key=lambda o: o["t"])


def rate_limit(observations: Sequence[Observation], limit: int, period_s: float) -> list[Check]:
    rate = limit / period_s
    counted = _of(observations, "burst", "after_retry_after")
    headed = [o for o in counted if all(h in o["rate_headers"] for h in RATE_HEADERS)
              and o["rate_headers"]["x-ratelimit-limit"] == str(limit)]
    refused = [o for o in counted if o["status"] == 429]
    well_formed = [o for o in refused if o["code"] == "RATE_001" and int(o["rate_headers"].get("retry-after", 0)) >= 1]
    starts, totals = [], []
    by_client: dict[str, list[Observation]] = defaultdict(list)
    for o in _of(observations, "burst"):
        by_client[o["client"]].append(o)
    for client, burst in sorted(by_client.items()):
        first = next((i for i, o in enumerate(burst) if o["status"] == 429), None)
        if first is None:
            starts.append((client, False, f"{client}: no 429 in {len(burst)} requests"))
            continue
        window = math.ceil((burst[first]["t"] - burst[0]["t"]) * rate) + 1
        starts.append((client, limit - 1 <= first <= limit + window,
                       f"{client}: first 429 after {first} allowed (limit {limit}, ±{window})"))
        allowed = sum(1 for o in burst if o["status"] == 200)
        bound = limit + math.ceil((burst[-1]["t"] - burst[0]["t"]) * rate) + 1
        totals.append((allowed <= bound, f"{client}: {allowed} allowed of {len(burst)} (at most {bound})"))
    after = _of(observations, "after_retry_after")
    return [
        Check("every counted response carries X-RateLimit-Limit/Remaining/Reset with the configured limit",
              bool(counted) and len(headed) == len(counted), f"{len(headed)} of {len(counted)} responses"),
        Check("429s start at the configured limit (± one window's refill) for every client",
              bool(starts) and all(ok for _, ok, _ in starts), "; ".join(detail for _, _, detail in starts)),
        Check("no client gets more than the rule allows over its burst",
              bool(totals) and all(ok for ok, _ in totals), "; ".join(detail for _, detail in totals)),
        Check("every 429 is RATE_001 with Retry-After >= 1", bool(refused) and len(well_formed) == len(refused),
              f"{len(well_formed)} of {len(refused)}"),
        Check("after waiting Retry-After the client is served again", bool(after) and all(
            o["status"] == 200 for o in after), f"{[o['status'] for o in after]}"),
    ]


def brute_force(observations: Sequence[Observation], max_failures: int) -> list[Check]:
    attempts = sorted(_of(observations, "attempt"), key=lambda o: o["attempt"])
    first_block = next((i for i, o in enumerate(attempts) if o["status"] == 403), None)
    blocked = attempts[first_block:] if first_block is not None else []
    refused = [o for o in blocked if o["status"] == 403 and o["code"] == "AUTH_004"
               and int(o["rate_headers"].get("retry-after", 0)) > 0]
    owner = _of(observations, "bystander")
    return [
        Check(f"the client is blocked after exactly {max_failures} failed logins",
              first_block == max_failures and all(o["status"] == 401 for o in attempts[:max_failures]),
              f"statuses {[o['status'] for o in attempts]}"),
        Check("every later login from it, the right password included, is 403 AUTH_004 with Retry-After",
              bool(blocked) and len(refused) == len(blocked) and blocked[-1].get("password") == "right",
              f"{len(refused)} of {len(blocked)}"),
        Check("the account's owner, from another address, still logs in", bool(owner) and all(
            o["status"] == 200 for o in owner), f"{[o['status'] for o in owner]}"),
    ]


def token_abuse(observations: Sequence[Observation], expected_cases: int) -> list[Check]:
    abuse = _of(observations, "abuse")
    refused = [o for o in abuse if o["status"] == 401 and o["code"] == "AUTH_001"]
    let_in = Counter(f"{o['case']} {o['method']} {o['route']} -> {o['status']}" for o in abuse if o not in refused)
    cases = {o["case"] for o in abuse}
    foreign = _of(observations, "foreign_order", "foreign_listing", "foreign_history")
    balance = _of(observations, "victim_balance")
    return [
        Check("every request with a missing, malformed, forged, expired or revoked token is refused 401 AUTH_001",
              bool(abuse) and len(refused) == len(abuse) and len(cases) >= expected_cases,
              f"{len(refused)} of {len(abuse)} refused over {len(cases)} cases"
              + (f"; not refused: {dict(let_in)}" if let_in else "")),
        Check("another user's order id answers 404, and no listing shows it",
              len(foreign) == 3 and not any(o["leaked"] for o in foreign)
              and next(o for o in foreign if o["kind"] == "foreign_order")["status"] == 404,
              f"{[(o['kind'], o['status'], 'leaked' if o['leaked'] else 'hidden') for o in foreign]}"),
        Check("the victim's balance did not move", bool(balance) and balance[0]["before"] == balance[0]["after"],
              f"{balance[0]['before']} -> {balance[0]['after']}" if balance else "not observed"),
    ]


def _percentiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    return f"p50 {ordered[len(ordered) // 2]:.1f} ms, max {ordered[-1]:.1f} ms over {len(ordered)}"


def breaker(observations: Sequence[Observation], marks: Mapping[str, float], threshold: int, users: int,
            rejections: float, state_at_end: float) -> list[Check]:
    reads = _of(observations, "read")
    stop, down = marks.get("stop_requested"), marks.get("down")
    if stop is None or down is None or "up" not in marks:
        return [Check("the upstream was stopped and started again", False, f"timeline {dict(marks)}")]
    before = [o for o in reads if o["t"] < stop]
    after_stop = [o for o in reads if o["t"] >= stop]
    open_answers = [o for o in after_stop if o["status"] == 503 and o["circuit"] == "open"]
    first_open = next((o["t"] for o in open_answers), math.inf)
    unreachable = [o for o in after_stop if o["status"] == 503 and o["circuit"] != "open"]
    first_success = next((o for o in reads if o["t"] > marks["up"] and o["status"] == 200), None)
    recovery = first_success["t"] if first_success else None
    # Sent once the first success had come back: reads sent while that half-open probe was still in flight are
    # refused fast as the breaker documents, not a relapse.
    recovered_at = first_success["t"] + first_success["ms"] / 1000 if first_success else math.inf
    after_recovery = [o for o in reads if o["t"] > recovered_at]
    return [
        Check("no 5xx before the upstream was stopped", bool(before) and all(o["status"] < 500 for o in before),
              f"{len(before)} reads"),
        Check("the breaker opened: 503 SVC_002 with X-Circuit-State: open, told apart from 'unreachable'",
              bool(open_answers) and all(o["code"] == "SVC_002" for o in open_answers + unreachable),
              f"{len(open_answers)} open-circuit answers, {len(unreachable)} 'unreachable' answers"),
        Check(f"it opened after at most {threshold} consecutive failures (+{users - 1} in flight)",
              sum(1 for o in unreachable if o["t"] < first_open) <= threshold + users - 1,
              f"{sum(1 for o in unreachable if o['t'] < first_open)} failures before the first open answer"),
        Check("failing fast: every open-circuit answer was counted as a rejection, none waited on the upstream",
              rejections == len(open_answers),
              f"gateway rejections {rejections:g}; open answers {_percentiles([o['ms'] for o in open_answers])}; "
              f"unreachable answers {_percentiles([o['ms'] for o in unreachable])}"),
        Check("it recovered: reads succeed after the upstream came back, with no 5xx since",
              recovery is not None and bool(after_recovery) and all(o["status"] == 200 for o in after_recovery),
              f"recovered {recovery - marks['up']:.1f} s after the restart" if recovery else "never recovered"),
        Check("the breaker is closed at the end", state_at_end == 0, f"gateway_circuit_breaker_state {state_at_end:g}"),
    ]


def server_errors(statuses: Sequence[Mapping[str, Any]]) -> int:
    return sum(int(row["count"]) for row in statuses if int(row["status"]) >= 500)
