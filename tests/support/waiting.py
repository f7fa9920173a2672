"""Waiting for something to happen: one deadline, one interval, and a failure that says what never happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tenacity import RetryError, Retrying, retry_if_result, stop_after_delay, wait_fixed

T = TypeVar("T")


def wait_until(probe: Callable[[], T], done: Callable[[T], bool] = bool, *, timeout: float, what: str,
               every: float = 0.1) -> T:
    """Calls ``probe`` every ``every`` seconds until ``done`` holds for its answer, and returns that answer.

    After ``timeout`` seconds the test fails, naming ``what`` it waited for and the last answer. The timeout
    bounds a wait, it asserts nothing about speed. An exception from ``probe`` fails at once: a probe that
    expects errors while waiting catches them and answers with something ``done`` refuses.
    """
    retrying = Retrying(stop=stop_after_delay(timeout), wait=wait_fixed(every),
                        retry=retry_if_result(lambda answer: not done(answer)))
    try:
        return retrying(probe)
    except RetryError as gave_up:
        last = gave_up.last_attempt.result()
        raise AssertionError(f"gave up after {timeout:g}s waiting for {what}; last answer: {last!r}") from None
