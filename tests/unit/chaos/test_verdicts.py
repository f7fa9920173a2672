"""The chaos verdicts over hand-made journals: what passes, and what each one catches."""

from __future__ import annotations

from pathlib import Path

import pytest

from ops.chaos import verdicts
from ops.chaos.scenarios import Fault, ScenarioError, load_scenarios
from ops.chaos.verdicts import LIVE, REVOKED, Answer, Window

START, END = 100.0, 105.0


def answer(t: float, status: int, name: str = "/api/v1/balance", ms: float = 5.0, retry_after: bool = False,
           circuit_open: bool = False, method: str = "GET") -> Answer:
    return Answer(t, ms, method, name, status, None, retry_after, circuit_open, "ConnectionRefusedError"
                  if status == 0 else None)


def window(kind: str = "kill", target: str = "redis") -> Window:
    return Window(Fault(kind=kind, target=target, at_s=0, duration_s=5), START, END)


def test_a_503_with_retry_after_is_the_only_5xx_allowed() -> None:
    good = [answer(1, 200), answer(2, 503, retry_after=True)]
    assert verdicts.no_server_errors(good).passed
    assert not verdicts.no_server_errors([*good, answer(3, 503)]).passed
    assert not verdicts.no_server_errors([*good, answer(3, 500)]).passed
    assert not verdicts.no_server_errors([*good, answer(3, 502)]).passed


def test_no_answer_is_allowed_only_while_the_gateway_is_down_and_coming_back() -> None:
    down = window(target="gateway")
    in_flight_at_the_kill = answer(START - 0.01, 0, ms=20)
    assert verdicts.documented_answers([in_flight_at_the_kill, answer(102, 0), answer(END + 2, 0)], [down], 5).passed
    assert not verdicts.documented_answers([answer(END + 6, 0)], [down], 5).passed
    assert not verdicts.documented_answers([answer(102, 0)], [window(target="redis")], 5).passed


def test_during_a_fault_only_documented_statuses() -> None:
    fault = window()
    documented = [answer(101, s, retry_after=s == 503) for s in (200, 201, 401, 404, 409, 422, 429, 503)]
    assert verdicts.documented_answers(documented, [fault], 5).passed
    assert not verdicts.documented_answers([answer(101, 405)], [fault], 5).passed


def test_recovery_is_the_first_success_on_the_routes_the_fault_affected() -> None:
    public = answer(END + 0.1, 200, name="/api/v1/inventory/assets")
    signed_in = answer(END + 3, 200, name="/api/v1/portfolio")
    check, seconds = verdicts.recovery([public, signed_in], [window(target="redis")], 5)
    assert check.passed and seconds == {"kill redis": 3.0}, "a public route does not need Redis: it does not count"
    check, seconds = verdicts.recovery([public], [window(target="redis")], 5)
    assert not check.passed and seconds == {"kill redis": None}
    order = answer(END + 7, 201, name="/api/v1/orders", method="POST")
    check, seconds = verdicts.recovery([signed_in, order], [window(target="order")], 5)
    assert not check.passed and seconds == {"kill order": 7.0}


def test_a_revoked_token_served_once_fails_and_silence_is_not_a_pass() -> None:
    assert verdicts.revoked_never_served([answer(1, 401, name=REVOKED), answer(2, 503, name=REVOKED,
                                                                             retry_after=True)]).passed
    assert not verdicts.revoked_never_served([answer(1, 401, name=REVOKED), answer(2, 200, name=REVOKED)]).passed
    assert not verdicts.revoked_never_served([answer(1, 200, name=LIVE)]).passed


def test_answers_while_paused_must_come_in_bounded_time() -> None:
    paused = window(kind="pause")
    assert verdicts.bounded_answers([answer(101, 503, ms=2000, retry_after=True)], [paused], 3).passed
    assert not verdicts.bounded_answers([answer(101, 200, ms=4000)], [paused], 3).passed


def test_the_breaker_must_have_opened_and_failed_requests_fast() -> None:
    fast = answer(102, 503, name="/api/v1/orders", retry_after=True, circuit_open=True, method="POST")
    assert verdicts.breaker_opened("order", 1, [fast]).passed
    assert not verdicts.breaker_opened("order", 0, [fast]).passed
    assert not verdicts.breaker_opened("order", 1, [answer(102, 503, retry_after=True)]).passed


def test_dynamodb_loss_must_show_in_health() -> None:
    assert verdicts.loss_said(["ok", "unavailable"]).passed
    assert not verdicts.loss_said(["ok", "ok"]).passed


def test_the_scenarios_file_loads_and_names_a_bad_fault(tmp_path: Path) -> None:
    config = load_scenarios()
    assert {fault.kind for scenario in config.scenarios.values() for fault in scenario.faults} >= {
        "kill", "lose", "pause", "latency"}
    bad = tmp_path / "chaos.toml"
    bad.write_text('[defaults]\nworkload = "chaos"\nwarm_up_s = 1\nsettle_s = 1\nmax_recovery_s = 1\n'
                   'max_answer_s = 1\n[scenarios.x]\ndescription = "x"\n'
                   'faults = [{ kind = "lose", target = "order", at_s = 0, duration_s = 1 }]\n')
    with pytest.raises(ScenarioError, match="only aws and redis hold data to lose"):
        load_scenarios(bad)
