"""The tests' one waiting helper: what it returns, how it gives up, and that it does not hide errors."""

from __future__ import annotations

import itertools

import pytest

from tests.support.waiting import wait_until


def test_returns_the_first_answer_that_is_done() -> None:
    answers = itertools.count()
    assert wait_until(lambda: next(answers), lambda n: n >= 3, timeout=5, what="three", every=0) == 3


def test_gives_up_naming_what_it_waited_for_and_the_last_answer() -> None:
    with pytest.raises(AssertionError, match=r"gave up after 0.2s waiting for the door to open; last answer: 'shut'"):
        wait_until(lambda: "shut", lambda state: state == "open", timeout=0.2, what="the door to open", every=0.05)


def test_an_error_of_the_probe_fails_at_once() -> None:
    calls = []

    def probe() -> bool:
        calls.append(1)
        raise LookupError("broken probe")

    with pytest.raises(LookupError, match="broken probe"):
        wait_until(probe, timeout=5, what="anything")
    assert len(calls) == 1
