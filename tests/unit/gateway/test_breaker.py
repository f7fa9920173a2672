"""The gateway's circuit breaker (``apps.gateway.breaker``) on its injectable clock: no waiting, no servers."""

from __future__ import annotations

import pytest

from apps.gateway.breaker import CLOSED, HALF_OPEN, OPEN, CircuitBreaker

COOLDOWN = 10.0


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def transitions() -> list[tuple[str, str]]:
    return []


def breaker(clock: Clock, transitions: list[tuple[str, str]], half_open_successes: int = 1) -> CircuitBreaker:
    return CircuitBreaker("inventory", failure_threshold=3, cooldown_seconds=COOLDOWN,
                          half_open_successes=half_open_successes,
                          on_transition=lambda _, before, after: transitions.append((before, after)), clock=clock)


def opened(clock: Clock, transitions: list[tuple[str, str]], half_open_successes: int = 1) -> CircuitBreaker:
    circuit = breaker(clock, transitions, half_open_successes)
    for _ in range(3):
        assert circuit.allow()
        circuit.record_failure()
    assert circuit.state == OPEN
    return circuit


def test_consecutive_failures_open_it_and_a_success_between_them_resets_the_count(
    clock: Clock, transitions: list[tuple[str, str]]
) -> None:
    circuit = breaker(clock, transitions)
    for outcome in ("failure", "failure", "success", "failure", "failure"):
        assert circuit.allow()
        if outcome == "failure":
            circuit.record_failure()
        else:
            circuit.record_success()
    assert circuit.state == CLOSED
    circuit.record_failure()
    assert circuit.state == OPEN
    assert transitions == [(CLOSED, OPEN)]


def test_open_fails_fast_until_the_cooldown_has_passed(clock: Clock, transitions: list[tuple[str, str]]) -> None:
    circuit = opened(clock, transitions)
    clock.now += COOLDOWN - 0.001
    assert not circuit.allow()
    assert circuit.retry_after_seconds() == 1
    clock.now += 0.001
    assert circuit.allow(), "the first call after the cooldown is the probe"
    assert circuit.state == HALF_OPEN


def test_half_open_lets_one_probe_through_at_a_time(clock: Clock, transitions: list[tuple[str, str]]) -> None:
    circuit = opened(clock, transitions)
    clock.now += COOLDOWN
    assert [circuit.allow() for _ in range(3)] == [True, False, False]


def test_a_failed_probe_opens_it_again_for_a_whole_cooldown(clock: Clock, transitions: list[tuple[str, str]]) -> None:
    circuit = opened(clock, transitions)
    clock.now += COOLDOWN + 5  # the probe comes late: the new cooldown counts from its failure
    assert circuit.allow()
    circuit.record_failure()
    assert circuit.state == OPEN
    assert circuit.retry_after_seconds() == COOLDOWN
    clock.now += COOLDOWN - 0.001
    assert not circuit.allow()
    assert circuit.state == OPEN
    clock.now += 0.001
    assert circuit.allow()
    assert transitions == [(CLOSED, OPEN), (OPEN, HALF_OPEN), (HALF_OPEN, OPEN), (OPEN, HALF_OPEN)]


def test_a_single_failed_probe_reopens_it_whatever_the_threshold(
    clock: Clock, transitions: list[tuple[str, str]]
) -> None:
    circuit = opened(clock, transitions, half_open_successes=2)
    clock.now += COOLDOWN
    assert circuit.allow()
    circuit.record_success()
    assert (circuit.state, circuit.allow()) == (HALF_OPEN, True), "one of two successes: still probing"
    circuit.record_failure()
    assert circuit.state == OPEN
    assert transitions[-1] == (HALF_OPEN, OPEN)


def test_enough_successful_probes_close_it(clock: Clock, transitions: list[tuple[str, str]]) -> None:
    circuit = opened(clock, transitions, half_open_successes=2)
    clock.now += COOLDOWN
    for _ in range(2):
        assert circuit.allow()
        circuit.record_success()
    assert circuit.state == CLOSED
    assert [circuit.allow() for _ in range(3)] == [True, True, True]
    assert transitions == [(CLOSED, OPEN), (OPEN, HALF_OPEN), (HALF_OPEN, CLOSED)]


def test_an_abandoned_probe_frees_the_slot_without_deciding(clock: Clock, transitions: list[tuple[str, str]]) -> None:
    circuit = opened(clock, transitions)
    clock.now += COOLDOWN
    assert circuit.allow()
    circuit.abandon()
    assert circuit.state == HALF_OPEN
    assert circuit.allow(), "the next call gets the probe slot"
