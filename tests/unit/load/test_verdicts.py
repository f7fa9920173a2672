"""Security verdicts drawn from scenario observations: each passes on the right story and fails on a wrong one."""

from __future__ import annotations

from typing import Any

from ops.loadtest.fuzz import FuzzResult
from ops.loadtest.report import Check, StepReport
from ops.loadtest.security_extras import no_server_errors_check
from ops.loadtest.verdicts import breaker, brute_force, rate_limit, token_abuse

LIMIT, PERIOD = 20, 10.0


def _seen(kind: str, status: int, t: float, **facts: Any) -> dict[str, Any]:
    return {"kind": kind, "status": status, "t": t, "ms": 1.0, "circuit": None, "rate_headers": {},
            "code": {429: "RATE_001", 401: "AUTH_001", 403: "AUTH_004", 503: "SVC_002"}.get(status), **facts}


def _burst(client: str, allowed: int, sent: int = 40, headers: bool = True) -> list[dict[str, Any]]:
    seen = []
    for i in range(sent):
        status = 200 if i < allowed else 429
        rate = {"x-ratelimit-limit": str(LIMIT), "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"} if headers \
            else {}
        if status == 429:
            rate["retry-after"] = "1"
        seen.append(_seen("burst", status, 100 + i * 0.005, client=client, rate_headers=rate))
    after = {"x-ratelimit-limit": str(LIMIT), "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1"}
    return [*seen, _seen("after_retry_after", 200, 102.0, client=client, rate_headers=after)]


def _verdicts(checks: list[Any]) -> list[bool]:
    return [check.passed for check in checks]


def test_rate_limit_verdicts() -> None:
    assert all(_verdicts(rate_limit(_burst("a", 20) + _burst("b", 21), LIMIT, PERIOD)))
    late = rate_limit(_burst("a", 30), LIMIT, PERIOD)
    assert _verdicts(late) == [True, False, False, True, True]
    never = rate_limit(_burst("a", 40), LIMIT, PERIOD)
    assert not never[1].passed and "no 429" in never[1].detail
    headless = rate_limit(_burst("a", 20, headers=False), LIMIT, PERIOD)
    assert not headless[0].passed


def _attempts(statuses: list[int], owner: int = 200) -> list[dict[str, Any]]:
    seen = [_seen("attempt", s, i, attempt=i, password="right" if i == len(statuses) - 1 else "wrong",
                  rate_headers={"retry-after": "120"} if s == 403 else {}) for i, s in enumerate(statuses)]
    return [*seen, _seen("bystander", owner, 99)]


def test_brute_force_verdicts() -> None:
    assert all(_verdicts(brute_force(_attempts([401] * 5 + [403] * 4), 5)))
    assert _verdicts(brute_force(_attempts([401] * 6 + [403] * 3), 5))[0] is False
    assert _verdicts(brute_force(_attempts([401] * 9), 5))[:2] == [False, False]
    assert _verdicts(brute_force(_attempts([401] * 5 + [403] * 4, owner=403), 5)) == [True, True, False]


def _abuse(status: int = 401, cases: int = 15, leaked: bool = False, after: str = "10.00") -> list[dict[str, Any]]:
    seen = [_seen("abuse", status, i, case=f"case{i}", route="/api/v1/balance", method="GET") for i in range(cases)]
    seen += [_seen("foreign_order", 404, 50, leaked=leaked), _seen("foreign_listing", 200, 51, leaked=False),
             _seen("foreign_history", 200, 52, leaked=False),
             _seen("victim_balance", 200, 53, before="10.00", after=after)]
    return seen


def test_token_abuse_verdicts() -> None:
    assert all(_verdicts(token_abuse(_abuse(), 15)))
    assert _verdicts(token_abuse(_abuse(status=200), 15)) == [False, True, True]
    assert _verdicts(token_abuse(_abuse(cases=14), 15))[0] is False, "a case that was never tried is a failure"
    assert _verdicts(token_abuse(_abuse(leaked=True, after="9.00"), 15)) == [True, False, False]


def _reads(pattern: list[tuple[float, int, str | None]]) -> list[dict[str, Any]]:
    return [{**_seen("read", status, t), "circuit": circuit} for t, status, circuit in pattern]


MARKS = {"stop_requested": 10.0, "down": 10.5, "up": 15.0}


def _story(after_recovery: int = 200) -> list[dict[str, Any]]:
    return _reads([(9.0, 200, None), (9.5, 200, None), (10.6, 503, None), (10.7, 503, None), (10.8, 503, None),
                   (11.0, 503, "open"), (12.0, 503, "open"), (14.0, 503, "open"), (15.5, 200, None),
                   (16.0, after_recovery, None), (17.0, 200, None)])


def test_breaker_verdicts() -> None:
    assert all(_verdicts(breaker(_story(), MARKS, threshold=3, users=1, rejections=3, state_at_end=0)))
    relapse = breaker(_story(after_recovery=503), MARKS, threshold=3, users=1, rejections=3, state_at_end=0)
    assert [c.passed for c in relapse][4] is False
    slow = breaker(_story(), MARKS, threshold=3, users=1, rejections=1, state_at_end=1)
    assert [c.passed for c in slow] == [True, True, True, False, True, False]
    late_open = breaker(_story(), MARKS, threshold=2, users=1, rejections=3, state_at_end=0)
    assert [c.passed for c in late_open][2] is False
    assert not breaker(_story(), {"stop_requested": 10.0}, 3, 1, 3, 0)[0].passed, "an upstream never restarted"


def test_reads_refused_while_the_half_open_probe_is_in_flight_are_not_a_relapse() -> None:
    probe = {**_seen("read", 200, 15.5), "ms": 300.0}  # the restarted app's first answer is slow
    during_probe = {**_seen("read", 503, 15.6), "circuit": "open"}
    after = [_seen("read", 200, 15.9), _seen("read", 200, 16.5)]
    story = [*_story()[:8], probe, during_probe, *after]
    assert breaker(story, MARKS, threshold=3, users=2, rejections=4, state_at_end=0)[4].passed
    relapse = [*story, {**_seen("read", 503, 16.7), "circuit": "open"}]
    assert not breaker(relapse, MARKS, threshold=3, users=2, rejections=5, state_at_end=0)[4].passed


def _step(name: str, statuses: list[tuple[int, int]], busy: int = 0, checks: list[Check] | None = None) -> StepReport:
    summary = {"statuses": [{"method": "GET", "name": "/x", "status": s, "count": c} for s, c in statuses],
               "backpressure_503": busy}
    return StepReport(name, "", "http://127.0.0.1:1", 0, False, 1.0, summary=summary, checks=checks or [])


def test_no_5xx_outside_the_breaker_window_with_backpressure_counted_apart() -> None:
    breaker_ok = _step("security-breaker", [(200, 50), (503, 40)],
                       checks=[Check("no 5xx before the upstream was stopped", True, "")])
    clean = [_step("security-ratelimit", [(200, 20), (429, 20)]), _step("security-concurrency", [(201, 9), (503, 2)],
                                                                        busy=2), breaker_ok]
    assert no_server_errors_check(clean, FuzzResult(cases=10)).passed
    stray = [_step("security-concurrency", [(201, 9), (503, 3)], busy=2), breaker_ok]
    assert not no_server_errors_check(stray, FuzzResult(cases=10)).passed
    fuzzed = FuzzResult(cases=10, server_errors=["GET /api/v1/balance: 500"])
    assert not no_server_errors_check(clean, fuzzed).passed
    leaky = _step("security-breaker", [(503, 40)], checks=[Check("no 5xx before the upstream was stopped", False, "")])
    assert not no_server_errors_check([clean[0], leaky], FuzzResult(cases=10)).passed
